"""Dtype names and Keras's promotion rules for mixed inputs.

Keras promotes dtypes the way JAX does. A Python `int` or `float` is a
"weak" type that takes the dtype of the tensor it meets, so an int8 tensor
plus `1` stays int8 and a float16 tensor plus `1.5` stays float16. It
decides the dtype on its own only when every input is a Python scalar:
`int` gives int32 and `float` gives `floatx()`.

Unlike Keras 3 on torch, these rules never narrow a 64-bit input to 32 bits:
Keras does that in some ops (`var`, `maximum`, `cumsum`) and not in others
(`add`, `mean`, `std`), while torchkeras keeps the input's width everywhere.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from torchkeras import config

_BOOL = "bool"
_SIGNED_INTS = ("int8", "int16", "int32", "int64")
_UNSIGNED_INTS = ("uint8", "uint16", "uint32", "uint64")
_FLOATS = ("bfloat16", "float16", "float32", "float64")
_COMPLEX = ("complex64", "complex128")
_KNOWN_NAMES = (_BOOL,) + _SIGNED_INTS + _UNSIGNED_INTS + _FLOATS + _COMPLEX


def dtype_name(dtype: Any) -> str:
    """Return the Keras name of a dtype given in any common form.

    Accepts a name (`"float32"`), a torch dtype, a numpy dtype or scalar
    type, and the Python types `bool`, `int` (int32) and `float`
    (`floatx()`). None means `floatx()`.

    Raises:
        ValueError: if `dtype` names no dtype torchkeras supports.
    """
    if dtype is None or dtype is float:
        return config.floatx()
    if dtype is bool:
        return _BOOL
    if dtype is int:
        return "int32"
    if isinstance(dtype, torch.dtype):
        name = str(dtype).replace("torch.", "")
    elif isinstance(dtype, str):
        name = {"int": "int32", "float": config.floatx()}.get(dtype, dtype)
    else:
        try:
            name = np.dtype(dtype).name
        except TypeError:
            name = str(dtype)
    if name not in _KNOWN_NAMES:
        raise ValueError(
            f"Invalid dtype. Expected one of {list(_KNOWN_NAMES)}. "
            f"Received: dtype={dtype!r}"
        )
    return name


def to_torch_dtype(dtype: Any) -> torch.dtype:
    """Return the torch dtype for `dtype` (any form `dtype_name` accepts)."""
    if isinstance(dtype, torch.dtype):
        return dtype
    return getattr(torch, dtype_name(dtype))


def _bits(name: str) -> int:
    return int("".join(ch for ch in name if ch.isdigit()))


def _promote_ints(first: str, second: str) -> str:
    """Promote two integer types to one that represents both ranges."""
    first_signed = first in _SIGNED_INTS
    second_signed = second in _SIGNED_INTS
    if first_signed == second_signed:
        return first if _bits(first) >= _bits(second) else second
    signed, unsigned = (first, second) if first_signed else (second, first)
    if _bits(signed) > _bits(unsigned):
        return signed
    if _bits(unsigned) < 64:
        return f"int{2 * _bits(unsigned)}"
    # No integer type represents both uint64 and a signed type, so the
    # result is the default float, as in JAX.
    return config.floatx()


def _promote_floats(first: str, second: str) -> str:
    if {first, second} == {"bfloat16", "float16"}:
        return "float32"
    return first if _FLOATS.index(first) >= _FLOATS.index(second) else second


def _promote_strong(first: str, second: str) -> str:
    """Promote two concrete dtype names (no Python scalars)."""
    if first == second or second == _BOOL:
        return first
    if first == _BOOL:
        return second
    kinds = (_kind(first), _kind(second))
    if kinds == ("complex", "complex"):
        return first if _bits(first) >= _bits(second) else second
    if "complex" in kinds:
        return first if kinds[0] == "complex" else second
    if kinds == ("int", "int"):
        return _promote_ints(first, second)
    if kinds == ("float", "float"):
        return _promote_floats(first, second)
    return first if kinds[0] == "float" else second


def _kind(name: str) -> str:
    if name in _FLOATS:
        return "float"
    if name in _COMPLEX:
        return "complex"
    if name == _BOOL:
        return _BOOL
    return "int"


def result_type(*dtypes: Any) -> str:
    """Return the dtype name that mixing `dtypes` produces, as in Keras.

    Each argument is a dtype in any form `dtype_name` accepts. The Python
    types `int` and `float` are weak (see the module docstring). With no
    arguments the result is `floatx()`.
    """
    strong = [dtype_name(d) for d in dtypes if d is not int and d is not float]
    has_weak_float = any(d is float for d in dtypes)
    has_weak_int = any(d is int for d in dtypes)

    if not strong:
        if has_weak_float or not dtypes:
            return config.floatx()
        return "int32"

    result = strong[0]
    for name in strong[1:]:
        result = _promote_strong(result, name)
    if has_weak_float and _kind(result) in (_BOOL, "int"):
        return config.floatx()
    if has_weak_int and result == _BOOL:
        return "int32"
    return result


def scalar_dtype(value: Any) -> Any:
    """Return `value.dtype`, or the Python type of a scalar (weak for ints)."""
    dtype = getattr(value, "dtype", None)
    if dtype is not None:
        return dtype
    return type(value)
