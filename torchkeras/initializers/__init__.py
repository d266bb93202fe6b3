"""Weight initializers, by class or by Keras's string names."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from torchkeras import config
from torchkeras.initializers.initializers import Constant
from torchkeras.initializers.initializers import GlorotNormal
from torchkeras.initializers.initializers import GlorotUniform
from torchkeras.initializers.initializers import HeNormal
from torchkeras.initializers.initializers import HeUniform
from torchkeras.initializers.initializers import Identity
from torchkeras.initializers.initializers import Initializer
from torchkeras.initializers.initializers import LecunNormal
from torchkeras.initializers.initializers import LecunUniform
from torchkeras.initializers.initializers import Ones
from torchkeras.initializers.initializers import Orthogonal
from torchkeras.initializers.initializers import RandomNormal
from torchkeras.initializers.initializers import RandomUniform
from torchkeras.initializers.initializers import TruncatedNormal
from torchkeras.initializers.initializers import VarianceScaling
from torchkeras.initializers.initializers import Zeros
from torchkeras.utils.lookup import lookup

__all__ = [
    "Constant",
    "GlorotNormal",
    "GlorotUniform",
    "HeNormal",
    "HeUniform",
    "Identity",
    "Initializer",
    "LecunNormal",
    "LecunUniform",
    "Ones",
    "Orthogonal",
    "RandomNormal",
    "RandomUniform",
    "TruncatedNormal",
    "VarianceScaling",
    "Zeros",
    "deserialize",
    "get",
    "serialize",
]

_CLASSES = {
    cls.__name__: cls
    for cls in (
        Constant, GlorotNormal, GlorotUniform, HeNormal, HeUniform, Identity,
        LecunNormal, LecunUniform, Ones, Orthogonal, RandomNormal,
        RandomUniform, TruncatedNormal, VarianceScaling, Zeros,
    )
}
# Keras's lowercase aliases. `Constant` has no string alias in Keras.
_ALIASES = {
    "glorot_normal": GlorotNormal,
    "glorot_uniform": GlorotUniform,
    "he_normal": HeNormal,
    "he_uniform": HeUniform,
    "identity": Identity,
    "lecun_normal": LecunNormal,
    "lecun_uniform": LecunUniform,
    "ones": Ones,
    "orthogonal": Orthogonal,
    "normal": RandomNormal,
    "random_normal": RandomNormal,
    "uniform": RandomUniform,
    "random_uniform": RandomUniform,
    "truncated_normal": TruncatedNormal,
    "variance_scaling": VarianceScaling,
    "zeros": Zeros,
    "one": Ones,
    "zero": Zeros,
    "IdentityInitializer": Identity,
    "OrthogonalInitializer": Orthogonal,
}


def serialize(initializer: Initializer) -> dict[str, Any]:
    """Return a Keras-style config dict for `initializer`."""
    return {
        "module": "keras.initializers",
        "class_name": type(initializer).__name__,
        "config": initializer.get_config(),
        "registered_name": None,
    }


def deserialize(config: dict[str, Any]) -> Initializer:
    """Create an initializer from the output of `serialize()`."""
    cls = lookup(config["class_name"], _CLASSES, "initializer")
    return cls.from_config(config.get("config", {}))


def _fixed_value_initializer(value):
    """Return an initializer that gives `value`, for that shape only."""

    def initialize(shape, dtype=None):
        if tuple(shape) != tuple(value.shape):
            raise ValueError(
                f"This initializer returns a fixed value of shape "
                f"{tuple(value.shape)}, so `shape` must match it. "
                f"Received: shape={tuple(shape)}"
            )
        return torch.as_tensor(value).to(config.standardize_dtype(dtype))

    return initialize


def get(identifier: Any) -> Initializer | None:
    """Return an initializer from a name, config dict, class or callable.

    A numpy array or tensor gives an initializer that returns that value
    (cast to the requested dtype) for a matching shape, as in Keras.

    Raises:
        ValueError: if a string names no known initializer.
    """
    if identifier is None:
        return None
    if isinstance(identifier, Initializer):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        table = {**_ALIASES, **_CLASSES}
        return lookup(identifier, table, "initializer")()
    if isinstance(identifier, type) and issubclass(identifier, Initializer):
        return identifier()
    if isinstance(identifier, (torch.Tensor, np.ndarray, np.generic)):
        return _fixed_value_initializer(identifier)
    if callable(identifier):
        return identifier
    raise TypeError(
        "Could not interpret initializer identifier: "
        f"{identifier!r} of type {type(identifier).__name__}. Pass a name "
        "such as 'glorot_uniform', an Initializer or a callable."
    )
