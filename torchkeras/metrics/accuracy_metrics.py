"""Accuracy metrics: how often predictions match labels, as a running mean."""

from __future__ import annotations

from typing import Any, Callable

import torch

from torchkeras import config
from torchkeras.backend.tensors import convert_to_tensor
from torchkeras.losses.loss import get_mask
from torchkeras.losses.loss import squeeze_or_expand_to_same_rank
from torchkeras.metrics.reduction_metrics import MeanMetricWrapper


def accuracy(y_true: Any, y_pred: Any) -> torch.Tensor:
    """Return 1.0 where `y_pred` equals `y_true` exactly, else 0.0."""
    y_pred = convert_to_tensor(y_pred)
    y_true = convert_to_tensor(y_true, dtype=y_pred.dtype, device=y_pred.device)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    return _as_float(y_true == y_pred)


def binary_accuracy(
    y_true: Any,
    y_pred: Any,
    threshold: float = 0.5,
) -> torch.Tensor:
    """Return 1.0 where `y_pred > threshold` matches `y_true`, else 0.0.

    `y_pred` is compared with the threshold as it is, so logits need a
    threshold of 0.0.

    Example:

    >>> binary_accuracy([1.0, 0.0], [0.7, 0.6])
    tensor([1., 0.])
    """
    y_pred = convert_to_tensor(y_pred)
    y_true = convert_to_tensor(y_true, device=y_pred.device)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    predicted = (y_pred > threshold).to(y_true.dtype)
    return _as_float(y_true == predicted)


def categorical_accuracy(y_true: Any, y_pred: Any) -> torch.Tensor:
    """Return 1.0 where the argmax of one-hot `y_true` and `y_pred` agree.

    Example:

    >>> categorical_accuracy([[0, 1], [1, 0]], [[0.2, 0.8], [0.3, 0.7]])
    tensor([1., 0.])
    """
    y_pred = convert_to_tensor(y_pred)
    y_true = convert_to_tensor(y_true, device=y_pred.device)
    true_labels = _argmax(y_true)
    if true_labels.dim() == y_pred.dim():
        # Only reached when `y_true` has one more axis than `y_pred`.
        true_labels = true_labels.squeeze(-1)
    return _as_float(true_labels == _argmax(y_pred))


def sparse_categorical_accuracy(y_true: Any, y_pred: Any) -> torch.Tensor:
    """Return 1.0 where the integer label `y_true` is the argmax of `y_pred`.

    `y_true` may be shaped like `y_pred` without its last axis, or with a
    last axis of size 1.

    Example:

    >>> sparse_categorical_accuracy([1, 0], [[0.2, 0.8], [0.3, 0.7]])
    tensor([1., 0.])
    """
    y_pred = convert_to_tensor(y_pred)
    y_true = convert_to_tensor(y_true, device=y_pred.device)
    if y_true.dim() == y_pred.dim() and y_true.shape[-1] == 1:
        y_true = y_true.squeeze(-1)
    matches = _as_float(y_true == _argmax(y_pred).to(y_true.dtype))
    if matches.dim() > 1 and matches.shape[-1] == 1:
        matches = matches.squeeze(-1)
    return matches


def top_k_categorical_accuracy(
    y_true: Any,
    y_pred: Any,
    k: int = 5,
) -> torch.Tensor:
    """Return 1.0 where the one-hot label is among the `k` top predictions.

    A label whose score ties with the k-th highest score counts as a match.
    """
    y_pred = convert_to_tensor(y_pred)
    y_true = convert_to_tensor(y_true, device=y_pred.device)
    return _in_top_k(_argmax(y_true), y_pred, k)


def sparse_top_k_categorical_accuracy(
    y_true: Any,
    y_pred: Any,
    k: int = 5,
    from_sorted_ids: bool = False,
) -> torch.Tensor:
    """Return 1.0 where the integer label is among the `k` top predictions.

    Args:
        y_true: Class indices, one per sample.
        y_pred: Scores of shape `(N, num_classes)`, or, when
            `from_sorted_ids=True`, class ids of shape `(N, M)` with
            `M >= k`, sorted from highest to lowest score.
        k: Number of top predictions that may contain the label.
        from_sorted_ids: Whether `y_pred` contains sorted class ids.
    """
    y_pred = convert_to_tensor(y_pred)
    y_true = convert_to_tensor(y_true, device=y_pred.device)
    if not from_sorted_ids:
        return _in_top_k(y_true, y_pred, k)

    original_shape = y_true.shape
    y_true = y_true.to(y_pred.dtype).reshape(-1, 1)
    top_ids = y_pred.reshape(-1, y_pred.shape[-1])[:, :k]
    matches = (y_true == top_ids).any(dim=1)
    return _as_float(matches).reshape(original_shape)


