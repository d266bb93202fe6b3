"""Reductions and scans of `torchkeras.ops.numpy`, numpy style.

Every reduction takes `axis` (None for all axes, an int, or a tuple) and
`keepdims`, where torch uses `dim` and `keepdim`. `std` and `var` are the
population statistics (numpy's `ddof=0`), not torch's unbiased default.
"""

from __future__ import annotations

from typing import Any

import torch

from torchkeras import config
from torchkeras.ops import _dtypes
from torchkeras.ops.core import canonicalize_axes
from torchkeras.ops.core import canonicalize_axis
from torchkeras.ops.core import convert_to_tensor

# Sums and products of small integer types (and bool) accumulate in int32,
# as in Keras and JAX, so that they do not overflow at once.
_WIDENED_TO_INT32 = (torch.bool, torch.uint8, torch.int8, torch.int16)
_HALF_FLOATS = (torch.float16, torch.bfloat16)


def _prepare(x: Any, axis: Any) -> tuple[torch.Tensor, tuple | None]:
    x = convert_to_tensor(x)
    return x, canonicalize_axes(axis, x.ndim)


def _float_compute_dtype(dtype: torch.dtype) -> torch.dtype:
    """Return the dtype to compute a mean or variance in.

    Integer and bool inputs use `floatx()`. Half floats use float32 for
    accuracy and are cast back afterwards.
    """
    if dtype in _HALF_FLOATS:
        return torch.float32
    if dtype.is_floating_point or dtype.is_complex:
        return dtype
    return _dtypes.to_torch_dtype(config.floatx())


def _float_result_dtype(dtype: torch.dtype) -> torch.dtype:
    if dtype.is_floating_point or dtype.is_complex:
        return dtype
    return _dtypes.to_torch_dtype(config.floatx())


def sum(x: Any, axis: Any = None, keepdims: bool = False) -> torch.Tensor:
    """Sum over `axis`. Bool and 8/16-bit integer inputs give int32."""
    x, axes = _prepare(x, axis)
    dtype = torch.int32 if x.dtype in _WIDENED_TO_INT32 else x.dtype
    if axes == ():
        return x.to(dtype)
    return torch.sum(x, dim=axes, keepdim=keepdims, dtype=dtype)


def mean(x: Any, axis: Any = None, keepdims: bool = False) -> torch.Tensor:
    """Average over `axis`. Integer and bool inputs give `floatx()`."""
    x, axes = _prepare(x, axis)
    result_dtype = _float_result_dtype(x.dtype)
    if axes == ():
        return x.to(result_dtype)
    x = x.to(_float_compute_dtype(x.dtype))
    return torch.mean(x, dim=axes, keepdim=keepdims).to(result_dtype)


def _check_not_empty(x: torch.Tensor, initial: Any, name: str) -> None:
    if x.numel() == 0 and initial is None:
        raise ValueError(
            f"Cannot compute the {name} of an empty tensor (shape "
            f"{tuple(x.shape)}) without `initial`. Pass `initial=` to set "
            "the result for empty inputs."
        )


def max(
    x: Any,
    axis: Any = None,
    keepdims: bool = False,
    initial: Any = None,
) -> torch.Tensor:
    """Return the maximum over `axis` as a tensor (never `(values, indices)`).

    Args:
        x: Input tensor.
        axis: None (all axes), an int or a tuple of ints.
        keepdims: Keep the reduced axes with size 1.
        initial: Optional lower bound on the result, which also makes an
            empty input valid.

    Raises:
        ValueError: if `x` is empty and `initial` is None.
    """
    x, axes = _prepare(x, axis)
    _check_not_empty(x, initial, "max")
    if x.numel() == 0:
        return _empty_reduction(x, axes, keepdims, initial)
    if axes == ():
        return x
    # amax and amin, unlike max and min, accept a tuple of axes.
    result = torch.amax(x, dim=axes or (), keepdim=keepdims)
    if initial is not None:
        result = torch.clamp(result, min=initial)
    return result


