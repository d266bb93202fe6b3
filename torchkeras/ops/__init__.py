"""Keras 3 `keras.ops` on torch tensors: numpy-style math and nn ops.

Every op accepts torch tensors, numpy arrays and Python scalars and returns
torch tensors (`shape` returns a tuple). Called on symbolic tensors (the
output of `Input()` or of a layer), an op records an operation in the
functional graph instead, as in Keras. The submodules `core`, `numpy`,
`math`, `nn` and `linalg` mirror Keras's, and this package exports all their
ops at the top level, as `keras.ops` does.
"""

from torchkeras.ops import core
from torchkeras.ops import linalg
from torchkeras.ops import math
from torchkeras.ops import nn
from torchkeras.ops import numpy
from torchkeras.ops._symbolic import dispatch_symbolic
from torchkeras.ops.core import cast
from torchkeras.ops.core import convert_to_numpy
from torchkeras.ops.core import convert_to_tensor
from torchkeras.ops.core import dtype
from torchkeras.ops.core import is_tensor
from torchkeras.ops.core import shape
from torchkeras.ops.core import stop_gradient
from torchkeras.ops.linalg import norm
from torchkeras.ops.math import erf
from torchkeras.ops.math import erfc
from torchkeras.ops.math import erfinv
from torchkeras.ops.math import logsumexp
from torchkeras.ops.math import rsqrt
from torchkeras.ops.math import top_k
from torchkeras.ops.nn import celu
from torchkeras.ops.nn import elu
from torchkeras.ops.nn import gelu
from torchkeras.ops.nn import glu
from torchkeras.ops.nn import hard_shrink
from torchkeras.ops.nn import hard_sigmoid
from torchkeras.ops.nn import hard_silu
from torchkeras.ops.nn import hard_swish
from torchkeras.ops.nn import hard_tanh
from torchkeras.ops.nn import leaky_relu
from torchkeras.ops.nn import log_sigmoid
from torchkeras.ops.nn import log_softmax
from torchkeras.ops.nn import moments
from torchkeras.ops.nn import normalize
from torchkeras.ops.nn import one_hot
from torchkeras.ops.nn import relu
from torchkeras.ops.nn import relu6
from torchkeras.ops.nn import selu
from torchkeras.ops.nn import sigmoid
from torchkeras.ops.nn import silu
from torchkeras.ops.nn import soft_shrink
from torchkeras.ops.nn import softmax
from torchkeras.ops.nn import softplus
from torchkeras.ops.nn import softsign
from torchkeras.ops.nn import sparse_plus
from torchkeras.ops.nn import sparse_sigmoid
from torchkeras.ops.nn import sparsemax
from torchkeras.ops.nn import squareplus
from torchkeras.ops.nn import swish
from torchkeras.ops.nn import tanh_shrink
from torchkeras.ops.nn import threshold
from torchkeras.ops.numpy import abs
from torchkeras.ops.numpy import absolute
from torchkeras.ops.numpy import add
from torchkeras.ops.numpy import all
from torchkeras.ops.numpy import amax
from torchkeras.ops.numpy import amin
from torchkeras.ops.numpy import any
from torchkeras.ops.numpy import arange
from torchkeras.ops.numpy import arccos
from torchkeras.ops.numpy import arccosh
from torchkeras.ops.numpy import arcsin
from torchkeras.ops.numpy import arcsinh
from torchkeras.ops.numpy import arctan
from torchkeras.ops.numpy import arctan2
from torchkeras.ops.numpy import arctanh
from torchkeras.ops.numpy import argmax
from torchkeras.ops.numpy import argmin
from torchkeras.ops.numpy import argsort
from torchkeras.ops.numpy import broadcast_to
from torchkeras.ops.numpy import cbrt
from torchkeras.ops.numpy import ceil
from torchkeras.ops.numpy import clip
from torchkeras.ops.numpy import concatenate
from torchkeras.ops.numpy import cos
from torchkeras.ops.numpy import cosh
from torchkeras.ops.numpy import count_nonzero
from torchkeras.ops.numpy import cumprod
from torchkeras.ops.numpy import cumsum
from torchkeras.ops.numpy import deg2rad
from torchkeras.ops.numpy import diagonal
from torchkeras.ops.numpy import diff
from torchkeras.ops.numpy import divide
from torchkeras.ops.numpy import divide_no_nan
from torchkeras.ops.numpy import dot
from torchkeras.ops.numpy import einsum
from torchkeras.ops.numpy import equal
from torchkeras.ops.numpy import exp
from torchkeras.ops.numpy import exp2
from torchkeras.ops.numpy import expand_dims
from torchkeras.ops.numpy import expm1
from torchkeras.ops.numpy import eye
from torchkeras.ops.numpy import fabs
from torchkeras.ops.numpy import flip
from torchkeras.ops.numpy import fliplr
from torchkeras.ops.numpy import flipud
from torchkeras.ops.numpy import floor
from torchkeras.ops.numpy import floor_divide
from torchkeras.ops.numpy import fmax
from torchkeras.ops.numpy import fmin
from torchkeras.ops.numpy import fmod
from torchkeras.ops.numpy import full
from torchkeras.ops.numpy import full_like
from torchkeras.ops.numpy import greater
from torchkeras.ops.numpy import greater_equal
from torchkeras.ops.numpy import heaviside
from torchkeras.ops.numpy import hypot
from torchkeras.ops.numpy import isfinite
from torchkeras.ops.numpy import isinf
from torchkeras.ops.numpy import isnan
from torchkeras.ops.numpy import isneginf
from torchkeras.ops.numpy import isposinf
from torchkeras.ops.numpy import less
from torchkeras.ops.numpy import less_equal
from torchkeras.ops.numpy import linspace
from torchkeras.ops.numpy import log
from torchkeras.ops.numpy import log1p
from torchkeras.ops.numpy import log2
from torchkeras.ops.numpy import log10
from torchkeras.ops.numpy import logaddexp
from torchkeras.ops.numpy import logaddexp2
from torchkeras.ops.numpy import logical_and
from torchkeras.ops.numpy import logical_not
from torchkeras.ops.numpy import logical_or
from torchkeras.ops.numpy import logical_xor
from torchkeras.ops.numpy import matmul
from torchkeras.ops.numpy import max
from torchkeras.ops.numpy import maximum
from torchkeras.ops.numpy import mean
from torchkeras.ops.numpy import min
from torchkeras.ops.numpy import minimum
from torchkeras.ops.numpy import mod
from torchkeras.ops.numpy import moveaxis
from torchkeras.ops.numpy import multiply
from torchkeras.ops.numpy import nan_to_num
from torchkeras.ops.numpy import nansum
from torchkeras.ops.numpy import negative
from torchkeras.ops.numpy import not_equal
from torchkeras.ops.numpy import ones
from torchkeras.ops.numpy import ones_like
from torchkeras.ops.numpy import outer
from torchkeras.ops.numpy import power
from torchkeras.ops.numpy import prod
from torchkeras.ops.numpy import ptp
from torchkeras.ops.numpy import rad2deg
from torchkeras.ops.numpy import ravel
from torchkeras.ops.numpy import reciprocal
from torchkeras.ops.numpy import repeat
from torchkeras.ops.numpy import reshape
from torchkeras.ops.numpy import roll
from torchkeras.ops.numpy import round
from torchkeras.ops.numpy import sign
from torchkeras.ops.numpy import signbit
from torchkeras.ops.numpy import sin
from torchkeras.ops.numpy import sinh
from torchkeras.ops.numpy import sort
from torchkeras.ops.numpy import split
from torchkeras.ops.numpy import sqrt
from torchkeras.ops.numpy import square
from torchkeras.ops.numpy import squeeze
from torchkeras.ops.numpy import stack
from torchkeras.ops.numpy import std
from torchkeras.ops.numpy import subtract
from torchkeras.ops.numpy import sum
from torchkeras.ops.numpy import swapaxes
from torchkeras.ops.numpy import take
from torchkeras.ops.numpy import take_along_axis
from torchkeras.ops.numpy import tan
from torchkeras.ops.numpy import tanh
from torchkeras.ops.numpy import tensordot
from torchkeras.ops.numpy import tile
from torchkeras.ops.numpy import trace
from torchkeras.ops.numpy import transpose
from torchkeras.ops.numpy import tril
from torchkeras.ops.numpy import triu
from torchkeras.ops.numpy import true_divide
from torchkeras.ops.numpy import trunc
from torchkeras.ops.numpy import var
from torchkeras.ops.numpy import where
from torchkeras.ops.numpy import zeros
from torchkeras.ops.numpy import zeros_like

