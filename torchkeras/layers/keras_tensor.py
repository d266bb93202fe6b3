"""Symbolic tensors: a shape and dtype that stand for data not yet given."""

from __future__ import annotations

import collections
from typing import Any

import torch

from torchkeras import config

# The origin of a symbolic tensor: the layer (or operation), the index of
# the call (node) of that layer, and the index among that call's outputs.
KerasHistory = collections.namedtuple(
    "KerasHistory", ["operation", "node_index", "tensor_index"]
)


class KerasTensor:
    """A symbolic tensor with a shape (batch axis None) and a dtype.

    `Input()` returns one, and calling a layer on one returns more. Each
    records which layer call produced it (`_keras_history`), so
    `Model(inputs, outputs)` can find the graph between them. Arithmetic,
    indexing and torch functions on symbolic tensors are recorded as
    operations in the graph too.

    Args:
        shape: Full shape including the batch axis, with None for unknown
            sizes.
        dtype: dtype name, such as `"float32"`.
        name: Optional name.
    """

    def __init__(self, shape, dtype=None, name: str | None = None):
        self.shape = tuple(None if d is None else int(d) for d in shape)
        self.dtype = config.dtype_name(config.standardize_dtype(dtype))
        self.name = name
        self._keras_history: KerasHistory | None = None

    @property
    def ndim(self) -> int:
        """Number of axes, the batch axis included."""
        return len(self.shape)

    def _torch_dtype(self) -> torch.dtype:
        return config.standardize_dtype(self.dtype)

    def __repr__(self) -> str:
        return (
            f"<KerasTensor shape={self.shape}, dtype={self.dtype}, "
            f"name={self.name}>"
        )

    def __bool__(self):
        raise TypeError(
            "A symbolic tensor cannot be used as a Python bool: its value is "
            "only known when the model runs. Use `ops.where` or a layer."
        )

    def __len__(self):
        if not self.shape or self.shape[0] is None:
            raise TypeError(
                "len() of a symbolic tensor is unknown because its first "
                f"axis has no fixed size. Shape: {self.shape}"
            )
        return self.shape[0]

    __hash__ = object.__hash__

    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        from torchkeras.layers.core.operation import symbolic_torch_function

        return symbolic_torch_function(func, args, kwargs or {})

    # Operators, recorded as operations named as in Keras 3.
    def __add__(self, other):
        return _apply("add", self, other)

    def __radd__(self, other):
        return _apply("add", other, self)

    def __sub__(self, other):
        return _apply("subtract", self, other)

    def __rsub__(self, other):
        return _apply("subtract", other, self)

    def __mul__(self, other):
        return _apply("multiply", self, other)

    def __rmul__(self, other):
        return _apply("multiply", other, self)

    def __truediv__(self, other):
        return _apply("true_divide", self, other)

    def __rtruediv__(self, other):
        return _apply("true_divide", other, self)

    def __floordiv__(self, other):
        return _apply("floor_divide", self, other)

    def __rfloordiv__(self, other):
        return _apply("floor_divide", other, self)

    def __mod__(self, other):
        return _apply("mod", self, other)

    def __pow__(self, other):
        return _apply("power", self, other)

    def __rpow__(self, other):
        return _apply("power", other, self)

    def __matmul__(self, other):
        return _apply("matmul", self, other)

    def __rmatmul__(self, other):
        return _apply("matmul", other, self)

    def __neg__(self):
        return _apply("negative", self)

    def __pos__(self):
        return self

    def __abs__(self):
        return _apply("absolute", self)

    def __invert__(self):
        return _apply("logical_not", self)

    def __and__(self, other):
        return _apply("logical_and", self, other)

    def __or__(self, other):
        return _apply("logical_or", self, other)

    def __lt__(self, other):
        return _apply("less", self, other)

    def __le__(self, other):
        return _apply("less_equal", self, other)

    def __gt__(self, other):
        return _apply("greater", self, other)

    def __ge__(self, other):
        return _apply("greater_equal", self, other)

    def __getitem__(self, key):
        return _apply("get_item", self, key)

    def reshape(self, *shape):
        """Record a reshape to `shape` (which may include -1)."""
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return _apply("reshape", self, shape)

    def squeeze(self, axis=None):
        """Record removing axes of size 1 (all of them when `axis` is None)."""
        return _apply("squeeze", self, axis)


def _apply(op_name: str, *args):
    from torchkeras.layers.core.operation import apply_operator

    return apply_operator(op_name, *args)


def is_keras_tensor(value: Any) -> bool:
    """Return whether `value` is a symbolic tensor."""
    return isinstance(value, KerasTensor)
