"""Parity of every `torchkeras.ops` function with `keras.ops` (torch backend).

Each case calls the op of both libraries on the same inputs, once as numpy
arrays and Python scalars and once as torch tensors, and compares the
result's structure, shape, dtype and values. The inputs are 32-bit, bool or
Python scalars: on 64-bit inputs torchkeras keeps the width where Keras
sometimes narrows it (see test_ops_dtypes.py).
"""

import math

import numpy as np
import pytest
import torch
from ops_reference import assert_same_result
from ops_reference import keras

from torchkeras import ops

RNG = np.random.default_rng(0)
FLOATS = RNG.normal(size=(3, 4)).astype(np.float32)
FLOATS_3D = RNG.normal(size=(2, 3, 4)).astype(np.float32)
POSITIVE = RNG.uniform(0.5, 2.0, size=(3, 4)).astype(np.float32)
VECTOR = RNG.normal(size=(4,)).astype(np.float32)
MATRIX = RNG.normal(size=(4, 5)).astype(np.float32)
INTS = RNG.integers(-5, 6, size=(3, 4)).astype(np.int32)
INT8S = RNG.integers(-5, 6, size=(3, 4)).astype(np.int8)
BOOLS = RNG.integers(0, 2, size=(3, 4)).astype(bool)
RANGE_6 = np.arange(6, dtype=np.int32)
HALVES = np.array([0.5, 1.5, 2.5, -0.5, -2.5], dtype=np.float32)
NAN = np.array([1.0, np.nan, np.inf], dtype=np.float32)
UNIT = RNG.uniform(-0.95, 0.95, size=(3, 4)).astype(np.float32)
ABOVE_ONE = RNG.uniform(1.05, 3.0, size=(3, 4)).astype(np.float32)
SIGNED_ZEROS = np.array([-0.0, 0.0, -1.5, 2.0], dtype=np.float32)
SPECIAL = np.array([np.nan, np.inf, -np.inf, 1.5, 0.0], dtype=np.float32)
WITH_ZEROS = np.array([2.0, 0.0, -1.0, 0.0, 4.0], dtype=np.float32)


def case(name, *args, id=None, **kwargs):
    label = f"{name}-{id}" if id else name
    return pytest.param(name, args, kwargs, id=label)


CORE = [
    case("convert_to_tensor", FLOATS, id="float32"),
    case("convert_to_tensor", INTS, id="int32"),
    case("convert_to_tensor", BOOLS, id="bool"),
    case("convert_to_tensor", [1, 2], id="int_list"),
    case("convert_to_tensor", [1.0, 2.0], id="float_list"),
    case("convert_to_tensor", [1, 2.5], id="mixed_list"),
    case("convert_to_tensor", [[True, False]], id="bool_list"),
    case("convert_to_tensor", 3, id="int"),
    case("convert_to_tensor", 1.5, id="float"),
    case("convert_to_tensor", True, id="python_bool"),
    case("convert_to_tensor", FLOATS, dtype="float16", id="dtype"),
    case("cast", FLOATS, "int32", id="float_to_int"),
    case("cast", INTS, "float32", id="int_to_float"),
    case("cast", FLOATS, "bool", id="float_to_bool"),
    case("shape", FLOATS),
    case("stop_gradient", FLOATS),
    case("dtype", INTS),
]

