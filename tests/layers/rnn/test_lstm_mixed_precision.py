"""LSTM under mixed precision policies, against Keras 3."""

import keras
import numpy as np
import pytest
import torch

import torchkeras
from torchkeras import layers

POLICIES = ["mixed_bfloat16", "mixed_float16"]
# Half precision keeps 8 (bfloat16) or 11 (float16) significant bits.
TOLERANCES = {"mixed_bfloat16": 1e-2, "mixed_float16": 1e-3}

CONFIGS = {
    "last_output": {"units": 3},
    "sequences_and_state": {
        "units": 3,
        "return_sequences": True,
        "return_state": True,
    },
    "backwards": {"units": 3, "go_backwards": True, "return_sequences": True},
    "relu_step_loop": {"units": 3, "activation": "relu"},
}


@pytest.fixture(autouse=True)
def _float32_policy_after_test():
    yield
    torchkeras.mixed_precision.set_global_policy("float32")
    keras.mixed_precision.set_global_policy("float32")


def _inputs(seed=0, shape=(4, 7, 5)):
    return np.random.default_rng(seed).standard_normal(shape).astype("float32")


def _pair(policy, **config):
    """Return (ours, theirs) under `policy`, ours with Keras's weights."""
    torchkeras.mixed_precision.set_global_policy(policy)
    keras.mixed_precision.set_global_policy(policy)
    theirs, ours = keras.layers.LSTM(**config), layers.LSTM(**config)
    theirs(_inputs())
    ours(torch.from_numpy(_inputs()))
    ours.set_weights(theirs.get_weights())
    return ours, theirs


def _as_list(outputs):
    return list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]


def _assert_close(ours, theirs, policy):
    ours, theirs = _as_list(ours), _as_list(theirs)
    assert len(ours) == len(theirs)
    for mine, reference in zip(ours, theirs):
        assert mine.dtype == reference.dtype
        np.testing.assert_allclose(
            mine.detach().float().numpy(),
            reference.detach().float().cpu().numpy(),
            atol=TOLERANCES[policy],
        )


@pytest.mark.parametrize("policy", POLICIES)
@pytest.mark.parametrize("name", list(CONFIGS))
def test_mixed_lstm_matches_keras(policy, name):
    ours, theirs = _pair(policy, **CONFIGS[name])
    x = _inputs(seed=1)
    _assert_close(ours(torch.from_numpy(x)), theirs(x), policy)


@pytest.mark.parametrize("policy", POLICIES)
def test_mixed_lstm_mask_matches_keras(policy):
    ours, theirs = _pair(policy, units=3, return_sequences=True)
    x = _inputs(seed=1)
    mask = np.ones((4, 7), dtype=bool)
    mask[0, 4:] = False
    mask[2, 1:3] = False
    expected = theirs(x, mask=mask)
    actual = ours(torch.from_numpy(x), mask=torch.from_numpy(mask))
    _assert_close(actual, expected, policy)


@pytest.mark.parametrize("policy", POLICIES)
def test_mixed_stateful_lstm_matches_keras(policy):
    # A stateful Keras 3.15.1 LSTM keeps zero states under a mixed policy,
    # so the reference passes each call's final states to the next call.
    ours, theirs = _pair(policy, units=3, return_state=True)
    stateful = layers.LSTM(3, stateful=True)
    stateful(torch.from_numpy(_inputs()))
    stateful.set_weights(ours.get_weights())
    stateful.reset_state()
    states = None
    for seed in (1, 2, 3):
        x = _inputs(seed=seed)
        expected, *states = theirs(x, initial_state=states)
        _assert_close(stateful(torch.from_numpy(x)), expected, policy)


@pytest.mark.parametrize("policy", POLICIES)
def test_mixed_lstm_keeps_float32_weights(policy):
    ours, _ = _pair(policy, units=3)
    output = ours(torch.from_numpy(_inputs()), training=True)
    output.float().sum().backward()
    for weight in ours.weights:
        assert weight.dtype == torch.float32
        assert weight.grad is not None
        assert weight.grad.dtype == torch.float32


@pytest.mark.parametrize("policy", POLICIES)
def test_mixed_lstm_in_model_fits(policy):
    torchkeras.mixed_precision.set_global_policy(policy)
    model = torchkeras.Sequential(
        [
            torchkeras.Input((7, 5)),
            layers.LSTM(3),
            layers.Dense(1, dtype="float32"),
        ]
    )
    model.compile(optimizer="adam", loss="mse")
    x, y = _inputs(), np.ones((4, 1), dtype="float32")
    history = model.fit(x, y, epochs=2, verbose=0)
    assert all(np.isfinite(history.history["loss"]))
    assert model.predict(x, verbose=0).dtype == np.float32
