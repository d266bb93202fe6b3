"""Weight penalties added to the training loss, as in Keras."""

from __future__ import annotations

from typing import Any

import torch

from torchkeras.utils.lookup import lookup

__all__ = ["L1", "L1L2", "L2", "Regularizer", "deserialize", "get", "serialize"]


class Regularizer:
    """Base class: `regularizer(weight)` returns a scalar penalty tensor."""

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        return torch.zeros((), dtype=x.dtype, device=x.device)

    def get_config(self) -> dict[str, Any]:
        """Return the constructor arguments as a dict."""
        return {}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Regularizer:
        """Create a regularizer from the output of `get_config()`."""
        return cls(**config)


def _validate_factor(name: str, value: float) -> float:
    value = float(value)
    if value < 0:
        raise ValueError(
            f"`{name}` must be a non-negative float. Received: {name}={value}"
        )
    return value


class L1(Regularizer):
    """Penalty `l1 * sum(abs(x))`."""

    def __init__(self, l1: float = 0.01):
        self.l1 = _validate_factor("l1", l1)

    def __call__(self, x):
        return self.l1 * torch.sum(torch.abs(x))

    def get_config(self):
        return {"l1": self.l1}


class L2(Regularizer):
    """Penalty `l2 * sum(x ** 2)` (no factor 1/2, as in Keras)."""

    def __init__(self, l2: float = 0.01):
        self.l2 = _validate_factor("l2", l2)

    def __call__(self, x):
        return self.l2 * torch.sum(torch.square(x))

    def get_config(self):
        return {"l2": self.l2}


class L1L2(Regularizer):
    """Penalty `l1 * sum(abs(x)) + l2 * sum(x ** 2)`."""

    def __init__(self, l1: float = 0.0, l2: float = 0.0):
        self.l1 = _validate_factor("l1", l1)
        self.l2 = _validate_factor("l2", l2)

    def __call__(self, x):
        penalty = torch.zeros((), dtype=x.dtype, device=x.device)
        if self.l1:
            penalty = penalty + self.l1 * torch.sum(torch.abs(x))
        if self.l2:
            penalty = penalty + self.l2 * torch.sum(torch.square(x))
        return penalty

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


_CLASSES = {"L1": L1, "L1L2": L1L2, "L2": L2, "Regularizer": Regularizer}
_ALIASES = {"l1": L1, "l2": L2}


def serialize(regularizer: Regularizer) -> dict[str, Any]:
    """Return a Keras-style config dict for `regularizer`."""
    return {
        "module": "keras.regularizers",
        "class_name": type(regularizer).__name__,
        "config": regularizer.get_config(),
        "registered_name": None,
    }


def deserialize(config: dict[str, Any]) -> Regularizer:
    """Create a regularizer from the output of `serialize()`."""
    cls = lookup(config["class_name"], _CLASSES, "regularizer")
    return cls.from_config(config.get("config", {}))


def get(identifier: Any):
    """Return a regularizer from a name (`"l1"`, `"l2"`), dict or callable."""
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        return lookup(identifier, {**_ALIASES, **_CLASSES}, "regularizer")()
    if callable(identifier):
        return identifier
    raise TypeError(
        f"Could not interpret regularizer identifier: {identifier!r}. "
        "Pass 'l1', 'l2', a Regularizer or a callable."
    )