SHAPES = [
    case("reshape", FLOATS, (4, 3)),
    case("reshape", FLOATS, (-1,), id="inferred"),
    case("reshape", FLOATS, 12, id="int"),
    case("transpose", FLOATS),
    case("transpose", FLOATS_3D, id="rank3"),
    case("transpose", FLOATS_3D, (1, 0, 2), id="axes"),
    case("expand_dims", FLOATS, 0),
    case("expand_dims", FLOATS, -1, id="last"),
    case("expand_dims", FLOATS, (0, 2), id="tuple"),
    case("squeeze", np.zeros((1, 3, 1), np.float32)),
    case("squeeze", np.zeros((1, 3, 1), np.float32), axis=0, id="axis"),
    case("squeeze", np.zeros((1, 3, 1), np.float32), axis=(0, 2), id="axes"),
    case("concatenate", [FLOATS, POSITIVE]),
    case("concatenate", [FLOATS, POSITIVE], axis=1, id="axis1"),
    case("concatenate", [FLOATS, POSITIVE], axis=-1, id="negative_axis"),
    case("stack", [FLOATS, POSITIVE]),
    case("stack", [FLOATS, POSITIVE], axis=1, id="axis1"),
    case("split", RANGE_6, 2, id="sections"),
    case("split", RANGE_6, [2, 5], id="indices"),
    case("split", FLOATS, 2, axis=1, id="axis"),
    case("repeat", [1, 2], 2, id="flat"),
    case("repeat", FLOATS, 2, axis=1, id="axis"),
    case("repeat", FLOATS, np.array([1, 0, 2]), axis=0, id="counts"),
    case("tile", FLOATS, 2),
    case("tile", FLOATS, (2, 1), id="tuple"),
    case("flip", FLOATS),
    case("flip", FLOATS, axis=0, id="axis"),
    case("sort", FLOATS),
    case("sort", FLOATS, axis=0, id="axis0"),
    case("sort", FLOATS, axis=None, id="flat"),
    case("argsort", FLOATS),
    case("argsort", FLOATS, axis=0, id="axis0"),
    case("take", FLOATS, np.array([0, 2]), axis=1),
    case("take_along_axis", FLOATS, np.argsort(FLOATS, axis=1), axis=1),
    case("broadcast_to", VECTOR, (2, 4)),
    case("tril", FLOATS),
    case("triu", FLOATS, 1),
    case("where", BOOLS, FLOATS, 0.0),
    case("where", BOOLS, 1, 2.0, id="scalars"),
    case("where", BOOLS, id="indices"),
]

ARITHMETIC = [
    case("add", FLOATS, POSITIVE),
    case("add", INTS, 2, id="int_scalar"),
    case("add", INTS, 1.5, id="float_scalar"),
    case("add", INT8S, 3, id="int8_weak"),
    case("add", 1, 2, id="python"),
    case("subtract", FLOATS, POSITIVE),
    case("subtract", INTS, 1, id="int_scalar"),
    case("multiply", FLOATS, POSITIVE),
    case("multiply", INTS, INTS, id="int"),
    case("multiply", BOOLS, FLOATS, id="bool_float"),
    case("divide", FLOATS, POSITIVE),
    case("divide", INTS, 2, id="int"),
    case("divide", 1, 2, id="python"),
    case("power", POSITIVE, 2),
    case("power", INTS, 2, id="int"),
    case("power", 2, 0.5, id="python"),
    case("power", POSITIVE, POSITIVE, id="tensors"),
    case("maximum", FLOATS, 0.0),
    case("maximum", INTS, 2, id="int"),
    case("maximum", INTS, 2.5, id="int_float"),
    case("minimum", FLOATS, POSITIVE),
    case("minimum", INTS, -1, id="int"),
    case("clip", FLOATS, -0.5, 0.5),
    case("clip", INTS, 1, 3, id="int"),
    case("clip", INTS, 1.5, 3, id="int_float_bound"),
    case("clip", BOOLS, 0, 1, id="bool"),
    case("subtract", 1, FLOATS, id="number_first"),
    case("subtract", BOOLS, 1, id="bool_number"),
    case("divide", 1.0, POSITIVE, id="number_first"),
    case("power", 2.0, FLOATS, id="number_base"),
    case("maximum", 0.5, FLOATS, id="number_first"),
    case("minimum", 2, INTS, id="int_number_first"),
    case("floor_divide", INTS, 2),
    case("floor_divide", FLOATS, 0.5, id="float"),
    case("mod", INTS, 3),
    case("mod", -7.5, POSITIVE, id="number_first"),
    case("matmul", FLOATS, MATRIX),
    case("matmul", INTS, INTS.T, id="int"),
    case("matmul", FLOATS_3D, MATRIX, id="batched"),
    case("matmul", VECTOR, MATRIX, id="vector"),
    case("matmul", INT8S, INT8S.T, id="int8"),
    case("dot", FLOATS, MATRIX),
    case("dot", VECTOR, VECTOR, id="vectors"),
    case("dot", FLOATS, VECTOR, id="matrix_vector"),
    case("dot", FLOATS_3D, MATRIX, id="rank3_matrix"),
    case("dot", 2.0, FLOATS, id="scalar"),
    case("einsum", "ij,jk->ik", FLOATS, MATRIX),
    case("einsum", "i,i->", VECTOR, VECTOR, id="inner"),
    case("einsum", "bij->bji", FLOATS_3D, id="transpose"),
]

