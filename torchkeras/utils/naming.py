"""Keras-style layer and object names: snake_case with a per-process counter."""

from __future__ import annotations

import collections
import re

_NAME_COUNTS: collections.Counter = collections.Counter()


def to_snake_case(name: str) -> str:
    """Convert a class name such as `BatchNormalization` to snake_case."""
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    name = re.sub(r"([a-z])([A-Z])", r"\1_\2", name)
    return name.lower()


def uniquify(base: str) -> str:
    """Return `base` the first time, then `base_1`, `base_2`, ..."""
    count = _NAME_COUNTS[base]
    _NAME_COUNTS[base] += 1
    return base if count == 0 else f"{base}_{count}"


def reset_names() -> None:
    """Forget every name given so far, so numbering restarts at `dense`."""
    _NAME_COUNTS.clear()
