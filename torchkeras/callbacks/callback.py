"""`Callback`: the base class of objects that hook into training."""

from __future__ import annotations

from typing import Any


class Callback:
    """Base class of callbacks: override the hooks you need.

    `fit`, `evaluate` and `predict` call the hooks with the current epoch or
    batch index and a `logs` dict of metric values. Hooks that a callback
    does not override cost nothing per step.

    Attributes:
        model: The model being trained, set by `set_model`.
        params: Training parameters (`verbose`, `epochs`, `steps`).
    """

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
