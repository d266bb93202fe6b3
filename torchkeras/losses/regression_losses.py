"""Regression losses beyond the mean errors: log-cosh and cosine
similarity."""

from __future__ import annotations

import math
from typing import Any

import torch
import torch.nn.functional as F

from torchkeras import config
from torchkeras.losses._inputs import prepare_inputs
from torchkeras.losses.loss import Loss
from torchkeras.losses.losses import LOSS_FUNCTIONS
from torchkeras.losses.losses import LossFunctionWrapper


class LogCosh(LossFunctionWrapper):
    """Mean of `log(cosh(y_pred - y_true))` over the last axis.

    The loss is close to `e**2 / 2` for a small error `e` and to
    `|e| - log(2)` for a large one, so it behaves like the squared error but
    is less sensitive to outliers.

    Args:
        reduction: See `Loss`.
        name: Defaults to `"log_cosh"`.
        dtype: See `Loss`.

    Example:

    >>> LogCosh()([[0.0, 1.0]], [[1.0, 1.0]])
    tensor(0.2169)
    """

    def __init__(
        self,
        reduction: str | None = "sum_over_batch_size",
        name: str = "log_cosh",
        dtype: Any = None,
    ):
        super().__init__(log_cosh, name=name, reduction=reduction, dtype=dtype)

    def get_config(self) -> dict[str, Any]:
        """Return the name and reduction."""
        return Loss.get_config(self)


class CosineSimilarity(LossFunctionWrapper):
    """Negative cosine similarity between targets and predictions.

    The result lies in `[-1, 1]`: -1 when the vectors point the same way, 0
    when they are orthogonal, and 0 whenever either vector is all zeros.
    Minimizing it therefore aligns predictions with targets.

    Args:
        axis: Axis along which the similarity is computed.
        reduction: See `Loss`.
        name: Defaults to `"cosine_similarity"`.
        dtype: See `Loss`.

    Example:

    >>> CosineSimilarity()([[0.0, 1.0], [1.0, 1.0]], [[1.0, 0.0], [1.0, 1.0]])
    tensor(-0.5000)
    """

    def __init__(
        self,
        axis: int = -1,
        reduction: str | None = "sum_over_batch_size",
        name: str = "cosine_similarity",
        dtype: Any = None,
    ):
        super().__init__(
            cosine_similarity,
            name=name,
            reduction=reduction,
            dtype=dtype,
            axis=axis,
        )
        self.axis = axis

    def get_config(self) -> dict[str, Any]:
        """Return the name, reduction and axis."""
        # Keras 3.15 leaves `axis` out of this config, so a round trip resets
        # it to -1. It is kept here, as for `Huber`'s `delta`.
        return {**Loss.get_config(self), "axis": self.axis}


def log_cosh(y_true: Any, y_pred: Any) -> torch.Tensor:
    """Return `mean(log(cosh(y_pred - y_true)))` over the last axis.

    Raises:
        ValueError: if the shapes do not broadcast together.
    """
    y_true, y_pred = prepare_inputs("log_cosh", y_true, y_pred)
    error = y_pred - y_true
    # log(cosh(x)) = x + softplus(-2x) - log(2), which does not overflow for
    # large |x| as cosh does.
    return (error + F.softplus(-2.0 * error) - math.log(2.0)).mean(dim=-1)


def cosine_similarity(y_true: Any, y_pred: Any, axis: int = -1) -> torch.Tensor:
    """Return the negative cosine similarity along `axis`.

    Each input is L2-normalized along `axis`, with the norm taken as at
    least `epsilon`, so an all-zero vector gives 0.

    Raises:
        ValueError: if the shapes do not broadcast together.
    """
    y_true, y_pred = prepare_inputs("cosine_similarity", y_true, y_pred)
    y_true = _l2_normalize(y_true, axis)
    y_pred = _l2_normalize(y_pred, axis)
    return -(y_true * y_pred).sum(dim=axis)


def _l2_normalize(x: torch.Tensor, axis: int) -> torch.Tensor:
    # Clamping the squared norm (rather than clamping rsqrt's output) keeps
    # the gradient finite for an all-zero vector.
    eps = config.epsilon()
    square_sum = torch.square(x).sum(dim=axis, keepdim=True)
    return x * torch.rsqrt(torch.clamp(square_sum, min=eps * eps))


# Registered by name so that `losses.get`, `LossFunctionWrapper.from_config`
# and metrics given a loss name find these functions too.
LOSS_FUNCTIONS.update(
    {
        fn.__name__: fn
        for fn in (
            cosine_similarity,
            log_cosh,
        )
    }
)
