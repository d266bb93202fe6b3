"""Activation functions, by name or as callables."""

from __future__ import annotations

from typing import Any, Callable

from torchkeras.activations.activations import celu
from torchkeras.activations.activations import elu
from torchkeras.activations.activations import exponential
from torchkeras.activations.activations import gelu
from torchkeras.activations.activations import glu
from torchkeras.activations.activations import hard_shrink
from torchkeras.activations.activations import hard_sigmoid
from torchkeras.activations.activations import hard_silu
from torchkeras.activations.activations import hard_swish
from torchkeras.activations.activations import hard_tanh
from torchkeras.activations.activations import leaky_relu
from torchkeras.activations.activations import linear
from torchkeras.activations.activations import log_sigmoid
from torchkeras.activations.activations import log_softmax
from torchkeras.activations.activations import mish
from torchkeras.activations.activations import relu
from torchkeras.activations.activations import relu6
from torchkeras.activations.activations import selu
from torchkeras.activations.activations import sigmoid
from torchkeras.activations.activations import silu
from torchkeras.activations.activations import soft_shrink
from torchkeras.activations.activations import softmax
from torchkeras.activations.activations import softplus
from torchkeras.activations.activations import softsign
from torchkeras.activations.activations import sparse_plus
from torchkeras.activations.activations import sparse_sigmoid
from torchkeras.activations.activations import sparsemax
from torchkeras.activations.activations import squareplus
from torchkeras.activations.activations import swish
from torchkeras.activations.activations import tanh
from torchkeras.activations.activations import tanh_shrink
from torchkeras.activations.activations import threshold
from torchkeras.utils.lookup import lookup

__all__ = [
    "celu",
    "deserialize",
    "elu",
    "exponential",
    "gelu",
    "get",
    "glu",
    "hard_shrink",
    "hard_sigmoid",
    "hard_silu",
    "hard_swish",
    "hard_tanh",
    "leaky_relu",
    "linear",
    "log_sigmoid",
    "log_softmax",
    "mish",
    "relu",
    "relu6",
    "selu",
    "serialize",
    "sigmoid",
    "silu",
    "soft_shrink",
    "softmax",
    "softplus",
    "softsign",
    "sparse_plus",
    "sparse_sigmoid",
    "sparsemax",
    "squareplus",
    "swish",
    "tanh",
    "tanh_shrink",
    "threshold",
]

_ACTIVATIONS = {
    fn.__name__: fn
    for fn in (
        celu, elu, exponential, gelu, glu, hard_shrink, hard_sigmoid,
        hard_silu, hard_tanh, leaky_relu, linear, log_sigmoid, log_softmax,
        mish, relu, relu6, selu, sigmoid, silu, soft_shrink, softmax,
        softplus, softsign, sparse_plus, sparse_sigmoid, sparsemax,
        squareplus, tanh, tanh_shrink, threshold,
    )
}
# Keras resolves these names to the same functions.
_ACTIVATIONS["swish"] = silu
_ACTIVATIONS["hard_swish"] = hard_silu


def serialize(activation: Callable) -> str:
    """Return the name of a built-in activation function."""
    for name, fn in _ACTIVATIONS.items():
        if fn is activation:
            return name
    name = getattr(activation, "__name__", None)
    if name is None:
        raise ValueError(
            f"Cannot serialize activation {activation!r}: it has no name."
        )
    return name


def deserialize(name: str) -> Callable:
    """Return the activation function called `name`."""
    return get(name)


def get(identifier: Any) -> Callable:
    """Return an activation function from a name, a callable or None.

    None and `"linear"` both give the identity.

    Raises:
        ValueError: if a string names no known activation; the message
            lists close matches.
    """
    if identifier is None:
        return linear
    if isinstance(identifier, str):
        return lookup(identifier, _ACTIVATIONS, "activation")
    if isinstance(identifier, dict):
        return get(identifier.get("config", identifier.get("class_name")))
    if callable(identifier):
        return identifier
    raise TypeError(
        "Could not interpret activation identifier: "
        f"{identifier!r} of type {type(identifier).__name__}. Pass a name "
        "such as 'relu' or a callable."
    )
