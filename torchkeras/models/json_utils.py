"""Model architecture as JSON, in the format of Keras 3's `to_json()`."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from torchkeras.saving.serialization import deserialize_keras_object
from torchkeras.saving.serialization import serialize_keras_object


def model_to_json(model, **kwargs) -> str:
    """Return the architecture of `model` as a JSON string.

    The JSON contains `{"module", "class_name", "config", "registered_name"}`
    as Keras 3 writes it, plus `build_config` once the model is built and
    `compile_config` once it is compiled. Weights are not included. This
    is the function behind `Model.to_json()`.

    Args:
        model: A `Sequential`, functional or serializable subclassed model.
        **kwargs: Passed to `json.dumps()`, such as `indent=2`.

    Raises:
        TypeError: if a layer or compile argument has no config form.

    Example:

    >>> model = Sequential([Input(shape=(4,)), Dense(2)])
    >>> json.loads(model_to_json(model))["class_name"]
    'Sequential'
    """
    return json.dumps(serialize_keras_object(model), **kwargs)


def model_from_json(
    json_string: str,
    custom_objects: Mapping[str, Any] | None = None,
):
    """Create a model from a JSON string written by `to_json()`.

    Reads JSON from torchkeras or from Keras 3. The model gets new weights;
    copy weights with `set_weights()` or `load_weights()`. As in Keras, a
    JSON that contains a `compile_config` gives a compiled model.

    Args:
        json_string: The JSON text.
        custom_objects: Optional dict mapping names to custom classes or
            functions used by the model.

    Returns:
        The new model.

    Raises:
        ValueError: if the JSON names a class that is neither built in nor
            known through `custom_objects`, a custom object scope or the
            registry.

    Example:

    >>> model = Sequential([Input(shape=(4,)), Dense(2)])
    >>> model_from_json(model_to_json(model)).output_shape
    (None, 2)
    """
    config = json.loads(json_string)
    return deserialize_keras_object(config, custom_objects=custom_objects)
