"""Losses, by class, by function or by Keras's string names."""

from __future__ import annotations

from typing import Any, Callable

from torchkeras.losses.focal_losses import BinaryFocalCrossentropy
from torchkeras.losses.focal_losses import CategoricalFocalCrossentropy
from torchkeras.losses.focal_losses import binary_focal_crossentropy
from torchkeras.losses.focal_losses import categorical_focal_crossentropy
from torchkeras.losses.hinge_losses import CategoricalHinge
from torchkeras.losses.hinge_losses import Hinge
from torchkeras.losses.hinge_losses import SquaredHinge
from torchkeras.losses.hinge_losses import categorical_hinge
from torchkeras.losses.hinge_losses import hinge
from torchkeras.losses.hinge_losses import squared_hinge
from torchkeras.losses.loss import Loss
from torchkeras.losses.losses import LOSS_FUNCTIONS
from torchkeras.losses.losses import BinaryCrossentropy
from torchkeras.losses.losses import CategoricalCrossentropy
from torchkeras.losses.losses import Huber
from torchkeras.losses.losses import LossFunctionWrapper
from torchkeras.losses.losses import MeanAbsoluteError
from torchkeras.losses.losses import MeanAbsolutePercentageError
from torchkeras.losses.losses import MeanSquaredError
from torchkeras.losses.losses import MeanSquaredLogarithmicError
from torchkeras.losses.losses import SparseCategoricalCrossentropy
from torchkeras.losses.losses import binary_crossentropy
from torchkeras.losses.losses import categorical_crossentropy
from torchkeras.losses.losses import deserialize_function
from torchkeras.losses.losses import huber
from torchkeras.losses.losses import mean_absolute_error
from torchkeras.losses.losses import mean_absolute_percentage_error
from torchkeras.losses.losses import mean_squared_error
from torchkeras.losses.losses import mean_squared_logarithmic_error
from torchkeras.losses.losses import serialize_function
from torchkeras.losses.losses import sparse_categorical_crossentropy
from torchkeras.losses.probabilistic_losses import KLDivergence
from torchkeras.losses.probabilistic_losses import Poisson
from torchkeras.losses.probabilistic_losses import kl_divergence
from torchkeras.losses.probabilistic_losses import poisson
from torchkeras.losses.regression_losses import CosineSimilarity
from torchkeras.losses.regression_losses import LogCosh
from torchkeras.losses.regression_losses import cosine_similarity
from torchkeras.losses.regression_losses import log_cosh
from torchkeras.losses.segmentation_losses import Dice
from torchkeras.losses.segmentation_losses import Tversky
from torchkeras.losses.segmentation_losses import dice
from torchkeras.losses.segmentation_losses import tversky
from torchkeras.utils.lookup import lookup

__all__ = [
    "BinaryCrossentropy",
    "BinaryFocalCrossentropy",
    "CategoricalCrossentropy",
    "CategoricalFocalCrossentropy",
    "CategoricalHinge",
    "CosineSimilarity",
    "Dice",
    "Hinge",
    "Huber",
    "KLDivergence",
    "LogCosh",
    "Loss",
    "LossFunctionWrapper",
    "MeanAbsoluteError",
    "MeanAbsolutePercentageError",
    "MeanSquaredError",
    "MeanSquaredLogarithmicError",
    "Poisson",
    "SparseCategoricalCrossentropy",
    "SquaredHinge",
    "Tversky",
    "binary_crossentropy",
    "binary_focal_crossentropy",
    "categorical_crossentropy",
    "categorical_focal_crossentropy",
    "categorical_hinge",
    "cosine_similarity",
    "deserialize",
    "dice",
    "get",
    "hinge",
    "huber",
    "kl_divergence",
    "log_cosh",
    "mean_absolute_error",
    "mean_absolute_percentage_error",
    "mean_squared_error",
    "mean_squared_logarithmic_error",
    "poisson",
    "serialize",
    "sparse_categorical_crossentropy",
    "squared_hinge",
    "tversky",
]

_CLASSES = {
    cls.__name__: cls
    for cls in (
        BinaryCrossentropy,
        BinaryFocalCrossentropy,
        CategoricalCrossentropy,
        CategoricalFocalCrossentropy,
        CategoricalHinge,
        CosineSimilarity,
        Dice,
        Hinge,
        Huber,
        KLDivergence,
        LogCosh,
        Loss,
        LossFunctionWrapper,
        MeanAbsoluteError,
        MeanAbsolutePercentageError,
        MeanSquaredError,
        MeanSquaredLogarithmicError,
        Poisson,
        SparseCategoricalCrossentropy,
        SquaredHinge,
        Tversky,
    )
}
# Keras's short names. Like Keras, they resolve to functions, and
# "huber_loss" (the class's default name) is not one of them.
_ALIASES = {
    "bce": binary_crossentropy,
    "BCE": binary_crossentropy,
    "kld": kl_divergence,
    "KLD": kl_divergence,
    "mae": mean_absolute_error,
    "MAE": mean_absolute_error,
    "mape": mean_absolute_percentage_error,
    "MAPE": mean_absolute_percentage_error,
    "mse": mean_squared_error,
    "MSE": mean_squared_error,
    "msle": mean_squared_logarithmic_error,
    "MSLE": mean_squared_logarithmic_error,
}
# Names `get()` accepts. The two base classes cannot be built from a bare
# name, so only `deserialize()` resolves them.
_ALL_OBJECTS = {
    **{
        k: v
        for k, v in _CLASSES.items()
        if v not in (Loss, LossFunctionWrapper)
    },
    **LOSS_FUNCTIONS,
    **_ALIASES,
}


def serialize(loss: Loss | Callable) -> dict[str, Any]:
    """Return a Keras-style config dict for a loss object or function."""
    if not isinstance(loss, Loss):
        return serialize_function(loss)
    return {
        "module": "keras.losses",
        "class_name": type(loss).__name__,
        "config": loss.get_config(),
        "registered_name": None,
    }


def deserialize(config: dict[str, Any] | str) -> Loss | Callable:
    """Create a loss from the output of `serialize()`, or from a name.

    Raises:
        ValueError: if the config names no built-in loss.
    """
    if isinstance(config, str):
        return lookup(config, _ALL_OBJECTS, "loss")
    if config.get("class_name") == "function":
        return deserialize_function(config)
    cls = lookup(config["class_name"], _CLASSES, "loss")
    return cls.from_config(config.get("config", {}))


def get(identifier: Any) -> Loss | Callable | None:
    """Return a loss from a name, config dict, class, instance or callable.

    As in Keras, a function name or short alias (`"mse"`, `"bce"`) returns
    the function, and a class name (`"MeanSquaredError"`) returns a new
    instance with default arguments.

    Raises:
        ValueError: if a string names no known loss. The message lists the
            closest names.
        TypeError: if `identifier` is not one of the accepted types.

    Example:

    >>> get("mse").__name__
    'mean_squared_error'
    >>> get("BinaryCrossentropy").from_logits
    False
    """
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        identifier = lookup(identifier, _ALL_OBJECTS, "loss")
    if isinstance(identifier, type) and issubclass(identifier, Loss):
        return identifier()
    if callable(identifier):
        return identifier
    raise TypeError(
        f"Could not interpret loss identifier: {identifier!r} of type "
        f"{type(identifier).__name__}. Pass a name such as 'mse', a Loss or "
        "a callable `fn(y_true, y_pred)`."
    )
