"""`History`: records the logs of every epoch."""

from __future__ import annotations

from torchkeras.callbacks.callback import Callback


class History(Callback):
    """Records epoch logs in `history`; `fit()` returns it.

    Attributes:
        epoch: Indices of the epochs run.
        history: Mapping from log name (`loss`, `val_loss`, ...) to a list
            with one value per epoch.
    """

    def __init__(self):
        super().__init__()
        self.history: dict[str, list[float]] = {}
        self.epoch: list[int] = []

    def on_train_begin(self, logs=None):
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)
        # Keras sets `model.history` so that it is reachable after `fit`.
        if self.model is not None:
            self.model.history = self
