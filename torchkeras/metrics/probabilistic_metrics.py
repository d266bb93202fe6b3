"""Cross-entropy metrics: running means of the per-sample loss values."""

from __future__ import annotations

from typing import Any

import torch

from torchkeras.backend.tensors import convert_to_tensor
from torchkeras.losses.loss import squeeze_or_expand_to_same_rank
from torchkeras.losses.losses import binary_crossentropy
from torchkeras.losses.losses import categorical_crossentropy
from torchkeras.losses.losses import sparse_categorical_crossentropy
from torchkeras.metrics.reduction_metrics import MeanMetricWrapper


def _binary_crossentropy_same_rank(
    y_true: Any,
    y_pred: Any,
    **kwargs: Any,
) -> torch.Tensor:
    # Keras 3.15 raises for labels of shape (N,) against predictions of
    # shape (N, 1) here. Matching the ranks first gives the loss's value.
    y_pred = convert_to_tensor(y_pred)
    y_true = convert_to_tensor(y_true, dtype=y_pred.dtype, device=y_pred.device)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    return binary_crossentropy(y_true, y_pred, **kwargs)


class BinaryCrossentropy(MeanMetricWrapper):
    """Running mean of the binary cross-entropy.

    Args:
        name: Defaults to `"binary_crossentropy"`.
        dtype: See `Metric`.
        from_logits: Whether `y_pred` contains logits.
        label_smoothing: Moves targets toward 0.5, as in the loss.
    """

    def __init__(
        self,
        name: str = "binary_crossentropy",
        dtype: Any = None,
        from_logits: bool = False,
        label_smoothing: float = 0,
    ):
        super().__init__(
            _binary_crossentropy_same_rank,
            name=name,
            dtype=dtype,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
        )
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing

    def get_config(self) -> dict[str, Any]:
        """Return the name, dtype and cross-entropy options."""
        return {
            "name": self.name,
            "dtype": self.dtype,
            "from_logits": self.from_logits,
            "label_smoothing": self.label_smoothing,
        }


class CategoricalCrossentropy(MeanMetricWrapper):
    """Running mean of the categorical cross-entropy of one-hot labels.

    Args:
        name: Defaults to `"categorical_crossentropy"`.
        dtype: See `Metric`.
        from_logits: Whether `y_pred` contains logits.
        label_smoothing: Mixes targets with the uniform distribution, as in
            the loss.
        axis: The class axis.
    """

    def __init__(
        self,
        name: str = "categorical_crossentropy",
        dtype: Any = None,
        from_logits: bool = False,
        label_smoothing: float = 0,
        axis: int = -1,
    ):
        super().__init__(
            categorical_crossentropy,
            name=name,
            dtype=dtype,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis

    def get_config(self) -> dict[str, Any]:
        """Return the name, dtype and cross-entropy options."""
        return {
            "name": self.name,
            "dtype": self.dtype,
            "from_logits": self.from_logits,
            "label_smoothing": self.label_smoothing,
            "axis": self.axis,
        }


class SparseCategoricalCrossentropy(MeanMetricWrapper):
    """Running mean of the cross-entropy of integer labels.

    Args:
        name: Defaults to `"sparse_categorical_crossentropy"`.
        dtype: See `Metric`.
        from_logits: Whether `y_pred` contains logits.
        ignore_class: Optional label whose entries get a loss of 0. As in
            Keras 3.15, those entries still count in the mean unless a
            `sample_weight` is given.
        axis: The class axis of `y_pred`.
    """

    def __init__(
        self,
        name: str = "sparse_categorical_crossentropy",
        dtype: Any = None,
        from_logits: bool = False,
        ignore_class: int | None = None,
        axis: int = -1,
    ):
        super().__init__(
            sparse_categorical_crossentropy,
            name=name,
            dtype=dtype,
            from_logits=from_logits,
            ignore_class=ignore_class,
            axis=axis,
        )
        self.from_logits = from_logits
        self.ignore_class = ignore_class
        self.axis = axis

    def get_config(self) -> dict[str, Any]:
        """Return the name, dtype and cross-entropy options."""
        return {
            "name": self.name,
            "dtype": self.dtype,
            "from_logits": self.from_logits,
            "ignore_class": self.ignore_class,
            "axis": self.axis,
        }
