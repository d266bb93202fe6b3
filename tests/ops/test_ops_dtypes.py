"""Dtype promotion: Keras's rules, except that 64-bit inputs stay 64-bit."""

import itertools

import numpy as np
import pytest
import torch
from ops_reference import keras

from torchkeras import ops
from torchkeras.ops import _dtypes

NARROW = [
    "bool",
    "uint8",
    "int8",
    "int16",
    "int32",
    "uint16",
    "bfloat16",
    "float16",
    "float32",
]
WEAK = [int, float]


@pytest.mark.parametrize(
    "first,second",
    list(itertools.combinations_with_replacement(NARROW + WEAK, 2)),
)
def test_result_type_matches_keras(first, second):
    ours = _dtypes.result_type(first, second)
    assert ours == keras.backend.result_type(first, second)


def test_result_type_keeps_64_bits():
    # Keras 3 on torch narrows these to int32 and float32.
    assert _dtypes.result_type("int64", int) == "int64"
    assert _dtypes.result_type("float64", "float32") == "float64"
    assert _dtypes.result_type("uint32", "int32") == "int64"


def test_result_type_of_nothing_is_floatx():
    assert _dtypes.result_type() == "float32"


@pytest.mark.parametrize(
    "name,args",
    [
        ("var", (np.array([1.0, 2.0]),)),
        ("cumsum", (np.array([1.0, 2.0]),)),
        ("prod", (np.array([2, 3], np.int64),)),
        ("maximum", (np.array([2, 3], np.int64), 1)),
        ("floor", (np.array([2.5]),)),
        ("mean", (np.array([1.0, 2.0]),)),
        ("std", (np.array([1.0, 2.0]),)),
        ("add", (np.array([1, 2], np.int64), 1)),
    ],
)
def test_64_bit_inputs_keep_width(name, args):
    result = getattr(ops, name)(*args)
    assert result.dtype in (torch.float64, torch.int64)
    expected = getattr(keras.ops, name)(*args)
    np.testing.assert_allclose(
        result.numpy().astype(np.float64),
        expected.numpy().astype(np.float64),
    )


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_half_floats_keep_dtype(dtype):
    x = ops.ones((2, 3), dtype=dtype)
    assert ops.mean(x).dtype == getattr(torch, dtype)
    assert ops.softmax(x).dtype == getattr(torch, dtype)
    assert ops.var(x, axis=0).dtype == getattr(torch, dtype)
    assert ops.add(x, 1.5).dtype == getattr(torch, dtype)


def test_floatx_controls_defaults():
    from torchkeras import config

    config.set_floatx("float64")
    try:
        assert ops.ones(2).dtype == torch.float64
        assert ops.convert_to_tensor(1.5).dtype == torch.float64
        assert ops.mean(np.array([1, 2])).dtype == torch.float64
        assert ops.add(np.array([1, 2]), 1.5).dtype == torch.float64
        assert ops.multiply(np.ones(2, np.float32), 2.0).dtype == torch.float32
    finally:
        config.set_floatx("float32")


def test_dtype_name_accepts_common_forms():
    assert _dtypes.dtype_name(torch.int8) == "int8"
    assert _dtypes.dtype_name(np.float16) == "float16"
    assert _dtypes.dtype_name(np.dtype("bool")) == "bool"
    assert _dtypes.dtype_name(float) == "float32"
    assert _dtypes.dtype_name("int") == "int32"
