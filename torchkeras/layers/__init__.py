"""Layers: the building blocks of models."""

from torchkeras.layers.activations.activation import Activation
from torchkeras.layers.activations.elu import ELU
from torchkeras.layers.activations.leaky_relu import LeakyReLU
from torchkeras.layers.activations.relu import ReLU
from torchkeras.layers.activations.softmax import Softmax
from torchkeras.layers.convolutional.conv1d import Conv1D
from torchkeras.layers.convolutional.conv1d import Conv1D as Convolution1D
from torchkeras.layers.convolutional.conv2d import Conv2D
from torchkeras.layers.convolutional.conv2d import Conv2D as Convolution2D
from torchkeras.layers.core.dense import Dense
from torchkeras.layers.core.embedding import Embedding
from torchkeras.layers.core.lambda_layer import Lambda
from torchkeras.layers.core.masking import Masking
from torchkeras.layers.core.rescaling import Rescaling
from torchkeras.layers.core.torch_module_wrapper import TorchModuleWrapper
from torchkeras.layers.input_layer import Input
from torchkeras.layers.input_layer import InputLayer
from torchkeras.layers.keras_tensor import KerasTensor
from torchkeras.layers.layer import InputSpec
from torchkeras.layers.layer import Layer
from torchkeras.layers.merging.add import Add
from torchkeras.layers.merging.add import add
from torchkeras.layers.merging.average import Average
from torchkeras.layers.merging.average import average
from torchkeras.layers.merging.concatenate import Concatenate
from torchkeras.layers.merging.concatenate import concatenate
from torchkeras.layers.merging.dot import Dot
from torchkeras.layers.merging.dot import dot
from torchkeras.layers.merging.maximum import Maximum
from torchkeras.layers.merging.maximum import maximum
from torchkeras.layers.merging.minimum import Minimum
from torchkeras.layers.merging.minimum import minimum
from torchkeras.layers.merging.multiply import Multiply
from torchkeras.layers.merging.multiply import multiply
from torchkeras.layers.merging.subtract import Subtract
from torchkeras.layers.merging.subtract import subtract
from torchkeras.layers.normalization.batch_normalization import (
    BatchNormalization,
)
from torchkeras.layers.pooling.average_pooling1d import AveragePooling1D
from torchkeras.layers.pooling.average_pooling1d import (
    AveragePooling1D as AvgPool1D,
)
from torchkeras.layers.pooling.average_pooling2d import AveragePooling2D
from torchkeras.layers.pooling.average_pooling2d import (
    AveragePooling2D as AvgPool2D,
)
from torchkeras.layers.pooling.global_average_pooling1d import (
    GlobalAveragePooling1D,
)
from torchkeras.layers.pooling.global_average_pooling1d import (
    GlobalAveragePooling1D as GlobalAvgPool1D,
)
from torchkeras.layers.pooling.global_average_pooling2d import (
    GlobalAveragePooling2D,
)
from torchkeras.layers.pooling.global_average_pooling2d import (
    GlobalAveragePooling2D as GlobalAvgPool2D,
)
from torchkeras.layers.pooling.global_max_pooling1d import GlobalMaxPooling1D
from torchkeras.layers.pooling.global_max_pooling1d import (
    GlobalMaxPooling1D as GlobalMaxPool1D,
)
from torchkeras.layers.pooling.global_max_pooling2d import GlobalMaxPooling2D
from torchkeras.layers.pooling.global_max_pooling2d import (
    GlobalMaxPooling2D as GlobalMaxPool2D,
)
from torchkeras.layers.pooling.max_pooling1d import MaxPooling1D
from torchkeras.layers.pooling.max_pooling1d import MaxPooling1D as MaxPool1D
from torchkeras.layers.pooling.max_pooling2d import MaxPooling2D
from torchkeras.layers.pooling.max_pooling2d import MaxPooling2D as MaxPool2D
from torchkeras.layers.regularization.dropout import Dropout
from torchkeras.layers.reshaping.flatten import Flatten
from torchkeras.layers.reshaping.reshape import Reshape
from torchkeras.layers.rnn.lstm import LSTM

__all__ = [
    "Activation",
    "Add",
    "Average",
    "AveragePooling1D",
    "AveragePooling2D",
    "AvgPool1D",
    "AvgPool2D",
    "BatchNormalization",
    "Concatenate",
    "Conv1D",
    "Conv2D",
    "Convolution1D",
    "Convolution2D",
    "Dense",
    "Dot",
    "Dropout",
    "ELU",
    "Embedding",
    "Flatten",
    "GlobalAveragePooling1D",
    "GlobalAveragePooling2D",
    "GlobalAvgPool1D",
    "GlobalAvgPool2D",
    "GlobalMaxPool1D",
    "GlobalMaxPool2D",
    "GlobalMaxPooling1D",
    "GlobalMaxPooling2D",
    "Input",
    "InputLayer",
    "InputSpec",
    "KerasTensor",
    "LSTM",
    "Lambda",
    "Layer",
    "LeakyReLU",
    "Masking",
    "MaxPool1D",
    "MaxPool2D",
    "MaxPooling1D",
    "MaxPooling2D",
    "Maximum",
    "Minimum",
    "Multiply",
    "ReLU",
    "Rescaling",
    "Reshape",
    "Softmax",
    "Subtract",
    "TorchModuleWrapper",
    "add",
    "average",
    "concatenate",
    "dot",
    "maximum",
    "minimum",
    "multiply",
    "subtract",
]