def min(
    x: Any,
    axis: Any = None,
    keepdims: bool = False,
    initial: Any = None,
) -> torch.Tensor:
    """Return the minimum over `axis` as a tensor (never `(values, indices)`).

    Args:
        x: Input tensor.
        axis: None (all axes), an int or a tuple of ints.
        keepdims: Keep the reduced axes with size 1.
        initial: Optional upper bound on the result, which also makes an
            empty input valid.

    Raises:
        ValueError: if `x` is empty and `initial` is None.
    """
    x, axes = _prepare(x, axis)
    _check_not_empty(x, initial, "min")
    if x.numel() == 0:
        return _empty_reduction(x, axes, keepdims, initial)
    if axes == ():
        return x
    result = torch.amin(x, dim=axes or (), keepdim=keepdims)
    if initial is not None:
        result = torch.clamp(result, max=initial)
    return result


def _empty_reduction(x, axes, keepdims, initial) -> torch.Tensor:
    """Return `initial` in the shape a reduction of empty `x` would have."""
    axes = range(x.ndim) if axes is None else axes
    if keepdims:
        shape = [1 if i in axes else size for i, size in enumerate(x.shape)]
    else:
        shape = [size for i, size in enumerate(x.shape) if i not in axes]
    return torch.full(shape, initial, dtype=x.dtype, device=x.device)


def prod(
    x: Any,
    axis: Any = None,
    keepdims: bool = False,
    dtype: Any = None,
) -> torch.Tensor:
    """Multiply the elements over `axis`.

    Bool and 8/16-bit integer inputs give int32 unless `dtype` is set.
    """
    x, axes = _prepare(x, axis)
    if dtype is not None:
        result_dtype = _dtypes.to_torch_dtype(dtype)
    elif x.dtype in _WIDENED_TO_INT32:
        result_dtype = torch.int32
    else:
        result_dtype = x.dtype
    if axes is None:
        result = torch.prod(x, dtype=result_dtype)
        if keepdims:
            result = result.reshape((1,) * x.ndim)
        return result
    # torch.prod reduces one axis at a time. Going from the last keeps the
    # remaining indices valid. Passing `dtype` stops torch from
    # widening integers to int64.
    x = x.to(result_dtype)
    for position in sorted(axes, reverse=True):
        x = torch.prod(x, dim=position, keepdim=keepdims, dtype=result_dtype)
    return x


def var(x: Any, axis: Any = None, keepdims: bool = False) -> torch.Tensor:
    """Return the population variance (divide by N, numpy's default)."""
    x, axes = _prepare(x, axis)
    result_dtype = _float_result_dtype(x.dtype)
    if axes == ():
        return torch.zeros_like(x, dtype=result_dtype)
    x = x.to(_float_compute_dtype(x.dtype))
    result = torch.var(x, dim=axes, keepdim=keepdims, correction=0)
    return result.to(result_dtype)


def std(x: Any, axis: Any = None, keepdims: bool = False) -> torch.Tensor:
    """Return the population standard deviation (numpy's default).

    `std([1, 2, 3, 4])` is 1.118, where the unbiased `torch.std` gives 1.291.
    """
    x, axes = _prepare(x, axis)
    result_dtype = _float_result_dtype(x.dtype)
    if axes == ():
        return torch.zeros_like(x, dtype=result_dtype)
    x = x.to(_float_compute_dtype(x.dtype))
    result = torch.std(x, dim=axes, keepdim=keepdims, correction=0)
    return result.to(result_dtype)


def _arg_reduce(fn, x, axis, keepdims) -> torch.Tensor:
    x = convert_to_tensor(x)
    if x.dtype == torch.bool:
        x = x.to(torch.uint8)
    if axis is None:
        result = fn(x.reshape(-1))
        if keepdims:
            result = result.reshape((1,) * x.ndim)
    else:
        axis = canonicalize_axis(axis, x.ndim)
        result = fn(x, dim=axis, keepdim=keepdims)
    return result.to(torch.int32)


def argmax(x: Any, axis: int | None = None, keepdims: bool = False):
    """Return the int32 index of the maximum (first one on ties).

    With `axis=None` the index is into the flattened input.
    """
    return _arg_reduce(torch.argmax, x, axis, keepdims)


def argmin(x: Any, axis: int | None = None, keepdims: bool = False):
    """Return the int32 index of the minimum (first one on ties).

    With `axis=None` the index is into the flattened input.
    """
    return _arg_reduce(torch.argmin, x, axis, keepdims)


