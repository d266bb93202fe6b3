"""Normalization layers."""

from torchkeras.layers.normalization.batch_normalization import (
    BatchNormalization,
)

__all__ = [
    "BatchNormalization",
]
