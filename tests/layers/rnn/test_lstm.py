"""LSTM against Keras 3: outputs, weights, config, paths and errors."""

import keras
import numpy as np
import pytest
import torch

from torchkeras import layers

INPUT_SHAPE = (3, 6, 4)


def _inputs(shape=INPUT_SHAPE, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype("float32")


def _pair(x=None, **config):
    """Return (ours, theirs) built on `x`, ours with a copy of Keras's weights."""
    x = _inputs() if x is None else x
    theirs = keras.layers.LSTM(**config)
    ours = layers.LSTM(**config)
    theirs(x)
    ours(torch.from_numpy(x))
    ours.set_weights(theirs.get_weights())
    return ours, theirs


def _numpy(values):
    if isinstance(values, (list, tuple)):
        return [_numpy(v) for v in values]
    if isinstance(values, torch.Tensor):
        return values.detach().numpy()
    return keras.ops.convert_to_numpy(values)


def assert_outputs_close(ours, theirs, atol=1e-5):
    ours, theirs = _numpy(ours), _numpy(theirs)
    if isinstance(theirs, list):
        assert isinstance(ours, list)
        assert len(ours) == len(theirs)
        for mine, reference in zip(ours, theirs):
            assert mine.shape == reference.shape
            np.testing.assert_allclose(mine, reference, atol=atol, rtol=1e-5)
        return
    assert ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs, atol=atol, rtol=1e-5)


CONFIGS = {
    "last_output": {"units": 5},
    "sequences": {"units": 5, "return_sequences": True},
    "state": {"units": 5, "return_state": True},
    "sequences_and_state": {
        "units": 5,
        "return_sequences": True,
        "return_state": True,
    },
    "backwards": {"units": 5, "go_backwards": True, "return_sequences": True},
    "backwards_state": {"units": 5, "go_backwards": True, "return_state": True},
    "no_bias": {"units": 5, "use_bias": False, "return_sequences": True},
    "no_forget_bias": {"units": 5, "unit_forget_bias": False},
    "relu_step_loop": {"units": 5, "activation": "relu", "return_state": True},
    "hard_sigmoid_gates": {"units": 5, "recurrent_activation": "hard_sigmoid"},
    "unroll": {"units": 5, "unroll": True, "return_sequences": True},
    "no_cudnn": {
        "units": 5,
        "use_cudnn": False,
        "go_backwards": True,
        "return_state": True,
    },
    "dropout_inference": {"units": 5, "dropout": 0.4, "return_sequences": True},
    "recurrent_dropout_inference": {
        "units": 5,
        "dropout": 0.2,
        "recurrent_dropout": 0.3,
        "return_state": True,
    },
}


@pytest.mark.parametrize("name", list(CONFIGS), ids=list(CONFIGS))
def test_lstm_matches_keras(name):
    ours, theirs = _pair(**CONFIGS[name])
    x = _inputs(seed=1)
    assert_outputs_close(ours(torch.from_numpy(x)), theirs(x))


@pytest.mark.parametrize("name", ["state", "backwards_state", "relu_step_loop"])
def test_lstm_initial_state_matches_keras(name):
    ours, theirs = _pair(**CONFIGS[name])
    x = _inputs(seed=1)
    h0, c0 = _inputs((3, 5), seed=2), _inputs((3, 5), seed=3)
    expected = theirs(x, initial_state=[h0, c0])
    actual = ours(
        torch.from_numpy(x),
        initial_state=[torch.from_numpy(h0), torch.from_numpy(c0)],
    )
    assert_outputs_close(actual, expected)


def test_lstm_weights_match_keras_layout():
    ours, theirs = _pair(units=5, name="encoder")
    assert [w.name for w in ours.weights] == [w.name for w in theirs.weights]
    assert [w.path for w in ours.weights] == [w.path for w in theirs.weights]
    shapes = [tuple(w.shape) for w in ours.weights]
    assert shapes == [(4, 20), (5, 20), (20,)]
    assert shapes == [tuple(w.shape) for w in theirs.weights]
    assert ours.count_params() == theirs.count_params()


def test_lstm_default_initializers():
    layer = layers.LSTM(8)
    layer(torch.ones(2, 3, 4))
    kernel, recurrent_kernel, bias = layer.get_weights()
    limit = np.sqrt(6 / (4 + 32))
    assert np.abs(kernel).max() <= limit
    # A (units, 4 * units) orthogonal matrix has orthonormal rows.
    np.testing.assert_allclose(
        recurrent_kernel @ recurrent_kernel.T, np.eye(8), atol=1e-5
    )
    expected_bias = np.concatenate([np.zeros(8), np.ones(8), np.zeros(16)])
    np.testing.assert_array_equal(bias, expected_bias)


def test_lstm_return_state_gives_tuple():
    ours, theirs = _pair(units=3, return_state=True)
    x = _inputs()
    assert type(ours(torch.from_numpy(x))) is type(theirs(x)) is tuple


def test_lstm_state_dict_keys_follow_structure():
    layer = layers.LSTM(3)
    layer(torch.ones(2, 4, 5))
    keys = list(layer.state_dict())
    assert keys == ["cell.kernel", "cell.recurrent_kernel", "cell.bias"]


