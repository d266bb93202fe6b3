"""Conversion of layer arguments (initializers, activations, ...) to configs."""

from __future__ import annotations

from typing import Any


def serialize_keras_object(value: Any) -> Any:
    """Return the Keras config form of a layer argument.

    Initializers, regularizers and constraints become
    `{"module", "class_name", "config", "registered_name"}` dicts, built-in
    activation functions become their names, and None stays None.
    """
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    from torchkeras import activations
    from torchkeras import constraints
    from torchkeras import initializers
    from torchkeras import regularizers

    if isinstance(value, initializers.Initializer):
        return initializers.serialize(value)
    if isinstance(value, regularizers.Regularizer):
        return regularizers.serialize(value)
    if isinstance(value, constraints.Constraint):
        return constraints.serialize(value)
    if callable(value):
        return activations.serialize(value)
    if hasattr(value, "get_config"):
        return {
            "module": type(value).__module__,
            "class_name": type(value).__name__,
            "config": value.get_config(),
            "registered_name": None,
        }
    raise TypeError(
        f"Cannot serialize {value!r} of type {type(value).__name__}: it has "
        "no `get_config()` method."
    )
