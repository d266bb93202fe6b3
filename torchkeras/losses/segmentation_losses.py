"""Overlap losses for segmentation masks: Dice and Tversky."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from torchkeras import config
from torchkeras.losses._inputs import prepare_inputs
from torchkeras.losses.loss import Loss
from torchkeras.losses.losses import LOSS_FUNCTIONS
from torchkeras.losses.losses import LossFunctionWrapper


class Dice(LossFunctionWrapper):
    """One minus the Dice coefficient of targets and predictions.

    The coefficient is `2 * sum(y_true * y_pred) / (sum(y_true) +
    sum(y_pred) + epsilon)`. With the default `axis=None` the sums run over
    every element, so one value covers the whole batch. Pass the spatial
    axes, such as `axis=(1, 2)`, for one value per sample.

    Args:
        reduction: See `Loss`.
        name: Defaults to `"dice"`.
        axis: Axis or axes to sum over. None sums over all of them.
        dtype: See `Loss`.

    Example:

    >>> Dice()([[1.0, 0.0], [1.0, 1.0]], [[0.5, 0.5], [1.0, 0.0]])
    tensor(0.4000)
    """

    # Keras puts `axis` after `name` here, unlike in the other losses.
    def __init__(
        self,
        reduction: str | None = "sum_over_batch_size",
        name: str = "dice",
        axis: int | Sequence[int] | None = None,
        dtype: Any = None,
    ):
        super().__init__(
            dice, name=name, reduction=reduction, dtype=dtype, axis=axis
        )
        self.axis = axis

    def get_config(self) -> dict[str, Any]:
        """Return the name, reduction and axis."""
        return {**Loss.get_config(self), "axis": self.axis}


class Tversky(LossFunctionWrapper):
    """One minus the Tversky index, a Dice loss with weighted error terms.

    The index is `tp / (tp + alpha * fp + beta * fn + epsilon)`, with
    `tp = sum(y_true * y_pred)`, `fp = sum((1 - y_pred) * y_true)` and
    `fn = sum(y_pred * (1 - y_true))` over `axis`. With `alpha = beta = 0.5`
    it equals the Dice loss.

    Note: these are Keras's names. The `fp` term counts target mass that the
    prediction misses, which other texts call false negatives, so `alpha`
    weights missed targets and `beta` weights spurious predictions.

    Args:
        alpha: Weight of the `fp` term.
        beta: Weight of the `fn` term.
        reduction: See `Loss`.
        name: Defaults to `"tversky"`.
        axis: Axis or axes to sum over. None sums over all of them.
        dtype: See `Loss`.

    Example:

    >>> Tversky(alpha=0.3, beta=0.7)([[1.0, 0.0]], [[0.5, 0.5]])
    tensor(0.5000)
    """

    def __init__(
        self,
        alpha: float = 0.5,
        beta: float = 0.5,
        reduction: str | None = "sum_over_batch_size",
        name: str = "tversky",
        axis: int | Sequence[int] | None = None,
        dtype: Any = None,
    ):
        super().__init__(
            tversky,
            name=name,
            reduction=reduction,
            dtype=dtype,
            alpha=alpha,
            beta=beta,
            axis=axis,
        )
        self.alpha = alpha
        self.beta = beta
        self.axis = axis

    def get_config(self) -> dict[str, Any]:
        """Return the name, reduction, alpha, beta and axis."""
        return {
            **Loss.get_config(self),
            "alpha": self.alpha,
            "beta": self.beta,
            "axis": self.axis,
        }


def dice(
    y_true: Any, y_pred: Any, axis: int | Sequence[int] | None = None
) -> torch.Tensor:
    """Compute the Dice loss over `axis` (see `Dice`).

    Raises:
        ValueError: if the shapes do not broadcast together.
    """
    y_true, y_pred = prepare_inputs("dice", y_true, y_pred)
    intersection = _sum(y_true * y_pred, axis)
    total = _sum(y_true, axis) + _sum(y_pred, axis) + config.epsilon()
    return 1.0 - 2.0 * intersection / total


def tversky(
    y_true: Any,
    y_pred: Any,
    alpha: float = 0.5,
    beta: float = 0.5,
    axis: int | Sequence[int] | None = None,
) -> torch.Tensor:
    """Compute the Tversky loss over `axis` (see `Tversky`).

    Raises:
        ValueError: if the shapes do not broadcast together.
    """
    y_true, y_pred = prepare_inputs("tversky", y_true, y_pred)
    true_positive = _sum(y_true * y_pred, axis)
    false_positive = _sum((1.0 - y_pred) * y_true, axis)
    false_negative = _sum(y_pred * (1.0 - y_true), axis)
    denominator = (
        true_positive
        + alpha * false_positive
        + beta * false_negative
        + config.epsilon()
    )
    return 1.0 - true_positive / denominator


def _sum(x: torch.Tensor, axis: int | Sequence[int] | None) -> torch.Tensor:
    if axis is None:
        return x.sum()
    if isinstance(axis, int):
        return x.sum(dim=axis)
    return x.sum(dim=tuple(axis))


# Registered by name so that `losses.get`, `LossFunctionWrapper.from_config`
# and metrics given a loss name find these functions too.
LOSS_FUNCTIONS.update({fn.__name__: fn for fn in (dice, tversky)})
