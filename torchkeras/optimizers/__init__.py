"""Optimizers, by class or by Keras's string names."""

from __future__ import annotations

from typing import Any

from torchkeras.optimizers import schedules
from torchkeras.optimizers.adadelta import Adadelta
from torchkeras.optimizers.adafactor import Adafactor
from torchkeras.optimizers.adagrad import Adagrad
from torchkeras.optimizers.adam import Adam
from torchkeras.optimizers.adamax import Adamax
from torchkeras.optimizers.adamw import AdamW
from torchkeras.optimizers.ftrl import Ftrl
from torchkeras.optimizers.lamb import Lamb
from torchkeras.optimizers.lion import Lion
from torchkeras.optimizers.loss_scale_optimizer import LossScaleOptimizer
from torchkeras.optimizers.nadam import Nadam
from torchkeras.optimizers.optimizer import Optimizer
from torchkeras.optimizers.rmsprop import RMSprop
from torchkeras.optimizers.sgd import SGD
from torchkeras.utils.lookup import lookup

__all__ = [  # noqa: RUF022 (plain sorted() order, as in other packages)
    "Adadelta",
    "Adafactor",
    "Adagrad",
    "Adam",
    "AdamW",
    "Adamax",
    "Ftrl",
    "Lamb",
    "Lion",
    "LossScaleOptimizer",
    "Nadam",
    "Optimizer",
    "RMSprop",
    "SGD",
    "deserialize",
    "get",
    "serialize",
]

# Keras's string names are the lowercased class names. Keras 3.15 has no
# "lamb" string; it is accepted here too.
_OPTIMIZERS = {
    cls.__name__.lower(): cls
    for cls in (
        Adadelta,
        Adafactor,
        Adagrad,
        Adam,
        Adamax,
        AdamW,
        Ftrl,
        Lamb,
        Lion,
        Nadam,
        RMSprop,
        SGD,
    )
}
# Names Keras 3.15 accepts that have no torchkeras class yet.
_NOT_YET_IMPLEMENTED = (
    "multioptimizer",
    "muon",
    "optimizermap",
    "schedulefreeadamw",
)


def serialize(optimizer: Optimizer) -> dict[str, Any]:
    """Return a Keras-style config dict for `optimizer`."""
    return {
        "module": "keras.optimizers",
        "class_name": type(optimizer).__name__,
        "config": optimizer.get_config(),
        "registered_name": None,
    }


def deserialize(
    config: dict[str, Any], custom_objects: dict[str, Any] | None = None
) -> Optimizer:
    """Create an optimizer from the output of `serialize()`.

    Args:
        config: A dict with `class_name` and `config` keys. Class names
            match case-insensitively, as in Keras.
        custom_objects: Optional mapping from class name to an `Optimizer`
            subclass, for optimizers defined outside torchkeras.
    """
    class_name = config["class_name"]
    if custom_objects and class_name in custom_objects:
        cls = custom_objects[class_name]
    elif class_name == "LossScaleOptimizer":
        # Not in the string lookup: it cannot be built without an inner
        # optimizer.
        return LossScaleOptimizer.from_config(
            dict(config.get("config", {})), custom_objects=custom_objects
        )
    else:
        cls = _class_from_name(class_name)
    return cls.from_config(dict(config.get("config", {})))


def get(identifier: Any) -> Optimizer | None:
    """Return an optimizer from a name, config dict, class or instance.

    A string or class gives a new instance with default arguments each
    time; an instance is returned as it is.

    Args:
        identifier: None, an `Optimizer`, an `Optimizer` subclass, a dict
            from `serialize()`, or a name such as `"adam"`.

    Raises:
        ValueError: if a string names no known optimizer (the message
            lists close matches).
        NotImplementedError: if a string names a Keras optimizer that
            torchkeras does not have yet.
        TypeError: for any other kind of identifier.

    Example:

    >>> from torchkeras import optimizers
    >>> optimizers.get("adam").get_config()["learning_rate"]
    0.001
    """
    if identifier is None:
        return None
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, type) and issubclass(identifier, Optimizer):
        return identifier()
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        return _class_from_name(identifier)()
    raise TypeError(
        "Could not interpret optimizer identifier: "
        f"{identifier!r} of type {type(identifier).__name__}. Pass a name "
        "such as 'adam', an Optimizer, an Optimizer subclass or a config "
        "dict."
    )


def _class_from_name(name: str) -> type[Optimizer]:
    if name.lower() in _NOT_YET_IMPLEMENTED:
        raise NotImplementedError(
            f"The Keras optimizer {name!r} is not available in torchkeras "
            f"yet. Available: {', '.join(sorted(_OPTIMIZERS))}."
        )
    return lookup(name, _OPTIMIZERS, "optimizer")
