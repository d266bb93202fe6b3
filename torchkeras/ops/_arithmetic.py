"""Binary arithmetic and products of `torchkeras.ops.numpy`.

Python numbers reach torch as numbers (see `convert_operands`), which torch
treats as weak scalars, so its type promotion gives Keras's result dtypes:
`int8_tensor + 1` stays int8 and `int32_tensor * 1.5` is float32.
"""

from __future__ import annotations

from typing import Any

import torch

from torchkeras import config
from torchkeras.ops import _dtypes
from torchkeras.ops._unary import to_float_pair
from torchkeras.ops.core import convert_all
from torchkeras.ops.core import convert_operands
from torchkeras.ops.core import convert_to_tensor
from torchkeras.ops.core import is_python_number


def add(x1: Any, x2: Any) -> torch.Tensor:
    """Return `x1 + x2`, broadcasting."""
    x1, x2 = convert_operands(x1, x2)
    return x1 + x2


def subtract(x1: Any, x2: Any) -> torch.Tensor:
    """Return `x1 - x2`, broadcasting. A bool input takes the other's type."""
    x1, x2 = convert_operands(x1, x2)
    # torch rejects subtraction of bool tensors, so they are cast first.
    x1, x2 = _cast_bool_tensor(x1, x2), _cast_bool_tensor(x2, x1)
    return x1 - x2


def _cast_bool_tensor(value: Any, other: Any) -> Any:
    """Cast a bool tensor `value` to the dtype `other` would give, or int32."""
    if not isinstance(value, torch.Tensor) or value.dtype != torch.bool:
        return value
    if isinstance(other, torch.Tensor) and other.dtype != torch.bool:
        return value.to(other.dtype)
    if isinstance(other, float):
        return value.to(_dtypes.to_torch_dtype(config.floatx()))
    return value.to(torch.int32)


def multiply(x1: Any, x2: Any) -> torch.Tensor:
    """Return `x1 * x2`, broadcasting."""
    x1, x2 = convert_operands(x1, x2)
    return x1 * x2


def divide(x1: Any, x2: Any) -> torch.Tensor:
    """Return the true division `x1 / x2`, which is float for integer inputs."""
    x1, x2 = convert_operands(x1, x2)
    return x1 / x2


true_divide = divide


def floor_divide(x1: Any, x2: Any) -> torch.Tensor:
    """Return `x1 // x2`, rounding toward negative infinity as numpy does."""
    x1, x2 = convert_operands(x1, x2)
    return x1 // x2


def mod(x1: Any, x2: Any) -> torch.Tensor:
    """Return the remainder with the sign of `x2`, as `numpy.mod`."""
    x1, x2 = convert_operands(x1, x2)
    return x1 % x2


def power(x1: Any, x2: Any) -> torch.Tensor:
    """Return `x1 ** x2`, broadcasting."""
    x1, x2 = convert_operands(x1, x2)
    return x1**x2


def negative(x: Any) -> torch.Tensor:
    """Return `-x`."""
    return torch.negative(convert_to_tensor(x))


def maximum(x1: Any, x2: Any) -> torch.Tensor:
    """Return the element-wise maximum, NaN where either input is NaN."""
    x1, x2 = convert_operands(x1, x2)
    if is_python_number(x2):
        return torch.clamp(x1, min=x2)
    if is_python_number(x1):
        return torch.clamp(x2, min=x1)
    return torch.maximum(x1, x2)


def minimum(x1: Any, x2: Any) -> torch.Tensor:
    """Return the element-wise minimum, NaN where either input is NaN."""
    x1, x2 = convert_operands(x1, x2)
    if is_python_number(x2):
        return torch.clamp(x1, max=x2)
    if is_python_number(x1):
        return torch.clamp(x2, max=x1)
    return torch.minimum(x1, x2)


def clip(x: Any, x_min: Any, x_max: Any) -> torch.Tensor:
    """Limit the values of `x` to `[x_min, x_max]`.

    Either bound may be None (no limit on that side), but not both. A bool
    `x` is clipped as int32, and a float bound makes an integer `x` float.

    Raises:
        ValueError: if both bounds are None.
    """
    if x_min is None and x_max is None:
        raise ValueError(
            "At least one of `x_min` and `x_max` must be given. "
            "Received: x_min=None, x_max=None"
        )
    x = convert_to_tensor(x)
    if x.dtype == torch.bool:
        x = x.int()
    bounds = [bound for bound in (x_min, x_max) if bound is not None]
    if all(is_python_number(bound) for bound in bounds):
        return torch.clamp(x, min=x_min, max=x_max)
    # torch takes either two numbers or two tensors as bounds.
    x, *bounds = convert_all(x, *bounds)
    low = bounds.pop(0) if x_min is not None else None
    high = bounds.pop(0) if x_max is not None else None
    return torch.clamp(x, min=low, max=high)


