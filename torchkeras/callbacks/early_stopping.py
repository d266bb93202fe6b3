"""`EarlyStopping`: ends `fit` when a monitored value stops improving."""

from __future__ import annotations

import numpy as np

from torchkeras.callbacks.monitor_callback import MonitorCallback
from torchkeras.callbacks.monitor_callback import check_non_negative_int
from torchkeras.utils import io_utils


class EarlyStopping(MonitorCallback):
    """Stop training when a monitored metric has stopped improving.

    At the end of each epoch the monitored value is compared with the best
    so far. After `patience` epochs in a row without an improvement of more
    than `min_delta`, the callback sets `model.stop_training`. Like Keras,
    it never stops at the first epoch, and the epoch counter runs from the
    start of `fit` (so `initial_epoch` counts towards `start_from_epoch`).

    Args:
        monitor: Log value to watch. Default `"val_loss"`.
        min_delta: Smallest change counted as an improvement. Default 0.
        patience: Epochs without improvement before stopping. Default 0.
        verbose: 1 prints a line when training stops and when weights are
            restored; 0 (default) is silent.
        mode: `"auto"` (default), `"min"` or `"max"`.
        baseline: If set, training stops after `patience` epochs unless the
            value beats `baseline`.
        restore_best_weights: Whether to load the weights of the best epoch
            when `fit` ends, whether or not it stopped early. Default False.
        start_from_epoch: Epochs to wait before monitoring starts. Default 0.

    Raises:
        ValueError: if `mode` is unknown, or `patience` or
            `start_from_epoch` is negative.

    Example:

    >>> import numpy as np
    >>> import torchkeras as keras
    >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    >>> model.compile(optimizer="sgd", loss="mse")
    >>> stopper = keras.callbacks.EarlyStopping(monitor="loss", patience=2)
    >>> history = model.fit(np.ones((8, 4)), np.ones(8), epochs=3,
    ...                     callbacks=[stopper], verbose=0)
    >>> len(history.history["loss"]) <= 3
    True
    """

    def __init__(
        self,
        monitor="val_loss",
        min_delta=0,
        patience=0,
        verbose=0,
        mode="auto",
        baseline=None,
        restore_best_weights=False,
        start_from_epoch=0,
    ):
        super().__init__(monitor, mode, min_delta=min_delta)
        check_non_negative_int("EarlyStopping", "patience", patience)
        check_non_negative_int(
            "EarlyStopping", "start_from_epoch", start_from_epoch
        )
        self.patience = patience
        self.verbose = verbose
        self.baseline = baseline
        self.restore_best_weights = restore_best_weights
        self.start_from_epoch = start_from_epoch
        self.wait = 0
        self.stopped_epoch = 0
        self.best_weights = None
        self.best_epoch = 0

    def on_train_begin(self, logs=None):
        self.wait = 0
        self.stopped_epoch = 0
        self.best = None
        self.best_weights = None
        self.best_epoch = 0
        self._reset_monitor_warning()

    def on_epoch_end(self, epoch, logs=None):
        current = self._monitor_value(logs, "Early stopping")
        if current is None or epoch < self.start_from_epoch:
            return
        if self.monitor_op is None:
            self._set_monitor_op()
        if self.restore_best_weights and self.best_weights is None:
            # The first monitored epoch is the best one until another wins.
            self.best_weights = self._copy_weights()
            self.best_epoch = epoch

        # Keras counts the epoch first and clears the count on improvement.
        self.wait += 1
        if self._is_improvement(current, self.best):
            self.best = current
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = self._copy_weights()
            if self.baseline is None or self._is_improvement(
                current, self.baseline
            ):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def _copy_weights(self) -> list[np.ndarray]:
        # `get_weights` may return arrays that share memory with the
        # weights, which training would then overwrite.
        return [np.array(weight, copy=True) for weight in self.model.get_weights()]

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            io_utils.print_msg(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                io_utils.print_msg(
                    "Restoring model weights from the end of the best "
                    f"epoch: {self.best_epoch + 1}."
                )
            self.model.set_weights(self.best_weights)
