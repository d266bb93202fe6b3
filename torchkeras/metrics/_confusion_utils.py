"""The base class and tensor kernels of the confusion-matrix metrics.

Every metric here counts, per decision threshold `t`, the (weighted)
samples whose prediction is strictly above `t`, split by label. Instead of
comparing each prediction with every threshold, each prediction is mapped
to the number of thresholds it exceeds. One `index_add_` builds a weighted
histogram of those numbers, and a reversed cumulative sum turns it into
per-threshold counts. This takes O(N + T) time and memory for N
predictions and T thresholds, and never reads a value back to the host.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from torchkeras import config
from torchkeras.backend.tensors import convert_to_tensor
from torchkeras.losses.loss import squeeze_or_expand_to_same_rank
from torchkeras.metrics.metric import Metric

# Score given to predictions outside the top k, so that no threshold
# counts them as positive. Keras 3.15 uses the same value.
NEG_INF = -1e10

CURVES = ("ROC", "PR", "PRGAIN")
SUMMATION_METHODS = ("interpolation", "minoring", "majoring")


def parse_thresholds(thresholds: Any, default: float) -> list[float]:
    """Return `thresholds` as a list of floats, or `[default]` for None.

    Raises:
        ValueError: if a given threshold is None or outside [0, 1].
    """
    if thresholds is None:
        return [default]
    if isinstance(thresholds, (list, tuple, np.ndarray, torch.Tensor)):
        values = list(np.asarray(thresholds, dtype=object).reshape(-1))
    else:
        values = [thresholds]
    invalid = [t for t in values if t is None or not 0.0 <= float(t) <= 1.0]
    if invalid:
        raise ValueError(
            "Every threshold must be a float in [0, 1]. "
            f"Received: thresholds={thresholds!r}, invalid values {invalid}."
        )
    return [float(t) for t in values]


def is_evenly_spaced(thresholds: list[float]) -> bool:
    """Return whether `thresholds` is `[0, 1/(n-1), ..., 1]` for n >= 3.

    Such thresholds are counted with the bucket formula of
    `exceeded_threshold_counts`, as Keras does.
    """
    count = len(thresholds)
    if count < 3:
        return False
    expected = np.arange(count, dtype=np.float32) / (count - 1)
    return bool(np.allclose(thresholds, expected, atol=config.epsilon()))


def filter_top_k(y_pred: torch.Tensor, k: int) -> torch.Tensor:
    """Replace all but the `k` highest scores of the last axis by NEG_INF.

    Raises:
        ValueError: if the last axis has fewer than `k` entries.
    """
    if k > y_pred.shape[-1]:
        raise ValueError(
            "`top_k` must be at most the size of the last axis of `y_pred`. "
            f"Received: top_k={k}, y_pred.shape={tuple(y_pred.shape)}."
        )
    top_indices = torch.topk(y_pred, k, dim=-1).indices
    in_top_k = torch.zeros_like(y_pred, dtype=torch.bool)
    in_top_k.scatter_(-1, top_indices, True)
    return torch.where(in_top_k, y_pred, torch.full_like(y_pred, NEG_INF))


def exceeded_threshold_counts(
    y_pred: torch.Tensor,
    num_thresholds: int,
    sorted_thresholds: torch.Tensor | None,
    with_epsilon: bool,
) -> torch.Tensor:
    """Return, per prediction, how many thresholds it is strictly above.

    For evenly spaced thresholds (`sorted_thresholds` None) the count comes
    from Keras's bucket formula, `ceil(p * (n - 1))` with `p` clipped to
    [0, 1]. It equals `p > t` up to float rounding, and matching the
    formula keeps predictions that land on a threshold in Keras's bucket.
    When the outer thresholds lie an epsilon outside [0, 1], every
    prediction exceeds the first one.

    Otherwise `sorted_thresholds` is the ascending thresholds tensor and
    the count is exact.
    """
    if sorted_thresholds is None:
        clipped = y_pred.clamp(0.0, 1.0)
        counts = torch.ceil(clipped * (num_thresholds - 1)).long()
        if with_epsilon:
            counts = counts.clamp(min=1)
        return counts
    boundaries = sorted_thresholds.to(y_pred.dtype)
    # right=False gives the number of boundaries strictly below each value.
    return torch.bucketize(y_pred.contiguous(), boundaries, right=False)


def threshold_histogram(
    counts: torch.Tensor,
    weights: torch.Tensor,
    num_thresholds: int,
) -> torch.Tensor:
    """Sum `weights` by the number of thresholds each prediction exceeds.

    Args:
        counts: Integer tensor `(M, L)`: thresholds exceeded by each of M
            predictions, for each of L labels, in `[0, num_thresholds]`.
        weights: Tensor `(M, L)` of the weights to add up.
        num_thresholds: T, the number of thresholds.

    Returns:
        Tensor `(T + 1, L)` whose entry `[c, j]` sums the weights of label
        `j` that exceed exactly `c` thresholds. Summing rows `i + 1` to T
        gives the weight above threshold `i`, and rows 0 to `i` the weight
        at or below it.
    """
    num_labels = counts.shape[1]
    label_index = torch.arange(num_labels, device=counts.device)
    flat_index = (counts * num_labels + label_index).reshape(-1)
    histogram = torch.zeros(
        (num_thresholds + 1) * num_labels,
        dtype=weights.dtype,
        device=weights.device,
    )
    histogram.index_add_(0, flat_index, weights.reshape(-1))
    return histogram.reshape(num_thresholds + 1, num_labels)


def sum_above(histogram: torch.Tensor) -> torch.Tensor:
    """Return, per threshold, the histogram weight strictly above it."""
    return histogram[1:].flip(0).cumsum(0).flip(0)


def sum_at_or_below(histogram: torch.Tensor) -> torch.Tensor:
    """Return, per threshold, the histogram weight at or below it."""
    return histogram[:-1].cumsum(0)


def divide_no_nan(
    numerator: torch.Tensor,
    denominator: torch.Tensor,
) -> torch.Tensor:
    """Return `numerator / denominator`, with 0 where the denominator is 0."""
    is_zero = denominator == 0
    safe = torch.where(is_zero, torch.ones_like(denominator), denominator)
    return torch.where(is_zero, torch.zeros_like(numerator), numerator / safe)


def riemann_auc_terms(
    tp: torch.Tensor,
    fp: torch.Tensor,
    tn: torch.Tensor,
    fn: torch.Tensor,
    curve: str,
    summation_method: str,
) -> torch.Tensor:
    """Return the area of each slice between adjacent thresholds.

    The curve points are taken at the thresholds in ascending order, so
    the x coordinate decreases along axis 0. `curve="PR"` with
    `summation_method="interpolation"` is handled by
    `interpolated_pr_auc_terms` instead.
    """
    x, y = _curve_points(tp, fp, tn, fn, curve)
    if summation_method == "interpolation":
        heights = (y[:-1] + y[1:]) / 2.0
    elif summation_method == "minoring":
        heights = torch.minimum(y[:-1], y[1:])
    else:
        heights = torch.maximum(y[:-1], y[1:])
    return (x[:-1] - x[1:]) * heights


def interpolated_pr_auc_terms(
    tp: torch.Tensor,
    fp: torch.Tensor,
    fn: torch.Tensor,
) -> torch.Tensor:
    """Return the PR-curve area of each slice between adjacent thresholds.

    Between two thresholds, true positives are interpolated linearly in
    the number of predicted positives `p = tp + fp`, and precision
    `tp / p` is integrated exactly over recall. With slope
    `s = dtp / dp` and intercept `b = tp - s * p` of that line, a slice
    adds `s * (dtp + b * log(p_left / p_right)) / (tp_right + fn_right)`.
    This is the method of Davis and Goadrich, "The Relationship Between
    Precision-Recall and ROC Curves" (ICML 2006), as Keras computes it.
    """
    delta_tp = tp[:-1] - tp[1:]
    predicted = tp + fp
    delta_predicted = predicted[:-1] - predicted[1:]
    slope = divide_no_nan(delta_tp, delta_predicted.clamp(min=0))
    intercept = tp[1:] - slope * predicted[1:]
    both_positive = (predicted[:-1] > 0) & (predicted[1:] > 0)
    ratio = torch.where(
        both_positive,
        divide_no_nan(predicted[:-1], predicted[1:].clamp(min=0)),
        torch.ones_like(predicted[1:]),
    )
    numerator = slope * (delta_tp + intercept * torch.log(ratio))
    return divide_no_nan(numerator, (tp[1:] + fn[1:]).clamp(min=0))


def _curve_points(
    tp: torch.Tensor,
    fp: torch.Tensor,
    tn: torch.Tensor,
    fn: torch.Tensor,
    curve: str,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Return the x and y coordinates of `curve` at every threshold."""
    recall = divide_no_nan(tp, tp + fn)
    if curve == "ROC":
        return divide_no_nan(fp, fp + tn), recall
    if curve == "PR":
        return recall, divide_no_nan(tp, tp + fp)

    # Precision-recall gain (Flach and Kull, NeurIPS 2015): precision and
    # recall rescaled by the ratio of positives to negatives.
    scale = divide_no_nan(tp + fn, tn + fp)
    no_tp = tp == 0
    recall_gain = 1.0 - scale * divide_no_nan(fn, tp)
    recall_gain = torch.where(no_tp, torch.zeros_like(tp), recall_gain)
    precision_gain = 1.0 - scale * divide_no_nan(fp, tp)
    precision_gain = torch.where(no_tp, torch.ones_like(tp), precision_gain)
    return recall_gain.clamp(min=0.0), precision_gain