def matmul(x1: Any, x2: Any) -> torch.Tensor:
    """Return the matrix product of `x1` and `x2`, as `numpy.matmul`.

    Two int8 inputs give int32, as in Keras. Bool inputs, and integer
    inputs on CUDA (where torch has no integer matmul), are multiplied in
    `floatx()` and cast back to the result dtype.
    """
    x1, x2 = convert_all(x1, x2)
    if x1.dtype == torch.int8 and x2.dtype == torch.int8:
        result_dtype = torch.int32
    else:
        result_dtype = torch.promote_types(x1.dtype, x2.dtype)
    compute_dtype = result_dtype
    not_float = not (
        compute_dtype.is_floating_point or compute_dtype.is_complex
    )
    if compute_dtype == torch.bool or (not_float and x1.device.type != "cpu"):
        compute_dtype = _dtypes.to_torch_dtype(config.floatx())
    product = torch.matmul(x1.to(compute_dtype), x2.to(compute_dtype))
    return product.to(result_dtype)


def dot(x1: Any, x2: Any) -> torch.Tensor:
    """Return the dot product, as `numpy.dot`.

    A scalar operand multiplies. Two 1D inputs give the inner product. An
    N-D `x1` with a 1D `x2` sums over the last axis of `x1`. With an M-D
    `x2` (M >= 2) the sum runs over the last axis of `x1` and the
    second-to-last axis of `x2`.
    """
    x1, x2 = convert_all(x1, x2)
    if x1.ndim == 0 or x2.ndim == 0:
        return multiply(x1, x2)
    if x2.ndim <= 2:
        return matmul(x1, x2)
    # numpy.dot pairs every row of x1 with every stack of x2: a tensordot
    # over (last axis of x1, second-to-last axis of x2).
    result_dtype = torch.promote_types(x1.dtype, x2.dtype)
    compute_dtype = result_dtype
    if not (result_dtype.is_floating_point or result_dtype.is_complex):
        compute_dtype = _dtypes.to_torch_dtype(config.floatx())
    product = torch.tensordot(
        x1.to(compute_dtype),
        x2.to(compute_dtype),
        dims=([x1.ndim - 1], [x2.ndim - 2]),
    )
    return product.to(result_dtype)


def einsum(subscripts: str, *operands: Any, **kwargs: Any) -> torch.Tensor:
    """Evaluate an Einstein summation such as `"ij,jk->ik"`.

    Operands of mixed dtypes are promoted to a common dtype first, because
    torch itself rejects them. Int8 operands give int32, as in Keras.

    Raises:
        ValueError: if `subscripts` is not a string or no operand is given.
    """
    if kwargs:
        raise ValueError(
            "einsum takes no keyword arguments besides the operands. "
            f"Received: {sorted(kwargs)}"
        )
    if not isinstance(subscripts, str) or not operands:
        raise ValueError(
            "einsum needs a subscripts string and at least one operand. "
            f"Received: subscripts={subscripts!r}, "
            f"{len(operands)} operand(s)"
        )
    tensors = convert_all(*operands)
    result_dtype = tensors[0].dtype
    for tensor in tensors[1:]:
        result_dtype = torch.promote_types(result_dtype, tensor.dtype)
    if result_dtype == torch.int8:
        result_dtype = torch.int32
    compute_dtype = result_dtype
    if compute_dtype == torch.bool or (
        not compute_dtype.is_floating_point and tensors[0].device.type != "cpu"
    ):
        compute_dtype = _dtypes.to_torch_dtype(config.floatx())
    tensors = [t.to(compute_dtype) for t in tensors]
    return torch.einsum(subscripts, *tensors).to(result_dtype)


def logaddexp(x1: Any, x2: Any) -> torch.Tensor:
    """Return `log(exp(x1) + exp(x2))`, computed without overflow.

    Two integer or bool operands give `floatx()`.
    """
    x1, x2 = to_float_pair(x1, x2)
    return torch.logaddexp(x1, x2)


