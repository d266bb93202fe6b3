"""Layers: the building blocks of models."""

from torchkeras.layers.core.dense import Dense
from torchkeras.layers.input_layer import Input
from torchkeras.layers.input_layer import InputLayer
from torchkeras.layers.keras_tensor import KerasTensor
from torchkeras.layers.layer import InputSpec
from torchkeras.layers.layer import Layer

__all__ = [
    "Dense",
    "Input",
    "InputLayer",
    "InputSpec",
    "KerasTensor",
    "Layer",
]
