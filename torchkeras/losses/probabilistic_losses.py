"""Losses between distributions: Kullback-Leibler divergence and Poisson."""

from __future__ import annotations

from typing import Any

import torch

from torchkeras import config
from torchkeras.losses._inputs import prepare_inputs
from torchkeras.losses.loss import Loss
from torchkeras.losses.losses import LOSS_FUNCTIONS
from torchkeras.losses.losses import LossFunctionWrapper


class KLDivergence(LossFunctionWrapper):
    """Kullback-Leibler divergence from `y_pred` to `y_true`, per sample.

    Each sample contributes `sum(y_true * log(y_true / y_pred))` over the last
    axis. Both inputs are clipped to `[epsilon, 1]` first, so zeros give a
    finite loss.

    Args:
        reduction: See `Loss`.
        name: Defaults to `"kl_divergence"`.
        dtype: See `Loss`.

    Example:

    >>> KLDivergence()([[0.5, 0.5]], [[0.25, 0.75]])
    tensor(0.1438)
    """

    def __init__(
        self,
        reduction: str | None = "sum_over_batch_size",
        name: str = "kl_divergence",
        dtype: Any = None,
    ):
        super().__init__(
            kl_divergence, name=name, reduction=reduction, dtype=dtype
        )

    def get_config(self) -> dict[str, Any]:
        """Return the name and reduction."""
        return Loss.get_config(self)


class Poisson(LossFunctionWrapper):
    """Poisson negative log-likelihood, up to a term without `y_pred`.

    Each sample contributes `mean(y_pred - y_true * log(y_pred + epsilon))`
    over the last axis. Use it when `y_true` contains counts and `y_pred` the
    predicted rates.

    Args:
        reduction: See `Loss`.
        name: Defaults to `"poisson"`.
        dtype: See `Loss`.

    Example:

    >>> Poisson()([[1.0, 0.0]], [[1.0, 2.0]])
    tensor(1.5000)
    """

    def __init__(
        self,
        reduction: str | None = "sum_over_batch_size",
        name: str = "poisson",
        dtype: Any = None,
    ):
        super().__init__(poisson, name=name, reduction=reduction, dtype=dtype)

    def get_config(self) -> dict[str, Any]:
        """Return the name and reduction."""
        return Loss.get_config(self)


def kl_divergence(y_true: Any, y_pred: Any) -> torch.Tensor:
    """Return `sum(y_true * log(y_true / y_pred))` over the last axis.

    Both inputs are clipped to `[epsilon, 1]` first.

    Raises:
        ValueError: if the shapes do not broadcast together.
    """
    y_true, y_pred = prepare_inputs("kl_divergence", y_true, y_pred)
    eps = config.epsilon()
    y_true = torch.clamp(y_true, eps, 1.0)
    y_pred = torch.clamp(y_pred, eps, 1.0)
    return (y_true * torch.log(y_true / y_pred)).sum(dim=-1)


def poisson(y_true: Any, y_pred: Any) -> torch.Tensor:
    """Return `mean(y_pred - y_true * log(y_pred + epsilon))` over the last
    axis.

    Raises:
        ValueError: if the shapes do not broadcast together.
    """
    y_true, y_pred = prepare_inputs("poisson", y_true, y_pred)
    log_pred = torch.log(y_pred + config.epsilon())
    return (y_pred - y_true * log_pred).mean(dim=-1)


# Registered by name so that `losses.get`, `LossFunctionWrapper.from_config`
# and metrics given a loss name find these functions too.
LOSS_FUNCTIONS.update(
    {
        fn.__name__: fn
        for fn in (
            kl_divergence,
            poisson,
        )
    }
)
