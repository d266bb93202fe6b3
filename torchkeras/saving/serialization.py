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


def serialize_layer(layer) -> dict[str, Any]:
    """Return Keras's serialized form of a layer (class, config, build)."""
    module = type(layer).__module__
    if module.startswith("torchkeras.layers"):
        module = "keras.layers"
    elif module.startswith("torchkeras.models"):
        module = "keras"
    result = {
        "module": module,
        "class_name": type(layer).__name__,
        "config": layer.get_config(),
        "registered_name": None,
    }
    build_config = layer.get_build_config() if hasattr(layer, "get_build_config") else None
    if build_config is not None:
        result["build_config"] = build_config
    return result


def deserialize_layer(config: dict[str, Any], custom_objects=None):
    """Create a layer from the output of `serialize_layer()`.

    Raises:
        ValueError: if the class is neither built in nor in
            `custom_objects`.
    """
    import torchkeras
    from torchkeras import layers as layers_module
    from torchkeras.utils.lookup import lookup

    class_name = config["class_name"]
    table = {
        name: value
        for name, value in vars(layers_module).items()
        if isinstance(value, type)
    }
    table["Sequential"] = torchkeras.models.Sequential
    table.update(custom_objects or {})
    cls = lookup(class_name, table, "layer class")
    layer = cls.from_config(config["config"])
    build_config = config.get("build_config")
    if build_config and not layer.built:
        shape = build_config.get("input_shape")
        if shape is not None:
            layer.build_with_shape(tuple(shape) if isinstance(shape, list) and (
                not shape or not isinstance(shape[0], (list, tuple))
            ) else shape)
    return layer
