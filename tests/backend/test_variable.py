"""Tests for creating `Variable`s from the values Keras accepts."""

import numpy as np
import pytest
import torch

import torchkeras


def test_variable_from_array_list_and_float():
    from_array = torchkeras.Variable(np.ones((2, 2), "float32"))
    from_list = torchkeras.Variable([1.0, 2.0])
    from_float = torchkeras.Variable(3.0)
    assert from_array.dtype == torch.float32
    assert tuple(from_array.shape) == (2, 2)
    assert from_list.dtype == torch.float32
    assert from_float.shape == torch.Size([])
    assert float(from_float.detach()) == 3.0


def test_variable_from_initializer_and_shape():
    zeros = torchkeras.Variable("zeros", shape=(3,))
    ones = torchkeras.Variable(
        torchkeras.initializers.Ones(), shape=(2,), dtype="float64"
    )
    assert torch.equal(zeros, torch.zeros(3))
    assert ones.dtype == torch.float64
    assert isinstance(zeros, torch.nn.Parameter)


def test_variable_initializer_needs_shape():
    with pytest.raises(ValueError, match=r"needs a `shape`.*initializer='zeros'"):
        torchkeras.Variable("zeros")


def test_variable_shape_must_match_value():
    with pytest.raises(ValueError, match=r"has shape \(2,\), but shape=\(3,\)"):
        torchkeras.Variable([1.0, 2.0], shape=(3,))


def test_keras_utils_has_saving_helpers():
    for name in (
        "register_keras_serializable",
        "custom_object_scope",
        "CustomObjectScope",
        "get_custom_objects",
        "serialize_keras_object",
        "deserialize_keras_object",
        "get_registered_name",
        "get_registered_object",
    ):
        assert getattr(torchkeras.utils, name) is getattr(torchkeras.saving, name)