def test_lstm_config_equals_keras():
    config = {
        "units": 4,
        "activation": "relu",
        "dropout": 0.25,
        "seed": 7,
        "go_backwards": True,
        "kernel_regularizer": "l2",
    }
    ours, theirs = layers.LSTM(**config), keras.layers.LSTM(**config)
    our_config, their_config = ours.get_config(), theirs.get_config()
    del our_config["name"], their_config["name"]
    assert our_config == their_config


def test_lstm_from_config_round_trip():
    layer = layers.LSTM(3, return_state=True, stateful=True, name="encoder")
    clone = layers.LSTM.from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()
    assert clone.name == "encoder"


def test_lstm_loads_keras_config():
    theirs = keras.layers.LSTM(3, go_backwards=True, zero_output_for_mask=True)
    ours = layers.LSTM.from_config(theirs.get_config())
    assert ours.go_backwards is True
    assert ours.zero_output_for_mask is True


def test_lstm_compute_output_shape_matches_keras():
    for config in CONFIGS.values():
        ours, theirs = layers.LSTM(**config), keras.layers.LSTM(**config)
        expected = theirs.compute_output_shape((None, 7, 4))
        assert ours.compute_output_shape((None, 7, 4)) == expected, config


def test_lstm_regularizer_losses_match_keras():
    ours, theirs = _pair(
        units=3,
        kernel_regularizer="l2",
        recurrent_regularizer="l1",
        bias_regularizer="l2",
    )
    ours_losses = [loss.item() for loss in ours.losses]
    theirs_losses = [float(_numpy(loss)) for loss in theirs.losses]
    np.testing.assert_allclose(ours_losses, theirs_losses, rtol=1e-5)


def test_lstm_frozen_has_no_trainable_weights():
    layer = layers.LSTM(3, trainable=False)
    layer(torch.ones(2, 4, 5))
    assert layer.trainable_weights == []
    assert len(layer.non_trainable_weights) == 3
    assert not any(p.requires_grad for p in layer.parameters())


def test_lstm_fused_kernel_gets_weight_views():
    layer = layers.LSTM(3)
    layer(torch.ones(2, 4, 5))
    kernel, recurrent_kernel, bias, zero_bias = layer._kernel_parameters()
    assert kernel.data_ptr() == layer.cell.kernel.data_ptr()
    assert recurrent_kernel.data_ptr() == layer.cell.recurrent_kernel.data_ptr()
    assert bias is layer.cell.bias
    assert not zero_bias.any()


@pytest.mark.parametrize("units", [0, -2, 2.5, "3", True])
def test_lstm_invalid_units_raises(units):
    with pytest.raises(ValueError, match="`units` must be a positive integer"):
        layers.LSTM(units)


def test_lstm_unknown_activation_raises():
    with pytest.raises(ValueError, match="'tahn'. Did you mean 'tanh'"):
        layers.LSTM(3, activation="tahn")


def test_lstm_invalid_use_cudnn_raises():
    with pytest.raises(ValueError, match="`use_cudnn` must be 'auto', True or"):
        layers.LSTM(3, use_cudnn="yes")


@pytest.mark.parametrize("shape", [(2, 5), (2, 3, 4, 5)], ids=["2d", "4d"])
def test_lstm_input_not_3d_raises(shape):
    layer = layers.LSTM(3, name="encoder")
    received = str((None,) + shape[1:])
    with pytest.raises(
        ValueError, match="Layer 'encoder' \\(LSTM\\) expects"
    ) as info:
        layer(torch.ones(shape))
    assert received in str(info.value)


def test_lstm_symbolic_input_not_3d_raises():
    from torchkeras import Input

    with pytest.raises(ValueError, match="expects a 3-D input") as info:
        layers.LSTM(3, name="encoder")(Input((5,)))
    assert "(None, 5)" in str(info.value)


def test_lstm_built_layer_rejects_other_rank():
    layer = layers.LSTM(3, name="encoder")
    layer(torch.ones(2, 4, 5))
    # The batch size shows as None or as the received size, depending on
    # how the base Layer formats shapes.
    message = (
        "layer 'encoder' .*expected ndim=3, found ndim=2. "
        r"Full shape received: \((None|2), 5\)"
    )
    with pytest.raises(ValueError, match=message):
        layer(torch.ones(2, 5))


def test_lstm_wrong_number_of_initial_states_raises():
    layer = layers.LSTM(3)
    with pytest.raises(ValueError, match="expects 2 initial states"):
        layer(torch.ones(2, 4, 5), initial_state=[torch.zeros(2, 3)])


def test_lstm_gate_order_matches_torch_lstm():
    # The step loop splits gates in Keras's order (i, f, c, o), so equal
    # outputs show that torch's (i, f, g, o) is the same order.
    layer = layers.LSTM(5, return_sequences=True, use_cudnn=False)
    x = torch.from_numpy(_inputs())
    expected = layer(x)
    reference = torch.nn.LSTM(4, 5, batch_first=True)
    kernel, recurrent_kernel, bias = layer.get_weights()
    with torch.no_grad():
        reference.weight_ih_l0.copy_(torch.from_numpy(kernel.T))
        reference.weight_hh_l0.copy_(torch.from_numpy(recurrent_kernel.T))
        reference.bias_ih_l0.copy_(torch.from_numpy(bias))
        reference.bias_hh_l0.zero_()
        actual, _ = reference(x)
    torch.testing.assert_close(actual, expected, atol=1e-6, rtol=1e-5)
