"""Layers under dtype policies: outputs and weights against Keras 3."""

import keras
import numpy as np
import pytest
import torch

import torchkeras
from torchkeras import mixed_precision

MIXED = ["mixed_bfloat16", "mixed_float16"]


def _pair(policy, build):
    """Build the same model in both libraries under `policy`, same weights."""
    keras.config.set_dtype_policy(policy)
    mixed_precision.set_global_policy(policy)
    reference = build(keras)
    model = build(torchkeras)
    model.set_weights(reference.get_weights())
    return model, reference


def _mlp(library):
    return library.Sequential([
        library.Input((6,)),
        library.layers.Dense(8, activation="relu"),
        library.layers.BatchNormalization(),
        library.layers.Dense(3, activation="softmax", dtype="float32"),
    ])


def _convnet(library):
    return library.Sequential([
        library.Input((8, 8, 1)),
        library.layers.Conv2D(4, 3, activation="relu"),
        library.layers.Flatten(),
        library.layers.Dense(5),
    ])


@pytest.mark.parametrize("policy", MIXED)
def test_dense_output_dtype_and_values(policy):
    model, reference = _pair(policy, _mlp)
    x = np.random.RandomState(1).randn(16, 6).astype("float32")
    dense = model.layers[0](torch.tensor(x))
    expected = reference.layers[0](x)
    assert dense.dtype == expected.dtype
    torch.testing.assert_close(dense, expected.cpu(), rtol=0, atol=0)


@pytest.mark.parametrize("policy", MIXED)
def test_float32_output_layer_returns_float32(policy):
    model, reference = _pair(policy, _mlp)
    x = np.random.RandomState(2).randn(16, 6).astype("float32")
    outputs = model(torch.tensor(x))
    expected = reference(x)
    assert outputs.dtype == torch.float32
    assert expected.dtype == torch.float32
    torch.testing.assert_close(outputs, expected.cpu(), rtol=1e-2, atol=1e-2)


@pytest.mark.parametrize("policy", MIXED)
def test_batch_normalization_output_dtype(policy):
    model, reference = _pair(policy, _mlp)
    x = torch.randn(16, 8).to(getattr(torch, model.layers[1].compute_dtype))
    outputs = model.layers[1](x, training=True)
    expected = reference.layers[1](x, training=True)
    assert outputs.dtype == expected.dtype
    assert model.layers[1].moving_mean.dtype == torch.float32


def test_convnet_bfloat16_matches_keras():
    model, reference = _pair("mixed_bfloat16", _convnet)
    x = np.random.RandomState(3).rand(4, 8, 8, 1).astype("float32")
    outputs = model(torch.tensor(x))
    expected = reference(x)
    assert outputs.dtype == torch.bfloat16
    torch.testing.assert_close(outputs, expected.cpu(), rtol=2e-2, atol=2e-2)


@pytest.mark.parametrize("policy", MIXED)
def test_layer_dtype_attributes(policy):
    model, reference = _pair(policy, _mlp)
    for layer, expected in zip(model.layers, reference.layers):
        assert layer.dtype_policy.name == expected.dtype_policy.name
        assert layer.compute_dtype == expected.compute_dtype
        assert layer.variable_dtype == expected.variable_dtype
        assert layer.dtype == expected.dtype
    assert all(w.dtype == torch.float32 for w in model.weights)


def test_per_layer_policy_without_global_policy():
    layer = torchkeras.layers.Dense(3, dtype="mixed_bfloat16")
    outputs = layer(torch.ones(2, 4))
    assert outputs.dtype == torch.bfloat16
    assert layer.kernel.dtype == torch.float32
    assert layer.dtype_policy == mixed_precision.Policy("mixed_bfloat16")


def test_bfloat16_policy_stores_bfloat16_weights():
    layer = torchkeras.layers.Dense(3, dtype="bfloat16")
    outputs = layer(torch.ones(2, 4))
    assert layer.kernel.dtype == torch.bfloat16
    assert outputs.dtype == torch.bfloat16


def test_gradients_reach_float32_weights():
    layer = torchkeras.layers.Dense(3, dtype="mixed_bfloat16")
    layer(torch.ones(2, 4)).float().sum().backward()
    assert layer.kernel.grad is not None
    assert layer.kernel.grad.dtype == torch.float32
    assert layer.kernel is layer._parameters["kernel"]


def test_policy_in_config_round_trip():
    layer = torchkeras.layers.Dense(3, dtype="mixed_bfloat16")
    config = layer.get_config()
    assert config["dtype"]["config"]["name"] == "mixed_bfloat16"
    reference = keras.layers.Dense.from_config(config)
    assert reference.dtype_policy.name == "mixed_bfloat16"
    restored = torchkeras.layers.Dense.from_config(config)
    assert restored.compute_dtype == "bfloat16"


def test_default_policy_skips_casting():
    layer = torchkeras.layers.Dense(3)
    assert layer._casting_dtype is None
    outputs = layer(torch.ones(2, 4, dtype=torch.float32))
    assert outputs.dtype == torch.float32


def test_torch_module_that_cannot_run_in_policy_raises():
    wrapper = torchkeras.layers.TorchModuleWrapper(
        torch.nn.Linear(4, 2), dtype="mixed_bfloat16"
    )
    with pytest.raises(ValueError, match="cannot run in its dtype policy 'mixed_bfloat16'.*dtype='float32'"):
        wrapper(torch.ones(2, 4))


def test_fit_under_mixed_bfloat16_matches_keras():
    model, reference = _pair("mixed_bfloat16", _mlp)
    rs = np.random.RandomState(4)
    x = rs.randn(64, 6).astype("float32")
    y = rs.randint(0, 3, 64)
    for m, library in ((reference, keras), (model, torchkeras)):
        m.compile(optimizer=library.optimizers.SGD(0.05), loss="sparse_categorical_crossentropy")
    expected = reference.fit(x, y, epochs=2, batch_size=16, shuffle=False, verbose=0)
    history = model.fit(x, y, epochs=2, batch_size=16, shuffle=False, verbose=0)
    np.testing.assert_allclose(history.history["loss"], expected.history["loss"], rtol=1e-2)
    for weight, expected_weight in zip(model.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(weight, expected_weight, atol=1e-2)
    assert all(w.dtype == torch.float32 for w in model.weights)
