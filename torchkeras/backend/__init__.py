"""Torch glue: the weight type and tensor conversion."""

from torchkeras.backend.tensors import convert_to_numpy
from torchkeras.backend.tensors import convert_to_tensor
from torchkeras.backend.variable import Variable
from torchkeras.config import backend
from torchkeras.config import epsilon
from torchkeras.config import floatx
from torchkeras.config import image_data_format
from torchkeras.config import set_epsilon
from torchkeras.config import set_floatx
from torchkeras.config import set_image_data_format
from torchkeras.utils.naming import reset_names as clear_session

__all__ = [
    "Variable",
    "backend",
    "clear_session",
    "convert_to_numpy",
    "convert_to_tensor",
    "epsilon",
    "floatx",
    "image_data_format",
    "set_epsilon",
    "set_floatx",
    "set_image_data_format",
]
