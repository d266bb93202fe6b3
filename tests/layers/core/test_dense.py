"""Parity tests of Dense against Keras 3."""

import keras
import numpy as np
import pytest
import torch

from torchkeras import layers


def _pair(**config):
    ours, theirs = layers.Dense(**config), keras.layers.Dense(**config)
    return ours, theirs


@pytest.mark.parametrize(
    "config",
    [
        {"units": 3},
        {"units": 4, "activation": "relu"},
        {"units": 2, "use_bias": False, "activation": "sigmoid"},
        {"units": 5, "activation": "softmax"},
    ],
    ids=["linear", "relu", "no_bias", "softmax"],
)
@pytest.mark.parametrize("shape", [(6, 3), (2, 5, 3)], ids=["2d", "3d"])
def test_dense_matches_keras(config, shape):
    ours, theirs = _pair(**config)
    x = np.random.rand(*shape).astype("float32")
    theirs(x)
    ours(x)
    assert [w.name for w in ours.weights] == [w.name for w in theirs.weights]
    assert [tuple(w.shape) for w in ours.weights] == [tuple(w.shape) for w in theirs.weights]
    ours.set_weights(theirs.get_weights())
    expected = keras.ops.convert_to_numpy(theirs(x))
    np.testing.assert_allclose(ours(x).detach().numpy(), expected, atol=1e-6)
    assert ours.compute_output_shape((None,) + shape[1:]) == theirs.compute_output_shape((None,) + shape[1:])
    assert ours.count_params() == theirs.count_params()


def test_dense_default_initializers_match_keras():
    ours = layers.Dense(64)
    ours(torch.ones(1, 64))
    limit = np.sqrt(6 / 128)
    kernel = ours.get_weights()[0]
    assert np.abs(kernel).max() <= limit
    assert np.abs(kernel).max() > 0.9 * limit
    assert np.all(ours.get_weights()[1] == 0)


def test_dense_config_keys_match_keras():
    ours, theirs = _pair(units=3, activation="relu")
    assert set(ours.get_config()) == set(theirs.get_config())
    config = ours.get_config()
    assert config["activation"] == "relu"
    assert config["kernel_initializer"] == keras.saving.serialize_keras_object(
        keras.initializers.GlorotUniform()
    )


def test_dense_from_config_round_trip():
    layer = layers.Dense(3, activation="tanh", use_bias=False, name="proj")
    clone = layers.Dense.from_config(layer.get_config())
    assert clone.units == 3
    assert clone.use_bias is False
    assert clone.name == "proj"


@pytest.mark.parametrize("units", [0, -1, 2.5, "3"], ids=["zero", "negative", "float", "string"])
def test_dense_invalid_units_raises(units):
    with pytest.raises(ValueError, match="`units` must be a positive integer"):
        layers.Dense(units)


def test_dense_lora_rank_not_supported():
    with pytest.raises(NotImplementedError, match="lora_rank"):
        layers.Dense(3, lora_rank=2)


def test_dense_kernel_regularizer_in_losses():
    layer = layers.Dense(1, kernel_initializer="ones", kernel_regularizer="l2")
    layer(torch.ones(1, 4))
    assert float(layer.losses[0]) == pytest.approx(0.04)
