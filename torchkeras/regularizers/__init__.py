"""Weight penalties added to the training loss, as in Keras."""

from __future__ import annotations

import inspect
import math
import numbers
from typing import Any

import torch

from torchkeras.ops.nn import normalize
from torchkeras.utils.lookup import lookup
from torchkeras.utils.naming import to_snake_case

__all__ = [
    "L1",
    "L1L2",
    "L2",
    "OrthogonalRegularizer",
    "Regularizer",
    "deserialize",
    "get",
    "serialize",
]


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


def _validate_factor(name: str, value: Any) -> float:
    """Return `value` as a float, rejecting negative and non-finite values."""
    if isinstance(value, str) or not isinstance(value, numbers.Real):
        # ValueError rather than TypeError, as Keras raises.
        raise ValueError(  # noqa: TRY004
            f"`{name}` must be a non-negative float. "
            f"Received: {name}={value!r} of type {type(value).__name__}"
        )
    value = float(value)
    if value < 0 or not math.isfinite(value):
        raise ValueError(
            f"`{name}` must be a finite, non-negative float. "
            f"Received: {name}={value}"
        )
    return value


class L1(Regularizer):
    """Penalty `l1 * sum(abs(x))`. `l1=None` means the default, 0.01."""

    def __init__(self, l1: float = 0.01):
        self.l1 = _validate_factor("l1", 0.01 if l1 is None else l1)

    def __call__(self, x):
        return self.l1 * torch.sum(torch.abs(x))

    def get_config(self):
        return {"l1": self.l1}


class L2(Regularizer):
    """Penalty `l2 * sum(x ** 2)` (no factor 1/2, as in Keras).

    `l2=None` means the default, 0.01.
    """

    def __init__(self, l2: float = 0.01):
        self.l2 = _validate_factor("l2", 0.01 if l2 is None else l2)

    def __call__(self, x):
        return self.l2 * torch.sum(torch.square(x))

    def get_config(self):
        return {"l2": self.l2}


class L1L2(Regularizer):
    """Penalty `l1 * sum(abs(x)) + l2 * sum(x ** 2)`. None means 0."""

    def __init__(self, l1: float = 0.0, l2: float = 0.0):
        self.l1 = _validate_factor("l1", 0.0 if l1 is None else l1)
        self.l2 = _validate_factor("l2", 0.0 if l2 is None else l2)

    def __call__(self, x):
        penalty = torch.zeros((), dtype=x.dtype, device=x.device)
        if self.l1:
            penalty = penalty + self.l1 * torch.sum(torch.abs(x))
        if self.l2:
            penalty = penalty + self.l2 * torch.sum(torch.square(x))
        return penalty

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


class OrthogonalRegularizer(Regularizer):
    """Penalty that pushes the rows (or columns) of a matrix to be orthogonal.

    The rows (`mode="rows"`) or columns (`mode="columns"`) of the rank-2
    weight are scaled to unit L2 norm. The penalty is `factor / 2` times
    the sum of the absolute dot products between different rows (or
    columns), divided by the number of pairs.

    Args:
        factor: Non-negative weight of the penalty.
        mode: `"rows"` or `"columns"`.

    Raises:
        ValueError: if `factor` is negative or `mode` is not `"rows"` or
            `"columns"`, or, when called, if the weight is not rank 2.
    """

    def __init__(self, factor: float = 0.01, mode: str = "rows"):
        self.factor = _validate_factor("factor", factor)
        if mode not in ("rows", "columns"):
            raise ValueError(
                f'`mode` must be "rows" or "columns". Received: mode={mode!r}'
            )
        self.mode = mode

    def __call__(self, x):
        if x.ndim != 2:
            raise ValueError(
                "OrthogonalRegularizer needs a rank-2 weight. "
                f"Received: x.shape={tuple(x.shape)}"
            )
        if self.mode == "rows":
            vectors = normalize(x, axis=1)
        else:
            vectors = normalize(x, axis=0).T
        size = vectors.shape[0]
        products = vectors @ vectors.T
        off_diagonal = products * (
            1.0 - torch.eye(size, dtype=x.dtype, device=x.device)
        )
        num_pairs = size * (size - 1.0) / 2.0
        return (
            self.factor * 0.5 * torch.sum(torch.abs(off_diagonal)) / num_pairs
        )

    def get_config(self):
        return {"factor": self.factor, "mode": self.mode}


_CLASSES = {
    cls.__name__: cls
    for cls in (L1, L1L2, L2, OrthogonalRegularizer, Regularizer)
}
# Keras also accepts each class name in snake case: "l1", "l1l2",
# "orthogonal_regularizer". "l1_l2" is not a Keras name.
_ALIASES = {to_snake_case(name): cls for name, cls in _CLASSES.items()}


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
    """Return a regularizer from a name (`"l1"`, `"l2"`), dict or callable.

    A class, such as `L2`, is instantiated with its default arguments.
    """
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        return lookup(identifier, {**_ALIASES, **_CLASSES}, "regularizer")()
    if inspect.isclass(identifier):
        return identifier()
    if callable(identifier):
        return identifier
    raise TypeError(
        f"Could not interpret regularizer identifier: {identifier!r}. "
        "Pass 'l1', 'l2', a Regularizer or a callable."
    )
