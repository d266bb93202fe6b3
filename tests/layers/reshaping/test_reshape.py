"""Parity of Reshape with Keras 3 and its size checks."""

import os

os.environ["KERAS_BACKEND"] = "torch"

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from torchkeras import layers  # noqa: E402


@pytest.mark.parametrize(
    "shape,target",
    [
        ((2, 12), (3, 4)),
        ((2, 12), (-1, 2, 2)),
        ((2, 3, 4), (12,)),
        ((2, 3, 4), (2, -1)),
        ((2, 6), (1, 6, 1)),
    ],
    ids=str,
)
def test_reshape_matches_keras(parity, rng, shape, target):
    x = rng.standard_normal(shape).astype("float32")
    theirs, ours = parity.make_pair("Reshape", x, target_shape=target)
    parity.assert_same_outputs(theirs, ours, x, atol=0)
    parity.assert_same_output_shape(theirs, ours, (None,) + shape[1:])


def test_reshape_output_shape_with_unknown_axis(parity):
    theirs = keras.layers.Reshape((-1, 2))
    ours = layers.Reshape((-1, 2))
    for shape in [(None, None, 4), (None, 6)]:
        parity.assert_same_output_shape(theirs, ours, shape)


def test_reshape_accepts_list_and_numpy_ints():
    layer = layers.Reshape([np.int64(2), 3])
    assert layer.target_shape == (2, 3)
    assert layer(torch.ones(4, 6)).shape == (4, 2, 3)


def test_reshape_config_matches_keras(parity):
    theirs = keras.layers.Reshape((3, -1))
    ours = layers.Reshape((3, -1))
    parity.assert_same_config_keys(theirs, ours)
    parity.assert_config_round_trip(ours)
    assert ours.get_config()["target_shape"] == (3, -1)


@pytest.mark.parametrize("target", [(3, 5), (-1, 5), (0, -1)])
def test_reshape_size_mismatch_raises(target):
    layer = layers.Reshape(target, name="reshape_a")
    with pytest.raises(ValueError, match="reshape_a.*cannot reshape"):
        layer(torch.ones(2, 12))
    with pytest.raises(ValueError, match="cannot reshape"):
        layer.compute_output_shape((None, 12))


@pytest.mark.parametrize(
    "target,match",
    [
        ((-1, -1), "at most one -1"),
        ((2, -2), "non-negative"),
        ((2, 1.5), "non-negative"),
        (5, "must be a tuple"),
    ],
)
def test_reshape_invalid_target_raises(target, match):
    with pytest.raises(ValueError, match=match):
        layers.Reshape(target)
