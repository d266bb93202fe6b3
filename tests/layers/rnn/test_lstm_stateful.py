"""Stateful LSTM inside models, against Keras 3."""

import keras
import numpy as np
import pytest
import torch

import torchkeras
from torch._subclasses.fake_tensor import FakeTensor

BATCH_SHAPE = (4, 7, 5)


def _inputs(seed, shape=BATCH_SHAPE):
    return np.random.default_rng(seed).standard_normal(shape).astype("float32")


def _stateful_model(module):
    return module.Sequential(
        [
            module.Input(batch_shape=BATCH_SHAPE),
            module.layers.LSTM(3, stateful=True),
            module.layers.Dense(1),
        ]
    )


def _twins():
    theirs, ours = _stateful_model(keras), _stateful_model(torchkeras)
    ours.set_weights(theirs.get_weights())
    return ours, theirs


def test_model_call_returns_real_tensor():
    ours, _ = _twins()
    output = ours(torch.from_numpy(_inputs(0)))
    assert not isinstance(output, FakeTensor)
    assert type(output) is torch.Tensor


def test_model_calls_match_keras():
    ours, theirs = _twins()
    for seed in range(3):
        x = _inputs(seed)
        expected = keras.ops.convert_to_numpy(theirs(x))
        actual = ours(torch.from_numpy(x)).detach().numpy()
        np.testing.assert_allclose(actual, expected, atol=1e-5, rtol=1e-5)


def test_model_predict_matches_keras():
    ours, theirs = _twins()
    x = np.concatenate([_inputs(seed) for seed in range(3)])
    expected = theirs.predict(x, batch_size=4, verbose=0)
    actual = ours.predict(x, batch_size=4, verbose=0)
    np.testing.assert_allclose(actual, expected, atol=1e-5, rtol=1e-5)


def test_model_fit_trains():
    # Keras 3.15.1 cannot fit this model on its torch backend (autograd
    # reports an in-place change of the stored states), so the check is
    # that training runs on real states and moves the weights.
    ours, _ = _twins()
    x = np.concatenate([_inputs(seed) for seed in range(3)])
    y = np.random.default_rng(5).standard_normal((12, 1)).astype("float32")
    before = ours.get_weights()
    ours.compile(optimizer=torchkeras.optimizers.SGD(0.1), loss="mse")
    history = ours.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    losses = history.history["loss"]
    assert all(np.isfinite(losses))
    assert losses[0] > 0.0
    assert losses[1] < losses[0]
    for weight, start in zip(ours.get_weights(), before):
        assert not np.allclose(weight, start)
    assert type(ours.layers[0].states[0]) is torch.Tensor


def test_model_reset_states_starts_from_zero():
    ours, _ = _twins()
    lstm = ours.layers[0]
    x = torch.from_numpy(_inputs(0))
    first = ours(x)
    assert not torch.allclose(ours(x), first)
    lstm.reset_states()
    torch.testing.assert_close(ours(x), first)


def test_symbolic_call_keeps_no_state():
    layer = torchkeras.layers.LSTM(3, stateful=True)
    layer(torchkeras.Input(batch_shape=BATCH_SHAPE))
    assert layer.states is None



def test_unknown_batch_size_raises():
    message = (
        r"Layer 'encoder' \(LSTM\) is stateful, so it needs a static batch "
        r"size, but received an input of shape \(None, 7, 5\).*"
        r"`Input\(batch_shape=\(32, 7, 5\)\)` or "
        r"`Input\(shape=\(7, 5\), batch_size=32\)`"
    )
    with pytest.raises(ValueError, match=message):
        torchkeras.Sequential(
            [
                torchkeras.Input((7, 5)),
                torchkeras.layers.LSTM(3, stateful=True, name="encoder"),
            ]
        )


def test_keras_unknown_batch_size_raises():
    with pytest.raises(ValueError, match="batch size must be static"):
        keras.Sequential(
            [keras.Input((7, 5)), keras.layers.LSTM(3, stateful=True)]
        )


def test_stateful_layer_alone_needs_no_input():
    layer = torchkeras.layers.LSTM(3, stateful=True)
    first = layer(torch.from_numpy(_inputs(0)))
    assert first.shape == (4, 3)
    assert layer.states[0].shape == (4, 3)


class _Encoder(torchkeras.layers.Layer):
    """A layer without `build` whose LSTM is built by its first call."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.lstm = torchkeras.layers.LSTM(3, stateful=True)

    def call(self, inputs):
        return self.lstm(inputs)


def test_build_call_on_zeros_keeps_no_state():
    # The sublayers are built by one call on zeros, whose final states
    # must not become the first call's initial states.
    encoder = _Encoder()
    model = torchkeras.Sequential([torchkeras.Input(batch_shape=BATCH_SHAPE), encoder])
    assert encoder.lstm.states is None
    x = torch.from_numpy(_inputs(0))
    first = model(x)
    encoder.lstm.reset_states()
    torch.testing.assert_close(model(x), first)