class _MatchMean(MeanMetricWrapper):
    """Base of accuracy metrics that count matches without a float copy.

    Without sample weights or a mask, an update adds the number of matches
    and of samples to the state directly. The result is the same as that
    of `MeanMetricWrapper`, because a sum of 0s and 1s is exact in floating
    point, but one small batch costs a few tensor operations fewer.
    Subclasses implement `_matches`.
    """

    def update_state(
        self,
        y_true: Any,
        y_pred: Any,
        sample_weight: Any = None,
    ) -> None:
        """Add the matches of one batch to the state, weighted if given."""
        if (
            sample_weight is None
            and type(y_true) is torch.Tensor
            and type(y_pred) is torch.Tensor
            and y_true.device == y_pred.device
            and get_mask(y_pred) is None
        ):
            matches = self._matches(y_true, y_pred)
            if matches is not None:
                self._follow_device(y_pred.device)
                self.total.add_(matches.sum())
                self.count.add_(matches.shape[0])
                return
        super().update_state(y_true, y_pred, sample_weight=sample_weight)

    def _matches(
        self, y_true: torch.Tensor, y_pred: torch.Tensor
    ) -> torch.Tensor | None:
        """Return one boolean match per sample, or None to use `MeanMetricWrapper`.

        The result has shape `(N,)` or `(N, 1)`.
        """
        return None


def _one_per_sample(matches: torch.Tensor) -> torch.Tensor | None:
    """Return `matches` if it has one entry per sample, else None."""
    if matches.dim() == 1 or (matches.dim() == 2 and matches.shape[1] == 1):
        return matches
    return None


class Accuracy(MeanMetricWrapper):
    """How often predictions equal labels exactly.

    For class scores use `BinaryAccuracy`, `CategoricalAccuracy` or
    `SparseCategoricalAccuracy`: probabilities rarely equal labels, so this
    metric scores them near 0.

    Args:
        name: Defaults to `"accuracy"`.
        dtype: See `Metric`.

    Example:

    >>> metric = Accuracy()
    >>> metric([[1], [2], [3], [4]], [[0], [2], [3], [4]])
    tensor(0.7500)
    """

    def __init__(self, name: str = "accuracy", dtype: Any = None):
        super().__init__(fn=accuracy, name=name, dtype=dtype)

    def get_config(self) -> dict[str, Any]:
        """Return the name and dtype."""
        return {"name": self.name, "dtype": self.dtype}


class BinaryAccuracy(_MatchMean):
    """How often `y_pred > threshold` matches binary labels.

    Args:
        name: Defaults to `"binary_accuracy"`.
        dtype: See `Metric`.
        threshold: Predictions above it count as 1. Use 0.0 for logits.

    Example:

    >>> metric = BinaryAccuracy()
    >>> metric([[1], [1], [0], [0]], [[0.98], [1], [0], [0.6]])
    tensor(0.7500)
    """

    def __init__(
        self,
        name: str = "binary_accuracy",
        dtype: Any = None,
        threshold: float = 0.5,
    ):
        super().__init__(
            fn=binary_accuracy, name=name, dtype=dtype, threshold=threshold
        )
        self.threshold = threshold

    def _matches(
        self, y_true: torch.Tensor, y_pred: torch.Tensor
    ) -> torch.Tensor | None:
        if y_true.dim() != y_pred.dim():
            return None
        predicted = (y_pred > self.threshold).to(y_true.dtype)
        return _one_per_sample(y_true == predicted)

    def get_config(self) -> dict[str, Any]:
        """Return the name, dtype and threshold."""
        return {
            "name": self.name,
            "dtype": self.dtype,
            "threshold": self.threshold,
        }


class CategoricalAccuracy(_MatchMean):
    """How often the argmax of `y_pred` matches one-hot labels.

    Logits work as well as probabilities, since both have the same argmax.

    Args:
        name: Defaults to `"categorical_accuracy"`.
        dtype: See `Metric`.
    """

    def __init__(self, name: str = "categorical_accuracy", dtype: Any = None):
        super().__init__(fn=categorical_accuracy, name=name, dtype=dtype)

    def _matches(
        self, y_true: torch.Tensor, y_pred: torch.Tensor
    ) -> torch.Tensor | None:
        if y_true.dim() != 2 or y_pred.dim() != 2:
            return None
        return _argmax(y_true) == _argmax(y_pred)

    def get_config(self) -> dict[str, Any]:
        """Return the name and dtype."""
        return {"name": self.name, "dtype": self.dtype}


