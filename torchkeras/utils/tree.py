"""Helpers for nests of tensors: lists, tuples and dicts of leaves."""

from __future__ import annotations

from typing import Any, Callable


def map_structure(fn: Callable, nest: Any) -> Any:
    """Apply `fn` to every leaf of `nest`, keeping the structure."""
    if isinstance(nest, dict):
        return {k: map_structure(fn, v) for k, v in nest.items()}
    if isinstance(nest, (list, tuple)):
        return type(nest)(map_structure(fn, v) for v in nest)
    return fn(nest)


def flatten(nest: Any) -> list:
    """Return the leaves of `nest` in order (dicts in insertion order)."""
    if isinstance(nest, dict):
        return [leaf for v in nest.values() for leaf in flatten(v)]
    if isinstance(nest, (list, tuple)):
        return [leaf for v in nest for leaf in flatten(v)]
    return [nest]
