"""Hinge losses for maximum-margin classifiers."""

from __future__ import annotations

from typing import Any

import torch

from torchkeras.losses._inputs import prepare_inputs
from torchkeras.losses.loss import Loss
from torchkeras.losses.losses import LOSS_FUNCTIONS
from torchkeras.losses.losses import LossFunctionWrapper


class Hinge(LossFunctionWrapper):
    """Mean of `max(1 - y_true * y_pred, 0)` over the last axis.

    `y_true` contains -1 or 1. When every label in the batch is 0 or 1, the
    labels are mapped to -1 and 1 first.

    Args:
        reduction: See `Loss`.
        name: Defaults to `"hinge"`.
        dtype: See `Loss`.

    Example:

    >>> Hinge()([[0.0, 1.0]], [[0.5, 0.5]])
    tensor(1.)
    """

    def __init__(
        self,
        reduction: str | None = "sum_over_batch_size",
        name: str = "hinge",
        dtype: Any = None,
    ):
        super().__init__(hinge, name=name, reduction=reduction, dtype=dtype)

    def get_config(self) -> dict[str, Any]:
        """Return the name and reduction."""
        return Loss.get_config(self)


class SquaredHinge(LossFunctionWrapper):
    """Mean of `max(1 - y_true * y_pred, 0) ** 2` over the last axis.

    Labels are handled as in `Hinge`: 0/1 labels become -1/1.

    Args:
        reduction: See `Loss`.
        name: Defaults to `"squared_hinge"`.
        dtype: See `Loss`.

    Example:

    >>> SquaredHinge()([[0.0, 1.0]], [[0.5, 0.5]])
    tensor(1.2500)
    """

    def __init__(
        self,
        reduction: str | None = "sum_over_batch_size",
        name: str = "squared_hinge",
        dtype: Any = None,
    ):
        super().__init__(
            squared_hinge, name=name, reduction=reduction, dtype=dtype
        )

    def get_config(self) -> dict[str, Any]:
        """Return the name and reduction."""
        return Loss.get_config(self)


class CategoricalHinge(LossFunctionWrapper):
    """Multi-class hinge loss on one-hot targets.

    Each sample contributes `max(neg - pos + 1, 0)`, where `pos` is the score
    of the true class, `sum(y_true * y_pred)`, and `neg` is the highest score
    of any other class, `max((1 - y_true) * y_pred)`, both over the last axis.

    Args:
        reduction: See `Loss`.
        name: Defaults to `"categorical_hinge"`.
        dtype: See `Loss`.

    Example:

    >>> CategoricalHinge()([[0.0, 1.0, 0.0]], [[0.2, 0.5, 0.3]])
    tensor(0.8000)
    """

    def __init__(
        self,
        reduction: str | None = "sum_over_batch_size",
        name: str = "categorical_hinge",
        dtype: Any = None,
    ):
        super().__init__(
            categorical_hinge, name=name, reduction=reduction, dtype=dtype
        )

    def get_config(self) -> dict[str, Any]:
        """Return the name and reduction."""
        return Loss.get_config(self)


def hinge(y_true: Any, y_pred: Any) -> torch.Tensor:
    """Return `mean(max(1 - y_true * y_pred, 0))` over the last axis.

    Raises:
        ValueError: if the shapes do not broadcast together.
    """
    y_true, y_pred = prepare_inputs("hinge", y_true, y_pred)
    y_true = _binary_to_signed_labels(y_true)
    return torch.clamp(1.0 - y_true * y_pred, min=0.0).mean(dim=-1)


def squared_hinge(y_true: Any, y_pred: Any) -> torch.Tensor:
    """Return `mean(max(1 - y_true * y_pred, 0) ** 2)` over the last axis.

    Raises:
        ValueError: if the shapes do not broadcast together.
    """
    y_true, y_pred = prepare_inputs("squared_hinge", y_true, y_pred)
    y_true = _binary_to_signed_labels(y_true)
    margin = torch.clamp(1.0 - y_true * y_pred, min=0.0)
    return torch.square(margin).mean(dim=-1)


def categorical_hinge(y_true: Any, y_pred: Any) -> torch.Tensor:
    """Return `max(neg - pos + 1, 0)` per sample (see `CategoricalHinge`).

    Raises:
        ValueError: if the shapes do not broadcast together.
    """
    y_true, y_pred = prepare_inputs("categorical_hinge", y_true, y_pred)
    positive = (y_true * y_pred).sum(dim=-1)
    negative = ((1.0 - y_true) * y_pred).amax(dim=-1)
    return torch.clamp(negative - positive + 1.0, min=0.0)


def _binary_to_signed_labels(y_true: torch.Tensor) -> torch.Tensor:
    # Keras maps labels to {-1, 1} only when the whole batch is 0/1. The
    # check stays on the device, so it adds no host synchronization.
    is_binary = ((y_true == 0) | (y_true == 1)).all()
    return torch.where(is_binary, 2.0 * y_true - 1.0, y_true)


# Registered by name so that `losses.get`, `LossFunctionWrapper.from_config`
# and metrics given a loss name find these functions too.
LOSS_FUNCTIONS.update(
    {
        fn.__name__: fn
        for fn in (
            categorical_hinge,
            hinge,
            squared_hinge,
        )
    }
)
