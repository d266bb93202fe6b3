"""The coefficient of determination (R^2) as a running metric."""

from __future__ import annotations

import warnings
from typing import Any

import torch

from torchkeras.backend.tensors import convert_to_tensor
from torchkeras.losses.loss import squeeze_or_expand_to_same_rank
from torchkeras.metrics.metric import Metric

_CLASS_AGGREGATIONS = (None, "uniform_average", "variance_weighted_average")


class R2Score(Metric):
    """Coefficient of determination: `1 - residual_sum / total_sum`.

    For each output column, `residual_sum` is the (weighted) sum of squared
    errors and `total_sum` the (weighted) sum of squared deviations of
    `y_true` from its (weighted) mean. Inputs have shape
    `(batch_size, num_outputs)`. The per-column sums are kept as states,
    created on the first update, so the result over several batches equals
    the result over their concatenation. A column whose labels are all equal
    has no variance and scores 0.

    With `num_regressors > 0` the result is the adjusted R^2,
    `1 - (1 - r2) * (n - 1) / (n - num_regressors - 1)`. Like Keras, `n` is
    the number of label values seen (batch size times number of outputs),
    and when `n - 1 <= num_regressors` the plain R^2 is returned with a
    warning.

    Args:
        class_aggregation: How to combine the per-column scores: None returns
            one score per column, `"uniform_average"` (the default) their
            mean, and `"variance_weighted_average"` their mean weighted by
            each column's `total_sum`.
        num_regressors: Number of independent variables of the model, for
            the adjusted R^2. Defaults to 0, the plain R^2.
        name: Defaults to `"r2_score"`.
        dtype: See `Metric`.

    Raises:
        ValueError: if `class_aggregation` or `num_regressors` is invalid, or
            if an update gets inputs that are not 2D.

    Example:

    >>> metric = R2Score()
    >>> metric.update_state([[1.0], [2.0], [3.0]], [[1.0], [2.0], [4.0]])
    >>> metric.result()
    tensor(0.5000)
    """

    def __init__(
        self,
        class_aggregation: str | None = "uniform_average",
        num_regressors: int = 0,
        name: str = "r2_score",
        dtype: Any = None,
    ):
        super().__init__(name=name, dtype=dtype)
        if class_aggregation not in _CLASS_AGGREGATIONS:
            raise ValueError(
                "Invalid `class_aggregation`: expected one of None, "
                "'uniform_average' or 'variance_weighted_average'. "
                f"Received: class_aggregation={class_aggregation!r}"
            )
        if num_regressors < 0:
            raise ValueError(
                "`num_regressors` must be >= 0. "
                f"Received: num_regressors={num_regressors!r}"
            )
        self.class_aggregation = class_aggregation
        self.num_regressors = num_regressors
        self.num_samples = self.add_variable((), "zeros", name="num_samples")
        self._num_outputs: int | None = None

    def update_state(
        self,
        y_true: Any,
        y_pred: Any,
        sample_weight: Any = None,
    ) -> None:
        """Add the (weighted) per-column sums of one batch to the state."""
        y_true = self._prepare_values(y_true)
        y_pred = self._prepare_values(y_pred)
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        self._check_shapes(y_true.shape, y_pred.shape)
        if self._num_outputs is None:
            self._build(y_pred.shape[-1])

        if sample_weight is None:
            weight = torch.ones_like(y_true)
        else:
            weight = convert_to_tensor(
                sample_weight, dtype=y_true.dtype, device=y_true.device
            )
            if weight.dim() == 1:
                weight = weight[:, None]
            weight = weight.broadcast_to(y_true.shape)

        weighted_true = y_true * weight
        self.sum.add_(weighted_true.sum(dim=0))
        self.squared_sum.add_((y_true * weighted_true).sum(dim=0))
        self.total_mse.add_(((y_true - y_pred) ** 2 * weight).sum(dim=0))
        self.count.add_(weight.sum(dim=0))
        self.num_samples.add_(y_true.numel())

    def result(self) -> torch.Tensor:
        """Return the (adjusted) R^2, one per column when not aggregated.

        Reading `num_samples` for the adjusted R^2 copies one number from
        the device, so only `num_regressors > 0` syncs with the host.

        Raises:
            RuntimeError: if no update has run yet, so the number of outputs
                is unknown.
        """
        if self._num_outputs is None:
            raise RuntimeError(
                "R2Score.result() was called before any `update_state()`, "
                "so the number of outputs is unknown. Update the metric "
                "with one batch first."
            )
        mean = self.sum / self.count
        total = self.squared_sum - self.sum * mean
        scores = 1 - self.total_mse / total
        # A constant column divides by zero. Keras scores an infinite
        # result 0 and keeps NaN (0 / 0, when predictions are exact).
        scores = torch.where(
            torch.isinf(scores), torch.zeros_like(scores), scores
        )

        if self.class_aggregation == "uniform_average":
            score = scores.mean()
        elif self.class_aggregation == "variance_weighted_average":
            score = (total * scores).sum() / total.sum()
        else:
            score = scores
        if self.num_regressors == 0:
            return score
        return self._adjust(score)

    def get_config(self) -> dict[str, Any]:
        """Return the name, dtype, class aggregation and regressor count."""
        return {
            **super().get_config(),
            "class_aggregation": self.class_aggregation,
            "num_regressors": self.num_regressors,
        }

    def _adjust(self, score: torch.Tensor) -> torch.Tensor:
        num_samples = float(self.num_samples)
        if self.num_regressors >= num_samples - 1:
            warnings.warn(
                f"R2Score has num_regressors={self.num_regressors} but has "
                f"seen only {num_samples:g} label values, so the adjusted R^2 "
                "is undefined. Returning the plain R^2 instead.",
                UserWarning,
                stacklevel=3,
            )
            return score
        return 1 - (1 - score) * (num_samples - 1) / (
            num_samples - self.num_regressors - 1
        )

    def _check_shapes(
        self, true_shape: torch.Size, pred_shape: torch.Size
    ) -> None:
        if len(true_shape) != 2 or len(pred_shape) != 2:
            raise ValueError(
                "R2Score expects 2D inputs of shape (batch_size, "
                f"num_outputs). Received: y_true.shape={tuple(true_shape)}, "
                f"y_pred.shape={tuple(pred_shape)}"
            )
        if true_shape != pred_shape:
            raise ValueError(
                "R2Score expects `y_true` and `y_pred` of the same shape. "
                f"Received: y_true.shape={tuple(true_shape)}, "
                f"y_pred.shape={tuple(pred_shape)}"
            )
        if self._num_outputs not in (None, pred_shape[-1]):
            raise ValueError(
                f"R2Score sums {self._num_outputs} output columns, as set by "
                "its first update, and a reset keeps that number. "
                f"Received: y_pred.shape={tuple(pred_shape)}. Create a new "
                "metric for a different number of outputs."
            )

    def _build(self, num_outputs: int) -> None:
        # Keras names the residual state "residual" and its attribute
        # `total_mse`. Both are kept so saved states line up.
        self.squared_sum = self.add_variable(
            (num_outputs,), "zeros", name="squared_sum"
        )
        self.sum = self.add_variable((num_outputs,), "zeros", name="sum")
        self.total_mse = self.add_variable(
            (num_outputs,), "zeros", name="residual"
        )
        self.count = self.add_variable((num_outputs,), "zeros", name="count")
        self._num_outputs = num_outputs