ELEMENTWISE = [
    case("square", FLOATS),
    case("square", INTS, id="int"),
    case("square", BOOLS, id="bool"),
    case("sqrt", POSITIVE),
    case("sqrt", np.array([4, 9], np.int32), id="int"),
    case("exp", FLOATS),
    case("exp", INTS, id="int"),
    case("log", POSITIVE),
    case("log", np.array([1, 2], np.int32), id="int"),
    case("abs", FLOATS),
    case("abs", INTS, id="int"),
    case("abs", BOOLS, id="bool"),
    case("sign", FLOATS),
    case("sign", INTS, id="int"),
    case("round", HALVES),
    case("round", 2.5, id="half_to_even"),
    case("round", FLOATS, 1, id="decimals"),
    case("round", INTS, id="int"),
    case("floor", FLOATS),
    case("floor", INTS, id="int"),
    case("tanh", FLOATS),
    case("erf", FLOATS),
    case("isnan", NAN),
    case("equal", INTS, 0),
    case("not_equal", FLOATS, POSITIVE),
    case("greater", FLOATS, 0.0),
    case("less", INTS, INTS.T.T, id="int"),
    case("greater", 0.0, FLOATS, id="number_first"),
    case("greater_equal", FLOATS, 0.0),
    case("less_equal", 1, INTS, id="number_first"),
    case("equal", 2.0, FLOATS, id="number_first"),
    case("logical_and", BOOLS, BOOLS.T.T),
    case("logical_and", INTS, BOOLS, id="int_bool"),
    case("logical_not", BOOLS),
    case("logical_not", INTS, id="int"),
]

REDUCTIONS = [
    case("sum", FLOATS),
    case("sum", FLOATS, axis=0, id="axis0"),
    case("sum", FLOATS, axis=(0, 1), keepdims=True, id="tuple_keepdims"),
    case("sum", INTS, id="int"),
    case("sum", INT8S, id="int8"),
    case("sum", BOOLS, axis=1, id="bool"),
    case("mean", FLOATS),
    case("mean", FLOATS, axis=-1, keepdims=True, id="keepdims"),
    case("mean", INTS, axis=0, id="int"),
    case("mean", BOOLS, id="bool"),
    case("max", FLOATS),
    case("max", FLOATS, axis=1, id="axis"),
    case("max", FLOATS, axis=(0, 1), keepdims=True, id="tuple"),
    case("max", INTS, axis=0, id="int"),
    case("max", FLOATS, initial=0.5, id="initial"),
    case("min", FLOATS),
    case("min", INTS, axis=1, keepdims=True, id="int"),
    case("prod", POSITIVE),
    case("prod", POSITIVE, axis=(0, 1), id="tuple"),
    case("prod", INT8S, axis=0, id="int8"),
    case("prod", BOOLS, id="bool"),
    case("std", FLOATS),
    case("std", FLOATS, axis=0, keepdims=True, id="axis"),
    case("std", INTS, id="int"),
    case("var", FLOATS),
    case("var", FLOATS, axis=1, id="axis"),
    case("var", INTS, axis=0, id="int"),
    case("argmax", FLOATS),
    case("argmax", FLOATS, axis=1, id="axis"),
    case("argmax", FLOATS, axis=0, keepdims=True, id="keepdims"),
    case("argmax", BOOLS, axis=1, id="bool"),
    case("argmin", FLOATS),
    case("argmin", INTS, axis=-1, id="int"),
    case("any", BOOLS),
    case("any", BOOLS, axis=0, id="axis"),
    case("any", INTS, axis=1, keepdims=True, id="int"),
    case("all", BOOLS),
    case("all", BOOLS, axis=(0, 1), id="tuple"),
    case("cumsum", FLOATS),
    case("cumsum", FLOATS, axis=1, id="axis"),
    case("cumsum", INTS, axis=0, id="int"),
    case("cumsum", BOOLS, id="bool"),
    case("logsumexp", FLOATS),
    case("logsumexp", FLOATS, axis=1, keepdims=True, id="axis"),
    case("top_k", VECTOR, 2),
    case("top_k", FLOATS, 3, id="matrix"),
    case("norm", FLOATS),
    case("norm", FLOATS, axis=1, id="vector_axis"),
    case("norm", FLOATS, ord=1, axis=1, id="ord1"),
    case("norm", VECTOR, ord=math.inf, id="inf"),
    case("norm", FLOATS, ord="fro", id="fro"),
    case("norm", FLOATS, ord=2, id="spectral"),
    case("norm", FLOATS_3D, axis=(1, 2), keepdims=True, id="matrix_axes"),
    case("norm", INTS, id="int"),
    case("moments", FLOATS, [0]),
    case("moments", FLOATS, 1, keepdims=True, id="keepdims"),
    case("moments", FLOATS_3D, (0, 1), id="tuple"),
]

