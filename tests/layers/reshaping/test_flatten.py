"""Parity of Flatten with Keras 3, including channels_first order."""

import os

os.environ["KERAS_BACKEND"] = "torch"

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from torchkeras import layers  # noqa: E402


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("shape", [(2,), (2, 5), (2, 3, 4), (2, 3, 4, 5)])
def test_flatten_matches_keras(parity, rng, data_format, shape):
    x = rng.standard_normal(shape).astype("float32")
    theirs, ours = parity.make_pair("Flatten", x, data_format=data_format)
    parity.assert_same_outputs(theirs, ours, x, atol=0)
    parity.assert_same_output_shape(theirs, ours, (None,) + shape[1:])


def test_flatten_channels_first_uses_keras_order():
    channels_first = torch.arange(12.0).reshape(1, 3, 2, 2)
    channels_last = channels_first.permute(0, 2, 3, 1)
    flat_first = layers.Flatten(data_format="channels_first")(channels_first)
    flat_last = layers.Flatten()(channels_last)
    assert torch.equal(flat_first, flat_last)


def test_flatten_unknown_axis_gives_none():
    layer = layers.Flatten()
    assert layer.compute_output_shape((None, None, 3)) == (None, None)
    assert layer.compute_output_shape((4, 2, 3)) == (4, 6)


def test_flatten_empty_batch():
    assert layers.Flatten()(torch.ones(0, 2, 3)).shape == (0, 6)


def test_flatten_config_matches_keras(parity):
    theirs = keras.layers.Flatten(data_format="channels_first")
    ours = layers.Flatten(data_format="channels_first")
    parity.assert_same_config_keys(theirs, ours)
    parity.assert_config_round_trip(ours)


def test_flatten_invalid_data_format_raises():
    with pytest.raises(ValueError, match="data_format"):
        layers.Flatten(data_format="nchw")
