"""Parity of Rescaling with Keras 3."""

import os

os.environ["KERAS_BACKEND"] = "torch"

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from torchkeras import config  # noqa: E402
from torchkeras import layers  # noqa: E402


@pytest.mark.parametrize(
    "scale,offset",
    [
        (1 / 255, 0.0),
        (1 / 127.5, -1.0),
        (np.array([0.5, 1.0, 2.0], "float32"), 0.25),
        (2.0, np.array([1.0, 2.0, 3.0], "float32")),
    ],
    ids=["unit", "symmetric", "array_scale", "array_offset"],
)
def test_rescaling_matches_keras(parity, rng, scale, offset):
    x = rng.integers(0, 256, (2, 4, 4, 3)).astype("float32")
    theirs, ours = parity.make_pair("Rescaling", x, scale=scale, offset=offset)
    parity.assert_same_outputs(theirs, ours, x)
    parity.assert_same_output_shape(theirs, ours, (None, 4, 4, 3))


def test_rescaling_casts_integer_inputs():
    images = torch.tensor([[0, 255]], dtype=torch.uint8)
    output = layers.Rescaling(1 / 255)(images)
    assert output.dtype == torch.float32
    np.testing.assert_allclose(output.numpy(), [[0.0, 1.0]])


def test_rescaling_channels_first_array_scale(restore_image_data_format, rng):
    x = rng.standard_normal((2, 3, 4, 4)).astype("float32")
    scale = np.array([1.0, 2.0, 3.0], "float32")
    config.set_image_data_format("channels_first")
    keras.config.set_image_data_format("channels_first")
    expected = keras.ops.convert_to_numpy(keras.layers.Rescaling(scale)(x))
    actual = layers.Rescaling(scale)(x).numpy()
    np.testing.assert_allclose(actual, expected, rtol=1e-6)
    np.testing.assert_allclose(actual[:, 2], 3 * x[:, 2], rtol=1e-6)


def test_rescaling_config_matches_keras(parity):
    scale = np.array([1.0, 2.0])
    theirs = keras.layers.Rescaling(scale, offset=np.float32(1.0))
    ours = layers.Rescaling(scale, offset=np.float32(1.0))
    parity.assert_same_config_keys(theirs, ours)
    assert ours.get_config()["scale"] == theirs.get_config()["scale"]
    assert ours.get_config()["offset"] == theirs.get_config()["offset"]
    clone = layers.Rescaling.from_config(ours.get_config())
    np.testing.assert_array_equal(clone.scale, scale)
    parity.assert_config_round_trip(layers.Rescaling(0.5, offset=1.0))


def test_rescaling_follows_device_of_inputs():
    layer = layers.Rescaling(np.array([2.0]))
    assert layer(torch.ones(1, 1)).device == torch.device("cpu")
    assert layer.weights == []
