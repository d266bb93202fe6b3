"""The numpy-compatible ops of `keras.ops.numpy`, on torch tensors.

Names, arguments (`axis`, `keepdims`) and results follow numpy as Keras
does. The definitions live in private modules grouped by kind.
"""

from torchkeras.ops._arithmetic import add
from torchkeras.ops._arithmetic import clip
from torchkeras.ops._arithmetic import divide
from torchkeras.ops._arithmetic import divide_no_nan
from torchkeras.ops._arithmetic import dot
from torchkeras.ops._arithmetic import einsum
from torchkeras.ops._arithmetic import floor_divide
from torchkeras.ops._arithmetic import fmax
from torchkeras.ops._arithmetic import fmin
from torchkeras.ops._arithmetic import fmod
from torchkeras.ops._arithmetic import heaviside
from torchkeras.ops._arithmetic import logaddexp
from torchkeras.ops._arithmetic import logaddexp2
from torchkeras.ops._arithmetic import matmul
from torchkeras.ops._arithmetic import maximum
from torchkeras.ops._arithmetic import minimum
from torchkeras.ops._arithmetic import mod
from torchkeras.ops._arithmetic import multiply
from torchkeras.ops._arithmetic import negative
from torchkeras.ops._arithmetic import outer
from torchkeras.ops._arithmetic import power
from torchkeras.ops._arithmetic import subtract
from torchkeras.ops._arithmetic import tensordot
from torchkeras.ops._arithmetic import true_divide
from torchkeras.ops._creation import arange
from torchkeras.ops._creation import eye
from torchkeras.ops._creation import full
from torchkeras.ops._creation import full_like
from torchkeras.ops._creation import linspace
from torchkeras.ops._creation import ones
from torchkeras.ops._creation import ones_like
from torchkeras.ops._creation import tril
from torchkeras.ops._creation import triu
from torchkeras.ops._creation import zeros
from torchkeras.ops._creation import zeros_like
from torchkeras.ops._manipulation import argsort
from torchkeras.ops._manipulation import broadcast_to
from torchkeras.ops._manipulation import concatenate
from torchkeras.ops._manipulation import diagonal
from torchkeras.ops._manipulation import diff
from torchkeras.ops._manipulation import expand_dims
from torchkeras.ops._manipulation import flip
from torchkeras.ops._manipulation import fliplr
from torchkeras.ops._manipulation import flipud
from torchkeras.ops._manipulation import moveaxis
from torchkeras.ops._manipulation import ravel
from torchkeras.ops._manipulation import repeat
from torchkeras.ops._manipulation import reshape
from torchkeras.ops._manipulation import roll
from torchkeras.ops._manipulation import sort
from torchkeras.ops._manipulation import split
from torchkeras.ops._manipulation import squeeze
from torchkeras.ops._manipulation import stack
from torchkeras.ops._manipulation import swapaxes
from torchkeras.ops._manipulation import take
from torchkeras.ops._manipulation import take_along_axis
from torchkeras.ops._manipulation import tile
from torchkeras.ops._manipulation import transpose
from torchkeras.ops._manipulation import where
from torchkeras.ops._reductions import all
from torchkeras.ops._reductions import amax
from torchkeras.ops._reductions import amin
from torchkeras.ops._reductions import any
from torchkeras.ops._reductions import argmax
from torchkeras.ops._reductions import argmin
from torchkeras.ops._reductions import count_nonzero
from torchkeras.ops._reductions import cumprod
from torchkeras.ops._reductions import cumsum
from torchkeras.ops._reductions import max
from torchkeras.ops._reductions import mean
from torchkeras.ops._reductions import min
from torchkeras.ops._reductions import nansum
from torchkeras.ops._reductions import prod
from torchkeras.ops._reductions import ptp
from torchkeras.ops._reductions import std
from torchkeras.ops._reductions import sum
from torchkeras.ops._reductions import trace
from torchkeras.ops._reductions import var
from torchkeras.ops._trigonometric import arccos
from torchkeras.ops._trigonometric import arccosh
from torchkeras.ops._trigonometric import arcsin
from torchkeras.ops._trigonometric import arcsinh
from torchkeras.ops._trigonometric import arctan
from torchkeras.ops._trigonometric import arctan2
from torchkeras.ops._trigonometric import arctanh
from torchkeras.ops._trigonometric import cosh
from torchkeras.ops._trigonometric import deg2rad
from torchkeras.ops._trigonometric import hypot
from torchkeras.ops._trigonometric import rad2deg
from torchkeras.ops._trigonometric import sinh
from torchkeras.ops._trigonometric import tan
from torchkeras.ops._unary import abs
from torchkeras.ops._unary import absolute
from torchkeras.ops._unary import cbrt
from torchkeras.ops._unary import ceil
from torchkeras.ops._unary import cos
from torchkeras.ops._unary import equal
from torchkeras.ops._unary import exp
from torchkeras.ops._unary import exp2
from torchkeras.ops._unary import expm1
from torchkeras.ops._unary import fabs
from torchkeras.ops._unary import floor
from torchkeras.ops._unary import greater
from torchkeras.ops._unary import greater_equal
from torchkeras.ops._unary import isfinite
from torchkeras.ops._unary import isinf
from torchkeras.ops._unary import isnan
from torchkeras.ops._unary import isneginf
from torchkeras.ops._unary import isposinf
from torchkeras.ops._unary import less
from torchkeras.ops._unary import less_equal
from torchkeras.ops._unary import log
from torchkeras.ops._unary import log1p
from torchkeras.ops._unary import log2
from torchkeras.ops._unary import log10
from torchkeras.ops._unary import logical_and
from torchkeras.ops._unary import logical_not
from torchkeras.ops._unary import logical_or
from torchkeras.ops._unary import logical_xor
from torchkeras.ops._unary import nan_to_num
from torchkeras.ops._unary import not_equal
from torchkeras.ops._unary import reciprocal
from torchkeras.ops._unary import round
from torchkeras.ops._unary import sign
from torchkeras.ops._unary import signbit
from torchkeras.ops._unary import sin
from torchkeras.ops._unary import sqrt
from torchkeras.ops._unary import square
from torchkeras.ops._unary import tanh
from torchkeras.ops._unary import trunc

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
    "cbrt",
    "ceil",
    "clip",
    "concatenate",
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
    "einsum",
    "equal",
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
    "greater",
    "greater_equal",
    "heaviside",
    "hypot",
    "isfinite",
    "isinf",
    "isnan",
    "isneginf",
    "isposinf",
    "less",
    "less_equal",
    "linspace",
    "log",
    "log1p",
    "log2",
    "log10",
    "logaddexp",
    "logaddexp2",
    "logical_and",
    "logical_not",
    "logical_or",
    "logical_xor",
    "matmul",
    "max",
    "maximum",
    "mean",
    "min",
    "minimum",
    "mod",
    "moveaxis",
    "multiply",
    "nan_to_num",
    "nansum",
    "negative",
    "not_equal",
    "ones",
    "ones_like",
    "outer",
    "power",
    "prod",
    "ptp",
    "rad2deg",
    "ravel",
    "reciprocal",
    "repeat",
    "reshape",
    "roll",
    "round",
    "sign",
    "signbit",
    "sin",
    "sinh",
    "sort",
    "split",
    "sqrt",
    "square",
    "squeeze",
    "stack",
    "std",
    "subtract",
    "sum",
    "swapaxes",
    "take",
    "take_along_axis",
    "tan",
    "tanh",
    "tensordot",
    "tile",
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
