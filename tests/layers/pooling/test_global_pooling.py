"""Parity of the global pooling layers with Keras 3."""

import os

os.environ["KERAS_BACKEND"] = "torch"

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from torchkeras import layers  # noqa: E402

NAMES = [
    "GlobalAveragePooling1D",
    "GlobalAveragePooling2D",
    "GlobalMaxPooling1D",
    "GlobalMaxPooling2D",
]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("keepdims", [False, True])
def test_global_pooling_matches_keras(parity, rng, name, data_format, keepdims):
    rank = int(name[-2])
    x = rng.standard_normal((2,) + (5,) * rank + (3,)).astype("float32")
    config = dict(data_format=data_format, keepdims=keepdims)
    theirs, ours = parity.make_pair(name, x, **config)
    parity.assert_same_outputs(theirs, ours, x)
    parity.assert_same_output_shape(theirs, ours, (None,) + x.shape[1:])
    parity.assert_same_config_keys(theirs, ours)
    parity.assert_config_round_trip(ours)


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_global_average_1d_mask_matches_keras(parity, rng, data_format):
    shape = (3, 6, 4) if data_format == "channels_last" else (3, 4, 6)
    x = rng.standard_normal(shape).astype("float32")
    mask = np.array([[1, 1, 1, 0, 0, 0], [1] * 6, [1, 0, 1, 0, 1, 0]], bool)
    theirs, ours = parity.make_pair(
        "GlobalAveragePooling1D", x, data_format=data_format
    )
    expected = parity.keras_output(theirs, x, mask=mask)
    actual = ours(x, mask=torch.as_tensor(mask)).numpy()
    np.testing.assert_allclose(actual, expected, atol=1e-6)
    assert ours.compute_mask(x, torch.as_tensor(mask)) is None


def test_global_pooling_aliases():
    assert layers.GlobalAvgPool2D is layers.GlobalAveragePooling2D
    assert layers.GlobalMaxPool1D is layers.GlobalMaxPooling1D


def test_global_pooling_invalid_data_format_raises():
    with pytest.raises(ValueError, match="data_format"):
        layers.GlobalMaxPooling2D(data_format="nhwc")


@pytest.mark.parametrize("name", NAMES)
def test_global_pooling_wrong_rank_raises(name):
    layer = getattr(layers, name)(name="pool_a")
    rank = int(name[-2])
    wrong = np.ones((2,) + (3,) * (rank + 1) + (4,), "float32")
    with pytest.raises(ValueError, match="'pool_a'.*(rank|ndim)"):
        layer(wrong)
    with pytest.raises(ValueError, match="'pool_a'.*(rank|ndim)"):
        layer.compute_output_shape((None, 4))
    layer(np.ones((2,) + (3,) * rank + (4,), "float32"))
    with pytest.raises(ValueError, match="'pool_a'.*(rank|ndim)"):
        layer(wrong)
