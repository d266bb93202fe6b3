"""Models: `Model`, `Sequential` and helpers to create them."""

from torchkeras.models.cloning import clone_model
from torchkeras.models.functional import Functional
from torchkeras.models.json_utils import model_from_json
from torchkeras.models.model import Model
from torchkeras.models.sequential import Sequential
from torchkeras.saving.saving_lib import load_model
from torchkeras.saving.saving_lib import save_model

__all__ = [
    "Functional",
    "Model",
    "Sequential",
    "clone_model",
    "load_model",
    "model_from_json",
    "save_model",
]
