"""`CallbackList`: calls a list of callbacks, skipping hooks none overrides."""

from __future__ import annotations

from typing import Any

import torch

from torchkeras.callbacks.callback import Callback
from torchkeras.callbacks.history import History
from torchkeras.callbacks.progbar_logger import ProgbarLogger

_BATCH_HOOKS = (
    "on_train_batch_begin",
    "on_train_batch_end",
    "on_test_batch_begin",
    "on_test_batch_end",
    "on_predict_batch_begin",
    "on_predict_batch_end",
)


def _overrides(callback: Callback, hook: str) -> bool:
    """Return whether `callback` does anything in `hook`."""
    if hook in callback._idle_batch_hooks:
        return False
    # LambdaCallback and user code may set a hook on the instance.
    if hook in vars(callback):
        return True
    method = getattr(type(callback), hook, None)
    if method is None:
        return False
    if method is not getattr(Callback, hook):
        return True
    # The base train hooks forward to the Keras 2 aliases.
    alias = {"on_train_batch_begin": "on_batch_begin", "on_train_batch_end": "on_batch_end"}.get(hook)
    if alias is None:
        return False
    if alias in vars(callback):
        return True
    return getattr(type(callback), alias) is not getattr(Callback, alias)


class CallbackList:
    """A container that forwards each hook to every callback in order.

    Batch hooks are called only on callbacks that override them, and the
    trainer computes the `logs` of a batch only when some callback reads
    them, so idle callbacks cost nothing per step.

    Args:
        callbacks: Callbacks to call.
        add_history: Whether to add a `History` callback if none is given.
        add_progbar: Whether to add a `ProgbarLogger` if none is given.
        model: Model to attach to every callback.
        **params: Training parameters passed to `set_params`.
    """

    def __init__(
        self,
        callbacks=None,
        add_history: bool = False,
        add_progbar: bool = False,
        model=None,
        **params,
    ):
        if isinstance(callbacks, Callback):
            # Keras also accepts a single callback outside a list.
            callbacks = [callbacks]
        elif callbacks is not None and not isinstance(callbacks, (list, tuple)):
            raise TypeError(
                "`callbacks` must be a list of `torchkeras.callbacks.Callback` "
                f"instances. Received: {callbacks!r} of type "
                f"{type(callbacks).__name__}."
            )
        self.callbacks: list[Callback] = list(callbacks or [])
        for callback in self.callbacks:
            if not isinstance(callback, Callback):
                raise TypeError(
                    "Every entry of `callbacks` must be a "
                    "`torchkeras.callbacks.Callback`. Received: "
                    f"{callback!r} of type {type(callback).__name__}."
                )
        self.history = next((c for c in self.callbacks if isinstance(c, History)), None)
        if add_history and self.history is None:
            self.history = History()
            self.callbacks.append(self.history)
        self.progbar = next(
            (c for c in self.callbacks if isinstance(c, ProgbarLogger)), None
        )
        if add_progbar and self.progbar is None:
            self.progbar = ProgbarLogger()
            self.callbacks.insert(0, self.progbar)
        self._batch_listeners = {
            hook: [c for c in self.callbacks if _overrides(c, hook) and c is not self.progbar]
            for hook in _BATCH_HOOKS
        }
        self.params = params
        if model is not None:
            self.set_model(model)
        if params:
            self.set_params(params)

    def append(self, callback: Callback) -> None:
        """Add a callback at the end."""
        self.callbacks.append(callback)
        for hook in _BATCH_HOOKS:
            if _overrides(callback, hook):
                self._batch_listeners[hook].append(callback)

    def set_model(self, model) -> None:
        """Attach `model` to every callback."""
        self.model = model
        for callback in self.callbacks:
            callback.set_model(model)

    def set_params(self, params: dict[str, Any]) -> None:
        """Pass the training parameters to every callback."""
        self.params = params
        for callback in self.callbacks:
            callback.set_params(params)

    def wants_batch_logs(self, hook: str, step: int) -> bool:
        """Return whether any callback reads the logs of batch `step` in `hook`."""
        if self._batch_listeners[hook]:
            return True
        return self.progbar is not None and self.progbar.wants_logs(step)

    def record_steps(self, steps: int) -> None:
        """Tell the progress bar how many steps ran, for unknown-length data."""
        if self.progbar is not None:
            self.progbar.seen_steps = steps

    def has_batch_listeners(self, hook: str) -> bool:
        """Return whether any callback other than the progress bar uses `hook`."""
        return bool(self._batch_listeners[hook])

    def _call_batch_hook(self, hook: str, batch: int, logs) -> None:
        listeners = self._batch_listeners[hook]
        if listeners and logs and not hook.startswith("on_predict"):
            # Callbacks get Python floats, as in Keras. This reads the values
            # from the device only on batches that a callback listens to.
            logs = _to_floats(logs)
        # Keras passes batch logs by keyword, and user functions rely on it.
        for callback in listeners:
            getattr(callback, hook)(batch, logs=logs)
        if self.progbar is not None and hook.endswith("_end"):
            getattr(self.progbar, hook)(batch, logs)

    def on_train_batch_begin(self, batch, logs=None):
        self._call_batch_hook("on_train_batch_begin", batch, logs)

    def on_train_batch_end(self, batch, logs=None):
        self._call_batch_hook("on_train_batch_end", batch, logs)

    def on_test_batch_begin(self, batch, logs=None):
        self._call_batch_hook("on_test_batch_begin", batch, logs)

    def on_test_batch_end(self, batch, logs=None):
        self._call_batch_hook("on_test_batch_end", batch, logs)

    def on_predict_batch_begin(self, batch, logs=None):
        self._call_batch_hook("on_predict_batch_begin", batch, logs)

    def on_predict_batch_end(self, batch, logs=None):
        self._call_batch_hook("on_predict_batch_end", batch, logs)

    def _call_hook(self, hook: str, *args) -> None:
        for callback in self.callbacks:
            getattr(callback, hook)(*args)

    def on_epoch_begin(self, epoch, logs=None):
        self._call_hook("on_epoch_begin", epoch, logs)

    def on_epoch_end(self, epoch, logs=None):
        self._call_hook("on_epoch_end", epoch, logs)

    def on_train_begin(self, logs=None):
        self._call_hook("on_train_begin", logs)

    def on_train_end(self, logs=None):
        self._call_hook("on_train_end", logs)

    def on_test_begin(self, logs=None):
        self._call_hook("on_test_begin", logs)

    def on_test_end(self, logs=None):
        self._call_hook("on_test_end", logs)

    def on_predict_begin(self, logs=None):
        self._call_hook("on_predict_begin", logs)

    def on_predict_end(self, logs=None):
        self._call_hook("on_predict_end", logs)


def _to_floats(logs: dict[str, Any]) -> dict[str, Any]:
    """Return `logs` with one-element tensors replaced by Python floats."""
    scalars = [
        key
        for key, value in logs.items()
        if isinstance(value, torch.Tensor) and value.numel() == 1
    ]
    if not scalars:
        return logs
    # One transfer for all values instead of one per value.
    values = torch.stack(
        [logs[key].detach().reshape(()).float() for key in scalars]
    ).tolist()
    converted = dict(logs)
    converted.update(zip(scalars, values))
    return converted
