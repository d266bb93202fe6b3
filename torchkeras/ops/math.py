"""Math ops of `keras.ops.math`: `logsumexp`, the error functions, `top_k`."""

from __future__ import annotations

from typing import Any

import torch

from torchkeras.ops._unary import rsqrt
from torchkeras.ops._unary import to_float
from torchkeras.ops.core import canonicalize_axes
from torchkeras.ops.core import convert_to_tensor

__all__ = [
    "erf",
    "erfc",
    "erfinv",
    "logsumexp",
    "rsqrt",
    "top_k",
]


def logsumexp(x: Any, axis: Any = None, keepdims: bool = False):
    """Return `log(sum(exp(x)))` over `axis` (None: all axes), stably."""
    x = to_float(x)
    axes = canonicalize_axes(axis, x.ndim)
    if axes is None:
        axes = tuple(range(x.ndim))
    return torch.logsumexp(x, dim=axes, keepdim=keepdims)


def erf(x: Any) -> torch.Tensor:
    """Return the Gauss error function."""
    return torch.erf(to_float(x))


def erfc(x: Any) -> torch.Tensor:
    """Return the complementary error function `1 - erf(x)`.

    It stays accurate for large `x`, where `1 - erf(x)` rounds to 0.
    """
    return torch.erfc(to_float(x))


def erfinv(x: Any) -> torch.Tensor:
    """Return the inverse of the error function, defined on (-1, 1)."""
    return torch.erfinv(to_float(x))


def top_k(x: Any, k: int, sorted: bool = True):
    """Return the `k` largest values along the last axis and their indices.

    Args:
        x: Input tensor.
        k: Number of values to return, at most the size of the last axis.
        sorted: Whether the values come in descending order.

    Returns:
        A `(values, indices)` named tuple, as `torch.topk` returns, with
        int64 indices (the dtype Keras 3 on torch gives).

    Raises:
        ValueError: if `k` is not an int between 0 and the last axis size.
    """
    x = convert_to_tensor(x)
    size = x.shape[-1] if x.ndim else 1
    if isinstance(k, bool) or not isinstance(k, int) or not 0 <= k <= size:
        raise ValueError(
            f"`k` must be an int in [0, {size}], the size of the last axis "
            f"of `x` (shape {tuple(x.shape)}). Received: k={k!r}"
        )
    return torch.topk(x, k, dim=-1, sorted=sorted)
