"""Element-wise math and comparison ops of `torchkeras.ops.numpy`.

Ops whose result is fractional (`sqrt`, `exp`, `log`, `tanh`, `floor`, ...)
turn integer and bool inputs into `floatx()`. Ops that keep integers exact
(`abs`, `sign`, `square`, `round`) keep the input dtype.
"""

from __future__ import annotations

from typing import Any

import torch

from torchkeras import config
from torchkeras.ops import _dtypes
from torchkeras.ops.core import convert_all
from torchkeras.ops.core import convert_operands
from torchkeras.ops.core import convert_to_tensor


def to_float(x: Any) -> torch.Tensor:
    """Convert `x`, casting integer and bool tensors to `floatx()`."""
    x = convert_to_tensor(x)
    if x.dtype.is_floating_point or x.dtype.is_complex:
        return x
    return x.to(_dtypes.to_torch_dtype(config.floatx()))


def to_float_pair(x1: Any, x2: Any) -> tuple[torch.Tensor, torch.Tensor]:
    """Convert two operands to their common dtype, made float if needed.

    Two integer or bool operands give `floatx()`.
    """
    x1, x2 = convert_all(x1, x2)
    dtype = torch.promote_types(x1.dtype, x2.dtype)
    if not (dtype.is_floating_point or dtype.is_complex):
        dtype = _dtypes.to_torch_dtype(config.floatx())
    return x1.to(dtype), x2.to(dtype)


def square(x: Any) -> torch.Tensor:
    """Return `x * x`. A bool input gives int32."""
    x = convert_to_tensor(x)
    if x.dtype == torch.bool:
        x = x.int()
    return torch.square(x)


def sqrt(x: Any) -> torch.Tensor:
    """Return the non-negative square root (NaN for negative inputs)."""
    return torch.sqrt(to_float(x))


def rsqrt(x: Any) -> torch.Tensor:
    """Return `1 / sqrt(x)`."""
    return torch.rsqrt(to_float(x))


def exp(x: Any) -> torch.Tensor:
    """Return `e ** x`."""
    return torch.exp(to_float(x))


def expm1(x: Any) -> torch.Tensor:
    """Return `exp(x) - 1`, accurate for small `x`."""
    return torch.expm1(to_float(x))


def log(x: Any) -> torch.Tensor:
    """Return the natural logarithm (-inf at 0, NaN below)."""
    return torch.log(to_float(x))


def log1p(x: Any) -> torch.Tensor:
    """Return `log(1 + x)`, accurate for small `x`."""
    return torch.log1p(to_float(x))


def log2(x: Any) -> torch.Tensor:
    """Return the base-2 logarithm."""
    return torch.log2(to_float(x))


def log10(x: Any) -> torch.Tensor:
    """Return the base-10 logarithm."""
    return torch.log10(to_float(x))


def absolute(x: Any) -> torch.Tensor:
    """Return `|x|`. A bool input is returned unchanged."""
    x = convert_to_tensor(x)
    if x.dtype == torch.bool:
        return x
    return torch.abs(x)


abs = absolute


def sign(x: Any) -> torch.Tensor:
    """Return -1, 0 or 1 by the sign of each element, in the input dtype."""
    return torch.sign(convert_to_tensor(x))


def round(x: Any, decimals: int = 0) -> torch.Tensor:
    """Round to `decimals` places, halves to even as numpy (2.5 gives 2.0).

    Integer inputs keep their dtype.
    """
    x = convert_to_tensor(x)
    if x.dtype.is_floating_point:
        return torch.round(x, decimals=decimals)
    if decimals >= 0 or x.dtype == torch.bool:
        return x.clone()
    rounded = torch.round(to_float(x), decimals=decimals)
    return rounded.to(x.dtype)


def floor(x: Any) -> torch.Tensor:
    """Return the largest integer not above `x`, as a float tensor."""
    return torch.floor(to_float(x))


def ceil(x: Any) -> torch.Tensor:
    """Return the smallest integer not below `x`, as a float tensor."""
    return torch.ceil(to_float(x))


def tanh(x: Any) -> torch.Tensor:
    """Return the hyperbolic tangent."""
    return torch.tanh(to_float(x))


def sin(x: Any) -> torch.Tensor:
    """Return the sine (radians)."""
    return torch.sin(to_float(x))


def cos(x: Any) -> torch.Tensor:
    """Return the cosine (radians)."""
    return torch.cos(to_float(x))


def reciprocal(x: Any) -> torch.Tensor:
    """Return `1 / x`."""
    return torch.reciprocal(to_float(x))


