"""F-scores: weighted harmonic means of precision and recall, per class."""

from __future__ import annotations

from typing import Any

import torch

from torchkeras import config
from torchkeras.metrics.metric import Metric

_AVERAGES = (None, "micro", "macro", "weighted")
_STATE_NAMES = (
    "true_positives",
    "false_positives",
    "false_negatives",
    "intermediate_weights",
)


class FBetaScore(Metric):
    """F-beta score of multi-class or multi-label predictions.

    The score of one class is
    `(1 + beta**2) * precision * recall / (beta**2 * precision + recall)`,
    so `beta > 1` weighs recall more and `beta < 1` weighs precision more.
    Inputs have shape `(batch_size, num_classes)`: `y_true` contains 0/1 labels
    (one-hot or multi-hot) and `y_pred` scores. The states, one count per
    class (one in total for `"micro"`), are created on the first update,
    when the number of classes is known.

    Args:
        average: How to combine the classes. `None` returns one score per
            class. `"micro"` counts true positives, false positives and
            false negatives over all classes together. `"macro"` returns the
            unweighted mean of the class scores, and `"weighted"` their mean
            weighted by the (weighted) number of true labels of each class.
        beta: A positive Python float, the weight of recall against
            precision. Defaults to 1.0.
        threshold: A Python float in (0, 1]. Scores above it count as
            positive. Defaults to None, which marks only the highest score of
            each sample as positive (ties all count, and a top score of 0
            counts as negative).
        name: Defaults to `"fbeta_score"`.
        dtype: See `Metric`.

    Raises:
        ValueError: if `average`, `beta` or `threshold` is invalid, or if an
            update gets inputs that are not 2D or whose shapes differ.

    Example:

    >>> metric = FBetaScore(beta=2.0, threshold=0.5)
    >>> metric.update_state(
    ...     [[1, 0, 1], [0, 1, 0]], [[0.9, 0.2, 0.4], [0.6, 0.7, 0.1]]
    ... )
    >>> metric.result()
    tensor([0.8333, 1.0000, 0.0000])
    """

    def __init__(
        self,
        average: str | None = None,
        beta: float = 1.0,
        threshold: float | None = None,
        name: str = "fbeta_score",
        dtype: Any = None,
    ):
        super().__init__(name=name, dtype=dtype)
        _check_arguments(average, beta, threshold)
        self.average = average
        self.beta = beta
        self.threshold = threshold
        # "micro" sums over classes too, every other mode keeps one count
        # per class.
        self._sum_dims = (0, 1) if average == "micro" else (0,)
        self._built = False

    def update_state(
        self,
        y_true: Any,
        y_pred: Any,
        sample_weight: Any = None,
    ) -> None:
        """Add the (weighted) counts of one batch to the state."""
        y_true = self._prepare_values(y_true)
        y_pred = self._prepare_values(y_pred)
        self._check_shapes(y_true.shape, y_pred.shape)
        if not self._built:
            self._build(y_pred.shape[-1], y_pred.device)

        if self.threshold is None:
            top = y_pred.amax(dim=-1, keepdim=True)
            positive = (y_pred >= top) & (y_pred.abs() > 1e-9)
        else:
            positive = y_pred > self.threshold
        y_pred = positive.to(y_true.dtype)

        weight = None
        if sample_weight is not None:
            weight = self._prepare_values(sample_weight).reshape(-1, 1)
        counts = (
            y_pred * y_true,
            y_pred * (1 - y_true),
            (1 - y_pred) * y_true,
            y_true,
        )
        for state_name, values in zip(_STATE_NAMES, counts):
            if weight is not None:
                values = values * weight
            getattr(self, state_name).add_(values.sum(dim=self._sum_dims))

    def result(self) -> torch.Tensor:
        """Return the score: one per class when `average` is None.

        Raises:
            RuntimeError: if no update has run yet, so the number of classes
                is unknown.
        """
        if not self._built:
            raise RuntimeError(
                f"{type(self).__name__}.result() was called before any "
                "`update_state()`, so the number of classes is unknown. "
                "Update the metric with one batch first."
            )
        epsilon = config.epsilon()
        true_positives = self.true_positives
        precision = true_positives / (
            true_positives + self.false_positives + epsilon
        )
        recall = true_positives / (
            true_positives + self.false_negatives + epsilon
        )
        beta_squared = self.beta**2
        score = (1 + beta_squared) * (
            precision * recall / (beta_squared * precision + recall + epsilon)
        )

        if self.average == "weighted":
            support = self.intermediate_weights
            return (score * support / (support.sum() + epsilon)).sum()
        if self.average is not None:
            return score.mean()
        return score

    def get_config(self) -> dict[str, Any]:
        """Return the name, dtype, average, beta and threshold."""
        return {
            **super().get_config(),
            "average": self.average,
            "beta": self.beta,
            "threshold": self.threshold,
        }

    def _check_shapes(
        self, true_shape: torch.Size, pred_shape: torch.Size
    ) -> None:
        if len(true_shape) != 2 or len(pred_shape) != 2:
            raise ValueError(
                f"{type(self).__name__} expects 2D inputs of shape "
                "(batch_size, num_classes). Received: "
                f"y_true.shape={tuple(true_shape)}, "
                f"y_pred.shape={tuple(pred_shape)}"
            )
        if true_shape != pred_shape:
            raise ValueError(
                f"{type(self).__name__} expects `y_true` and `y_pred` of the "
                f"same shape. Received: y_true.shape={tuple(true_shape)}, "
                f"y_pred.shape={tuple(pred_shape)}"
            )
        if self._built and pred_shape[-1] != self._num_classes:
            raise ValueError(
                f"{type(self).__name__} counts {self._num_classes} classes, "
                "as set by its first update, and a reset keeps that number. "
                f"Received: y_pred.shape={tuple(pred_shape)}. Create a new "
                "metric for a different number of classes."
            )

    def _build(self, num_classes: int, device: torch.device) -> None:
        shape = () if self.average == "micro" else (num_classes,)
        for state_name in _STATE_NAMES:
            state = self.add_variable(shape, "zeros", name=state_name)
            setattr(self, state_name, state)
        self._follow_device(device)
        self._num_classes = num_classes
        self._built = True


