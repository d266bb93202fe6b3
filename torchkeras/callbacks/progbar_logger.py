"""`ProgbarLogger`: prints Keras's progress bar during training."""

from __future__ import annotations

from torchkeras.callbacks.callback import Callback
from torchkeras.utils import io_utils
from torchkeras.utils.progbar import Progbar


class ProgbarLogger(Callback):
    """Prints `Epoch i/n` and a progress bar; `fit` adds it when verbose.

    The bar reads metric values only when it redraws (a few times a second
    at most), so it does not slow training down. Validation inside `fit`
    shows no bar of its own; its values appear on the epoch's last line.
    """

    def __init__(self):
        super().__init__()
        self.verbose = 1
        self.epochs = 1
        self._progbar: Progbar | None = None
        self._in_fit = False
        self.seen_steps = 0

    def set_params(self, params):
        super().set_params(params)
        self.verbose = params.get("verbose", 1)
        self.epochs = params.get("epochs", 1)

    def _start_bar(self) -> None:
        self._progbar = Progbar(target=self.params.get("steps"), verbose=self.verbose)

    def wants_logs(self, step: int) -> bool:
        """Return whether the bar redraws after `step` batches."""
        return self._progbar is not None and self._progbar.should_draw(step)

    def on_train_begin(self, logs=None):
        self._in_fit = True

    def on_train_end(self, logs=None):
        self._in_fit = False
        self._progbar = None

    def on_epoch_begin(self, epoch, logs=None):
        if self.verbose:
            io_utils.print_msg(f"Epoch {epoch + 1}/{self.epochs}")
        self._start_bar()

    def on_train_batch_end(self, batch, logs=None):
        if logs is not None:
            self._progbar.update(batch + 1, logs, finalize=False)

    def on_epoch_end(self, epoch, logs=None):
        self._finish(logs)

    def on_test_begin(self, logs=None):
        if not self._in_fit:
            self._start_bar()

    def on_test_batch_end(self, batch, logs=None):
        if not self._in_fit and logs is not None:
            self._progbar.update(batch + 1, logs, finalize=False)

    def on_test_end(self, logs=None):
        if not self._in_fit:
            self._finish(logs)

    def on_predict_begin(self, logs=None):
        self._start_bar()

    def on_predict_batch_end(self, batch, logs=None):
        self._progbar.update(batch + 1, None, finalize=False)

    def on_predict_end(self, logs=None):
        self._finish(None)

    def _finish(self, logs) -> None:
        if self._progbar is None:
            return
        target = self._progbar.target
        if target is None:
            target = self.seen_steps
            self._progbar.target = target
        self._progbar.update(target, logs, finalize=True)
        self._progbar = None