CREATION = [
    case("ones", (2, 3)),
    case("ones", 3, id="int_shape"),
    case("ones", (2,), dtype="int32", id="dtype"),
    case("zeros", (2, 3)),
    case("zeros", (2,), dtype="bool", id="dtype"),
    case("ones_like", FLOATS),
    case("ones_like", INTS, id="int"),
    case("zeros_like", FLOATS, dtype="int32", id="dtype"),
    case("full", (2, 3), 3),
    case("full", (2, 3), 3.5, id="float"),
    case("full", (2,), 1, "int32", id="dtype"),
    case("full", (2, 3), [1.0, 2.0, 3.0], id="broadcast"),
    case("arange", 3),
    case("arange", 3.0, id="float"),
    case("arange", 1, 10, 2, id="step"),
    case("arange", 0, 1, 0.25, id="float_step"),
    case("arange", 5, dtype="float32", id="dtype"),
    case("eye", 3),
    case("eye", 3, 4, id="rectangular"),
    case("eye", 3, 4, 1, id="offset"),
    case("eye", 4, 3, -1, id="negative_offset"),
    case("eye", 2, dtype="int32", id="dtype"),
    case("one_hot", np.array([0, 2, 1]), 3),
    case("one_hot", np.array([0, -1, 2]), 3, id="negative"),
    case("one_hot", np.array([[0, 1], [2, 0]]), 3, axis=0, id="axis0"),
    case("one_hot", np.array([0, 2]), 3, dtype="int32", id="dtype"),
    case("normalize", FLOATS),
    case("normalize", FLOATS, axis=0, id="axis0"),
    case("normalize", FLOATS, order=1, id="order1"),
    case("normalize", np.zeros((2, 3), np.float32), id="zeros"),
]