class F1Score(FBetaScore):
    """F1 score: the harmonic mean of precision and recall, per class.

    This is `FBetaScore` with `beta=1.0`. See there for the inputs.

    Args:
        average: `None` (one score per class), `"micro"`, `"macro"` or
            `"weighted"`, as in `FBetaScore`.
        threshold: A Python float in (0, 1], or None to mark the highest
            score of each sample as positive, as in `FBetaScore`.
        name: Defaults to `"f1_score"`.
        dtype: See `Metric`.

    Raises:
        ValueError: if `average` or `threshold` is invalid, or if an update
            gets inputs that are not 2D or whose shapes differ.

    Example:

    >>> metric = F1Score(average="micro")
    >>> metric.update_state([[0, 1], [1, 0]], [[0.3, 0.7], [0.2, 0.8]])
    >>> metric.result()
    tensor(0.5000)
    """

    def __init__(
        self,
        average: str | None = None,
        threshold: float | None = None,
        name: str = "f1_score",
        dtype: Any = None,
    ):
        super().__init__(
            average=average,
            beta=1.0,
            threshold=threshold,
            name=name,
            dtype=dtype,
        )

    def get_config(self) -> dict[str, Any]:
        """Return the name, dtype, average and threshold."""
        config_dict = super().get_config()
        del config_dict["beta"]
        return config_dict


def _check_arguments(
    average: str | None, beta: float, threshold: float | None
) -> None:
    if average not in _AVERAGES:
        raise ValueError(
            "Invalid `average`: expected one of None, 'micro', 'macro' or "
            f"'weighted'. Received: average={average!r}"
        )
    # Keras accepts only Python floats here, so an int such as 1 is invalid.
    # Keras raises ValueError for a wrong type too, kept for callers that
    # catch it.
    if not isinstance(beta, float):
        raise ValueError(  # noqa: TRY004
            "`beta` must be a Python float. "
            f"Received: beta={beta!r} of type {type(beta).__name__}"
        )
    if beta <= 0.0:
        raise ValueError(f"`beta` must be > 0. Received: beta={beta!r}")
    if threshold is None:
        return
    if not isinstance(threshold, float):
        raise ValueError(  # noqa: TRY004
            "`threshold` must be a Python float or None. Received: "
            f"threshold={threshold!r} of type {type(threshold).__name__}"
        )
    if not 0.0 < threshold <= 1.0:
        raise ValueError(
            f"`threshold` must be in (0, 1]. Received: threshold={threshold!r}"
        )
