"""Metrics that average a per-sample loss: hinge, divergence, similarity.

Each metric is the running (weighted) mean of one loss function of
`torchkeras.losses`, computed per sample over the last axis, as in Keras.
"""

# NOTE: LogCoshError and CosineSimilarity belong with the regression
# metrics, and KLDivergence and Poisson with the probabilistic ones. They
# live here until those modules can take them.

from __future__ import annotations

from typing import Any

import torch

from torchkeras.losses import regression_losses
from torchkeras.losses.hinge_losses import categorical_hinge
from torchkeras.losses.hinge_losses import hinge
from torchkeras.losses.hinge_losses import squared_hinge
from torchkeras.losses.probabilistic_losses import kl_divergence
from torchkeras.losses.probabilistic_losses import poisson
from torchkeras.losses.regression_losses import log_cosh
from torchkeras.metrics.reduction_metrics import MeanMetricWrapper


def cosine_similarity(y_true: Any, y_pred: Any, axis: int = -1) -> torch.Tensor:
    """Return the cosine similarity of `y_true` and `y_pred` along `axis`.

    This is the loss `cosine_similarity` negated, so 1 means the vectors
    point the same way, and an all-zero vector has similarity 0.
    """
    return -regression_losses.cosine_similarity(y_true, y_pred, axis=axis)


class _LossMeanMetric(MeanMetricWrapper):
    """Running mean of one per-sample loss, configured by name and dtype."""

    def update_state(
        self,
        y_true: Any,
        y_pred: Any,
        sample_weight: Any = None,
    ) -> None:
        """Average the per-sample loss of one batch into the state.

        Raises:
            ValueError: if the shapes of `y_true` and `y_pred` cannot be
                broadcast together.
        """
        if hasattr(y_true, "shape") and hasattr(y_pred, "shape"):
            true_shape = tuple(y_true.shape)
            pred_shape = tuple(y_pred.shape)
            try:
                torch.broadcast_shapes(true_shape, pred_shape)
            except RuntimeError:
                raise ValueError(
                    f"{type(self).__name__} expects `y_true` and `y_pred` "
                    "of shapes that broadcast together. Received: "
                    f"y_true.shape={true_shape}, y_pred.shape={pred_shape}"
                ) from None
        super().update_state(y_true, y_pred, sample_weight=sample_weight)

    def get_config(self) -> dict[str, Any]:
        """Return the name and dtype, as Keras does."""
        return {"name": self.name, "dtype": self.dtype}


class Hinge(_LossMeanMetric):
    """Running mean of `hinge(y_true, y_pred)`.

    Labels are -1 or 1, and a batch of 0/1 labels is mapped to -1/1.

    Args:
        name: Defaults to `"hinge"`.
        dtype: See `Metric`.

    Example:

    >>> metric = Hinge()
    >>> metric([[0.0, 1.0], [0.0, 0.0]], [[0.6, 0.4], [0.4, 0.6]])
    tensor(1.3000)
    """

    def __init__(self, name: str = "hinge", dtype: Any = None):
        super().__init__(fn=hinge, name=name, dtype=dtype)


class SquaredHinge(_LossMeanMetric):
    """Running mean of `squared_hinge(y_true, y_pred)`.

    Args:
        name: Defaults to `"squared_hinge"`.
        dtype: See `Metric`.
    """

    def __init__(self, name: str = "squared_hinge", dtype: Any = None):
        super().__init__(fn=squared_hinge, name=name, dtype=dtype)


class CategoricalHinge(_LossMeanMetric):
    """Running mean of `categorical_hinge(y_true, y_pred)`, one-hot labels.

    Args:
        name: Defaults to `"categorical_hinge"`.
        dtype: See `Metric`.
    """

    def __init__(self, name: str = "categorical_hinge", dtype: Any = None):
        super().__init__(fn=categorical_hinge, name=name, dtype=dtype)


class LogCoshError(_LossMeanMetric):
    """Running mean of the log of the hyperbolic cosine of the error.

    Args:
        name: Defaults to `"logcosh"`, Keras's name for this metric.
        dtype: See `Metric`.

    Example:

    >>> metric = LogCoshError()
    >>> metric([[0.0, 1.0]], [[1.0, 1.0]])
    tensor(0.2169)
    """

    def __init__(self, name: str = "logcosh", dtype: Any = None):
        super().__init__(fn=log_cosh, name=name, dtype=dtype)


class KLDivergence(_LossMeanMetric):
    """Running mean of the Kullback-Leibler divergence `D(y_true || y_pred)`.

    Args:
        name: Defaults to `"kl_divergence"`.
        dtype: See `Metric`.
    """

    def __init__(self, name: str = "kl_divergence", dtype: Any = None):
        super().__init__(fn=kl_divergence, name=name, dtype=dtype)


class Poisson(_LossMeanMetric):
    """Running mean of the Poisson loss `y_pred - y_true * log(y_pred)`.

    Args:
        name: Defaults to `"poisson"`.
        dtype: See `Metric`.
    """

    def __init__(self, name: str = "poisson", dtype: Any = None):
        super().__init__(fn=poisson, name=name, dtype=dtype)


class CosineSimilarity(_LossMeanMetric):
    """Running mean of the cosine similarity of labels and predictions.

    Unlike the loss of the same name, the value is not negated: 1 means the
    vectors point the same way.

    Args:
        name: Defaults to `"cosine_similarity"`.
        dtype: See `Metric`.
        axis: The axis along which the similarity is computed. Defaults
            to -1. Like Keras, `get_config()` leaves it out.

    Example:

    >>> metric = CosineSimilarity()
    >>> metric([[0.0, 1.0], [1.0, 1.0]], [[1.0, 0.0], [1.0, 1.0]])
    tensor(0.5000)
    """

    def __init__(
        self,
        name: str = "cosine_similarity",
        dtype: Any = None,
        axis: int = -1,
    ):
        super().__init__(
            fn=cosine_similarity, name=name, dtype=dtype, axis=axis
        )
