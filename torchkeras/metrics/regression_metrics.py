"""Regression metrics: running means of per-sample errors."""

from __future__ import annotations

from typing import Any

import torch

from torchkeras.losses.loss import squeeze_or_expand_to_same_rank
from torchkeras.losses.losses import mean_absolute_error
from torchkeras.losses.losses import mean_absolute_percentage_error
from torchkeras.losses.losses import mean_squared_error
from torchkeras.losses.losses import mean_squared_logarithmic_error
from torchkeras.metrics.reduction_metrics import Mean
from torchkeras.metrics.reduction_metrics import MeanMetricWrapper


class MeanSquaredError(MeanMetricWrapper):
    """Running mean of `mean_squared_error(y_true, y_pred)`.

    Args:
        name: Defaults to `"mean_squared_error"`.
        dtype: See `Metric`.

    Example:

    >>> metric = MeanSquaredError()
    >>> metric([[0.0, 1.0], [0.0, 0.0]], [[1.0, 1.0], [0.0, 0.0]])
    tensor(0.2500)
    """

    def __init__(self, name: str = "mean_squared_error", dtype: Any = None):
        super().__init__(fn=mean_squared_error, name=name, dtype=dtype)

    def get_config(self) -> dict[str, Any]:
        """Return the name and dtype."""
        return {"name": self.name, "dtype": self.dtype}


class MeanAbsoluteError(MeanMetricWrapper):
    """Running mean of `mean_absolute_error(y_true, y_pred)`.

    Args:
        name: Defaults to `"mean_absolute_error"`.
        dtype: See `Metric`.
    """

    def __init__(self, name: str = "mean_absolute_error", dtype: Any = None):
        super().__init__(fn=mean_absolute_error, name=name, dtype=dtype)

    def get_config(self) -> dict[str, Any]:
        """Return the name and dtype."""
        return {"name": self.name, "dtype": self.dtype}


class MeanAbsolutePercentageError(MeanMetricWrapper):
    """Running mean of `mean_absolute_percentage_error(y_true, y_pred)`.

    Args:
        name: Defaults to `"mean_absolute_percentage_error"`.
        dtype: See `Metric`.
    """

    def __init__(
        self,
        name: str = "mean_absolute_percentage_error",
        dtype: Any = None,
    ):
        super().__init__(
            fn=mean_absolute_percentage_error, name=name, dtype=dtype
        )

    def get_config(self) -> dict[str, Any]:
        """Return the name and dtype."""
        return {"name": self.name, "dtype": self.dtype}


class MeanSquaredLogarithmicError(MeanMetricWrapper):
    """Running mean of `mean_squared_logarithmic_error(y_true, y_pred)`.

    Args:
        name: Defaults to `"mean_squared_logarithmic_error"`.
        dtype: See `Metric`.
    """

    def __init__(
        self,
        name: str = "mean_squared_logarithmic_error",
        dtype: Any = None,
    ):
        super().__init__(
            fn=mean_squared_logarithmic_error, name=name, dtype=dtype
        )

    def get_config(self) -> dict[str, Any]:
        """Return the name and dtype."""
        return {"name": self.name, "dtype": self.dtype}


class RootMeanSquaredError(Mean):
    """Square root of the running (weighted) mean of squared errors.

    The root is taken of the mean over all batches, not averaged per batch.

    Args:
        name: Defaults to `"root_mean_squared_error"`.
        dtype: See `Metric`.

    Example:

    >>> metric = RootMeanSquaredError()
    >>> metric([[0.0, 1.0], [1.0, 1.0]], [[1.0, 1.0], [0.0, 0.0]])
    tensor(0.8660)
    """

    def __init__(
        self,
        name: str = "root_mean_squared_error",
        dtype: Any = None,
    ):
        super().__init__(name=name, dtype=dtype)

    def update_state(
        self,
        y_true: Any,
        y_pred: Any,
        sample_weight: Any = None,
    ) -> None:
        """Add the squared errors of one batch to the running mean."""
        y_pred = self._prepare_values(y_pred)
        y_true = self._prepare_values(y_true)
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        super().update_state(torch.square(y_pred - y_true), sample_weight)

    def result(self) -> torch.Tensor:
        """Return the square root of the mean squared error."""
        return torch.sqrt(super().result())

    def get_config(self) -> dict[str, Any]:
        """Return the name and dtype."""
        return {"name": self.name, "dtype": self.dtype}
