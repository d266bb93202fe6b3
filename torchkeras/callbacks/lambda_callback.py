"""`LambdaCallback`: a callback built from plain functions."""

from __future__ import annotations

from torchkeras.callbacks.callback import Callback

_HOOKS = (
    "on_epoch_begin",
    "on_epoch_end",
    "on_train_begin",
    "on_train_end",
    "on_train_batch_begin",
    "on_train_batch_end",
)


class LambdaCallback(Callback):
    """A callback whose hooks are the functions passed in.

    The epoch hooks are called as `fn(epoch, logs)`, the batch hooks as
    `fn(batch, logs)` and the train hooks as `fn(logs)`. Other keyword
    arguments become attributes, and a keyword named after any other hook
    (`on_test_end=...`) sets that hook, as in Keras.

    Args:
        on_epoch_begin: Called at the start of each epoch.
        on_epoch_end: Called at the end of each epoch.
        on_train_begin: Called at the start of `fit`.
        on_train_end: Called at the end of `fit`.
        on_train_batch_begin: Called before each training batch.
        on_train_batch_end: Called after each training batch.
        **kwargs: Extra attributes or hooks.

    Example:

    >>> import torchkeras as keras
    >>> losses = []
    >>> record = keras.callbacks.LambdaCallback(
    ...     on_epoch_end=lambda epoch, logs: losses.append(logs["loss"])
    ... )
    """

    def __init__(
        self,
        on_epoch_begin=None,
        on_epoch_end=None,
        on_train_begin=None,
        on_train_end=None,
        on_train_batch_begin=None,
        on_train_batch_end=None,
        **kwargs,
    ):
        super().__init__()
        self.__dict__.update(kwargs)
        functions = {
            "on_epoch_begin": on_epoch_begin,
            "on_epoch_end": on_epoch_end,
            "on_train_begin": on_train_begin,
            "on_train_end": on_train_end,
            "on_train_batch_begin": on_train_batch_begin,
            "on_train_batch_end": on_train_batch_end,
        }
        for hook in _HOOKS:
            if functions[hook] is not None:
                setattr(self, hook, functions[hook])
