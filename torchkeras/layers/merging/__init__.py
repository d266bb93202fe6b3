"""Merging layers: combine a list of tensors into one."""

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

__all__ = [
    "Add",
    "Average",
    "Concatenate",
    "Dot",
    "Maximum",
    "Minimum",
    "Multiply",
    "Subtract",
    "add",
    "average",
    "concatenate",
    "dot",
    "maximum",
    "minimum",
    "multiply",
    "subtract",
]
