"""The weight type: a `torch.nn.Parameter` that also offers Keras's API."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from torchkeras.backend.tensors import convert_to_tensor


class Variable(torch.nn.Parameter):
    """A layer weight: a `torch.nn.Parameter` with Keras's `Variable` API.

    Every weight made by `Layer.add_weight()` is a `Variable`, so it is a
    plain parameter to torch (`model.parameters()`, `state_dict()`,
    optimizers, DDP) and also offers what Keras 3 code reads from a
    variable: `name`, `path`, `trainable`, `value`, `assign()`, `numpy()`.

    A weight's own `trainable` flag (False for moving statistics) combines
    with its layer's `trainable` setting to give `requires_grad`.
    """

    def __new__(
        cls,
        data: Any,
        trainable: bool = True,
        name: str = "variable",
        path: str | None = None,
        regularizer=None,
        constraint=None,
        aggregation: str = "none",
        overwrite_with_gradient: bool = False,
        *,
        shape=None,
        dtype=None,
    ):
        data = _initial_value(data, shape, dtype)
        variable = torch.Tensor._make_subclass(cls, data, trainable)
        variable._name = name
        variable._path = path or name
        variable._trainable = trainable
        # Whether the weight was created trainable; the layer's `trainable`
        # setter changes only such weights.
        variable._created_trainable = trainable
        variable.regularizer = regularizer
        variable.constraint = constraint
        variable.aggregation = aggregation
        variable.overwrite_with_gradient = overwrite_with_gradient
        return variable

    def __init__(self, *args, **kwargs):
        # Everything happens in __new__, and Parameter has no __init__ to call.
        pass

    @property
    def name(self) -> str:
        """The Keras name of the weight, such as `"kernel"`."""
        return self._name

    @property
    def path(self) -> str:
        """The layer name and weight name, such as `"dense/kernel"`."""
        return self._path

    @property
    def trainable(self) -> bool:
        """Whether the weight itself is trainable (moving statistics are not)."""
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        self._trainable = bool(value)
        self.requires_grad_(self._trainable)

    @property
    def value(self) -> torch.Tensor:
        """The weight itself, as Keras's torch guide reads `v.value.grad`."""
        return self

    def assign(self, value: Any) -> Variable:
        """Copy `value` (array or tensor of the same shape) into the weight."""
        value = convert_to_tensor(value, dtype=self.dtype, device=self.device)
        if tuple(value.shape) != tuple(self.shape):
            raise ValueError(
                f"Cannot assign a value of shape {tuple(value.shape)} to "
                f"variable {self.path!r} of shape {tuple(self.shape)}."
            )
        with torch.no_grad():
            self.copy_(value)
        return self

    def assign_add(self, value: Any) -> Variable:
        """Add `value` to the weight in place."""
        with torch.no_grad():
            self.add_(convert_to_tensor(value, dtype=self.dtype, device=self.device))
        return self

    def assign_sub(self, value: Any) -> Variable:
        """Subtract `value` from the weight in place."""
        with torch.no_grad():
            self.sub_(convert_to_tensor(value, dtype=self.dtype, device=self.device))
        return self

    def numpy(self, *, force: bool = False) -> np.ndarray:
        """Return a numpy copy of the weight (detached, on the CPU).

        Args:
            force: Accepted for callers of `torch.Tensor.numpy()`, such as
                torch's ONNX exporter. The copy is always detached.
        """
        value = self.detach()
        if value.device.type != "cpu":
            return value.cpu().numpy(force=force)
        # On the CPU `numpy()` would share memory with the weight.
        return value.numpy(force=force).copy()

    def __deepcopy__(self, memo):
        copy = type(self)(
            self.data.clone(memory_format=torch.preserve_format),
            trainable=self._trainable,
            name=self._name,
            path=self._path,
            regularizer=self.regularizer,
            constraint=self.constraint,
            aggregation=self.aggregation,
            overwrite_with_gradient=self.overwrite_with_gradient,
        )
        copy.requires_grad_(self.requires_grad)
        copy._created_trainable = self._created_trainable
        memo[id(self)] = copy
        return copy

    def __reduce_ex__(self, protocol):
        return (
            _rebuild_variable,
            (
                self.data,
                self.requires_grad,
                self._trainable,
                self._name,
                self._path,
                self._created_trainable,
                self.regularizer,
                self.constraint,
                self.aggregation,
                self.overwrite_with_gradient,
            ),
        )

    def __repr__(self) -> str:
        return (
            f"<Variable path={self._path}, shape={tuple(self.shape)}, "
            f"dtype={str(self.dtype).replace('torch.', '')}, "
            f"trainable={self._trainable}>\n{self.detach()!r}"
        )


def _rebuild_variable(
    data,
    requires_grad,
    trainable,
    name,
    path,
    created_trainable=None,
    regularizer=None,
    constraint=None,
    aggregation="none",
    overwrite_with_gradient=False,
):
    variable = Variable(
        data,
        trainable=trainable,
        name=name,
        path=path,
        regularizer=regularizer,
        constraint=constraint,
        aggregation=aggregation,
        overwrite_with_gradient=overwrite_with_gradient,
    )
    if created_trainable is not None:
        variable._created_trainable = created_trainable
    variable.requires_grad_(requires_grad)
    return variable


def _initial_value(data: Any, shape, dtype) -> torch.Tensor:
    """Turn a Keras-style `Variable` initial value into a tensor.

    `data` may be a tensor, an array, a list or a number (as in Keras), or
    an initializer (a name such as `"zeros"`, an `Initializer` or a callable
    taking `(shape, dtype)`) when `shape` is given.
    """
    from torchkeras import config

    if dtype is not None:
        dtype = config.standardize_dtype(dtype)
    if isinstance(data, str) or (callable(data) and not isinstance(data, torch.Tensor)):
        if shape is None:
            raise ValueError(
                "A Variable created from an initializer needs a `shape`. "
                f"Received: initializer={data!r}, shape=None. Pass for example "
                "`Variable(\"zeros\", shape=(3,))`."
            )
        from torchkeras import initializers

        initializer = initializers.get(data)
        return initializer(tuple(shape), dtype=dtype or config.floatx())
    if isinstance(data, torch.Tensor):
        value = data if dtype is None else data.to(dtype)
    else:
        if isinstance(data, (float, np.floating)) or (
            isinstance(data, (list, tuple)) and dtype is None
        ):
            dtype = dtype or config.floatx()
        value = convert_to_tensor(data, dtype=dtype)
    if shape is not None and tuple(value.shape) != tuple(shape):
        raise ValueError(
            f"The initial value has shape {tuple(value.shape)}, but "
            f"shape={tuple(shape)} was given. Pass a value of that shape or "
            "leave out `shape`."
        )
    return value.detach()
