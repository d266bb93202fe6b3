"""LSTM masks, fused and step-loop paths, dropout, stateful and use_cudnn."""

import keras
import numpy as np
import pytest
import torch
from test_lstm import _inputs
from test_lstm import _pair
from test_lstm import assert_outputs_close

from torchkeras import layers
from torchkeras.layers.rnn.lstm import LSTM


def _right_padded_mask():
    mask = np.ones((3, 6), dtype=bool)
    mask[0, 4:] = False
    mask[1, 1:] = False
    return mask


def _arbitrary_mask():
    mask = np.ones((3, 6), dtype=bool)
    mask[0, [1, 4]] = False
    mask[1, :2] = False  # left padding
    mask[2, 3:] = False
    mask[2, 5] = True
    return mask


MASKS = {"right_padded": _right_padded_mask, "arbitrary": _arbitrary_mask}

MASK_CONFIGS = {
    "last_output": {"units": 4},
    "sequences_and_state": {
        "units": 4,
        "return_sequences": True,
        "return_state": True,
    },
    "backwards": {"units": 4, "go_backwards": True, "return_sequences": True},
    "backwards_state": {"units": 4, "go_backwards": True, "return_state": True},
    "zero_output": {
        "units": 4,
        "return_sequences": True,
        "zero_output_for_mask": True,
    },
    "zero_output_last": {"units": 4, "zero_output_for_mask": True},
    "zero_output_backwards": {
        "units": 4,
        "go_backwards": True,
        "return_sequences": True,
        "zero_output_for_mask": True,
    },
    "no_bias": {"units": 4, "use_bias": False, "return_state": True},
}


@pytest.mark.parametrize("mask_name", list(MASKS))
@pytest.mark.parametrize("name", list(MASK_CONFIGS))
def test_lstm_mask_matches_keras(name, mask_name):
    ours, theirs = _pair(**MASK_CONFIGS[name])
    x = _inputs(seed=1)
    mask = MASKS[mask_name]()
    expected = theirs(x, mask=mask)
    actual = ours(torch.from_numpy(x), mask=torch.from_numpy(mask))
    assert_outputs_close(actual, expected)


def _count_step_loops(monkeypatch):
    calls = []
    original = LSTM._run_step_loop

    def spy(self, *args, **kwargs):
        calls.append(self.name)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(LSTM, "_run_step_loop", spy)
    return calls


@pytest.mark.parametrize(
    "config, mask_name, step_loop",
    [
        ({}, None, False),
        ({}, "right_padded", False),
        ({"go_backwards": True}, "right_padded", False),
        ({}, "arbitrary", True),
        ({"use_cudnn": False}, None, True),
        ({"unroll": True}, None, True),
        ({"activation": "relu"}, None, True),
        ({"recurrent_dropout": 0.5}, None, False),
    ],
    ids=[
        "no_mask",
        "right_padded",
        "right_padded_backwards",
        "arbitrary_mask",
        "use_cudnn_false",
        "unroll",
        "relu",
        "recurrent_dropout_inference",
    ],
)
def test_lstm_path_choice(monkeypatch, config, mask_name, step_loop):
    calls = _count_step_loops(monkeypatch)
    layer = layers.LSTM(4, **config)
    mask = None if mask_name is None else torch.from_numpy(MASKS[mask_name]())
    layer(torch.from_numpy(_inputs()), mask=mask)
    assert bool(calls) == step_loop


def test_lstm_fully_masked_row_matches_keras():
    ours, theirs = _pair(units=4, return_sequences=True, return_state=True)
    x = _inputs(seed=1)
    mask = _right_padded_mask()
    mask[2] = False
    expected = theirs(x, mask=mask)
    actual = ours(torch.from_numpy(x), mask=torch.from_numpy(mask))
    assert_outputs_close(actual, expected)


@pytest.mark.parametrize(
    "return_state", [False, True], ids=["padded", "packed"]
)
@pytest.mark.parametrize("mask_name", [None, "right_padded"])
def test_fused_gradients_equal_loop(mask_name, return_state):
    x = torch.from_numpy(_inputs(seed=1))
    mask = None if mask_name is None else torch.from_numpy(MASKS[mask_name]())
    config = {
        "return_sequences": True,
        "return_state": return_state,
        "go_backwards": True,
    }
    fused = layers.LSTM(4, **config)
    loop = layers.LSTM(4, use_cudnn=False, **config)
    fused(x)
    loop(x)
    loop.set_weights(fused.get_weights())
    for layer in (fused, loop):
        outputs = layer(x, mask=mask, training=True)
        if return_state:
            outputs = outputs[0] + outputs[2].unsqueeze(1)
        outputs.square().sum().backward()
    for mine, reference in zip(fused.weights, loop.weights):
        torch.testing.assert_close(
            mine.grad, reference.grad, atol=1e-5, rtol=1e-5
        )


