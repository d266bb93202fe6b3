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
F = RNG.normal(size=(3, 4)).astype(np.float32)
F3 = RNG.normal(size=(2, 3, 4)).astype(np.float32)
P = RNG.uniform(0.5, 2.0, size=(3, 4)).astype(np.float32)
V = RNG.normal(size=(4,)).astype(np.float32)
M = RNG.normal(size=(4, 5)).astype(np.float32)
UNIT = RNG.uniform(-0.9, 0.9, size=(3, 4)).astype(np.float32)
I = RNG.integers(-5, 6, size=(3, 4)).astype(np.int32)
I8 = RNG.integers(-5, 6, size=(3, 4)).astype(np.int8)
B = RNG.integers(0, 2, size=(3, 4)).astype(bool)
R6 = np.arange(6, dtype=np.int32)
HALVES = np.array([0.5, 1.5, 2.5, -0.5, -2.5], dtype=np.float32)
NAN = np.array([1.0, np.nan, np.inf], dtype=np.float32)


def case(name, *args, id=None, **kwargs):
    label = f"{name}-{id}" if id else name
    return pytest.param(name, args, kwargs, id=label)


CORE = [
    case("convert_to_tensor", F, id="float32"),
    case("convert_to_tensor", I, id="int32"),
    case("convert_to_tensor", B, id="bool"),
    case("convert_to_tensor", [1, 2], id="int_list"),
    case("convert_to_tensor", [1.0, 2.0], id="float_list"),
    case("convert_to_tensor", [1, 2.5], id="mixed_list"),
    case("convert_to_tensor", [[True, False]], id="bool_list"),
    case("convert_to_tensor", 3, id="int"),
    case("convert_to_tensor", 1.5, id="float"),
    case("convert_to_tensor", True, id="python_bool"),
    case("convert_to_tensor", F, dtype="float16", id="dtype"),
    case("cast", F, "int32", id="float_to_int"),
    case("cast", I, "float32", id="int_to_float"),
    case("cast", F, "bool", id="float_to_bool"),
    case("shape", F),
    case("stop_gradient", F),
    case("dtype", I),
]

SHAPES = [
    case("reshape", F, (4, 3)),
    case("reshape", F, (-1,), id="inferred"),
    case("reshape", F, 12, id="int"),
    case("transpose", F),
    case("transpose", F3, id="rank3"),
    case("transpose", F3, (1, 0, 2), id="axes"),
    case("expand_dims", F, 0),
    case("expand_dims", F, -1, id="last"),
    case("expand_dims", F, (0, 2), id="tuple"),
    case("squeeze", np.zeros((1, 3, 1), np.float32)),
    case("squeeze", np.zeros((1, 3, 1), np.float32), axis=0, id="axis"),
    case("squeeze", np.zeros((1, 3, 1), np.float32), axis=(0, 2), id="axes"),
    case("concatenate", [F, P]),
    case("concatenate", [F, P], axis=1, id="axis1"),
    case("concatenate", [F, P], axis=-1, id="negative_axis"),
    case("stack", [F, P]),
    case("stack", [F, P], axis=1, id="axis1"),
    case("split", R6, 2, id="sections"),
    case("split", R6, [2, 5], id="indices"),
    case("split", F, 2, axis=1, id="axis"),
    case("repeat", [1, 2], 2, id="flat"),
    case("repeat", F, 2, axis=1, id="axis"),
    case("repeat", F, np.array([1, 0, 2]), axis=0, id="counts"),
    case("tile", F, 2),
    case("tile", F, (2, 1), id="tuple"),
    case("flip", F),
    case("flip", F, axis=0, id="axis"),
    case("sort", F),
    case("sort", F, axis=0, id="axis0"),
    case("sort", F, axis=None, id="flat"),
    case("where", B, F, 0.0),
    case("where", B, 1, 2.0, id="scalars"),
    case("where", B, id="indices"),
]

