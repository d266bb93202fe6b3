"""Convolution layers."""

from torchkeras.layers.convolutional.conv1d import Conv1D
from torchkeras.layers.convolutional.conv2d import Conv2D

__all__ = [
    "Conv1D",
    "Conv2D",
]