@pytest.mark.parametrize(
    "config", [{"dropout": 0.5}, {"recurrent_dropout": 0.5}]
)
def test_lstm_dropout_applies_in_training_only(config):
    layer = layers.LSTM(4, return_sequences=True, **config)
    x = torch.from_numpy(_inputs())
    inference = layer(x)
    training = layer(x, training=True)
    assert not torch.allclose(inference, training)
    torch.testing.assert_close(layer(x, training=False), inference)


def test_lstm_dropout_seed_repeats_masks():
    x = torch.from_numpy(_inputs())
    first = layers.LSTM(4, dropout=0.5, recurrent_dropout=0.3, seed=3)
    second = layers.LSTM(4, dropout=0.5, recurrent_dropout=0.3, seed=3)
    first(x)
    second(x)
    second.set_weights(first.get_weights())
    torch.testing.assert_close(
        first(x, training=True), second(x, training=True)
    )


@pytest.mark.parametrize("mask_name", [None, "right_padded", "arbitrary"])
def test_lstm_stateful_matches_keras(mask_name):
    ours, theirs = _pair(units=4, stateful=True, return_sequences=True)
    ours.reset_state()
    theirs.reset_state()
    mask = None if mask_name is None else MASKS[mask_name]()
    our_mask = None if mask is None else torch.from_numpy(mask)
    for seed in (1, 2):
        x = _inputs(seed=seed)
        expected = theirs(x, mask=mask)
        assert_outputs_close(ours(torch.from_numpy(x), mask=our_mask), expected)


def test_lstm_stateful_reset_starts_from_zero():
    layer = layers.LSTM(4, stateful=True)
    x = torch.from_numpy(_inputs())
    mask = torch.from_numpy(_right_padded_mask())
    first = layer(x, mask=mask)
    assert not torch.allclose(layer(x, mask=mask), first)
    layer.reset_states()
    torch.testing.assert_close(layer(x, mask=mask), first)


def test_stateful_batch_change_raises():
    layer = layers.LSTM(4, stateful=True, name="encoder")
    layer(torch.from_numpy(_inputs()))
    with pytest.raises(
        ValueError, match="batch size of 3, but received a batch of 2"
    ):
        layer(torch.from_numpy(_inputs((2, 6, 4))))


def test_stateful_after_inference_trains():
    layer = layers.LSTM(4, stateful=True)
    x = torch.from_numpy(_inputs())
    with torch.inference_mode():
        layer(x)
    layer(x, training=True).sum().backward()
    assert layer.cell.kernel.grad is not None


@pytest.mark.parametrize(
    "config, reason",
    [
        ({"activation": "relu"}, "activation is not 'tanh'"),
        ({"recurrent_activation": "hard_sigmoid"}, "recurrent_activation"),
        ({"unroll": True}, "unroll=True"),
        ({"recurrent_dropout": 0.2}, "recurrent_dropout is not 0"),
    ],
    ids=["activation", "recurrent_activation", "unroll", "recurrent_dropout"],
)
def test_use_cudnn_unsupported_config_raises(config, reason):
    with pytest.raises(ValueError, match=f"use_cudnn=True.*{reason}"):
        layers.LSTM(4, use_cudnn=True, **config)


def test_use_cudnn_arbitrary_mask_raises():
    layer = layers.LSTM(4, use_cudnn=True, name="encoder")
    x = torch.from_numpy(_inputs())
    layer(x, mask=torch.from_numpy(_right_padded_mask()))
    with pytest.raises(ValueError, match="'encoder'.*right-padded"):
        layer(x, mask=torch.from_numpy(_arbitrary_mask()))


def test_keras_use_cudnn_mask_raises():
    layer = keras.layers.LSTM(4, use_cudnn=True)
    with pytest.raises(ValueError, match="use_cudnn"):
        layer(_inputs(), mask=_arbitrary_mask())


def test_compiled_lstm_matches_eager():
    layer = layers.LSTM(4, return_sequences=True, go_backwards=True)
    x = torch.from_numpy(_inputs())
    expected = layer(x, training=True)
    compiled = torch.compile(layer, backend="aot_eager")(x, training=True)
    torch.testing.assert_close(compiled, expected, atol=1e-5, rtol=1e-5)
    compiled.sum().backward()
    assert layer.cell.kernel.grad is not None
