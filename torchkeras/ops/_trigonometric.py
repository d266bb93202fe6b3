"""Trigonometric and hyperbolic ops of `torchkeras.ops.numpy`.

Angles are in radians. Integer and bool inputs give `floatx()`, as in Keras
on 32-bit inputs.
"""

from __future__ import annotations

from typing import Any

import torch

from torchkeras.ops._unary import to_float
from torchkeras.ops._unary import to_float_pair


def arcsin(x: Any) -> torch.Tensor:
    """Return the inverse sine, in [-pi/2, pi/2] (NaN outside [-1, 1])."""
    return torch.arcsin(to_float(x))


def arccos(x: Any) -> torch.Tensor:
    """Return the inverse cosine, in [0, pi] (NaN outside [-1, 1])."""
    return torch.arccos(to_float(x))


def arctan(x: Any) -> torch.Tensor:
    """Return the inverse tangent, in (-pi/2, pi/2)."""
    return torch.arctan(to_float(x))


def arcsinh(x: Any) -> torch.Tensor:
    """Return the inverse hyperbolic sine."""
    return torch.arcsinh(to_float(x))


def arccosh(x: Any) -> torch.Tensor:
    """Return the inverse hyperbolic cosine (NaN below 1)."""
    return torch.arccosh(to_float(x))


def arctanh(x: Any) -> torch.Tensor:
    """Return the inverse hyperbolic tangent (infinite at -1 and 1)."""
    return torch.arctanh(to_float(x))


def tan(x: Any) -> torch.Tensor:
    """Return the tangent."""
    return torch.tan(to_float(x))


def sinh(x: Any) -> torch.Tensor:
    """Return the hyperbolic sine."""
    return torch.sinh(to_float(x))


def cosh(x: Any) -> torch.Tensor:
    """Return the hyperbolic cosine."""
    return torch.cosh(to_float(x))


def deg2rad(x: Any) -> torch.Tensor:
    """Convert angles from degrees to radians."""
    return torch.deg2rad(to_float(x))


def rad2deg(x: Any) -> torch.Tensor:
    """Convert angles from radians to degrees."""
    return torch.rad2deg(to_float(x))


def arctan2(x1: Any, x2: Any) -> torch.Tensor:
    """Return the angle of the point `(x2, x1)`, in [-pi, pi].

    Unlike `arctan(x1 / x2)`, the signs of both inputs pick the quadrant.
    """
    x1, x2 = to_float_pair(x1, x2)
    return torch.arctan2(x1, x2)


def hypot(x1: Any, x2: Any) -> torch.Tensor:
    """Return `sqrt(x1**2 + x2**2)` without overflow for large inputs."""
    x1, x2 = to_float_pair(x1, x2)
    return torch.hypot(x1, x2)
