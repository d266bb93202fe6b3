"""Parity of the activation layers with Keras 3."""

import os

os.environ["KERAS_BACKEND"] = "torch"

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from torchkeras import layers  # noqa: E402

# Values on and around the thresholds used below.
VALUES = np.array(
    [[-10.0, -5.0, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5, 2.0, 5.0, 6.0, 7.0]],
    "float32",
)

CASES = [
    ("Activation", dict(activation="relu")),
    ("Activation", dict(activation="gelu")),
    ("Activation", dict(activation="softmax")),
    ("Activation", dict(activation="tanh")),
    ("ReLU", dict()),
    ("ReLU", dict(max_value=6.0)),
    ("ReLU", dict(negative_slope=0.5)),
    ("ReLU", dict(threshold=1.0)),
    ("ReLU", dict(max_value=5.0, negative_slope=0.2, threshold=1.5)),
    ("ReLU", dict(max_value=6.0, negative_slope=0.1)),
    ("ReLU", dict(max_value=3.0, threshold=1.0)),
    ("LeakyReLU", dict()),
    ("LeakyReLU", dict(negative_slope=0.05)),
    ("Softmax", dict()),
    ("Softmax", dict(axis=1)),
    ("Softmax", dict(axis=(1, 2))),
    ("Softmax", dict(axis=[2])),
    ("ELU", dict()),
    ("ELU", dict(alpha=0.5)),
]


@pytest.mark.parametrize("name,config", CASES, ids=str)
def test_activation_layer_matches_keras(parity, rng, name, config):
    x = np.concatenate(
        [VALUES.reshape(1, 3, 4), rng.standard_normal((1, 3, 4))]
    ).astype("float32")
    theirs, ours = parity.make_pair(name, x, **config)
    parity.assert_same_outputs(theirs, ours, x)
    parity.assert_same_output_shape(theirs, ours, (None, 3, 4))
    parity.assert_same_config_keys(theirs, ours)
    parity.assert_config_round_trip(ours)
    assert ours.weights == []


def test_relu_threshold_value_is_zero():
    # Keras keeps values strictly above the threshold.
    output = layers.ReLU(threshold=1.0)(torch.tensor([1.0, 1.5]))
    np.testing.assert_array_equal(output.numpy(), [0.0, 1.5])


def test_leaky_relu_default_slope():
    output = layers.LeakyReLU()(torch.tensor([-1.0, 2.0]))
    np.testing.assert_allclose(output.numpy(), [-0.3, 2.0], rtol=1e-6)


def test_leaky_relu_alpha_warns():
    with pytest.warns(UserWarning, match="`alpha` of LeakyReLU"):
        layer = layers.LeakyReLU(alpha=0.1)
    assert layer.negative_slope == 0.1


@pytest.mark.parametrize(
    "mask",
    [
        np.array([[1, 1, 0, 0], [1, 0, 1, 0], [0, 0, 0, 0]], bool),
        np.array([[1.0, 0.2, 0.9, 0.0]], "float32"),
    ],
    ids=["boolean", "float_broadcast"],
)
def test_softmax_mask_matches_keras(parity, rng, mask):
    x = rng.standard_normal((2, 3, 4)).astype("float32")
    theirs, ours = parity.make_pair("Softmax", x)
    expected = parity.keras_output(theirs, x, mask=mask)
    actual = ours(x, mask=torch.as_tensor(mask)).numpy()
    np.testing.assert_allclose(actual, expected, atol=1e-6)


def test_softmax_bad_mask_raises():
    layer = layers.Softmax(name="softmax_a")
    with pytest.raises(ValueError, match="softmax_a.*must broadcast"):
        layer(torch.ones(2, 3), mask=torch.ones(2, 4, dtype=torch.bool))
    with pytest.raises(ValueError, match="must broadcast"):
        layer(torch.ones(3), mask=torch.ones(2, 3, dtype=torch.bool))


def test_activation_unknown_name_raises():
    with pytest.raises(ValueError, match="relu"):
        layers.Activation("rellu")


def test_activation_accepts_callable():
    layer = layers.Activation(torch.sin)
    np.testing.assert_allclose(layer(torch.zeros(2)).numpy(), [0.0, 0.0])


@pytest.mark.parametrize(
    "kwargs,match",
    [
        (dict(max_value=-1.0), "`max_value` of a ReLU layer must be >= 0"),
        (dict(negative_slope=-0.1), "`negative_slope` of a ReLU layer"),
        (dict(negative_slope=None), "`negative_slope` of a ReLU layer"),
        (dict(threshold=-1.0), "`threshold` of a ReLU layer"),
        (dict(threshold=None), "`threshold` of a ReLU layer"),
    ],
)
def test_relu_invalid_arguments_raise(kwargs, match):
    with pytest.raises(ValueError, match=match):
        layers.ReLU(**kwargs)


@pytest.mark.parametrize("slope", [-0.1, None])
def test_leaky_relu_invalid_slope_raises(slope):
    with pytest.raises(ValueError, match="`negative_slope` of a LeakyReLU"):
        layers.LeakyReLU(negative_slope=slope)
