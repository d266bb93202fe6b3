"""Pooling layers: windowed and global max and average pooling."""

from torchkeras.layers.pooling.average_pooling1d import AveragePooling1D
from torchkeras.layers.pooling.average_pooling2d import AveragePooling2D
from torchkeras.layers.pooling.global_average_pooling1d import (
    GlobalAveragePooling1D,
)
from torchkeras.layers.pooling.global_average_pooling2d import (
    GlobalAveragePooling2D,
)
from torchkeras.layers.pooling.global_max_pooling1d import GlobalMaxPooling1D
from torchkeras.layers.pooling.global_max_pooling2d import GlobalMaxPooling2D
from torchkeras.layers.pooling.max_pooling1d import MaxPooling1D
from torchkeras.layers.pooling.max_pooling2d import MaxPooling2D

__all__ = [
    "AveragePooling1D",
    "AveragePooling2D",
    "GlobalAveragePooling1D",
    "GlobalAveragePooling2D",
    "GlobalMaxPooling1D",
    "GlobalMaxPooling2D",
    "MaxPooling1D",
    "MaxPooling2D",
]
