"""Metrics counted from the confusion matrix at one or more thresholds.

A prediction `p` counts as positive at threshold `t` when `p > t`, and a
label counts as positive when it is non-zero. Each metric keeps weighted
true/false positive/negative counts per threshold as state tensors, and
computes its value from them: a count, precision, recall, the area under
a curve, or one rate at a fixed value of another.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from torchkeras import config
from torchkeras.backend.tensors import convert_to_tensor
from torchkeras.metrics import _confusion_utils as utils

# `Args:` entries shared by several classes below, filled in by
# `utils.fill_argument_docs()`.
_THRESHOLDS_DOC = """\
thresholds: A float or list of floats in [0, 1]. A prediction is
    positive at a threshold when it is above it. Defaults to 0.5.
    With several thresholds the result has one value each."""
_PRECISION_RECALL_ARGUMENTS_DOC = """\
thresholds: A float or list of floats in [0, 1]. A prediction is
    positive at a threshold when it is above it. Defaults to 0.5,
    or, with `top_k`, to no threshold at all. With several
    thresholds the result has one value each.
top_k: Optional number of highest predictions per sample that may
    count as positive.
class_id: Optional index of the one class to evaluate."""
_FIXED_RATE_ARGUMENTS_DOC = """\
num_thresholds: Number of evenly spaced thresholds from 0 to 1
    to evaluate. Defaults to 200.