ARITHMETIC = [
    case("add", F, P),
    case("add", I, 2, id="int_scalar"),
    case("add", I, 1.5, id="float_scalar"),
    case("add", I8, 3, id="int8_weak"),
    case("add", 1, 2, id="python"),
    case("subtract", F, P),
    case("subtract", I, 1, id="int_scalar"),
    case("multiply", F, P),
    case("multiply", I, I, id="int"),
    case("multiply", B, F, id="bool_float"),
    case("divide", F, P),
    case("divide", I, 2, id="int"),
    case("divide", 1, 2, id="python"),
    case("power", P, 2),
    case("power", I, 2, id="int"),
    case("power", 2, 0.5, id="python"),
    case("power", P, P, id="tensors"),
    case("maximum", F, 0.0),
    case("maximum", I, 2, id="int"),
    case("maximum", I, 2.5, id="int_float"),
    case("minimum", F, P),
    case("minimum", I, -1, id="int"),
    case("clip", F, -0.5, 0.5),
    case("clip", I, 1, 3, id="int"),
    case("clip", I, 1.5, 3, id="int_float_bound"),
    case("clip", B, 0, 1, id="bool"),
    case("matmul", F, M),
    case("matmul", I, I.T, id="int"),
    case("matmul", F3, M, id="batched"),
    case("matmul", V, M, id="vector"),
    case("matmul", I8, I8.T, id="int8"),
    case("dot", F, M),
    case("dot", V, V, id="vectors"),
    case("dot", F, V, id="matrix_vector"),
    case("dot", F3, M, id="rank3_matrix"),
    case("dot", 2.0, F, id="scalar"),
    case("einsum", "ij,jk->ik", F, M),
    case("einsum", "i,i->", V, V, id="inner"),
    case("einsum", "bij->bji", F3, id="transpose"),
]

ELEMENTWISE = [
    case("square", F),
    case("square", I, id="int"),
    case("square", B, id="bool"),
    case("sqrt", P),
    case("sqrt", np.array([4, 9], np.int32), id="int"),
    case("exp", F),
    case("exp", I, id="int"),
    case("log", P),
    case("log", np.array([1, 2], np.int32), id="int"),
    case("abs", F),
    case("abs", I, id="int"),
    case("abs", B, id="bool"),
    case("sign", F),
    case("sign", I, id="int"),
    case("round", HALVES),
    case("round", 2.5, id="half_to_even"),
    case("round", F, 1, id="decimals"),
    case("round", I, id="int"),
    case("floor", F),
    case("floor", I, id="int"),
    case("tanh", F),
    case("erf", F),
    case("isnan", NAN),
    case("equal", I, 0),
    case("not_equal", F, P),
    case("greater", F, 0.0),
    case("less", I, I.T.T, id="int"),
    case("logical_and", B, B.T.T),
    case("logical_and", I, B, id="int_bool"),
    case("logical_not", B),
    case("logical_not", I, id="int"),
]

REDUCTIONS = [
    case("sum", F),
    case("sum", F, axis=0, id="axis0"),
    case("sum", F, axis=(0, 1), keepdims=True, id="tuple_keepdims"),
    case("sum", I, id="int"),
    case("sum", I8, id="int8"),
    case("sum", B, axis=1, id="bool"),
    case("mean", F),
    case("mean", F, axis=-1, keepdims=True, id="keepdims"),
    case("mean", I, axis=0, id="int"),
    case("mean", B, id="bool"),
    case("max", F),
    case("max", F, axis=1, id="axis"),
    case("max", F, axis=(0, 1), keepdims=True, id="tuple"),
    case("max", I, axis=0, id="int"),
    case("max", F, initial=0.5, id="initial"),
    case("min", F),
    case("min", I, axis=1, keepdims=True, id="int"),
    case("prod", P),
    case("prod", P, axis=(0, 1), id="tuple"),
    case("prod", I8, axis=0, id="int8"),
    case("prod", B, id="bool"),
    case("std", F),
    case("std", F, axis=0, keepdims=True, id="axis"),
    case("std", I, id="int"),
    case("var", F),
    case("var", F, axis=1, id="axis"),
    case("var", I, axis=0, id="int"),
    case("argmax", F),
    case("argmax", F, axis=1, id="axis"),
    case("argmax", F, axis=0, keepdims=True, id="keepdims"),
    case("argmax", B, axis=1, id="bool"),
    case("argmin", F),
    case("argmin", I, axis=-1, id="int"),
    case("any", B),
    case("any", B, axis=0, id="axis"),
    case("any", I, axis=1, keepdims=True, id="int"),
    case("all", B),
    case("all", B, axis=(0, 1), id="tuple"),
    case("cumsum", F),
    case("cumsum", F, axis=1, id="axis"),
    case("cumsum", I, axis=0, id="int"),
    case("cumsum", B, id="bool"),
    case("logsumexp", F),
    case("logsumexp", F, axis=1, keepdims=True, id="axis"),
    case("top_k", V, 2),
    case("top_k", F, 3, id="matrix"),
    case("norm", F),
    case("norm", F, axis=1, id="vector_axis"),
    case("norm", F, ord=1, axis=1, id="ord1"),
    case("norm", V, ord=math.inf, id="inf"),
    case("norm", F, ord="fro", id="fro"),
    case("norm", F, ord=2, id="spectral"),
    case("norm", F3, axis=(1, 2), keepdims=True, id="matrix_axes"),
    case("norm", I, id="int"),
    case("moments", F, [0]),
    case("moments", F, 1, keepdims=True, id="keepdims"),
    case("moments", F3, (0, 1), id="tuple"),
]

