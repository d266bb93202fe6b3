"""Argument checks shared by the built-in learning-rate schedules."""

from __future__ import annotations

import numbers
from typing import Any


def check_number(name: str, value: Any) -> None:
    """Raise TypeError unless `value` is a real number (bools excluded)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"`{name}` must be a Python or numpy number. Received: "
            f"{name}={value!r} of type {type(value).__name__}"
        )


def check_positive(name: str, value: Any) -> None:
    """Raise unless `value` is a number greater than 0."""
    check_number(name, value)
    if not value > 0:
        raise ValueError(
            f"`{name}` must be greater than 0. Received: {name}={value!r}"
        )


def check_non_negative(name: str, value: Any, reason: str) -> None:
    """Raise unless `value` is a number >= 0; `reason` ends the message."""
    check_number(name, value)
    if not value >= 0:
        raise ValueError(
            f"`{name}` must be 0 or greater, because {reason}. "
            f"Received: {name}={value!r}"
        )