class SparseCategoricalAccuracy(_MatchMean):
    """How often the argmax of `y_pred` matches integer labels.

    Labels of shape `(N,)` and `(N, 1)` are both accepted.

    Args:
        name: Defaults to `"sparse_categorical_accuracy"`.
        dtype: See `Metric`.
    """

    def __init__(
        self,
        name: str = "sparse_categorical_accuracy",
        dtype: Any = None,
    ):
        super().__init__(fn=sparse_categorical_accuracy, name=name, dtype=dtype)

    def _matches(
        self, y_true: torch.Tensor, y_pred: torch.Tensor
    ) -> torch.Tensor | None:
        if y_pred.dim() != 2:
            return None
        if y_true.dim() == 2 and y_true.shape[-1] == 1:
            y_true = y_true.squeeze(-1)
        if y_true.dim() != 1:
            return None
        predicted = _argmax(y_pred)
        if predicted.dtype != y_true.dtype:
            predicted = predicted.to(y_true.dtype)
        return y_true == predicted

    def get_config(self) -> dict[str, Any]:
        """Return the name and dtype."""
        return {"name": self.name, "dtype": self.dtype}


class TopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the one-hot label is among the `k` highest predictions.

    Args:
        k: Number of top predictions that may contain the label.
        name: Defaults to `"top_k_categorical_accuracy"`.
        dtype: See `Metric`.
    """

    def __init__(
        self,
        k: int = 5,
        name: str = "top_k_categorical_accuracy",
        dtype: Any = None,
    ):
        super().__init__(
            fn=top_k_categorical_accuracy, name=name, dtype=dtype, k=k
        )
        self.k = k

    def get_config(self) -> dict[str, Any]:
        """Return the name, dtype and k."""
        return {"name": self.name, "dtype": self.dtype, "k": self.k}


class SparseTopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the integer label is among the `k` highest predictions.

    Args:
        k: Number of top predictions that may contain the label.
        name: Defaults to `"sparse_top_k_categorical_accuracy"`.
        dtype: See `Metric`.
        from_sorted_ids: Whether `y_pred` contains class ids sorted from
            highest to lowest score instead of one score per class.
    """

    def __init__(
        self,
        k: int = 5,
        name: str = "sparse_top_k_categorical_accuracy",
        dtype: Any = None,
        from_sorted_ids: bool = False,
    ):
        super().__init__(
            fn=sparse_top_k_categorical_accuracy,
            name=name,
            dtype=dtype,
            k=k,
            from_sorted_ids=from_sorted_ids,
        )
        self.k = k
        self.from_sorted_ids = from_sorted_ids

    def get_config(self) -> dict[str, Any]:
        """Return the name, dtype, k and, when set, `from_sorted_ids`."""
        config_dict = {"name": self.name, "dtype": self.dtype, "k": self.k}
        if self.from_sorted_ids:
            config_dict["from_sorted_ids"] = True
        return config_dict


def _as_float(matches: torch.Tensor) -> torch.Tensor:
    return matches.to(config.standardize_dtype(None))


def _argmax(x: torch.Tensor) -> torch.Tensor:
    if x.dtype == torch.bool:
        x = x.to(torch.uint8)
    return torch.argmax(x, dim=-1)


def _in_top_k(
    labels: torch.Tensor, scores: torch.Tensor, k: int
) -> torch.Tensor:
    """Return 1.0 where `scores[label]` is at least the k-th highest score."""
    original_shape = labels.shape
    labels = labels.reshape(-1, 1).long()
    scores = scores.reshape(-1, scores.shape[-1])
    # Keras 3.15 on torch raises when k exceeds the number of classes. Every
    # label is then in the top k, so k is capped instead.
    k = min(k, scores.shape[-1])
    kth_highest = torch.topk(scores, k, dim=-1).values[:, -1:]
    label_scores = torch.gather(scores, 1, labels)
    matches = (label_scores >= kth_highest).squeeze(1)
    return _as_float(matches).reshape(original_shape)


ACCURACY_FUNCTIONS: dict[str, Callable] = {
    fn.__name__: fn
    for fn in (
        accuracy,
        binary_accuracy,
        categorical_accuracy,
        sparse_categorical_accuracy,
        sparse_top_k_categorical_accuracy,
        top_k_categorical_accuracy,
    )
}