class_id: Optional index of the one class to evaluate, for
    predictions of shape `(N, num_classes)`."""


class _ConditionCount(utils.ThresholdCountMetric):
    """Base of TruePositives and its siblings: one count per threshold.

    A subclass sets `_count_key` to the count it keeps: "tp", "fp", "tn"
    or "fn".
    """

    _count_key: str

    def __init__(
        self,
        thresholds: Any = None,
        name: str | None = None,
        dtype: Any = None,
    ):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.thresholds = utils.parse_thresholds(thresholds, default=0.5)
        self._set_thresholds(
            self.thresholds, utils.is_evenly_spaced(self.thresholds)
        )
        self._add_count_states(
            {self._count_key: "accumulator"}, (len(self.thresholds),)
        )

    def result(self) -> torch.Tensor:
        """Return the count: a scalar for one threshold, else one per threshold."""
        if len(self.thresholds) == 1:
            return self.accumulator[0].clone()
        return self.accumulator.clone()

    def get_config(self) -> dict[str, Any]:
        """Return the name, dtype and thresholds as given."""
        return {**super().get_config(), "thresholds": self.init_thresholds}


@utils.fill_argument_docs(thresholds=_THRESHOLDS_DOC)
class TruePositives(_ConditionCount):
    """Weighted count of positive labels predicted positive.

    Args:
        {thresholds}
        name: Defaults to `"true_positives"`, made unique with a counter.
        dtype: See `Metric`.

    Example:

    >>> metric = TruePositives()
    >>> metric.update_state([0, 1, 1, 1], [0.9, 0.8, 0.3, 0.6])
    >>> metric.result()
    tensor(2.)
    >>> metric.reset_state()
    >>> metric.update_state(
    ...     [0, 1, 1, 1], [0.9, 0.8, 0.3, 0.6], sample_weight=[1, 0, 1, 2]
    ... )
    >>> metric.result()
    tensor(2.)
    """

    _count_key = "tp"


@utils.fill_argument_docs(thresholds=_THRESHOLDS_DOC)
class FalsePositives(_ConditionCount):
    """Weighted count of negative labels predicted positive.

    Args:
        {thresholds}
        name: Defaults to `"false_positives"`, made unique with a counter.
        dtype: See `Metric`.

    Example:

    >>> metric = FalsePositives(thresholds=[0.5, 0.85])
    >>> metric([0, 1, 0, 0], [0.9, 0.8, 0.3, 0.6])
    tensor([2., 1.])
    """

    _count_key = "fp"


@utils.fill_argument_docs(thresholds=_THRESHOLDS_DOC)
class TrueNegatives(_ConditionCount):
    """Weighted count of negative labels predicted negative.

    Args:
        {thresholds}
        name: Defaults to `"true_negatives"`, made unique with a counter.
        dtype: See `Metric`.

    Example:

    >>> metric = TrueNegatives()
    >>> metric([0, 1, 0, 0], [0.9, 0.8, 0.3, 0.6])
    tensor(1.)
    """

    _count_key = "tn"


@utils.fill_argument_docs(thresholds=_THRESHOLDS_DOC)
class FalseNegatives(_ConditionCount):
    """Weighted count of positive labels predicted negative.

    Args:
        {thresholds}
        name: Defaults to `"false_negatives"`, made unique with a counter.
        dtype: See `Metric`.

    Example:

    >>> metric = FalseNegatives()
    >>> metric([0, 1, 1, 1], [0.9, 0.8, 0.3, 0.6])
    tensor(1.)
    """

    _count_key = "fn"


class _PrecisionOrRecall(utils.ThresholdCountMetric):
    """Base of Precision and Recall: `tp / (tp + other)` per threshold.

    A subclass sets `_other_key` to the count of the denominator besides
    the true positives: "fp" for precision, "fn" for recall.
    """

    _other_key: str

    def __init__(
        self,
        thresholds: Any = None,
        top_k: int | None = None,
        class_id: int | None = None,
        name: str | None = None,
        dtype: Any = None,
    ):
        utils.check_optional_int(top_k, "top_k", minimum=1)
        utils.check_optional_int(class_id, "class_id")
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.top_k = top_k
        self.class_id = class_id
        # With top_k and no thresholds, every top-k prediction is positive.
        default = 0.5 if top_k is None else utils.NEG_INF
        self.thresholds = utils.parse_thresholds(thresholds, default)
        self._set_thresholds(
            self.thresholds, utils.is_evenly_spaced(self.thresholds)
        )
        self._other_state = utils.ALL_COUNTS[self._other_key]
        self._add_count_states(
            {"tp": "true_positives", self._other_key: self._other_state},
            (len(self.thresholds),),
        )

    def _count_options(self) -> dict[str, Any]:
        return {"top_k": self.top_k, "class_id": self.class_id}

    def result(self) -> torch.Tensor:
        """Return the value: a scalar for one threshold, else one per threshold."""
        true_positives = self.true_positives
        other = getattr(self, self._other_state)
        value = utils.divide_no_nan(true_positives, true_positives + other)
        return value[0] if len(self.thresholds) == 1 else value

    def get_config(self) -> dict[str, Any]:
        """Return the name, dtype, thresholds as given, top_k and class_id."""
        return {
            **super().get_config(),
            "thresholds": self.init_thresholds,
            "top_k": self.top_k,
            "class_id": self.class_id,
        }


@utils.fill_argument_docs(arguments=_PRECISION_RECALL_ARGUMENTS_DOC)
class Precision(_PrecisionOrRecall):
    """Precision, `tp / (tp + fp)`: the fraction of predicted positives.

    Each sample adds its weight to the true or false positives at every
    threshold its prediction is above. The result is 0 while nothing is
    predicted positive.

    With `top_k`, only the k highest predictions of each sample (last
    axis) can be positive, so this is precision at k for multi-label
    data. With `class_id`, only that column of the last axis is counted,
    which gives the precision of one class out of several.

    Args:
        {arguments}
        name: Defaults to `"precision"`, made unique with a counter.
        dtype: See `Metric`.

    Example:

    >>> metric = Precision()
    >>> metric([0, 1, 1, 1], [1.0, 1.0, 0.0, 1.0])
    tensor(0.6667)
    >>> metric = Precision(top_k=2)
    >>> metric([[0, 0, 1, 1]], [[0.1, 0.7, 0.4, 0.6]])
    tensor(0.5000)
    """

    _other_key = "fp"


@utils.fill_argument_docs(arguments=_PRECISION_RECALL_ARGUMENTS_DOC)
class Recall(_PrecisionOrRecall):
    """Recall, `tp / (tp + fn)`: the fraction of positives found.

    Each positive label adds its weight to the true positives at every
    threshold its prediction is above, and to the false negatives at the
    others. The result is 0 while no label is positive.

    `top_k` and `class_id` restrict the predictions as in `Precision`.

    Args:
        {arguments}
        name: Defaults to `"recall"`, made unique with a counter.
        dtype: See `Metric`.

    Example:

    >>> metric = Recall()
    >>> metric([0, 1, 1, 1], [1.0, 0.0, 1.0, 1.0])
    tensor(0.6667)
    >>> metric = Recall(thresholds=[0.3, 0.7])
    >>> metric([0, 1, 1, 1], [0.9, 0.8, 0.5, 0.1])
    tensor([0.6667, 0.3333])
    """

    _other_key = "fn"


class _RateAtFixedRate(utils.ThresholdCountMetric):
    """Base of the metrics that maximize one rate while another is fixed.

    All four counts are kept at `num_thresholds` evenly spaced thresholds
    from 0 to 1 (the single threshold 0.5 when `num_thresholds=1`). The
    result is the largest value of the dependent rate over the thresholds
    where the constrained rate is at least `value`, or 0 when there is
    none. A subclass sets `_argument` to the name of its target argument,
    which also names the attribute and config entry of `value`.
    """

    _argument: str

    def __init__(
        self,
        value: float,
        num_thresholds: int = 200,
        class_id: int | None = None,
        name: str | None = None,
        dtype: Any = None,
    ):
        argument = self._argument
        if not 0.0 <= value <= 1.0:
            raise ValueError(
                f"`{argument}` must be a float in [0, 1]. "
                f"Received: {argument}={value!r}"
            )
        if num_thresholds <= 0:
            raise ValueError(
                "`num_thresholds` must be an integer > 0. "
                f"Received: num_thresholds={num_thresholds!r}"
            )
        utils.check_optional_int(class_id, "class_id")
        super().__init__(name=name, dtype=dtype)
        self.value = value
        setattr(self, argument, value)
        self.num_thresholds = num_thresholds
        self.class_id = class_id
        if num_thresholds == 1:
            self.thresholds = [0.5]
        else:
            inner = [
                (i + 1) / (num_thresholds - 1)
                for i in range(num_thresholds - 2)
            ]
            self.thresholds = [0.0] + inner + [1.0]
        self._set_thresholds(self.thresholds, evenly_spaced=num_thresholds > 1)
        self._add_count_states(utils.ALL_COUNTS, (num_thresholds,))

    def _count_options(self) -> dict[str, Any]:
        return {"class_id": self.class_id}

    def get_config(self) -> dict[str, Any]:
        """Return the name, dtype, class_id, num_thresholds and the value."""
        return {
            **super().get_config(),
            "class_id": self.class_id,
            "num_thresholds": self.num_thresholds,
            self._argument: self.value,
        }

    def _recall(self) -> torch.Tensor:
        tp = self.true_positives
        return utils.divide_no_nan(tp, tp + self.false_negatives)

    def _specificity(self) -> torch.Tensor:
        tn = self.true_negatives
        return utils.divide_no_nan(tn, tn + self.false_positives)

    def _precision(self) -> torch.Tensor:
        tp = self.true_positives
        return utils.divide_no_nan(tp, tp + self.false_positives)

    def _max_where_at_least(
        self,
        constrained: torch.Tensor,
        dependent: torch.Tensor,
    ) -> torch.Tensor:
        feasible = constrained >= self.value
        return torch.where(feasible, dependent, 0.0).max()


@utils.fill_argument_docs(arguments=_FIXED_RATE_ARGUMENTS_DOC)
class SensitivityAtSpecificity(_RateAtFixedRate):
    """Best sensitivity (recall) at a specificity of at least `specificity`.

    Sensitivity is `tp / (tp + fn)` and specificity `tn / (tn + fp)`.
    The result is the highest sensitivity over the thresholds where the
    specificity reaches the target, or 0 if none does.

    Args:
        specificity: Target specificity, a float in [0, 1].
        {arguments}
        name: Defaults to `"sensitivity_at_specificity"`, made unique
            with a counter.
        dtype: See `Metric`.

    Example:

    >>> metric = SensitivityAtSpecificity(0.8)
    >>> metric([0, 0, 1, 1, 1], [0.1, 0.6, 0.4, 0.7, 0.9])
    tensor(0.6667)
    """

    _argument = "specificity"

    def __init__(
        self,
        specificity: float,
        num_thresholds: int = 200,
        class_id: int | None = None,
        name: str | None = None,
        dtype: Any = None,
    ):
        super().__init__(specificity, num_thresholds, class_id, name, dtype)

    def result(self) -> torch.Tensor:
        """Return the best sensitivity where specificity is high enough."""
        return self._max_where_at_least(self._specificity(), self._recall())


@utils.fill_argument_docs(arguments=_FIXED_RATE_ARGUMENTS_DOC)
class SpecificityAtSensitivity(_RateAtFixedRate):
    """Best specificity at a sensitivity (recall) of at least `sensitivity`.

    Sensitivity is `tp / (tp + fn)` and specificity `tn / (tn + fp)`.
    The result is the highest specificity over the thresholds where the
    sensitivity reaches the target, or 0 if none does.

    Args:
        sensitivity: Target sensitivity, a float in [0, 1].
        {arguments}
        name: Defaults to `"specificity_at_sensitivity"`, made unique
            with a counter.
        dtype: See `Metric`.

    Example:

    >>> metric = SpecificityAtSensitivity(0.8)
    >>> metric([0, 0, 1, 1, 1], [0.1, 0.6, 0.4, 0.7, 0.9])
    tensor(0.5000)
    """

    _argument = "sensitivity"

    def __init__(
        self,
        sensitivity: float,
        num_thresholds: int = 200,
        class_id: int | None = None,
        name: str | None = None,
        dtype: Any = None,
    ):
        super().__init__(sensitivity, num_thresholds, class_id, name, dtype)

    def result(self) -> torch.Tensor:
        """Return the best specificity where sensitivity is high enough."""
        return self._max_where_at_least(self._recall(), self._specificity())


@utils.fill_argument_docs(arguments=_FIXED_RATE_ARGUMENTS_DOC)
class PrecisionAtRecall(_RateAtFixedRate):
    """Best precision at a recall of at least `recall`.

    The result is the highest precision `tp / (tp + fp)` over the
    thresholds where the recall `tp / (tp + fn)` reaches the target, or 0
    if none does.

    Args:
        recall: Target recall, a float in [0, 1].
        {arguments}
        name: Defaults to `"precision_at_recall"`, made unique with a
            counter.
        dtype: See `Metric`.

    Example:

    >>> metric = PrecisionAtRecall(0.8)
    >>> metric([0, 0, 1, 1, 1], [0.1, 0.6, 0.4, 0.7, 0.9])
    tensor(0.7500)
    """

    _argument = "recall"

    def __init__(
        self,
        recall: float,
        num_thresholds: int = 200,
        class_id: int | None = None,
        name: str | None = None,
        dtype: Any = None,
    ):
        super().__init__(recall, num_thresholds, class_id, name, dtype)

    def result(self) -> torch.Tensor:
        """Return the best precision where recall is high enough."""
        return self._max_where_at_least(self._recall(), self._precision())


@utils.fill_argument_docs(arguments=_FIXED_RATE_ARGUMENTS_DOC)
class RecallAtPrecision(_RateAtFixedRate):
    """Best recall at a precision of at least `precision`.

    The result is the highest recall `tp / (tp + fn)` over the thresholds
    where the precision `tp / (tp + fp)` reaches the target, or 0 if none
    does.

    Args:
        precision: Target precision, a float in [0, 1].
        {arguments}
        name: Defaults to `"recall_at_precision"`, made unique with a
            counter.
        dtype: See `Metric`.

    Example:

    >>> metric = RecallAtPrecision(0.8)
    >>> metric([0, 0, 1, 1, 1], [0.1, 0.6, 0.4, 0.7, 0.9])
    tensor(0.6667)
    """

    _argument = "precision"

    def __init__(
        self,
        precision: float,
        num_thresholds: int = 200,
        class_id: int | None = None,
        name: str | None = None,
        dtype: Any = None,
    ):
        super().__init__(precision, num_thresholds, class_id, name, dtype)

    def result(self) -> torch.Tensor:
        """Return the best recall where precision is high enough."""
        return self._max_where_at_least(self._precision(), self._recall())


class AUC(utils.ThresholdCountMetric):
    """Area under the ROC or precision-recall curve, from threshold counts.

    The four counts are kept at `num_thresholds` thresholds, and the curve
    through the points they give is integrated with a Riemann sum. The
    thresholds are spaced evenly over [0, 1], except that the first lies
    `config.epsilon()` below 0 and the last `config.epsilon()` above 1, so
    that predictions of exactly 0 and 1 are counted at the ends. More
    thresholds give a closer approximation of the exact area. Predictions
    should be probabilities; pass `from_logits=True` for logits.

    Args:
        num_thresholds: Number of thresholds, at least 2. Defaults to 200.
            Ignored when `thresholds` is given.
        curve: `"ROC"` (true positive rate over false positive rate),
            `"PR"` (precision over recall) or `"PRGAIN"` (precision gain
            over recall gain, Flach and Kull, NeurIPS 2015).
        summation_method: `"interpolation"` uses the mean height of each
            slice for ROC, and for PR interpolates true positives linearly
            between thresholds and integrates precision exactly, which
            avoids the optimistic estimate of a linear precision.
            `"minoring"` uses the lower and `"majoring"` the higher of
            the two heights.
        name: Defaults to `"auc"`, made unique with a counter.
        dtype: See `Metric`.
        thresholds: Optional list of inner thresholds, used instead of
            evenly spaced ones. The two end thresholds are added to them.
        multi_label: Whether the columns of `y_pred`, shape
            `(N, num_labels)`, are separate labels. Each gets its own
            curve and the result averages their areas. Otherwise all
            entries are flattened into one curve.
        num_labels: Number of labels with `multi_label=True`. When None,
            the states are created on the first `update_state()` call.
        label_weights: Optional non-negative weight per label. With
            `multi_label=True` they weight the average of the per-label
            areas, otherwise they weight each label's entries in the
            counts.
        from_logits: Whether `y_pred` contains logits, passed through a
            sigmoid before thresholding.

    Example:

    >>> metric = AUC(num_thresholds=3)
    >>> metric([0, 0, 1, 1], [0.0, 0.5, 0.3, 0.9])
    tensor(0.7500)
    >>> metric = AUC(curve="PR", from_logits=True)
    >>> metric([0, 1, 1, 0], [-2.0, 1.5, 0.2, 0.4])
    tensor(0.7973)
    """

    def __init__(
        self,
        num_thresholds: int = 200,
        curve: str = "ROC",
        summation_method: str = "interpolation",
        name: str | None = None,
        dtype: Any = None,
        thresholds: Sequence[float] | None = None,
        multi_label: bool = False,
        num_labels: int | None = None,
        label_weights: Any = None,
        from_logits: bool = False,
    ):
        curve = utils.parse_choice(curve, utils.CURVES, "curve")
        summation_method = utils.parse_choice(
            summation_method, utils.SUMMATION_METHODS, "summation_method"
        )
        inner, evenly_spaced = _auc_inner_thresholds(num_thresholds, thresholds)
        if num_labels and not multi_label:
            raise ValueError(
                "`num_labels` is only used with `multi_label=True`. "
                f"Received: num_labels={num_labels!r}, multi_label=False."
            )
        super().__init__(name=name, dtype=dtype)
        self.num_thresholds = len(inner) + 2
        self.curve = curve
        self.summation_method = summation_method
        self.multi_label = multi_label
        self.num_labels = num_labels
        self.from_logits = from_logits
        self._init_from_thresholds = thresholds is not None
        self._num_labels = None
        epsilon = config.epsilon()
        self._thresholds = [0.0 - epsilon] + inner + [1.0 + epsilon]
        self._set_thresholds(self._thresholds, evenly_spaced)
        self.register_buffer(
            "label_weights",
            self._parse_label_weights(label_weights),
            persistent=False,
        )

        self._built = False
        if not multi_label:
            self._build(None)
        elif num_labels:
            self._build((None, num_labels))

    @property
    def thresholds(self) -> list[float]:
        """All thresholds, ascending, with the two end thresholds."""
        return list(self._thresholds)

    def update_state(
        self,
        y_true: Any,
        y_pred: Any,
        sample_weight: Any = None,
    ) -> None:
        """Add the (weighted) counts of one batch at each threshold.

        Args:
            y_true: Labels. Non-zero values are positive.
            y_pred: Predictions, the shape of `y_true`: probabilities, or
                logits with `from_logits=True`.
            sample_weight: Optional weights, of shape `(N,)` for whole
                samples or broadcastable to `y_pred`.

        Raises:
            ValueError: with `multi_label=True`, if `y_pred` is not of
                shape `(N, num_labels)`.
        """
        y_pred = self._prepare_values(y_pred)
        if not self._built:
            self._build(tuple(y_pred.shape))
            self._follow_device(y_pred.device)
        if self.multi_label:
            self._check_label_shape(tuple(y_pred.shape))
        if self.from_logits:
            y_pred = torch.sigmoid(y_pred)
        self._update_counts(
            y_true,
            y_pred,
            sample_weight,
            multi_label=self.multi_label,
            label_weights=None if self.multi_label else self.label_weights,
        )

    def result(self) -> torch.Tensor:
        """Return the area, averaged over labels with `multi_label=True`."""
        if not self._built:
            return torch.zeros((), dtype=self._compute_dtype)
        tp = self.true_positives
        fp = self.false_positives
        if self.curve == "PR" and self.summation_method == "interpolation":
            terms = utils.interpolated_pr_auc_terms(
                tp, fp, self.false_negatives
            )
        else:
            terms = utils.riemann_auc_terms(
                tp,
                fp,
                self.true_negatives,
                self.false_negatives,
                self.curve,
                self.summation_method,
            )
        if not self.multi_label:
            return terms.sum()

        label_areas = terms.sum(0)
        if self.label_weights is None:
            return label_areas.mean()
        weights = self.label_weights.to(label_areas.dtype)
        return utils.divide_no_nan((label_areas * weights).sum(), weights.sum())

    def get_config(self) -> dict[str, Any]:
        """Return the constructor arguments, with `thresholds` if given."""
        label_weights = self.label_weights
        if label_weights is not None:
            label_weights = label_weights.tolist()
        config_dict = {
            **super().get_config(),
            "num_thresholds": self.num_thresholds,
            "curve": self.curve,
            "summation_method": self.summation_method,
            "multi_label": self.multi_label,
            "num_labels": self.num_labels,
            "label_weights": label_weights,
            "from_logits": self.from_logits,
        }
        if self._init_from_thresholds:
            config_dict["thresholds"] = self.thresholds[1:-1]
        return config_dict

    def _build(self, shape: tuple[int | None, ...] | None) -> None:
        """Create the count states, one column per label if multi-label."""
        if self.multi_label:
            self._check_label_shape(shape)
            self._num_labels = shape[1]
            state_shape = (self.num_thresholds, shape[1])
        else:
            state_shape = (self.num_thresholds,)
        self._add_count_states(utils.ALL_COUNTS, state_shape)
        self._built = True

    def _check_label_shape(self, shape: tuple[int | None, ...]) -> None:
        if len(shape) != 2:
            raise ValueError(
                "With `multi_label=True`, `y_pred` must have shape "
                f"(num_samples, num_labels). Received: y_pred.shape={shape}."
            )
        expected = self._num_labels
        if expected is not None and shape[1] != expected:
            raise ValueError(
                f"This AUC counts {expected} labels, but `y_pred` has "
                f"{shape[1]} columns. Received: y_pred.shape={shape}."
            )

    def _parse_label_weights(self, label_weights: Any) -> torch.Tensor | None:
        if label_weights is None:
            return None
        weights = convert_to_tensor(label_weights, dtype=self._compute_dtype)
        if weights.dim() != 1:
            raise ValueError(
                "`label_weights` must be a list with one weight per label. "
                f"Received: label_weights={label_weights!r}"
            )
        if self.num_labels and weights.shape[0] != self.num_labels:
            raise ValueError(
                f"`label_weights` has {weights.shape[0]} weights, but "
                f"num_labels={self.num_labels}. Pass one weight per label."
            )
        return weights.clone()


def _auc_inner_thresholds(
    num_thresholds: int,
    thresholds: Sequence[float] | None,
) -> tuple[list[float], bool]:
    """Return AUC's thresholds without the ends, and if they are even."""
    if thresholds is not None:
        inner = sorted(float(t) for t in thresholds)
        evenly_spaced = utils.is_evenly_spaced([0.0] + inner + [1.0])
        return inner, evenly_spaced
    if num_thresholds <= 1:
        raise ValueError(
            "`num_thresholds` must be an integer > 1. "
            f"Received: num_thresholds={num_thresholds!r}"
        )
    inner = [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)]
    return inner, True