__all__ = [
    "abs",
    "absolute",
    "add",
    "all",
    "amax",
    "amin",
    "any",
    "arange",
    "arccos",
    "arccosh",
    "arcsin",
    "arcsinh",
    "arctan",
    "arctan2",
    "arctanh",
    "argmax",
    "argmin",
    "argsort",
    "broadcast_to",
    "cast",
    "cbrt",
    "ceil",
    "celu",
    "clip",
    "concatenate",
    "convert_to_numpy",
    "convert_to_tensor",
    "core",
    "cos",
    "cosh",
    "count_nonzero",
    "cumprod",
    "cumsum",
    "deg2rad",
    "diagonal",
    "diff",
    "divide",
    "divide_no_nan",
    "dot",
    "dtype",
    "einsum",
    "elu",
    "equal",
    "erf",
    "erfc",
    "erfinv",
    "exp",
    "exp2",
    "expand_dims",
    "expm1",
    "eye",
    "fabs",
    "flip",
    "fliplr",
    "flipud",
    "floor",
    "floor_divide",
    "fmax",
    "fmin",
    "fmod",
    "full",
    "full_like",
    "gelu",
    "glu",
    "greater",
    "greater_equal",
    "hard_shrink",
    "hard_sigmoid",
    "hard_silu",
    "hard_swish",
    "hard_tanh",
    "heaviside",
    "hypot",
    "is_tensor",
    "isfinite",
    "isinf",
    "isnan",
    "isneginf",
    "isposinf",
    "leaky_relu",
    "less",
    "less_equal",
    "linalg",
    "linspace",
    "log",
    "log1p",
    "log2",
    "log10",
    "log_sigmoid",
    "log_softmax",
    "logaddexp",
    "logaddexp2",
    "logical_and",
    "logical_not",
    "logical_or",
    "logical_xor",
    "logsumexp",
    "math",
    "matmul",
    "max",
    "maximum",
    "mean",
    "min",
    "minimum",
    "mod",
    "moments",
    "moveaxis",
    "multiply",
    "nan_to_num",
    "nansum",
    "negative",
    "nn",
    "norm",
    "normalize",
    "not_equal",
    "numpy",
    "one_hot",
    "ones",
    "ones_like",
    "outer",
    "power",
    "prod",
    "ptp",
    "rad2deg",
    "ravel",
    "reciprocal",
    "relu",
    "relu6",
    "repeat",
    "reshape",
    "roll",
    "round",
    "rsqrt",
    "selu",
    "shape",
    "sigmoid",
    "sign",
    "signbit",
    "silu",
    "sin",
    "sinh",
    "soft_shrink",
    "softmax",
    "softplus",
    "softsign",
    "sort",
    "sparse_plus",
    "sparse_sigmoid",
    "sparsemax",
    "split",
    "sqrt",
    "square",
    "squareplus",
    "squeeze",
    "stack",
    "std",
    "stop_gradient",
    "subtract",
    "sum",
    "swapaxes",
    "swish",
    "take",
    "take_along_axis",
    "tan",
    "tanh",
    "tanh_shrink",
    "tensordot",
    "threshold",
    "tile",
    "top_k",
    "trace",
    "transpose",
    "tril",
    "triu",
    "true_divide",
    "trunc",
    "var",
    "where",
    "zeros",
    "zeros_like",
]

# Replaces the ops above, here and in the submodules, with wrappers that
# record graph operations when called on symbolic tensors.
dispatch_symbolic(globals(), (core, linalg, math, nn, numpy))
