"""Regularization layers."""

from torchkeras.layers.regularization.dropout import Dropout

__all__ = [
    "Dropout",
]
