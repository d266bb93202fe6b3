"""`to_categorical` and `normalize` against Keras 3."""

import os

os.environ["KERAS_BACKEND"] = "torch"

import keras
import numpy as np
import pytest
import torch

from torchkeras.utils.numerical_utils import normalize
from torchkeras.utils.numerical_utils import to_categorical


@pytest.mark.parametrize(
    "labels,num_classes",
    [
        ([0, 1, 2], None),
        ([0, 1], 4),
        (np.array([[0], [2], [1]]), None),
        (np.array([[0, 1], [1, 0]]), 3),
        (np.array([1.7, 0.2]), None),
        (3, 5),
    ],
    ids=["list", "num_classes", "column", "matrix", "floats", "scalar"],
)
def test_to_categorical_matches_keras(labels, num_classes):
    ours = to_categorical(labels, num_classes)
    theirs = keras.utils.to_categorical(labels, num_classes)
    assert isinstance(ours, np.ndarray)
    assert ours.dtype == theirs.dtype == np.float64
    np.testing.assert_array_equal(ours, theirs)


def test_to_categorical_of_column_tensor():
    labels = torch.tensor([[0], [2]])
    result = to_categorical(labels, 3)
    expected = keras.utils.to_categorical(labels, 3)
    assert result.dtype == torch.float32
    np.testing.assert_array_equal(result.numpy(), expected.numpy())


def test_to_categorical_infers_classes_for_tensor():
    result = to_categorical(torch.tensor([0, 3]))
    assert tuple(result.shape) == (2, 4)


def test_to_categorical_label_too_large_raises():
    with pytest.raises(ValueError, match=r"\[5\]"):
        to_categorical([0, 5], num_classes=3)


def test_to_categorical_negative_label_raises():
    with pytest.raises(ValueError, match=r"\[-1\]"):
        to_categorical(torch.tensor([-1, 1]), num_classes=3)


def test_to_categorical_bad_num_classes_raises():
    with pytest.raises(ValueError, match="num_classes=0"):
        to_categorical([0], num_classes=0)


def test_to_categorical_empty_without_num_classes_raises():
    with pytest.raises(ValueError, match="empty labels"):
        to_categorical([])


def test_to_categorical_strings_raise():
    with pytest.raises(ValueError, match="x=\\['a'\\]"):
        to_categorical(["a"])


@pytest.mark.parametrize("order", [1, 2])
def test_normalize_numpy_matches_keras(order):
    x = np.array([[3.0, 4.0], [0.0, 0.0], [1.0, -2.0]])
    ours = normalize(x, order=order)
    theirs = keras.utils.normalize(x, order=order)
    assert isinstance(ours, np.ndarray)
    np.testing.assert_allclose(ours, theirs)


def test_normalize_numpy_first_axis():
    # keras.utils.normalize (3.15.1) divides along the last axis when
    # axis=0, so numpy's own norm is the reference here.
    x = np.array([[3.0, 4.0], [4.0, 3.0]])
    expected = x / np.linalg.norm(x, axis=0, keepdims=True)
    np.testing.assert_allclose(normalize(x, axis=0), expected)


def test_normalize_tensor_matches_keras():
    x = torch.tensor([[3.0, 4.0], [0.0, 0.0]])
    ours = normalize(x)
    theirs = keras.utils.normalize(x)
    assert isinstance(ours, torch.Tensor)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), atol=1e-7)