def fmod(x1: Any, x2: Any) -> torch.Tensor:
    """Return the remainder with the sign of `x1`, as C's `fmod`.

    This differs from `mod`, whose remainder takes the sign of `x2`. Two
    bool operands are computed as int32.
    """
    x1, x2 = convert_all(x1, x2)
    if x1.dtype == torch.bool and x2.dtype == torch.bool:
        x1, x2 = x1.int(), x2.int()
    return torch.fmod(x1, x2)


def heaviside(x1: Any, x2: Any) -> torch.Tensor:
    """Return the step function of `x1`: 0 below 0, 1 above, `x2` at 0.

    Two integer or bool operands give `floatx()`.
    """
    x1, x2 = to_float_pair(x1, x2)
    return torch.heaviside(x1, x2)


def outer(x1: Any, x2: Any) -> torch.Tensor:
    """Return the outer product of `x1` and `x2`, both flattened first."""
    x1, x2 = convert_all(x1, x2)
    dtype = torch.promote_types(x1.dtype, x2.dtype)
    return torch.outer(x1.reshape(-1).to(dtype), x2.reshape(-1).to(dtype))


def tensordot(x1: Any, x2: Any, axes: Any = 2) -> torch.Tensor:
    """Sum products over the axes given by `axes`, as `numpy.tensordot`.

    `axes` is an int `n` (the last `n` axes of `x1` with the first `n` of
    `x2`) or a pair of axis lists. Integer inputs are multiplied in
    `floatx()` and cast back to their common dtype.
    """
    x1, x2 = convert_all(x1, x2)
    result_dtype = torch.promote_types(x1.dtype, x2.dtype)
    compute_dtype = result_dtype
    if not (compute_dtype.is_floating_point or compute_dtype.is_complex):
        compute_dtype = _dtypes.to_torch_dtype(config.floatx())
    if isinstance(axes, (list, tuple)):
        axes = tuple(_axis_list(side) for side in axes)
    product = torch.tensordot(
        x1.to(compute_dtype),
        x2.to(compute_dtype),
        dims=axes,
    )
    return product.to(result_dtype)


def _axis_list(side: Any) -> list[int]:
    """Return one side of tensordot's `axes` pair as a list of ints."""
    if isinstance(side, (list, tuple)):
        return [int(axis) for axis in side]
    return [int(side)]


def logaddexp2(x1: Any, x2: Any) -> torch.Tensor:
    """Return `log2(2**x1 + 2**x2)`, computed without overflow.

    Two integer or bool operands give `floatx()`.
    """
    x1, x2 = to_float_pair(x1, x2)
    return torch.logaddexp2(x1, x2)


def fmax(x1: Any, x2: Any) -> torch.Tensor:
    """Return the element-wise maximum, ignoring a NaN in one operand.

    Unlike `maximum`, the result is NaN only where both inputs are NaN.
    """
    x1, x2 = _same_dtype_operands(x1, x2)
    return torch.fmax(x1, x2)


def fmin(x1: Any, x2: Any) -> torch.Tensor:
    """Return the element-wise minimum, ignoring a NaN in one operand.

    Unlike `minimum`, the result is NaN only where both inputs are NaN.
    """
    x1, x2 = _same_dtype_operands(x1, x2)
    return torch.fmin(x1, x2)


def _same_dtype_operands(x1: Any, x2: Any) -> tuple[torch.Tensor, ...]:
    """Convert both operands to the dtype `torch.result_type` picks.

    Python numbers become 0-d tensors, which `torch.result_type` treats as
    weak, so `int8_tensor` with `3` stays int8 as in Keras.
    """
    x1, x2 = convert_all(x1, x2)
    dtype = torch.result_type(x1, x2)
    return x1.to(dtype), x2.to(dtype)


def divide_no_nan(x1: Any, x2: Any) -> torch.Tensor:
    """Return `x1 / x2`, or 0 where `x2` is 0 (also for `0 / 0`).

    Two integer or bool operands give `floatx()`.
    """
    x1, x2 = to_float_pair(x1, x2)
    is_zero = x2 == 0
    safe_divisor = torch.where(is_zero, torch.ones_like(x2), x2)
    quotient = x1 / safe_divisor
    return torch.where(is_zero, torch.zeros_like(quotient), quotient)
