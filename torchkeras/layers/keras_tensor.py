"""Symbolic tensors: a shape and dtype that stand for data not yet given."""

from __future__ import annotations

from typing import Any

import torch

from torchkeras import config


class KerasTensor:
    """A symbolic tensor with a shape (batch axis None) and a dtype.

    `Input()` returns one. It records which layer produced it, so models
    can be assembled from symbolic tensors before any data exists.

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
        self._keras_history: Any = None

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