ACTIVATIONS = [
    case("relu", FLOATS),
    case("relu6", FLOATS * 5),
    case("sigmoid", FLOATS),
    case("softmax", FLOATS),
    case("softmax", FLOATS, axis=0, id="axis0"),
    case("softmax", FLOATS_3D, axis=(1, 2), id="tuple"),
    case("softmax", FLOATS, axis=None, id="none"),
    case("log_softmax", FLOATS),
    case("log_softmax", FLOATS_3D, axis=1, id="axis1"),
    case("gelu", FLOATS),
    case("gelu", FLOATS, approximate=False, id="exact"),
    case("silu", FLOATS),
    case("swish", FLOATS),
    case("elu", FLOATS),
    case("elu", FLOATS, alpha=0.5, id="alpha"),
    case("selu", FLOATS),
    case("softplus", FLOATS),
    case("softsign", FLOATS),
    case("leaky_relu", FLOATS),
    case("leaky_relu", FLOATS, negative_slope=0.01, id="slope"),
    case("hard_sigmoid", FLOATS * 4),
    case("hard_silu", FLOATS * 4),
    case("hard_swish", FLOATS * 4),
    case("log_sigmoid", FLOATS),
    case("celu", FLOATS, alpha=2.0),
    case("glu", FLOATS),
    case("glu", FLOATS_3D, axis=0, id="axis0"),
    case("hard_tanh", FLOATS * 2),
    case("hard_shrink", FLOATS),
    case("soft_shrink", FLOATS, 0.3),
    case("tanh_shrink", FLOATS),
    case("sparse_plus", FLOATS * 2),
    case("sparse_sigmoid", FLOATS * 2),
    case("squareplus", FLOATS),
    case("squareplus", FLOATS, b=1, id="b"),
    case("threshold", FLOATS, 0.1, -1.0),
]

# Trigonometric, hyperbolic and two-operand float ops, where integer inputs
# give float results.
TRIGONOMETRIC = [
    case("arcsin", UNIT),
    case("arcsin", np.array([0, 1], np.int32), id="int"),
    case("arccos", UNIT),
    case("arctan", FLOATS),
    case("arctan", INTS, id="int"),
    case("arcsinh", FLOATS),
    case("arccosh", ABOVE_ONE),
    case("arctanh", UNIT),
    case("sinh", FLOATS),
    case("cosh", FLOATS),
    case("cosh", INTS, id="int"),
    case("tan", FLOATS),
    case("deg2rad", FLOATS * 90),
    case("deg2rad", INTS, id="int"),
    case("rad2deg", FLOATS),
    case("arctan2", FLOATS, POSITIVE - 1),
    case("arctan2", INTS, INTS.T.T, id="int"),
    case("arctan2", FLOATS, 2, id="int_scalar"),
    case("hypot", FLOATS, POSITIVE),
    case("hypot", INTS, 3, id="int"),
    case("logaddexp", FLOATS, POSITIVE),
    case("logaddexp", INTS, INTS.T.T, id="int"),
    case("logaddexp", FLOATS, 2.0, id="float_scalar"),
    case("heaviside", np.array([-1.0, 0.0, 2.0], np.float32), 0.5),
    case("heaviside", INTS, INTS.T.T, id="int"),
    case("logaddexp2", FLOATS, POSITIVE),
    case("logaddexp2", INTS, INTS.T.T, id="int"),
    case("divide_no_nan", SPECIAL, WITH_ZEROS),
    case("divide_no_nan", INTS, INTS.T.T, id="int"),
    case("divide_no_nan", FLOATS, 2.0, id="float_scalar"),
]

MORE_ELEMENTWISE = [
    case("trunc", FLOATS * 3),
    case("trunc", INTS, id="int"),
    case("trunc", BOOLS, id="bool"),
    case("exp2", FLOATS),
    case("exp2", INTS, id="int"),
    case("cbrt", FLOATS * 8),
    case("cbrt", INTS, id="int"),
    case("signbit", SIGNED_ZEROS),
    case("signbit", INTS, id="int"),
    case("erfc", FLOATS * 2),
    case("erfc", INTS, id="int"),
    case("fabs", FLOATS),
    case("fabs", INTS, id="int"),
    case("fabs", BOOLS, id="bool"),
    case("isposinf", SPECIAL),
    case("isneginf", SPECIAL),
    case("isneginf", INTS, id="int"),
    case("nan_to_num", SPECIAL),
    case("nan_to_num", SPECIAL, 1.0, 9.0, -9.0, id="values"),
    case("nan_to_num", INTS, id="int"),
    case("fmax", SPECIAL, WITH_ZEROS),
    case("fmax", INTS, 2, id="int"),
    case("fmax", INT8S, 3, id="int8_weak"),
    case("fmin", SPECIAL, WITH_ZEROS),
    case("fmin", INTS, 2.5, id="int_float"),
    case("fmod", FLOATS * 3, POSITIVE),
    case("fmod", INTS, 3, id="int"),
    case("fmod", -7.5, POSITIVE, id="number_first"),
    case("outer", VECTOR, MATRIX[0]),
    case("outer", FLOATS, INTS, id="mixed"),
    case("tensordot", FLOATS_3D, MATRIX, 1),
    case("tensordot", FLOATS_3D, FLOATS_3D.transpose(1, 2, 0), 2, id="two"),
    case("tensordot", FLOATS, MATRIX, ([1], [0]), id="lists"),
    case("tensordot", FLOATS_3D, FLOATS, (1, 0), id="ints"),
    case("tensordot", INTS, INTS.T.T, ((0, 1), (0, 1)), id="int"),
]

