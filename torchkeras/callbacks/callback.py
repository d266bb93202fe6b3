"""`Callback`: the base class of objects that hook into training."""

from __future__ import annotations

from typing import Any


class Callback:
    """Base class of callbacks: override the hooks you need.

    `fit`, `evaluate` and `predict` call the hooks with the current epoch or
    batch index and a `logs` dict of metric values. Hooks that a callback
    does not override cost nothing per step.

    A hook may set `self.model.stop_training = True` to end `fit`. Set in
    a batch hook, `on_train_begin` or `on_epoch_begin`, it takes effect
    after the batch that runs next or is running. Set in `on_epoch_end` or
    a validation hook, it takes effect after the current epoch.
    `self.model.stop_evaluating` and `self.model.stop_predicting` end
    `evaluate` and `predict` after the current batch.

    Attributes:
        model: The model being trained, set by `set_model`. A model wrapped
            in `DistributedDataParallel` is unwrapped, as Keras does.
        params: Training parameters (`verbose`, `epochs`, `steps`).
    """

    # Batch hooks that the class defines but that an instance may leave
    # unused (for example ModelCheckpoint with save_freq="epoch"), so the
    # trainer does not compute per-batch logs for it.
    _idle_batch_hooks: frozenset[str] = frozenset()

    def __init__(self):
        self.params: dict[str, Any] = {}
        self._model = None

    def set_params(self, params: dict[str, Any]) -> None:
        """Store the training parameters."""
        self.params = params

    def set_model(self, model) -> None:
        """Store the model the callback acts on."""
        self._model = model

    @property
    def model(self):
        """The model the callback acts on."""
        from torch.nn.parallel import DistributedDataParallel

        if isinstance(self._model, DistributedDataParallel):
            return self._model.module
        return self._model

    def on_batch_begin(self, batch, logs=None):
        """Alias of `on_train_batch_begin`, kept for Keras 2 code."""

    def on_batch_end(self, batch, logs=None):
        """Alias of `on_train_batch_end`, kept for Keras 2 code."""

    def on_epoch_begin(self, epoch, logs=None):
        """Called at the start of each training epoch."""

    def on_epoch_end(self, epoch, logs=None):
        """Called at the end of each epoch with training and validation logs."""

    def on_train_batch_begin(self, batch, logs=None):
        """Called before each training batch."""
        self.on_batch_begin(batch, logs=logs)

    def on_train_batch_end(self, batch, logs=None):
        """Called after each training batch with the running metric values."""
        self.on_batch_end(batch, logs=logs)

    def on_test_batch_begin(self, batch, logs=None):
        """Called before each batch of `evaluate` or validation."""

    def on_test_batch_end(self, batch, logs=None):
        """Called after each batch of `evaluate` or validation."""

    def on_predict_batch_begin(self, batch, logs=None):
        """Called before each batch of `predict`."""

    def on_predict_batch_end(self, batch, logs=None):
        """Called after each batch of `predict`; `logs["outputs"]` contains its outputs."""

    def on_train_begin(self, logs=None):
        """Called at the start of `fit`."""

    def on_train_end(self, logs=None):
        """Called at the end of `fit`."""

    def on_test_begin(self, logs=None):
        """Called at the start of `evaluate` or validation."""

    def on_test_end(self, logs=None):
        """Called at the end of `evaluate` or validation."""

    def on_predict_begin(self, logs=None):
        """Called at the start of `predict`."""

    def on_predict_end(self, logs=None):
        """Called at the end of `predict`."""
