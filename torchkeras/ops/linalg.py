"""Linear algebra ops of `keras.ops.linalg`: norms."""

from __future__ import annotations

from typing import Any

import torch

from torchkeras.ops._unary import to_float
from torchkeras.ops.core import canonicalize_axes

__all__ = ["norm"]

_MATRIX_ORDERS = ("fro", "nuc")


def norm(
    x: Any,
    ord: Any = None,
    axis: Any = None,
    keepdims: bool = False,
) -> torch.Tensor:
    """Return a vector or matrix norm, as `numpy.linalg.norm`.

    Args:
        x: Input tensor. Integer inputs are cast to `floatx()`.
        ord: Norm order. None is the 2-norm of the flattened input, or
            the Frobenius norm over two axes. A number or `inf` gives a
            vector norm over one axis and an induced matrix norm over two.
            `"fro"` and `"nuc"` are matrix norms.
        axis: None, an int (vector norm) or a pair of ints (matrix norm).
        keepdims: Keep the reduced axes with size 1.

    Raises:
        ValueError: if `axis` has more than two axes, or `ord` is a matrix
            order used on one axis.
    """
    x = to_float(x)
    axes = canonicalize_axes(axis, x.ndim)
    if axes is not None and len(axes) > 2:
        raise ValueError(
            "`axis` must be None, an int or a pair of ints. "
            f"Received: axis={axis}"
        )
    if ord in _MATRIX_ORDERS and (
        axes is None and x.ndim != 2 or (axes is not None and len(axes) != 2)
    ):
        raise ValueError(
            f"ord={ord!r} is a matrix norm and needs two axes. "
            f"Received: axis={axis} for a tensor of shape {tuple(x.shape)}"
        )
    if ord is None:
        if axes is not None and len(axes) == 2:
            return torch.linalg.matrix_norm(
                x, "fro", dim=axes, keepdim=keepdims
            )
        return torch.linalg.vector_norm(x, 2, dim=axes, keepdim=keepdims)
    return torch.linalg.norm(x, ord, dim=axes, keepdim=keepdims)
