"""`SwapEMAWeights`: evaluates with the optimizer's moving-average weights."""

from __future__ import annotations

import torch

from torchkeras.callbacks.callback import Callback


def _check_use_ema(optimizer) -> None:
    if not getattr(optimizer, "use_ema", False):
        raise ValueError(
            "SwapEMAWeights needs an optimizer that keeps moving averages of "
            "the weights. Compile the model with an optimizer created with "
            "`use_ema=True`. Received: "
            f"{type(optimizer).__name__} with "
            f"use_ema={getattr(optimizer, 'use_ema', None)!r}"
        )


def _ema_pairs(optimizer) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """Return `(weight, moving_average)` pairs from Keras-style attributes."""
    averages = getattr(optimizer, "_model_variables_moving_average", None)
    variables = getattr(optimizer, "_trainable_variables", None)
    if not averages or not variables:
        raise ValueError(
            "SwapEMAWeights found no moving averages in the optimizer "
            f"{type(optimizer).__name__}: it has no `swap_ema_weights()` "
            "method and no `_model_variables_moving_average` list. Train "
            "at least one step before evaluating."
        )
    return list(zip(variables, averages))


def _swap(optimizer) -> None:
    """Exchange the model's weights with the optimizer's moving averages."""
    _check_use_ema(optimizer)
    swap = getattr(optimizer, "swap_ema_weights", None)
    if callable(swap):
        swap()
        return
    with torch.no_grad():
        for variable, average in _ema_pairs(optimizer):
            saved = variable.detach().clone()
            variable.copy_(average)
            average.copy_(saved)


def _finalize(optimizer) -> None:
    """Make the moving averages equal to the model's current weights."""
    _check_use_ema(optimizer)
    copy = getattr(optimizer, "copy_weights_to_ema", None)
    if callable(copy):
        copy()
        return
    with torch.no_grad():
        for variable, average in _ema_pairs(optimizer):
            average.copy_(variable)


class SwapEMAWeights(Callback):
    """Evaluate and predict with the exponential moving average of the weights.

    An optimizer created with `use_ema=True` keeps a moving average of
    every trained weight. This callback puts the averages into the model
    for `evaluate`, `predict` and the validation inside `fit`, and puts
    the trained weights back afterwards, so the validation metrics are
    those of the averaged model while training continues on the raw
    weights.

    The exchange uses the optimizer's `swap_ema_weights()` and
    `copy_weights_to_ema()` methods when it has them, otherwise its
    `_trainable_variables` and `_model_variables_moving_average` lists,
    the attributes Keras's optimizers have.

    Args:
        swap_on_epoch: Whether to also put the averages into the model at
            the end of each epoch (so other epoch-end callbacks, such as
            ModelCheckpoint, see them) and back at the start of the next.
            After the last epoch the averages stay in the model.

    Raises:
        ValueError: when a swap happens and the optimizer has no moving
            averages (it was not created with `use_ema=True`).
    """

    def __init__(self, swap_on_epoch=False):
        super().__init__()
        self.swap_on_epoch = swap_on_epoch
        self._ema_weights_in_model = False

    def _optimizer(self):
        optimizer = self.model.optimizer
        return getattr(optimizer, "inner_optimizer", optimizer)

    def _put_averages_in(self) -> None:
        if not self._ema_weights_in_model:
            _swap(self._optimizer())
            self._ema_weights_in_model = True

    def _take_averages_out(self) -> None:
        if self._ema_weights_in_model:
            _swap(self._optimizer())
            self._ema_weights_in_model = False

    def on_train_begin(self, logs=None):
        self._ema_weights_in_model = False

    def on_epoch_begin(self, epoch, logs=None):
        if self.swap_on_epoch:
            self._take_averages_out()

    def on_epoch_end(self, epoch, logs=None):
        if not self.swap_on_epoch:
            return
        self._put_averages_in()
        if epoch == self.params.get("epochs", 0) - 1:
            # Keep the averages in the model after training, in both places.
            _finalize(self._optimizer())

    def on_test_begin(self, logs=None):
        self._put_averages_in()

    def on_test_end(self, logs=None):
        self._take_averages_out()

    def on_predict_begin(self, logs=None):
        self._put_averages_in()

    def on_predict_end(self, logs=None):
        self._take_averages_out()
