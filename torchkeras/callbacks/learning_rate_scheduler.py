"""`LearningRateScheduler`: sets the learning rate from a function of the epoch."""

from __future__ import annotations

import math

import numpy as np

from torchkeras.callbacks._learning_rate import get_learning_rate
from torchkeras.callbacks._learning_rate import set_learning_rate
from torchkeras.callbacks.callback import Callback
from torchkeras.utils import io_utils


class LearningRateScheduler(Callback):
    """Set the learning rate at the start of every epoch from `schedule`.

    `schedule(epoch, learning_rate)` receives the 0-based epoch index and
    the current rate and returns the new rate as a float. A function of
    the epoch alone, `schedule(epoch)`, is accepted too. The rate in force
    is added to the epoch logs as `learning_rate`, and `torch.optim`
    optimizers get it in every parameter group.

    Args:
        schedule: Function returning the learning rate.
        verbose: 1 prints the new rate every epoch. Default 0.

    Raises:
        ValueError: from `fit`, if `schedule` returns something other than
            a float.

    Example:

    >>> import torchkeras as keras
    >>> halve_after_two = keras.callbacks.LearningRateScheduler(
    ...     lambda epoch, lr: lr if epoch < 2 else lr * 0.5
    ... )
    """

    def __init__(self, schedule, verbose=0):
        super().__init__()
        if not callable(schedule):
            raise TypeError(
                "LearningRateScheduler: `schedule` must be a function "
                "`schedule(epoch, learning_rate)` returning a float. "
                f"Received: schedule={schedule!r}"
            )
        self.schedule = schedule
        self.verbose = verbose

    def on_epoch_begin(self, epoch, logs=None):
        optimizer = self.model.optimizer
        current = get_learning_rate(optimizer, "LearningRateScheduler")
        try:
            learning_rate = self.schedule(epoch, current)
        except TypeError:
            # A one-argument schedule, as Keras also accepts.
            learning_rate = self.schedule(epoch)
        if isinstance(learning_rate, (np.floating, np.integer)):
            learning_rate = float(learning_rate)
        if isinstance(learning_rate, bool) or not isinstance(
            learning_rate, (float, int)
        ):
            raise ValueError(
                "The output of the `schedule` function must be a float. "
                f"Received: {learning_rate!r} of type "
                f"{type(learning_rate).__name__} at epoch {epoch}."
            )
        if not math.isfinite(learning_rate) or learning_rate < 0:
            raise ValueError(
                "The `schedule` function of LearningRateScheduler returned "
                f"{learning_rate!r} at epoch {epoch}. Expected a finite float "
                ">= 0: check the schedule for that epoch."
            )
        set_learning_rate(optimizer, float(learning_rate))
        if self.verbose > 0:
            io_utils.print_msg(
                f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning "
                f"rate to {learning_rate}."
            )

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["learning_rate"] = get_learning_rate(
                self.model.optimizer, "LearningRateScheduler"
            )
