"""torchkeras: the Keras API on PyTorch.

Change `import keras` to `import torchkeras as keras` and Keras code runs on
torch; every layer and model is a plain `torch.nn.Module`.
"""

from torchkeras import activations
from torchkeras import backend
from torchkeras import callbacks
from torchkeras import config
from torchkeras import constraints
from torchkeras import initializers
from torchkeras import layers
from torchkeras import losses
from torchkeras import metrics
from torchkeras import mixed_precision
from torchkeras import models
from torchkeras import ops
from torchkeras import optimizers
from torchkeras import regularizers
from torchkeras import saving
from torchkeras import utils
from torchkeras.backend.variable import Variable
from torchkeras.layers.input_layer import Input
from torchkeras.layers.keras_tensor import KerasTensor
from torchkeras.layers.layer import InputSpec
from torchkeras.layers.layer import Layer
from torchkeras.losses import Loss
from torchkeras.mixed_precision import dtype_policies
from torchkeras.mixed_precision.dtype_policies import DTypePolicy
from torchkeras.metrics import Metric
from torchkeras.models.model import Model
from torchkeras.models.sequential import Sequential
from torchkeras.optimizers import Optimizer

__version__ = "0.1.0"

__all__ = [
    "DTypePolicy",
    "Input",
    "InputSpec",
    "KerasTensor",
    "Layer",
    "Loss",
    "Metric",
    "Model",
    "Optimizer",
    "Sequential",
    "Variable",
    "activations",
    "backend",
    "callbacks",
    "config",
    "constraints",
    "dtype_policies",
    "initializers",
    "layers",
    "losses",
    "metrics",
    "mixed_precision",
    "models",
    "ops",
    "optimizers",
    "regularizers",
    "saving",
    "utils",
]
