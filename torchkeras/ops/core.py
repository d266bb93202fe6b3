"""Core ops: conversion between arrays and tensors, dtype casts, shapes.

Every op in `torchkeras.ops` accepts torch tensors, numpy arrays, nested
lists and Python scalars, converted with Keras's rules by
`convert_to_tensor`:

- A tensor keeps its dtype and device.
- A numpy array keeps its dtype (float64 stays float64).
- A Python `float` becomes `floatx()` (float32), a Python `int` becomes
  int32 (int64 when it does not fit) and a `bool` becomes bool.
- A list of Python numbers takes the dtype those rules give its elements
  together, so `[1, 2.5]` is float32.

New tensors are created on `config.default_device()` (CUDA when present),
as Keras 3 on torch does, so `ops.arange(n)` can index a model's weights on
the GPU. When an op mixes a tensor with arrays or scalars, the arrays and
scalars are placed on the tensor's device instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from torchkeras import config
from torchkeras.ops import _dtypes

__all__ = [
    "cast",
    "convert_to_numpy",
    "convert_to_tensor",
    "dtype",
    "is_tensor",
    "shape",
    "stop_gradient",
]

_INT32_MIN = -(2**31)
_INT32_MAX = 2**31 - 1


def convert_to_tensor(
    x: Any,
    dtype: Any = None,
    sparse: bool | None = None,
    ragged: bool | None = None,
) -> torch.Tensor:
    """Convert a tensor, array, nested list or Python scalar to a tensor.

    See the module docstring for the dtype and device rules.

    Args:
        x: The value to convert.
        dtype: Optional target dtype (a name such as `"float32"`, a torch or
            numpy dtype). None keeps the dtype the rules give.
        sparse: Must be None or False: torch sparse tensors are not
            supported.
        ragged: Must be None or False: ragged tensors do not exist in torch.

    Returns:
        A `torch.Tensor`.

    Raises:
        ValueError: if `sparse` or `ragged` is True, or `dtype` is invalid.
        TypeError: if `x` is an array of Python objects (such as strings).

    Example:

    >>> convert_to_tensor([1, 2]).dtype
    torch.int32
    >>> convert_to_tensor(1.5).dtype
    torch.float32
    """
    if sparse:
        raise ValueError(
            "`sparse=True` is not supported by torchkeras. "
            f"Received: sparse={sparse!r}"
        )
    if ragged:
        raise ValueError(
            "`ragged=True` is not supported by torchkeras. "
            f"Received: ragged={ragged!r}"
        )
    return _convert(x, dtype, device=None)


def _convert(x: Any, dtype: Any, device: torch.device | None) -> torch.Tensor:
    """Convert `x`, placing a non-tensor on `device` (None: the default)."""
    torch_dtype = None if dtype is None else _dtypes.to_torch_dtype(dtype)
    if isinstance(x, torch.Tensor):
        return x if torch_dtype is None else x.to(torch_dtype)
    if device is None:
        device = config.default_device()
    if isinstance(x, (bool, int, float, complex)):
        if torch_dtype is None:
            torch_dtype = _python_scalar_dtype(x)
        return torch.tensor(x, dtype=torch_dtype, device=device)
    if isinstance(x, (list, tuple)) and _contains_tensor(x):
        parts = [_convert(item, dtype, device) for item in x]
        return torch.stack(parts)
    array = _to_numpy_array(x)
    if isinstance(x, (list, tuple)) and torch_dtype is None:
        leaves = _flatten(x)
        names = [_dtypes.scalar_dtype(leaf) for leaf in leaves]
        torch_dtype = _dtypes.to_torch_dtype(_dtypes.result_type(*names))
    if torch_dtype is None:
        torch_dtype = _dtypes.to_torch_dtype(array.dtype)
    tensor = torch.from_numpy(np.ascontiguousarray(array))
    return tensor.to(device=device, dtype=torch_dtype)


def _python_scalar_dtype(x: Any) -> torch.dtype:
    if isinstance(x, bool):
        return torch.bool
    if isinstance(x, int):
        if _INT32_MIN <= x <= _INT32_MAX:
            return torch.int32
        return torch.int64
    if isinstance(x, float):
        return _dtypes.to_torch_dtype(config.floatx())
    return torch.complex64


def _contains_tensor(items: Sequence) -> bool:
    return any(
        isinstance(item, torch.Tensor)
        or (isinstance(item, (list, tuple)) and _contains_tensor(item))
        for item in items
    )


def _flatten(items: Any) -> list:
    if isinstance(items, (list, tuple)):
        return [leaf for item in items for leaf in _flatten(item)]
    return [items]


def _to_numpy_array(x: Any) -> np.ndarray:
    """Return `x` as a numpy array of a dtype torch can hold."""
    if hasattr(x, "to_numpy"):  # pandas objects
        x = x.to_numpy()
    array = np.asarray(x)
    if array.dtype == object or array.dtype.kind in "USV":
        raise TypeError(
            "Cannot convert an array of Python objects or strings to a "
            f"tensor. Received: x of numpy dtype {array.dtype}. Pass a "
            "numeric array."
        )
    if array.dtype == np.uint32:
        # Torch has no general uint32 support, and int64 represents every
        # uint32 value.
        array = array.astype(np.int64)
    return array


def convert_all(*values: Any) -> tuple[torch.Tensor, ...]:
    """Convert several op inputs, placing non-tensors on the tensors' device.

    Python scalars become 0-d tensors, which torch's type promotion treats
    as weak, so `int8_tensor + 1` stays int8 as in Keras.
    """
    device = None
    for value in values:
        if isinstance(value, torch.Tensor):
            device = value.device
            if value.ndim > 0:
                break
    return tuple(_convert(value, None, device) for value in values)


def is_python_number(value: Any) -> bool:
    """Return whether `value` is a Python bool, int, float or complex."""
    return isinstance(value, (bool, int, float, complex))


def convert_operands(*values: Any) -> tuple[Any, ...]:
    """Convert the inputs of an op that takes Python numbers as operands.

    Python numbers stay numbers when another input is a tensor or array,
    because torch treats them as weak scalars, just as Keras does, without
    copying them to the device (a host-to-device copy per call on CUDA).
    When every input is a Python number, all are converted as by
    `convert_all`.
    """
    keep = [_keeps_as_number(value) for value in values]
    if all(keep):
        return convert_all(*values)
    arrays = [value for value, kept in zip(values, keep) if not kept]
    converted = iter(convert_all(*arrays))
    return tuple(
        value if kept else next(converted) for value, kept in zip(values, keep)
    )


def _keeps_as_number(value: Any) -> bool:
    """Return whether torch promotes the Python number `value` as Keras does.

    torch gives an integer tensor times a Python float its default dtype,
    where Keras gives `floatx()`, so floats are converted when they differ.
    """
    if isinstance(value, float):
        floatx = _dtypes.to_torch_dtype(config.floatx())
        return torch.get_default_dtype() == floatx
    return is_python_number(value)


def convert_to_numpy(x: Any) -> np.ndarray:
    """Convert a tensor (any device, with or without grad) to a numpy array.

    A list or tuple of tensors becomes one stacked array. bfloat16 tensors
    become float32 arrays, because numpy has no bfloat16 type.
    """
    if isinstance(x, (list, tuple)):
        return np.array([convert_to_numpy(item) for item in x])
    if isinstance(x, torch.Tensor):
        x = x.detach()
        if x.dtype == torch.bfloat16:
            x = x.float()
        return x.cpu().numpy()
    return np.asarray(x)


def is_tensor(x: Any) -> bool:
    """Return whether `x` is a torch tensor (weights included)."""
    return isinstance(x, torch.Tensor)


def dtype(x: Any) -> str:
    """Return the Keras dtype name of `x`, such as `"float32"`."""
    return _dtypes.dtype_name(convert_to_tensor(x).dtype)


def shape(x: Any) -> tuple[int, ...]:
    """Return the shape of `x` as a tuple of Python ints."""
    if isinstance(x, (torch.Tensor, np.ndarray)):
        return tuple(int(size) for size in x.shape)
    return tuple(np.shape(x))


def cast(x: Any, dtype: Any) -> torch.Tensor:
    """Return `x` as a tensor of type `dtype`.

    Casting floats to integers truncates toward zero, as numpy does.
    """
    return convert_to_tensor(x, dtype=dtype)


def stop_gradient(variable: Any) -> torch.Tensor:
    """Return `variable` detached from the autograd graph.

    The result shares memory with the input, and gradients do not flow
    back through it.
    """
    return convert_to_tensor(variable).detach()


def canonicalize_axis(axis: int, ndim: int) -> int:
    """Return `axis` as a non-negative index into a rank-`ndim` tensor.

    A 0-d tensor accepts the axes 0 and -1, as torch does.

    Raises:
        TypeError: if `axis` is not an int.
        ValueError: if `axis` is out of range.
    """
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise TypeError(
            "`axis` must be an int or a tuple of ints. "
            f"Received: axis={axis!r} of type {type(axis).__name__}"
        )
    bound = max(ndim, 1)
    if not -bound <= axis < bound:
        raise ValueError(
            f"`axis` is out of bounds for a tensor of rank {ndim}. Expected "
            f"a value in [{-bound}, {bound - 1}]. Received: axis={axis}"
        )
    return int(axis) % bound


def canonicalize_axes(axis: Any, ndim: int) -> tuple[int, ...] | None:
    """Return `axis` (None, an int or a sequence) as a tuple of indices.

    None stays None, meaning every axis.

    Raises:
        ValueError: if an axis is out of range or repeated.
    """
    if axis is None:
        return None
    if isinstance(axis, (list, tuple)):
        axes = tuple(canonicalize_axis(a, ndim) for a in axis)
    else:
        axes = (canonicalize_axis(axis, ndim),)
    if len(set(axes)) != len(axes):
        raise ValueError(
            f"`axis` contains a repeated axis. Received: axis={axis}"
        )
    return axes
