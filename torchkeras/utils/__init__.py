"""Utilities: seeding, label encoding, data sets, progress bars."""

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
    "Progbar",
    "PyDataset",
    "Sequence",
    "clear_session",
    "normalize",
    "pack_x_y_sample_weight",
    "set_random_seed",
    "to_categorical",
    "unpack_x_y_sample_weight",
]