MORE_REDUCTIONS = [
    case("amax", FLOATS),
    case("amax", FLOATS, axis=1, id="axis"),
    case("amax", FLOATS_3D, axis=(0, 2), keepdims=True, id="tuple"),
    case("amax", INTS, axis=0, id="int"),
    case("amin", FLOATS),
    case("amin", FLOATS_3D, axis=-1, keepdims=True, id="keepdims"),
    case("count_nonzero", INTS),
    case("count_nonzero", INTS, axis=1, id="axis"),
    case("count_nonzero", FLOATS_3D, axis=(1, 2), id="tuple"),
    case("count_nonzero", BOOLS, axis=0, id="bool"),
    case("ptp", FLOATS),
    case("ptp", FLOATS, axis=1, id="axis"),
    case("ptp", FLOATS_3D, axis=(0, 2), keepdims=True, id="tuple"),
    case("ptp", INTS, axis=0, id="int"),
    case("nansum", NAN),
    case("nansum", FLOATS, axis=1, keepdims=True, id="keepdims"),
    case("nansum", INT8S, axis=0, id="int8"),
    case("nansum", BOOLS, id="bool"),
    case("trace", FLOATS),
    case("trace", FLOATS, 1, id="offset"),
    case("trace", FLOATS_3D, 0, 1, 2, id="axes"),
    case("trace", INT8S, id="int8"),
    case("trace", BOOLS, id="bool"),
]

MORE_SHAPES = [
    case("roll", FLOATS, 1),
    case("roll", FLOATS, -2, axis=1, id="axis"),
    case("roll", FLOATS_3D, (1, 2), axis=(0, 2), id="tuple"),
    case("swapaxes", FLOATS_3D, 0, 2),
    case("swapaxes", FLOATS, -1, 0, id="negative"),
    case("moveaxis", FLOATS_3D, 0, -1),
    case("moveaxis", FLOATS_3D, (0, 1), (2, 0), id="tuple"),
    case("diagonal", FLOATS),
    case("diagonal", FLOATS, 1, id="offset"),
    case("diagonal", FLOATS_3D, -1, 1, 2, id="axes"),
    case("ravel", FLOATS_3D),
    case("ravel", INTS, id="int"),
    case("fliplr", FLOATS),
    case("fliplr", FLOATS_3D, id="rank3"),
    case("flipud", FLOATS),
    case("flipud", VECTOR, id="vector"),
    case("diff", FLOATS),
    case("diff", FLOATS, 2, id="second"),
    case("diff", FLOATS_3D, 1, 0, id="axis0"),
    case("diff", INTS, id="int"),
]

ALL_CASES = (
    CORE
    + SHAPES
    + ARITHMETIC
    + ELEMENTWISE
    + REDUCTIONS
    + CREATION
    + ACTIVATIONS
    + TRIGONOMETRIC
    + MORE_ELEMENTWISE
    + MORE_REDUCTIONS
    + MORE_SHAPES
)


