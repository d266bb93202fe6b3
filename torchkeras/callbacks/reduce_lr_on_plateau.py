"""`ReduceLROnPlateau`: lowers the learning rate when a metric stalls."""

from __future__ import annotations

import numpy as np

from torchkeras.callbacks._learning_rate import get_learning_rate
from torchkeras.callbacks._learning_rate import set_learning_rate
from torchkeras.callbacks.monitor_callback import MonitorCallback
from torchkeras.callbacks.monitor_callback import check_non_negative_int
from torchkeras.utils import io_utils


class ReduceLROnPlateau(MonitorCallback):
    """Multiply the learning rate by `factor` when a metric stops improving.

    After `patience` epochs without an improvement of more than
    `min_delta`, the optimizer's learning rate becomes
    `max(learning_rate * factor, min_lr)`, and then `cooldown` epochs pass
    before epochs without improvement count again. The current rate is
    added to the epoch logs as `learning_rate`, so `History` and
    `CSVLogger` placed after this callback record it.

    Works with torchkeras optimizers and with `torch.optim` optimizers
    (every parameter group gets the new rate).

    Args:
        monitor: Log value to watch. Default `"val_loss"`.
        factor: Number in (0, 1) that multiplies the learning rate.
            Default 0.1.
        patience: Epochs without improvement before a reduction.
            Default 10.
        verbose: 1 prints a line at each reduction. Default 0.
        mode: `"auto"` (default), `"min"` or `"max"`.
        min_delta: Smallest change counted as an improvement.
            Default 0.0001.
        cooldown: Epochs to wait after a reduction. Default 0.
        min_lr: Lower bound of the learning rate. Default 0.

    Raises:
        ValueError: if `factor` is not below 1, `patience` or `cooldown`
            is negative, or `mode` is unknown.
    """

    def __init__(
        self,
        monitor="val_loss",
        factor=0.1,
        patience=10,
        verbose=0,
        mode="auto",
        min_delta=1e-4,
        cooldown=0,
        min_lr=0.0,
        **kwargs,
    ):
        super().__init__(monitor, mode, min_delta=min_delta)
        if kwargs:
            raise TypeError(
                "ReduceLROnPlateau got unexpected keyword arguments: "
                f"{sorted(kwargs)}."
            )
        if factor >= 1.0:
            raise ValueError(
                "ReduceLROnPlateau: `factor` must be below 1.0 so that the "
                f"learning rate decreases. Received: factor={factor!r}"
            )
        check_non_negative_int("ReduceLROnPlateau", "patience", patience)
        check_non_negative_int("ReduceLROnPlateau", "cooldown", cooldown)
        self.factor = factor
        self.min_lr = min_lr
        self.patience = patience
        self.verbose = verbose
        self.cooldown = cooldown
        self.cooldown_counter = 0
        self.wait = 0

    def on_train_begin(self, logs=None):
        self.best = None
        self.cooldown_counter = 0
        self.wait = 0
        self._reset_monitor_warning()

    def in_cooldown(self) -> bool:
        """Return whether the callback is waiting after a reduction."""
        return self.cooldown_counter > 0

    def on_epoch_end(self, epoch, logs=None):
        logs = logs if logs is not None else {}
        optimizer = self.model.optimizer
        logs["learning_rate"] = get_learning_rate(optimizer, "ReduceLROnPlateau")
        current = self._monitor_value(logs, "Learning rate reduction")
        if current is None:
            return
        if self.monitor_op is None:
            self._set_monitor_op()

        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if self._is_improvement(current, self.best):
            self.best = current
            self.wait = 0
            return
        if self.in_cooldown():
            return
        self.wait += 1
        if self.wait >= self.patience and self._reduce(optimizer, epoch):
            self.cooldown_counter = self.cooldown
            self.wait = 0

    def _reduce(self, optimizer, epoch: int) -> bool:
        """Lower the learning rate; return False when it is already `min_lr`."""
        old_rate = get_learning_rate(optimizer, "ReduceLROnPlateau")
        # Keras keeps the rate in float32, so compare at that precision.
        if not old_rate > np.float32(self.min_lr):
            return False
        new_rate = max(old_rate * self.factor, self.min_lr)
        set_learning_rate(optimizer, new_rate)
        if self.verbose > 0:
            io_utils.print_msg(
                f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing learning "
                f"rate to {new_rate}."
            )
        return True
