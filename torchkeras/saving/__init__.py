"""Saving: model files, weight files, object configs and the custom object registry."""

from torchkeras.saving.object_registration import CustomObjectScope
from torchkeras.saving.object_registration import custom_object_scope
from torchkeras.saving.object_registration import get_custom_objects
from torchkeras.saving.object_registration import get_registered_name
from torchkeras.saving.object_registration import get_registered_object
from torchkeras.saving.object_registration import register_keras_serializable
from torchkeras.saving.saving_lib import load_model
from torchkeras.saving.saving_lib import load_weights
from torchkeras.saving.saving_lib import save_model
from torchkeras.saving.serialization import deserialize_keras_object
from torchkeras.saving.serialization import serialize_keras_object
from torchkeras.saving.weights_h5 import save_weights

__all__ = [
    "CustomObjectScope",
    "custom_object_scope",
    "deserialize_keras_object",
    "get_custom_objects",
    "get_registered_name",
    "get_registered_object",
    "load_model",
    "load_weights",
    "register_keras_serializable",
    "save_model",
    "save_weights",
    "serialize_keras_object",
]
