"""Learning-rate schedules: the learning rate as a function of the step."""

from __future__ import annotations

from typing import Any

from torchkeras.optimizers.schedules.cosine_decay import CosineDecay
from torchkeras.optimizers.schedules.cosine_decay import CosineDecayRestarts
from torchkeras.optimizers.schedules.exponential_decay import ExponentialDecay
from torchkeras.optimizers.schedules.inverse_time_decay import InverseTimeDecay
from torchkeras.optimizers.schedules.learning_rate_schedule import (
    LearningRateSchedule,
)
from torchkeras.optimizers.schedules.piecewise_constant_decay import (
    PiecewiseConstantDecay,
)
from torchkeras.optimizers.schedules.polynomial_decay import PolynomialDecay

__all__ = [
    "CosineDecay",
    "CosineDecayRestarts",
    "ExponentialDecay",
    "InverseTimeDecay",
    "LearningRateSchedule",
    "PiecewiseConstantDecay",
    "PolynomialDecay",
    "deserialize",
    "serialize",
]

_MODULE = "keras.optimizers.schedules"
_CLASSES = {
    cls.__name__: cls
    for cls in (
        CosineDecay,
        CosineDecayRestarts,
        ExponentialDecay,
        InverseTimeDecay,
        LearningRateSchedule,
        PiecewiseConstantDecay,
        PolynomialDecay,
    )
}


def serialize(learning_rate_schedule: LearningRateSchedule) -> dict[str, Any]:
    """Return the Keras config dict of a schedule.

    Built-in schedules are written under Keras's module
    `keras.optimizers.schedules`, so Keras loads them. Other schedules are
    written as `saving.serialize_keras_object` writes custom objects, with
    their module and registered name.

    Example:

    >>> serialize(ExponentialDecay(0.1, decay_steps=10, decay_rate=0.9))
    {'module': 'keras.optimizers.schedules', 'class_name': \
'ExponentialDecay', 'config': {'initial_learning_rate': 0.1, \
'decay_steps': 10, 'decay_rate': 0.9, 'staircase': False, \
'name': 'ExponentialDecay'}, 'registered_name': None}
    """
    from torchkeras.saving import serialization

    cls = type(learning_rate_schedule)
    if not cls.__module__.startswith("torchkeras."):
        return serialization.serialize_keras_object(learning_rate_schedule)
    return {
        "module": _MODULE,
        "class_name": cls.__name__,
        "config": serialization.serialize_keras_object(
            learning_rate_schedule.get_config()
        ),
        "registered_name": None,
    }


def deserialize(
    config: dict[str, Any], custom_objects: dict[str, Any] | None = None
) -> LearningRateSchedule:
    """Create a schedule from the output of `serialize()`.

    Args:
        config: A dict with `class_name` and `config` keys, from
            torchkeras or Keras. `module` may be missing.
        custom_objects: Optional mapping from class name to a
            `LearningRateSchedule` subclass defined outside torchkeras.
            Classes registered with `saving.register_keras_serializable`
            are found without it.

    Raises:
        ValueError: if the class is not a known schedule.
    """
    from torchkeras.saving import serialization

    return serialization.deserialize_keras_object(
        config, custom_objects=custom_objects, module_objects=_CLASSES
    )
