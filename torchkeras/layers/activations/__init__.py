"""Activation layers."""

from torchkeras.layers.activations.activation import Activation
from torchkeras.layers.activations.elu import ELU
from torchkeras.layers.activations.leaky_relu import LeakyReLU
from torchkeras.layers.activations.relu import ReLU
from torchkeras.layers.activations.softmax import Softmax

__all__ = [
    "Activation",
    "ELU",
    "LeakyReLU",
    "ReLU",
    "Softmax",
]