def isnan(x: Any) -> torch.Tensor:
    """Return a bool tensor, true where `x` is NaN."""
    return torch.isnan(convert_to_tensor(x))


def isinf(x: Any) -> torch.Tensor:
    """Return a bool tensor, true where `x` is positive or negative infinity."""
    return torch.isinf(convert_to_tensor(x))


def isfinite(x: Any) -> torch.Tensor:
    """Return a bool tensor, true where `x` is neither infinite nor NaN."""
    return torch.isfinite(convert_to_tensor(x))


def equal(x1: Any, x2: Any) -> torch.Tensor:
    """Return `x1 == x2` element-wise, as a bool tensor."""
    x1, x2 = convert_operands(x1, x2)
    return x1 == x2


def not_equal(x1: Any, x2: Any) -> torch.Tensor:
    """Return `x1 != x2` element-wise, as a bool tensor."""
    x1, x2 = convert_operands(x1, x2)
    return x1 != x2


def greater(x1: Any, x2: Any) -> torch.Tensor:
    """Return `x1 > x2` element-wise, as a bool tensor."""
    x1, x2 = convert_operands(x1, x2)
    return x1 > x2


def greater_equal(x1: Any, x2: Any) -> torch.Tensor:
    """Return `x1 >= x2` element-wise, as a bool tensor."""
    x1, x2 = convert_operands(x1, x2)
    return x1 >= x2


def less(x1: Any, x2: Any) -> torch.Tensor:
    """Return `x1 < x2` element-wise, as a bool tensor."""
    x1, x2 = convert_operands(x1, x2)
    return x1 < x2


def less_equal(x1: Any, x2: Any) -> torch.Tensor:
    """Return `x1 <= x2` element-wise, as a bool tensor."""
    x1, x2 = convert_operands(x1, x2)
    return x1 <= x2


def logical_and(x1: Any, x2: Any) -> torch.Tensor:
    """Return the element-wise truth of `x1 and x2`."""
    x1, x2 = convert_all(x1, x2)
    return torch.logical_and(x1, x2)


def logical_or(x1: Any, x2: Any) -> torch.Tensor:
    """Return the element-wise truth of `x1 or x2`."""
    x1, x2 = convert_all(x1, x2)
    return torch.logical_or(x1, x2)


def logical_xor(x1: Any, x2: Any) -> torch.Tensor:
    """Return the element-wise truth of `x1 != x2` as booleans."""
    x1, x2 = convert_all(x1, x2)
    return torch.logical_xor(x1, x2)


def logical_not(x: Any) -> torch.Tensor:
    """Return the element-wise truth of `not x`."""
    return torch.logical_not(convert_to_tensor(x))


def trunc(x: Any) -> torch.Tensor:
    """Round toward zero. Integer and bool inputs are returned unchanged."""
    x = convert_to_tensor(x)
    if not x.dtype.is_floating_point:
        return x
    return torch.trunc(x)


def exp2(x: Any) -> torch.Tensor:
    """Return `2 ** x`."""
    return torch.exp2(to_float(x))


def cbrt(x: Any) -> torch.Tensor:
    """Return the real cube root, negative for negative inputs."""
    x = to_float(x)
    # torch has no cbrt, and a fractional power of a negative base is NaN,
    # so the root is taken of |x| and the sign restored.
    return torch.sign(x) * torch.abs(x) ** (1.0 / 3.0)


def signbit(x: Any) -> torch.Tensor:
    """Return a bool tensor, true where the sign bit is set (also for -0.0)."""
    return torch.signbit(convert_to_tensor(x))


def fabs(x: Any) -> torch.Tensor:
    """Return `|x|` as floats. Integer and bool inputs give `floatx()`."""
    return torch.abs(to_float(x))


def isposinf(x: Any) -> torch.Tensor:
    """Return a bool tensor, true where `x` is positive infinity."""
    return torch.isposinf(convert_to_tensor(x))


def isneginf(x: Any) -> torch.Tensor:
    """Return a bool tensor, true where `x` is negative infinity."""
    return torch.isneginf(convert_to_tensor(x))


def nan_to_num(
    x: Any,
    nan: float = 0.0,
    posinf: float | None = None,
    neginf: float | None = None,
) -> torch.Tensor:
    """Replace NaN with `nan` and the infinities with finite values.

    An infinity whose replacement is None becomes the largest (or lowest)
    finite value of the dtype.
    """
    x = convert_to_tensor(x)
    return torch.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)