def _as_tensors(values):
    """Replace numpy arrays (also inside lists) with torch tensors."""
    converted = []
    for value in values:
        if isinstance(value, np.ndarray):
            value = torch.from_numpy(value.copy())
        elif (
            isinstance(value, list)
            and value
            and isinstance(value[0], np.ndarray)
        ):
            value = [torch.from_numpy(item.copy()) for item in value]
        converted.append(value)
    return converted


# Keras raises on numpy input to these ops, so its reference result is
# computed from tensors holding the same values.
KERAS_NEEDS_TENSORS = {"stop_gradient"}


@pytest.mark.parametrize("name,args,kwargs", ALL_CASES)
def test_op_matches_keras_on_arrays(name, args, kwargs):
    ours = getattr(ops, name)(*args, **kwargs)
    keras_args = _as_tensors(args) if name in KERAS_NEEDS_TENSORS else args
    theirs = getattr(keras.ops, name)(*keras_args, **kwargs)
    assert_same_result(ours, theirs)


@pytest.mark.parametrize("name,args,kwargs", ALL_CASES)
def test_op_matches_keras_on_tensors(name, args, kwargs):
    args = _as_tensors(args)
    ours = getattr(ops, name)(*args, **kwargs)
    theirs = getattr(keras.ops, name)(*args, **kwargs)
    assert_same_result(ours, theirs)


def test_every_listed_op_is_tested():
    tested = {param.values[0] for param in ALL_CASES}
    required = {
        "convert_to_numpy",
        "convert_to_tensor",
        "shape",
        "cast",
        "reshape",
        "transpose",
        "expand_dims",
        "squeeze",
        "concatenate",
        "stack",
        "split",
        "repeat",
        "tile",
        "matmul",
        "dot",
        "einsum",
        "add",
        "subtract",
        "multiply",
        "divide",
        "power",
        "sum",
        "mean",
        "max",
        "min",
        "prod",
        "std",
        "var",
        "argmax",
        "argmin",
        "square",
        "sqrt",
        "exp",
        "log",
        "abs",
        "sign",
        "clip",
        "maximum",
        "minimum",
        "where",
        "equal",
        "not_equal",
        "greater",
        "less",
        "logical_and",
        "logical_not",
        "any",
        "all",
        "isnan",
        "ones",
        "zeros",
        "ones_like",
        "zeros_like",
        "full",
        "arange",
        "eye",
        "cumsum",
        "sort",
        "top_k",
        "one_hot",
        "round",
        "floor",
        "flip",
        "stop_gradient",
        "logsumexp",
        "norm",
        "normalize",
        "moments",
        "erf",
        "relu",
        "sigmoid",
        "softmax",
        "log_softmax",
        "tanh",
        "gelu",
        "silu",
        "elu",
        "selu",
        "softplus",
        "leaky_relu",
    }
    # convert_to_numpy returns numpy arrays and has its own test.
    assert required - tested == {"convert_to_numpy"}


def test_convert_to_numpy_matches_keras():
    for value in (
        FLOATS,
        torch.from_numpy(INTS),
        [torch.ones(2), torch.zeros(2)],
    ):
        ours = ops.convert_to_numpy(value)
        theirs = keras.ops.convert_to_numpy(value)
        assert isinstance(ours, np.ndarray)
        assert ours.dtype == theirs.dtype
        np.testing.assert_array_equal(ours, theirs)


def test_convert_to_numpy_detaches_grad():
    weight = torch.ones(3, requires_grad=True)
    result = ops.convert_to_numpy(weight * 2)
    np.testing.assert_array_equal(result, [2.0, 2.0, 2.0])


def test_count_nonzero_keeps_numpy_axis_order():
    # Keras 3.15.1 on torch reverses these axes, so numpy is the reference.
    values = RNG.integers(0, 2, size=(2, 3, 4)).astype(np.int32)

    result = ops.count_nonzero(values, axis=0)

    assert tuple(result.shape) == (3, 4)
    assert result.dtype == torch.int32
    np.testing.assert_array_equal(result, np.count_nonzero(values, axis=0))
