"""Utilities: seeding, label encoding, data sets, progress bars.

The custom-object helpers of `saving` are also here, as in Keras.
"""

from torchkeras.trainers.data_adapters import pack_x_y_sample_weight
from torchkeras.trainers.data_adapters import unpack_x_y_sample_weight
from torchkeras.utils.naming import reset_names as clear_session
from torchkeras.utils.numerical_utils import normalize
from torchkeras.utils.numerical_utils import to_categorical
from torchkeras.utils.progbar import Progbar
from torchkeras.utils.py_dataset import PyDataset
from torchkeras.utils.py_dataset import Sequence
from torchkeras.utils.rng_utils import set_random_seed

__all__ = [
    "CustomObjectScope",
    "Progbar",
    "PyDataset",
    "Sequence",
    "clear_session",
    "custom_object_scope",
    "deserialize_keras_object",
    "get_custom_objects",
    "get_registered_name",
    "get_registered_object",
    "normalize",
    "pack_x_y_sample_weight",
    "register_keras_serializable",
    "serialize_keras_object",
    "set_random_seed",
    "to_categorical",
    "unpack_x_y_sample_weight",
]

# The saving helpers are looked up on first use, because `saving` imports
# the layers, which import this package.
_SAVING_NAMES = {
    "CustomObjectScope",
    "custom_object_scope",
    "deserialize_keras_object",
    "get_custom_objects",
    "get_registered_name",
    "get_registered_object",
    "register_keras_serializable",
    "serialize_keras_object",
}


def __getattr__(name):
    if name in _SAVING_NAMES:
        from torchkeras import saving

        return getattr(saving, name)
    raise AttributeError(f"module 'torchkeras.utils' has no attribute {name!r}")
