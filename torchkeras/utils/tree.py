"""Helpers for nests of tensors: lists, tuples and dicts of leaves."""

from __future__ import annotations

from typing import Any, Callable


def _keys(mapping: dict) -> list:
    """Return dict keys sorted, as Keras orders them, or as given if unsortable."""
    try:
        return sorted(mapping)
    except TypeError:
        return list(mapping)


def map_structure(fn: Callable, nest: Any) -> Any:
    """Apply `fn` to every leaf of `nest`, keeping the structure."""
    if isinstance(nest, dict):
        return {k: map_structure(fn, nest[k]) for k in _keys(nest)}
    if isinstance(nest, (list, tuple)):
        return type(nest)(map_structure(fn, v) for v in nest)
    return fn(nest)


def flatten(nest: Any) -> list:
    """Return the leaves of `nest` in order; dict values by sorted key, as Keras."""
    if isinstance(nest, dict):
        return [leaf for k in _keys(nest) for leaf in flatten(nest[k])]
    if isinstance(nest, (list, tuple)):
        return [leaf for v in nest for leaf in flatten(v)]
    return [nest]
