"""LSTM input checks after build, and input dtypes, against Keras 3."""

import re

import keras
import numpy as np
import pytest
import torch

from torchkeras import layers


def _inputs(shape=(2, 7, 4), seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype("float32")


def _pair(x, **config):
    """Return (ours, theirs) built on `x`, ours with a copy of Keras's weights."""
    theirs, ours = keras.layers.LSTM(**config), layers.LSTM(**config)
    theirs(x)
    ours(torch.from_numpy(x))
    ours.set_weights(theirs.get_weights())
    return ours, theirs


@pytest.mark.parametrize("features", [6, 2])
@pytest.mark.parametrize("use_cudnn", ["auto", False])
def test_other_feature_count_raises(features, use_cudnn):
    layer = layers.LSTM(3, use_cudnn=use_cudnn, name="encoder")
    layer(torch.from_numpy(_inputs()))
    message = (
        r"layer 'encoder'.*expected axis -1 of input shape to have value 4"
        rf".*\(\w+, 7, {features}\)"
    )
    with pytest.raises(ValueError, match=message):
        layer(torch.from_numpy(_inputs((2, 7, features))))


def test_keras_other_feature_count_raises():
    layer = keras.layers.LSTM(3)
    layer(_inputs())
    with pytest.raises(RuntimeError, match="cannot be multiplied"):
        layer(_inputs((2, 7, 6)))


@pytest.mark.parametrize(
    "state_shape", [(2, 4), (3, 3), (2,)], ids=["units", "batch", "rank"]
)
def test_initial_state_shape_raises(state_shape):
    layer = layers.LSTM(3, name="encoder")
    states = [torch.zeros(state_shape), torch.zeros(state_shape)]
    message = (
        r"Layer 'encoder' \(LSTM\) expects initial state 0 of shape "
        r"\(2, 3\).*Received: shape=" + re.escape(str(state_shape))
    )
    with pytest.raises(ValueError, match=message):
        layer(torch.from_numpy(_inputs()), initial_state=states)


def test_second_initial_state_shape_raises():
    layer = layers.LSTM(3, name="encoder")
    states = [torch.zeros(2, 3), torch.zeros(2, 5)]
    with pytest.raises(ValueError, match="initial state 1 of shape"):
        layer(torch.from_numpy(_inputs()), initial_state=states)


def test_keras_initial_state_shape_raises():
    layer = keras.layers.LSTM(3)
    states = [np.zeros((2, 4), "float32"), np.zeros((2, 4), "float32")]
    with pytest.raises(RuntimeError, match="cannot be multiplied"):
        layer(_inputs(), initial_state=states)


@pytest.mark.parametrize(
    "dtype", [torch.int64, torch.int32, torch.float64], ids=str
)
@pytest.mark.parametrize("use_cudnn", ["auto", False])
def test_input_dtype_cast_matches_keras(dtype, use_cudnn):
    ours, theirs = _pair(_inputs(), units=3, use_cudnn=use_cudnn)
    x = torch.randint(-3, 4, (2, 7, 4)).to(dtype)
    expected = theirs(x)
    actual = ours(x)
    assert actual.dtype == expected.dtype == torch.float32
    np.testing.assert_allclose(
        actual.detach().numpy(), expected.detach().numpy(), atol=1e-5
    )


def test_integer_input_builds_layer():
    layer = layers.LSTM(3, return_state=True)
    outputs = layer(np.ones((2, 7, 4), dtype="int64"))
    assert all(output.dtype == torch.float32 for output in outputs)


def test_integer_initial_state_cast():
    layer = layers.LSTM(3)
    states = [torch.zeros(2, 3, dtype=torch.int64)] * 2
    output = layer(torch.from_numpy(_inputs()), initial_state=states)
    torch.testing.assert_close(output, layer(torch.from_numpy(_inputs())))


def test_half_model_keeps_half():
    layer = layers.LSTM(3)
    layer(torch.from_numpy(_inputs()))
    layer.half()
    output = layer(torch.from_numpy(_inputs()).half())
    assert output.dtype == torch.float16