# Keys of the four counts, and the names Keras gives their states.
ALL_COUNTS = {
    "tp": "true_positives",
    "fp": "false_positives",
    "tn": "true_negatives",
    "fn": "false_negatives",
}


class ThresholdCountMetric(Metric):
    """Base of the metrics that count TP, FP, TN and FN per threshold.

    A subclass calls `_set_thresholds()` and `_add_count_states()` in its
    `__init__`. `update_state()` passes the options from `_count_options()`
    to `_update_counts()`. Count states have shape `(T,)` for T thresholds,
    or `(T, L)` for L labels counted separately (`multi_label=True`).
    """

    def __init__(self, name: str | None = None, dtype: Any = None):
        super().__init__(name=name, dtype=dtype)
        # Maps each count key ("tp", "fp", "tn", "fn") to its state name.
        self._count_states: dict[str, str] = {}

    def _device(self) -> torch.device | None:
        # Before its states exist (a multi-label AUC before its first update),
        # the metric is on the device of its other buffers, if it has any.
        device = super()._device()
        if device is None:
            for buffer in self.buffers():
                return buffer.device
        return device

    def _set_thresholds(
        self,
        thresholds: list[float],
        evenly_spaced: bool,
    ) -> None:
        """Prepare the count of thresholds each prediction exceeds.

        Evenly spaced thresholds use Keras's bucket formula and need no
        tensor. Others are kept sorted in a non-persistent buffer, with
        the position of each original threshold in the sorted order.
        """
        self._num_thresholds = len(thresholds)
        self._evenly_spaced = evenly_spaced
        self._with_epsilon = thresholds[0] < 0.0 or thresholds[-1] > 1.0
        sorted_thresholds = None
        sorted_positions = None
        if not evenly_spaced:
            order = np.argsort(thresholds, kind="stable")
            sorted_thresholds = torch.tensor(
                np.asarray(thresholds)[order], dtype=self._compute_dtype
            )
            sorted_positions = torch.from_numpy(np.argsort(order))
        self.register_buffer(
            "_sorted_thresholds", sorted_thresholds, persistent=False
        )
        self.register_buffer(
            "_sorted_positions", sorted_positions, persistent=False
        )

    def _add_count_states(
        self,
        count_states: dict[str, str],
        shape: tuple[int, ...],
    ) -> None:
        """Create a zero state for each count key, named by `count_states`."""
        for state_name in count_states.values():
            state = self.add_variable(shape, "zeros", name=state_name)
            setattr(self, state_name, state)
        self._count_states = dict(count_states)

    def update_state(
        self,
        y_true: Any,
        y_pred: Any,
        sample_weight: Any = None,
    ) -> None:
        """Add the (weighted) counts of one batch at each threshold.

        Args:
            y_true: Labels. Non-zero values are positive.
            y_pred: Predictions, the shape of `y_true`. Values above a
                threshold are positive at that threshold.
            sample_weight: Optional weights, of shape `(N,)` for whole
                samples or broadcastable to `y_pred`.

        Raises:
            ValueError: if the shapes of `y_true`, `y_pred` and
                `sample_weight` do not match as described.
        """
        self._update_counts(
            y_true, y_pred, sample_weight, **self._count_options()
        )

    def _count_options(self) -> dict[str, Any]:
        """Return the `top_k` and `class_id` options of `_update_counts`."""
        return {}

    def _update_counts(
        self,
        y_true: Any,
        y_pred: Any,
        sample_weight: Any = None,
        top_k: int | None = None,
        class_id: int | None = None,
        multi_label: bool = False,
        label_weights: torch.Tensor | None = None,
    ) -> None:
        """Add the weighted counts of one batch to the count states."""
        y_true, y_pred, weights = self._align_inputs(
            y_true, y_pred, sample_weight
        )
        if top_k is not None:
            y_pred = filter_top_k(y_pred, top_k)
        if class_id is not None:
            y_true, y_pred, weights = _select_class(
                y_true, y_pred, weights, class_id
            )
        if label_weights is not None:
            weights = weights * _broadcast(
                label_weights, y_pred, "label_weights"
            )

        # One column per label with multi_label, else one column in all.
        num_columns = y_pred.shape[-1] if multi_label else 1
        y_pred = y_pred.reshape(-1, num_columns)
        positive = (y_true != 0).reshape(-1, num_columns)
        weights = weights.reshape(-1, num_columns)
        counts = self._exceeded_thresholds(y_pred)
        positive_weights = torch.where(positive, weights, 0.0)
        negative_weights = torch.where(positive, 0.0, weights)
        tp, fn = self._split_by_threshold(counts, positive_weights)
        fp, tn = self._split_by_threshold(counts, negative_weights)

        new_counts = {"tp": tp, "fp": fp, "tn": tn, "fn": fn}
        for key, state_name in self._count_states.items():
            value = new_counts[key]
            if not multi_label:
                value = value.squeeze(-1)
            getattr(self, state_name).add_(value)

    def _align_inputs(
        self,
        y_true: Any,
        y_pred: Any,
        sample_weight: Any,
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Convert the inputs and give labels and weights `y_pred`'s shape."""
        y_pred = self._prepare_values(y_pred)
        y_true = convert_to_tensor(
            y_true, dtype=y_pred.dtype, device=y_pred.device
        ).detach()
        y_pred, y_true = squeeze_or_expand_to_same_rank(y_pred, y_true)
        if y_true.shape != y_pred.shape:
            raise ValueError(
                f"{type(self).__name__} expects `y_true` and `y_pred` of the "
                f"same shape. Received: y_true.shape={tuple(y_true.shape)}, "
                f"y_pred.shape={tuple(y_pred.shape)}."
            )
        if sample_weight is None:
            return y_true, y_pred, torch.ones_like(y_pred)

        weights = convert_to_tensor(
            sample_weight, dtype=y_pred.dtype, device=y_pred.device
        ).detach()
        received_shape = tuple(weights.shape)
        # Keras's rule: weights of shape (N,) weight whole samples, both for
        # predictions of shape (N,) and (N, C).
        weights = weights.unsqueeze(-1)
        _, weights = squeeze_or_expand_to_same_rank(
            y_true, weights, expand_rank_1=False
        )
        weights = _broadcast(weights, y_pred, "sample_weight", received_shape)
        return y_true, y_pred, weights

    def _exceeded_thresholds(self, y_pred: torch.Tensor) -> torch.Tensor:
        return exceeded_threshold_counts(
            y_pred,
            self._num_thresholds,
            None if self._evenly_spaced else self._sorted_thresholds,
            self._with_epsilon,
        )

    def _split_by_threshold(
        self,
        counts: torch.Tensor,
        weights: torch.Tensor,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Return the weight above and at or below each threshold.

        With evenly spaced thresholds the weight at or below is the total
        minus the weight above, and with others it is summed directly.
        Keras 3.15 computes each layout this way, so the rounding matches.
        """
        histogram = threshold_histogram(counts, weights, self._num_thresholds)
        above = sum_above(histogram)
        if self._evenly_spaced:
            return above, weights.sum(0) - above
        below = sum_at_or_below(histogram)
        positions = self._sorted_positions
        return above[positions], below[positions]


def _broadcast(
    weights: torch.Tensor,
    y_pred: torch.Tensor,
    argument: str,
    received_shape: tuple[int, ...] | None = None,
) -> torch.Tensor:
    """Broadcast `weights` to the shape of `y_pred`, or raise ValueError.

    `received_shape` is the shape the caller passed, for the message.
    """
    try:
        return torch.broadcast_to(weights, y_pred.shape)
    except RuntimeError:
        shape = received_shape or tuple(weights.shape)
        raise ValueError(
            f"`{argument}` of shape {shape} does not broadcast to the "
            f"shape of `y_pred`, {tuple(y_pred.shape)}. Pass one weight "
            "per sample, or weights of the shape of `y_pred`."
        ) from None


def _select_class(
    y_true: torch.Tensor,
    y_pred: torch.Tensor,
    weights: torch.Tensor,
    class_id: int,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Keep only column `class_id` of the last axis, as a size-1 axis."""
    if y_pred.dim() < 2:
        raise ValueError(
            "With `class_id`, `y_pred` must have shape "
            "(num_samples, num_classes). "
            f"Received: y_pred.shape={tuple(y_pred.shape)}."
        )
    num_classes = y_pred.shape[-1]
    if not -num_classes <= class_id < num_classes:
        raise ValueError(
            f"`class_id` must index one of the {num_classes} classes of "
            f"`y_pred`. Received: class_id={class_id}."
        )
    # Weights were broadcast to y_pred's shape, so a per-class weight
    # array selects its column too. Keras 3.15 raises for such weights.
    return (
        y_true[..., class_id, None],
        y_pred[..., class_id, None],
        weights[..., class_id, None],
    )


def fill_argument_docs(**fragments: str) -> Callable[[type], type]:
    """Return a class decorator that puts shared text into `Args:`.

    Each `{key}` in the class docstring is replaced by `fragments[key]`,
    whose later lines are indented to match the line of the placeholder.
    """

    def fill(cls: type) -> type:
        docstring = cls.__doc__
        for key, text in fragments.items():
            placeholder = "{" + key + "}"
            position = docstring.index(placeholder)
            line_start = docstring.rindex("\n", 0, position) + 1
            indent = " " * (position - line_start)
            indented_text = text.replace("\n", "\n" + indent)
            docstring = docstring.replace(placeholder, indented_text)
        cls.__doc__ = docstring
        return cls

    return fill


def parse_choice(value: Any, choices: tuple[str, ...], argument: str) -> str:
    """Return the entry of `choices` equal to `value`, ignoring case."""
    if isinstance(value, str):
        for choice in choices:
            if value.lower() == choice.lower():
                return choice
    raise ValueError(
        f"Invalid `{argument}`: expected one of {list(choices)}. "
        f"Received: {argument}={value!r}"
    )


def check_optional_int(
    value: Any,
    argument: str,
    minimum: int | None = None,
) -> None:
    """Raise unless `value` is None or an int of at least `minimum`."""
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(
            f"`{argument}` must be an integer or None. "
            f"Received: {argument}={value!r} of type {type(value).__name__}"
        )
    if minimum is not None and value < minimum:
        raise ValueError(
            f"`{argument}` must be an integer >= {minimum}. "
            f"Received: {argument}={value!r}"
        )
