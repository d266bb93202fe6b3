"""Running sums and means, and the wrapper that makes a function a metric."""

from __future__ import annotations

from typing import Any, Callable

import torch

from torchkeras.backend.tensors import convert_to_tensor
from torchkeras.losses.loss import apply_mask
from torchkeras.losses.loss import get_mask
from torchkeras.losses.loss import squeeze_or_expand_to_same_rank
from torchkeras.losses.losses import LOSS_FUNCTIONS
from torchkeras.losses.losses import serialize_function
from torchkeras.metrics.metric import Metric
from torchkeras.utils.lookup import lookup


def reduce_to_samplewise_values(
    values: torch.Tensor,
    sample_weight: Any,
    reduce_fn: Callable,
    mask: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Reduce `values` to one value per sample and weight them.

    Axes of `values` beyond the rank of `sample_weight` are reduced first,
    the weights are broadcast and multiplied in, and then every axis but the
    first is reduced, both for the values and for the weights. `mask`, the
    Keras mask of `values`, is merged into the weights when weights are
    given.

    Returns:
        The weighted per-sample values, and the per-sample weights (None
        when `sample_weight` is None).
    """
    if sample_weight is not None:
        sample_weight = convert_to_tensor(
            sample_weight, dtype=values.dtype, device=values.device
        )
        # Like Keras 3.15, a mask on `values` is applied only together with
        # sample weights. Without weights, masked entries count as samples.
        sample_weight = apply_mask(sample_weight, mask, values.dtype, "sum")
        values, sample_weight = squeeze_or_expand_to_same_rank(
            values, sample_weight
        )
        weight_rank = sample_weight.dim()
        if values.dim() > weight_rank:
            values = reduce_fn(
                values, dim=tuple(range(weight_rank, values.dim()))
            )
        sample_weight = sample_weight.broadcast_to(values.shape)
        values = values * sample_weight
        if weight_rank > 1:
            sample_weight = reduce_fn(
                sample_weight, dim=tuple(range(1, weight_rank))
            )
    if values.dim() > 1:
        values = reduce_fn(values, dim=tuple(range(1, values.dim())))
    return values, sample_weight


class Sum(Metric):
    """Running (weighted) sum of the values it is given.

    Args:
        name: Defaults to `"sum"`.
        dtype: See `Metric`.

    Example:

    >>> metric = Sum()
    >>> metric.update_state([1.0, 3.0, 5.0, 7.0])
    >>> metric.result()
    tensor(16.)
    >>> metric.reset_state()
    >>> metric.update_state([1.0, 3.0, 5.0, 7.0], sample_weight=[1, 1, 0, 0])
    >>> metric.result()
    tensor(4.)
    """

    def __init__(self, name: str = "sum", dtype: Any = None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable((), "zeros", name="total")

    def update_state(self, values: Any, sample_weight: Any = None) -> None:
        """Add the (weighted) sum of `values` to the total."""
        mask = get_mask(values)
        values = self._prepare_values(values)
        values, _ = reduce_to_samplewise_values(
            values, sample_weight, torch.sum, mask
        )
        self.total.add_(values.sum())

    def result(self) -> torch.Tensor:
        """Return the total so far."""
        return self.total.clone()


class Mean(Metric):
    """Running (weighted) mean of the values it is given.

    Without `sample_weight` each sample counts once, and a sample with
    several values contributes their mean. With `sample_weight` the result is
    `sum(value * weight) / sum(weight)`.

    Args:
        name: Defaults to `"mean"`.
        dtype: See `Metric`.

    Example:

    >>> metric = Mean()
    >>> metric.update_state([1.0, 3.0, 5.0, 7.0])
    >>> metric.result()
    tensor(4.)
    >>> metric.reset_state()
    >>> metric.update_state([1.0, 3.0, 5.0, 7.0], sample_weight=[1, 1, 0, 0])
    >>> metric.result()
    tensor(2.)
    """

    def __init__(self, name: str = "mean", dtype: Any = None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable((), "zeros", name="total")
        self.count = self.add_variable((), "zeros", name="count")

    def update_state(self, values: Any, sample_weight: Any = None) -> None:
        """Add the (weighted) values and their count or weight to the state."""
        mask = get_mask(values)
        values = self._prepare_values(values)
        values, sample_weight = reduce_to_samplewise_values(
            values, sample_weight, torch.mean, mask
        )
        self.total.add_(values.sum())
        if sample_weight is not None:
            self.count.add_(sample_weight.sum())
        elif values.dim() >= 1:
            self.count.add_(values.shape[0])
        else:
            self.count.add_(1)

    def result(self) -> torch.Tensor:
        """Return `total / count`, or 0 when the count is 0."""
        count = self.count
        no_count = count == 0
        safe_count = torch.where(no_count, torch.ones_like(count), count)
        return torch.where(
            no_count, torch.zeros_like(self.total), self.total / safe_count
        )


class MeanMetricWrapper(Mean):
    """A metric that averages the per-sample output of `fn(y_true, y_pred)`.

    Any function returning one value per sample becomes a metric. The
    result is the (weighted) mean of those values over every batch seen.

    Args:
        fn: The function, called as `fn(y_true, y_pred, **kwargs)`.
        name: Name of the metric. Defaults to `"mean_metric_wrapper"`, made
            unique with a counter.
        dtype: See `Metric`.
        **kwargs: Keyword arguments passed to `fn` on every call.

    Example:

    >>> import torch
    >>> def absolute_error(y_true, y_pred):
    ...     return (torch.as_tensor(y_true) - torch.as_tensor(y_pred)).abs()
    >>> metric = MeanMetricWrapper(absolute_error, name="absolute_error")
    >>> metric([1.0, 2.0], [1.5, 2.0])
    tensor(0.2500)
    """

    def __init__(
        self,
        fn: Callable,
        name: str | None = None,
        dtype: Any = None,
        **kwargs: Any,
    ):
        super().__init__(name=name, dtype=dtype)
        self._fn = fn
        self._fn_kwargs = kwargs

    def update_state(
        self,
        y_true: Any,
        y_pred: Any,
        sample_weight: Any = None,
    ) -> None:
        """Average `fn(y_true, y_pred)` into the state, weighted if given."""
        mask = get_mask(y_pred)
        if isinstance(y_pred, torch.Tensor):
            self._follow_device(y_pred.device)
        with torch.no_grad():
            values = self._fn(y_true, y_pred, **self._fn_kwargs)
        if mask is not None:
            if sample_weight is not None:
                sample_weight = convert_to_tensor(
                    sample_weight, dtype=self._compute_dtype, device=mask.device
                )
            sample_weight = apply_mask(
                sample_weight, mask, self._compute_dtype, "sum"
            )
        super().update_state(values, sample_weight=sample_weight)

    def get_config(self) -> dict[str, Any]:
        """Return the config, with `fn` serialized by name as Keras does."""
        return {
            **super().get_config(),
            "fn": serialize_function(self._fn),
            **self._fn_kwargs,
        }

    @classmethod
    def from_config(cls, config_dict: dict[str, Any]) -> MeanMetricWrapper:
        """Create the wrapper, resolving a serialized `fn` by its name."""
        config_dict = dict(config_dict)
        if "fn" in config_dict:
            config_dict["fn"] = _deserialize_metric_function(config_dict["fn"])
        return cls(**config_dict)


def _deserialize_metric_function(value: Any) -> Callable:
    # Imported here because accuracy_metrics imports this module.
    from torchkeras.metrics.accuracy_metrics import ACCURACY_FUNCTIONS

    if callable(value):
        return value
    name = value["config"] if isinstance(value, dict) else value
    table = {**LOSS_FUNCTIONS, **ACCURACY_FUNCTIONS}
    return lookup(name, table, "metric function")