CREATION = [
    case("ones", (2, 3)),
    case("ones", 3, id="int_shape"),
    case("ones", (2,), dtype="int32", id="dtype"),
    case("zeros", (2, 3)),
    case("zeros", (2,), dtype="bool", id="dtype"),
    case("ones_like", F),
    case("ones_like", I, id="int"),
    case("zeros_like", F, dtype="int32", id="dtype"),
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
    case("normalize", F),
    case("normalize", F, axis=0, id="axis0"),
    case("normalize", F, order=1, id="order1"),
    case("normalize", np.zeros((2, 3), np.float32), id="zeros"),
]

ACTIVATIONS = [
    case("relu", F),
    case("relu6", F * 5),
    case("sigmoid", F),
    case("softmax", F),
    case("softmax", F, axis=0, id="axis0"),
    case("softmax", F3, axis=(1, 2), id="tuple"),
    case("softmax", F, axis=None, id="none"),
    case("log_softmax", F),
    case("log_softmax", F3, axis=1, id="axis1"),
    case("gelu", F),
    case("gelu", F, approximate=False, id="exact"),
    case("silu", F),
    case("swish", F),
    case("elu", F),
    case("elu", F, alpha=0.5, id="alpha"),
    case("selu", F),
    case("softplus", F),
    case("softsign", F),
    case("leaky_relu", F),
    case("leaky_relu", F, negative_slope=0.01, id="slope"),
    case("hard_sigmoid", F * 4),
    case("hard_silu", F * 4),
    case("hard_swish", F * 4),
    case("log_sigmoid", F),
    case("celu", F, alpha=2.0),
    case("glu", F),
    case("glu", F3, axis=0, id="axis0"),
    case("hard_tanh", F * 2),
    case("hard_shrink", F),
    case("soft_shrink", F, 0.3),
    case("tanh_shrink", F),
    case("sparse_plus", F * 2),
    case("sparse_sigmoid", F * 2),
    case("squareplus", F),
    case("squareplus", F, b=1, id="b"),
    case("threshold", F, 0.1, -1.0),
]

ALL_CASES = (
    CORE
    + SHAPES
    + ARITHMETIC
    + ELEMENTWISE
    + REDUCTIONS
    + CREATION
    + ACTIVATIONS
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
    for value in (F, torch.from_numpy(I), [torch.ones(2), torch.zeros(2)]):
        ours = ops.convert_to_numpy(value)
        theirs = keras.ops.convert_to_numpy(value)
        assert isinstance(ours, np.ndarray)
        assert ours.dtype == theirs.dtype
        np.testing.assert_array_equal(ours, theirs)


def test_convert_to_numpy_detaches_grad():
    weight = torch.ones(3, requires_grad=True)
    result = ops.convert_to_numpy(weight * 2)
    np.testing.assert_array_equal(result, [2.0, 2.0, 2.0])