def any(x: Any, axis: Any = None, keepdims: bool = False) -> torch.Tensor:
    """Return whether any element over `axis` is true (non-zero)."""
    x, axes = _prepare(x, axis)
    if axes == ():
        return x.bool()
    return torch.any(x, dim=axes, keepdim=keepdims).bool()


def all(x: Any, axis: Any = None, keepdims: bool = False) -> torch.Tensor:
    """Return whether every element over `axis` is true (non-zero)."""
    x, axes = _prepare(x, axis)
    if axes == ():
        return x.bool()
    return torch.all(x, dim=axes, keepdim=keepdims).bool()


def _scan(fn, x, axis, dtype) -> torch.Tensor:
    x = convert_to_tensor(x)
    if axis is None:
        x, axis = x.reshape(-1), 0
    axis = canonicalize_axis(axis, x.ndim)
    if dtype is not None:
        result_dtype = _dtypes.to_torch_dtype(dtype)
    elif x.dtype == torch.bool:
        result_dtype = torch.int32
    else:
        result_dtype = x.dtype
    return fn(x, dim=axis, dtype=result_dtype)


def cumsum(x: Any, axis: int | None = None, dtype: Any = None):
    """Return the running sum along `axis` (None: over the flattened input).

    The result keeps the input dtype (bool gives int32) unless `dtype` is
    set, where `torch.cumsum` alone would widen integers to int64.
    """
    return _scan(torch.cumsum, x, axis, dtype)


def cumprod(x: Any, axis: int | None = None, dtype: Any = None):
    """Return the running product along `axis` (None: flattened input)."""
    return _scan(torch.cumprod, x, axis, dtype)


def amax(x: Any, axis: Any = None, keepdims: bool = False) -> torch.Tensor:
    """Return the maximum over `axis`, as `max` without `initial`."""
    return max(x, axis=axis, keepdims=keepdims)


def amin(x: Any, axis: Any = None, keepdims: bool = False) -> torch.Tensor:
    """Return the minimum over `axis`, as `min` without `initial`."""
    return min(x, axis=axis, keepdims=keepdims)


def count_nonzero(x: Any, axis: Any = None) -> torch.Tensor:
    """Return the int32 count of non-zero elements over `axis`.

    NOTE: Keras 3.15.1 on torch transposes the result (`Tensor.T`), which
    reverses the axes of a result of rank 2 or more. This op keeps numpy's
    axis order, so the two agree only on results of rank 0 or 1.
    """
    x, axes = _prepare(x, axis)
    if axes == ():
        return (x != 0).to(torch.int32)
    return torch.count_nonzero(x, dim=axes).to(torch.int32)


def ptp(x: Any, axis: Any = None, keepdims: bool = False) -> torch.Tensor:
    """Return the range `max - min` over `axis` ("peak to peak")."""
    x, axes = _prepare(x, axis)
    if axes == ():
        return torch.zeros_like(x)
    return amax(x, axis=axes, keepdims=keepdims) - amin(
        x, axis=axes, keepdims=keepdims
    )


def nansum(x: Any, axis: Any = None, keepdims: bool = False) -> torch.Tensor:
    """Sum over `axis`, counting NaN as 0.

    Bool and 8/16-bit integer inputs give int32, as in `sum`.
    """
    x, axes = _prepare(x, axis)
    dtype = torch.int32 if x.dtype in _WIDENED_TO_INT32 else x.dtype
    if axes == ():
        return torch.nan_to_num(x, nan=0.0).to(dtype)
    result = torch.nansum(x, dim=axes, keepdim=keepdims)
    return result.to(dtype)


def trace(
    x: Any,
    offset: int = 0,
    axis1: int = 0,
    axis2: int = 1,
) -> torch.Tensor:
    """Sum the diagonal of the 2D slices over `axis1` and `axis2`.

    Bool and 8/16-bit integer inputs give int32.
    """
    x = convert_to_tensor(x)
    dtype = torch.int32 if x.dtype in _WIDENED_TO_INT32 else x.dtype
    diagonal = torch.diagonal(x, offset=offset, dim1=axis1, dim2=axis2)
    return torch.sum(diagonal, dim=-1, dtype=dtype)
