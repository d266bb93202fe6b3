"""Label encoding and normalization helpers: `to_categorical`, `normalize`."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch

from torchkeras import ops


def to_categorical(x: Any, num_classes: int | None = None):
    """Convert integer class labels to one-hot rows.

    Labels of shape `(N,)` or `(N, 1)` give `(N, num_classes)`. In general a
    trailing axis of size 1 is dropped and a class axis is appended.

    Args:
        x: Class labels, integers in `[0, num_classes)`: a list, a numpy
            array or a tensor. Float labels are truncated to integers.
        num_classes: Number of classes. None infers `max(x) + 1`.

    Returns:
        For a list or numpy array, a float64 numpy array, as Keras 3
        returns. For a tensor, a `floatx()` tensor on the same device.
        Keras 3 on torch returns int64 there, because its torch `one_hot`
        drops the default dtype, while its other backends give floats.

    Raises:
        ValueError: if `num_classes` is not a positive int, or a label is
            negative or not below `num_classes` (numpy would wrap a negative
            label around to the last class).

    Example:

    >>> to_categorical([0, 2], num_classes=3)
    array([[1., 0., 0.],
           [0., 0., 1.]])
    """
    if isinstance(x, torch.Tensor):
        labels = x
        if labels.ndim > 1 and labels.shape[-1] == 1:
            labels = labels.squeeze(-1)
        labels = labels.long()
        num_classes = _check_labels(labels, num_classes)
        return ops.one_hot(labels, num_classes)

    try:
        labels = np.array(x, dtype="int64")
    except (TypeError, ValueError) as error:
        raise ValueError(
            f"`x` must contain integer class labels. Received: x={x!r}"
        ) from error
    shape = labels.shape
    if len(shape) > 1 and shape[-1] == 1:
        shape = shape[:-1]
    labels = labels.reshape(-1)
    num_classes = _check_labels(labels, num_classes)

    categorical = np.zeros((labels.shape[0], num_classes))
    categorical[np.arange(labels.shape[0]), labels] = 1
    return categorical.reshape(shape + (num_classes,))


def _check_labels(labels, num_classes) -> int:
    """Validate labels (array or tensor) and return `num_classes`.

    None infers `max(labels) + 1`.
    """
    if num_classes is None:
        if math.prod(labels.shape) == 0:
            raise ValueError(
                "Cannot infer `num_classes` from empty labels. "
                "Pass num_classes explicitly."
            )
        num_classes = int(labels.max()) + 1
    if (
        isinstance(num_classes, bool)
        or not isinstance(num_classes, (int, np.integer))
        or num_classes < 1
    ):
        raise ValueError(
            "`num_classes` must be a positive int. "
            f"Received: num_classes={num_classes!r}"
        )
    invalid = labels[(labels < 0) | (labels >= num_classes)]
    if len(invalid):
        raise ValueError(
            f"Class labels must be in [0, {num_classes}), the range "
            f"num_classes={num_classes} allows. Received labels "
            f"{sorted(set(invalid.tolist()))[:10]}"
        )
    return int(num_classes)


def normalize(x: Any, axis: int = -1, order: int = 2):
    """Divide `x` by its `order`-norm along `axis`.

    Vectors with a norm of zero are left as zeros.

    Args:
        x: A numpy array or a tensor.
        axis: Axis of the norm.
        order: Norm order (2 for Euclidean, 1 for the sum of magnitudes).

    Returns:
        A numpy array for numpy (or list) input, else a tensor. Unlike
        Keras 3.15.1, `axis=0` normalizes along axis 0 for numpy input
        (Keras divides along the last axis there).
    """
    if isinstance(x, torch.Tensor):
        return ops.normalize(x, axis=axis, order=order)
    x = np.asarray(x)
    norm = np.linalg.norm(x, ord=order, axis=axis, keepdims=True)
    norm = np.where(norm == 0, 1, norm)
    return x / norm
