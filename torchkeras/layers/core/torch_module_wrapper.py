"""`TorchModuleWrapper`: use any `torch.nn.Module` as a layer."""

from __future__ import annotations

import base64
import inspect
import io
from typing import Any

import torch

from torchkeras.layers.layer import _CALL_STATE
from torchkeras.layers.layer import Layer


class TorchModuleWrapper(Layer):
    """Wraps a `torch.nn.Module` so that it works as a layer.

    The module is a child named `module`, so its parameters and buffers
    appear in `parameters()` and in `state_dict()` under `module.` (such
    as `module.weight`). `weights` lists the module's parameters, then its
    buffers: parameters with `requires_grad` are trainable weights, and
    buffers (such as BatchNorm running statistics) are non-trainable.
    `trainable=False` turns off `requires_grad` on every parameter.
    `Sequential` wraps a plain module it is given in this layer.

    The module runs in its own torch mode (`train()` / `eval()`), which
    `fit`, `evaluate` and `predict` set on the whole model. An explicit
    `training` argument, given to this call or to an enclosing one,
    switches the module to that mode for the call only, and the previous
    modes of the module and its submodules are restored afterwards.

    Args:
        module: The `torch.nn.Module` to wrap. A lazy module must already
            be initialized (called once).
        name: Optional name of the layer.
        output_shape: Optional output shape, batch axis included, returned
            by `compute_output_shape`. Without it, the shape is inferred
            by running the module on data-free tensors.
        **kwargs: Base layer arguments (`dtype`, `trainable`).

    Call arguments:
        *args: Positional arguments of the module's `forward`.
        training: Optional bool, the torch mode to run the module in.
        **kwargs: Keyword arguments of the module's `forward`. A `mask`
            keyword is passed on only when `forward` accepts it.

    Raises:
        TypeError: if `module` is not a `torch.nn.Module`.
        ValueError: if `module` is a lazy module that is not initialized.

    Example:

    >>> layer = TorchModuleWrapper(torch.nn.Linear(3, 2))
    >>> layer(torch.ones(4, 3)).shape
    torch.Size([4, 2])
    >>> list(layer.state_dict())
    ['module.weight', 'module.bias']
    """

    def __init__(self, module, name=None, output_shape=None, **kwargs):
        if not isinstance(module, torch.nn.Module):
            raise TypeError(
                "`module` must be a `torch.nn.Module`. "
                f"Received: module={module!r} of type "
                f"{type(module).__name__}"
            )
        lazy = isinstance(module, torch.nn.modules.lazy.LazyModuleMixin)
        if lazy and module.has_uninitialized_params():
            raise ValueError(
                "TorchModuleWrapper cannot wrap a lazy module whose "
                "parameters are not initialized yet. Call the module once "
                f"on a batch of data first. Received: module={module!r}"
            )
        super().__init__(name=name, **kwargs)
        self.module = module
        self.output_shape = output_shape
        # Like every layer, the wrapper starts in eval() mode, so a direct
        # call of the model runs inference; `fit()` switches it to train().
        self.module.train(False)
        if not self.trainable:
            module.requires_grad_(False)
        self._module_accepts_mask = _accepts_keyword(module, "mask")

    def call(self, *args, training=None, **kwargs):
        # Masks that a model passes on to every layer mean nothing to a
        # module whose `forward` has no `mask` parameter.
        if "mask" in kwargs and not self._module_accepts_mask:
            del kwargs["mask"]
        mode = _requested_mode(training)
        if mode is None or mode == self.module.training:
            return self.module(*args, **kwargs)
        modes = [(m, m.training) for m in self.module.modules()]
        self.module.train(mode)
        try:
            return self.module(*args, **kwargs)
        finally:
            for submodule, previous in modes:
                submodule.training = previous

    def compute_output_shape(self, input_shape):
        if self.output_shape is not None:
            return _as_shape(self.output_shape)
        # Infer in eval() mode so that the module keeps its running
        # statistics and accepts the batch of one used for inference.
        modes = [(m, m.training) for m in self.modules()]
        self.eval()
        try:
            return super().compute_output_shape(input_shape)
        finally:
            for submodule, previous in modes:
                submodule.training = previous

    def save_own_variables(self, store: dict[str, Any]) -> None:
        """Put the module's `state_dict()` entries into `store`.

        The keys are the `state_dict()` keys (`weight`, `running_mean`,
        ...), buffers included, as Keras's `TorchModuleWrapper` writes
        them, so weight files interchange with Keras.
        """
        from torchkeras.saving import layer_state

        store.update(layer_state.module_state(self.module))

    def load_own_variables(self, store) -> None:
        """Load the module's state from a `save_own_variables` store.

        Raises:
            ValueError: if the store's keys or shapes differ from the
                module's `state_dict()`.
        """
        from torchkeras.saving import layer_state

        problem = layer_state.module_state_mismatch(
            self.module, store, self.name
        )
        if problem is not None:
            raise ValueError(problem)
        layer_state.load_module_state(self.module, store)

    def get_config(self) -> dict[str, Any]:
        """Return the layer config, with the module pickled by `torch.save`.

        As in Keras, `module` is the base64 text of the `torch.save` bytes,
        so the config is plain JSON. Loading it needs `safe_mode=False` in
        `from_config`, because unpickling can run arbitrary code.
        """
        config = super().get_config()
        buffer = io.BytesIO()
        torch.save(self.module, buffer)
        config["module"] = base64.b64encode(buffer.getvalue()).decode("ascii")
        config["output_shape"] = self.output_shape
        return config

    @classmethod
    def from_config(
        cls, config: dict[str, Any], custom_objects=None, safe_mode=None
    ) -> TorchModuleWrapper:
        """Create the layer from `get_config()` output.

        Raises:
            ValueError: if the config contains a pickled module and
                `safe_mode` is not False.
        """
        config = dict(config)
        if isinstance(config.get("module"), str):
            if safe_mode is not False:
                raise ValueError(
                    "Loading a TorchModuleWrapper config unpickles its "
                    "`torch.nn.Module` with `torch.load`, which can run "
                    "arbitrary code, so it is disabled by default. If you "
                    "trust the source of the config, pass safe_mode=False."
                )
            data = base64.b64decode(config["module"].encode("ascii"))
            config["module"] = torch.load(io.BytesIO(data), weights_only=False)
        return cls(**config)


def _requested_mode(training) -> bool | None:
    """Return the torch mode a call asked for, or None to keep the module's.

    Through `Layer.__call__`, `training` is never None: without an
    explicit value it falls back to the layer's own mode. The call state
    records only values given explicitly, to this call or an enclosing
    one, so it distinguishes the two. A direct `call()` (depth 0) uses its
    own argument.
    """
    if _CALL_STATE.depth == 0:
        return None if training is None else bool(training)
    return _CALL_STATE.training


def _accepts_keyword(module: torch.nn.Module, keyword: str) -> bool:
    try:
        parameters = inspect.signature(module.forward).parameters
    except (TypeError, ValueError):
        return False
    return keyword in parameters or any(
        p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()
    )


def _as_shape(shape):
    """Return a shape as a tuple, or a list of shapes as a list of tuples."""
    if isinstance(shape, (list, tuple)) and all(
        isinstance(s, (list, tuple)) for s in shape
    ):
        return [tuple(s) for s in shape]
    return tuple(shape)
