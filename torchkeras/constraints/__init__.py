"""Projections applied to weights after each optimizer step, as in Keras."""

from __future__ import annotations

import inspect
from typing import Any

import torch

from torchkeras.config import epsilon
from torchkeras.utils.lookup import lookup
from torchkeras.utils.naming import to_snake_case

__all__ = [
    "Constraint",
    "MaxNorm",
    "MinMaxNorm",
    "NonNeg",
    "UnitNorm",
    "deserialize",
    "get",
    "serialize",
]


class Constraint:
    """Base class: `constraint(weight)` returns the projected weight."""

    def __call__(self, w: torch.Tensor) -> torch.Tensor:
        return w

    def get_config(self) -> dict[str, Any]:
        """Return the constructor arguments as a dict."""
        return {}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Constraint:
        """Create a constraint from the output of `get_config()`."""
        return cls(**config)


def _norms(w: torch.Tensor, axis) -> torch.Tensor:
    return torch.sqrt(torch.sum(torch.square(w), dim=axis, keepdim=True))


class MaxNorm(Constraint):
    """Rescales slices along `axis` whose L2 norm exceeds `max_value`."""

    def __init__(self, max_value: float = 2, axis: int = 0):
        self.max_value = max_value
        self.axis = axis

    def __call__(self, w):
        norms = _norms(w, self.axis)
        desired = torch.clamp(norms, 0, self.max_value)
        return w * (desired / (epsilon() + norms))

    def get_config(self):
        return {"max_value": self.max_value, "axis": self.axis}


class NonNeg(Constraint):
    """Sets negative weights to zero."""

    def __call__(self, w):
        return w * (w >= 0).to(w.dtype)


class UnitNorm(Constraint):
    """Rescales slices along `axis` to unit L2 norm."""

    def __init__(self, axis: int = 0):
        self.axis = axis

    def __call__(self, w):
        return w / (epsilon() + _norms(w, self.axis))

    def get_config(self):
        return {"axis": self.axis}


class MinMaxNorm(Constraint):
    """Moves slice norms into `[min_value, max_value]` at speed `rate`."""

    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        self.min_value = min_value
        self.max_value = max_value
        self.rate = rate
        self.axis = axis

    def __call__(self, w):
        norms = _norms(w, self.axis)
        clipped = torch.clamp(norms, self.min_value, self.max_value)
        desired = self.rate * clipped + (1 - self.rate) * norms
        return w * (desired / (epsilon() + norms))

    def get_config(self):
        return {
            "min_value": self.min_value,
            "max_value": self.max_value,
            "rate": self.rate,
            "axis": self.axis,
        }


_CLASSES = {
    cls.__name__: cls
    for cls in (Constraint, MaxNorm, MinMaxNorm, NonNeg, UnitNorm)
}
# As in Keras, each class name also works in snake case ("max_norm").
_ALIASES = {to_snake_case(name): cls for name, cls in _CLASSES.items()}


def serialize(constraint: Constraint) -> dict[str, Any]:
    """Return a Keras-style config dict for `constraint`."""
    return {
        "module": "keras.constraints",
        "class_name": type(constraint).__name__,
        "config": constraint.get_config(),
        "registered_name": None,
    }


def deserialize(config: dict[str, Any]) -> Constraint:
    """Create a constraint from the output of `serialize()`."""
    cls = lookup(config["class_name"], _CLASSES, "constraint")
    return cls.from_config(config.get("config", {}))


def get(identifier: Any):
    """Return a constraint from a name, config dict or callable.

    A class, such as `MaxNorm`, is instantiated with its default arguments.
    """
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        return lookup(identifier, {**_ALIASES, **_CLASSES}, "constraint")()
    if inspect.isclass(identifier):
        return identifier()
    if callable(identifier):
        return identifier
    raise TypeError(
        f"Could not interpret constraint identifier: {identifier!r}. "
        "Pass a name such as 'non_neg', a Constraint or a callable."
    )
