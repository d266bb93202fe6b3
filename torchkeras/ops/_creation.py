"""Tensor creation ops of `torchkeras.ops.numpy`: ones, zeros, ranges."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from torchkeras import config
from torchkeras.ops import _dtypes
from torchkeras.ops.core import convert_to_tensor


def _standardize_shape(shape: Any) -> tuple[int, ...]:
    """Return `shape` (an int or a sequence of ints) as a tuple.

    Raises:
        ValueError: if a dimension is negative or not an integer.
    """
    if isinstance(shape, torch.Size):
        return tuple(shape)
    if isinstance(shape, (int, np.integer)) and not isinstance(shape, bool):
        shape = (shape,)
    if isinstance(shape, torch.Tensor):
        shape = shape.tolist()
    try:
        dims = tuple(shape)
    except TypeError:
        dims = None
    valid = dims is not None and all(
        isinstance(d, (int, np.integer)) and not isinstance(d, bool) and d >= 0
        for d in dims
    )
    if not valid:
        raise ValueError(
            "`shape` must be a non-negative int or a sequence of them. "
            f"Received: shape={shape!r}"
        )
    return tuple(int(d) for d in dims)


def ones(shape: Any, dtype: Any = None) -> torch.Tensor:
    """Return a tensor of ones, of dtype `floatx()` unless `dtype` is set."""
    return torch.ones(
        _standardize_shape(shape),
        dtype=_dtypes.to_torch_dtype(dtype),
        device=config.default_device(),
    )


def zeros(shape: Any, dtype: Any = None) -> torch.Tensor:
    """Return a tensor of zeros, of dtype `floatx()` unless `dtype` is set."""
    return torch.zeros(
        _standardize_shape(shape),
        dtype=_dtypes.to_torch_dtype(dtype),
        device=config.default_device(),
    )


def ones_like(x: Any, dtype: Any = None) -> torch.Tensor:
    """Return ones shaped like `x`, of its dtype unless `dtype` is set."""
    x = convert_to_tensor(x)
    dtype = x.dtype if dtype is None else _dtypes.to_torch_dtype(dtype)
    return torch.ones_like(x, dtype=dtype)


def zeros_like(x: Any, dtype: Any = None) -> torch.Tensor:
    """Return zeros shaped like `x`, of its dtype unless `dtype` is set."""
    x = convert_to_tensor(x)
    dtype = x.dtype if dtype is None else _dtypes.to_torch_dtype(dtype)
    return torch.zeros_like(x, dtype=dtype)


def full(shape: Any, fill_value: Any, dtype: Any = None) -> torch.Tensor:
    """Return a tensor of `shape` filled with `fill_value`.

    Args:
        shape: An int or a sequence of ints.
        fill_value: A scalar, or an array that broadcasts to `shape`.
        dtype: The dtype. None gives `floatx()`, whatever `fill_value` is.
    """
    shape = _standardize_shape(shape)
    torch_dtype = _dtypes.to_torch_dtype(dtype)
    value = convert_to_tensor(fill_value, dtype=torch_dtype)
    if value.ndim == 0:
        return torch.full(
            shape, value.item(), dtype=torch_dtype, device=value.device
        )
    return torch.broadcast_to(value, shape).clone()


def full_like(x: Any, fill_value: Any, dtype: Any = None) -> torch.Tensor:
    """Return `fill_value` in the shape of `x`, with its dtype by default."""
    x = convert_to_tensor(x)
    return full(x.shape, fill_value, dtype=x.dtype if dtype is None else dtype)


def arange(
    start: Any,
    stop: Any = None,
    step: Any = None,
    dtype: Any = None,
) -> torch.Tensor:
    """Return evenly spaced values in `[start, stop)`, like `numpy.arange`.

    With only `start`, the range is `[0, start)`. Python ints give int32
    (torch's own default is int64) and a Python float anywhere gives
    `floatx()`.

    Raises:
        ValueError: if `step` is 0.
    """
    if dtype is None:
        bounds = [v for v in (start, stop, step) if v is not None]
        dtype = _dtypes.result_type(*(_dtypes.scalar_dtype(v) for v in bounds))
    if stop is None:
        start, stop = 0, start
    if step is None:
        step = 1
    if step == 0:
        raise ValueError(f"`step` must not be 0. Received: step={step!r}")
    start, stop, step = (_to_python_number(v) for v in (start, stop, step))
    return torch.arange(
        start,
        stop,
        step,
        dtype=_dtypes.to_torch_dtype(dtype),
        device=config.default_device(),
    )


def _to_python_number(value: Any) -> Any:
    if isinstance(value, (torch.Tensor, np.ndarray, np.generic)):
        return value.item()
    return value


def linspace(
    start: Any,
    stop: Any,
    num: int = 50,
    endpoint: bool = True,
    dtype: Any = None,
) -> torch.Tensor:
    """Return `num` evenly spaced values from `start` to `stop`.

    With `endpoint=False` the interval is half-open, as in numpy. The dtype
    defaults to `floatx()`.

    Raises:
        ValueError: if `num` is negative.
    """
    if not isinstance(num, (int, np.integer)) or num < 0:
        raise ValueError(
            f"`num` must be a non-negative int. Received: num={num!r}"
        )
    start, stop = _to_python_number(start), _to_python_number(stop)
    steps = num if endpoint else num + 1
    values = torch.linspace(
        start, stop, steps, dtype=torch.float64, device=config.default_device()
    )
    if not endpoint:
        values = values[:num]
    return values.to(_dtypes.to_torch_dtype(dtype))


def eye(N: int, M: int | None = None, k: int = 0, dtype: Any = None):
    """Return a 2D tensor with ones on the `k`-th diagonal, zeros elsewhere.

    Args:
        N: Number of rows.
        M: Number of columns. None gives `N`.
        k: Diagonal offset: 0 is the main diagonal, positive values are
            above it and negative values below.
        dtype: The dtype. None gives `floatx()`.
    """
    M = N if M is None else M
    for name, value in (("N", N), ("M", M)):
        if not isinstance(value, (int, np.integer)) or value < 0:
            raise ValueError(
                f"`{name}` must be a non-negative int. "
                f"Received: {name}={value!r}"
            )
    torch_dtype = _dtypes.to_torch_dtype(dtype)
    device = config.default_device()
    if k == 0:
        return torch.eye(N, M, dtype=torch_dtype, device=device)
    ones_matrix = torch.ones((N, M), dtype=torch.bool, device=device)
    return (
        torch.triu(ones_matrix, k)
        .logical_and(torch.tril(ones_matrix, k))
        .to(torch_dtype)
    )


def tril(x: Any, k: int = 0) -> torch.Tensor:
    """Return `x` with the entries above the `k`-th diagonal set to zero."""
    return torch.tril(convert_to_tensor(x), k)


def triu(x: Any, k: int = 0) -> torch.Tensor:
    """Return `x` with the entries below the `k`-th diagonal set to zero."""
    return torch.triu(convert_to_tensor(x), k)
