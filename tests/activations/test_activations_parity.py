"""Parity of `torchkeras.activations` with `keras.activations` (torch)."""

import os

os.environ["KERAS_BACKEND"] = "torch"

import keras
import numpy as np
import pytest
import torch

from torchkeras import activations
from torchkeras import ops

# Steps of 0.1 that hit the kinks exactly: -1, 0, 1, 3, 6 and thresholds.
GRID = (np.arange(-80, 80, dtype=np.float32) / 10).reshape(8, 20)
RANDOM = np.random.default_rng(0).normal(size=(4, 6)).astype(np.float32)
KERAS_NAMES = sorted(keras.src.activations.ALL_OBJECTS_DICT)


def variant(name, inputs=GRID, id=None, **kwargs):
    return pytest.param(name, inputs, kwargs, id=id or name)


VARIANTS = [variant(name) for name in KERAS_NAMES if name != "sparsemax"] + [
    variant("relu", negative_slope=0.1, id="relu-slope"),
    variant("relu", max_value=6.0, id="relu-max6"),
    variant("relu", max_value=2.5, id="relu-max"),
    variant("relu", threshold=1.0, id="relu-threshold"),
    variant(
        "relu", threshold=-1.0, max_value=4.0, id="relu-negative-threshold"
    ),
    variant(
        "relu",
        negative_slope=0.3,
        max_value=5.0,
        threshold=2.0,
        id="relu-all",
    ),
    variant("leaky_relu", negative_slope=0.05, id="leaky_relu-slope"),
    variant("elu", alpha=0.5, id="elu-alpha"),
    variant("celu", alpha=2.0, id="celu-alpha"),
    variant("gelu", approximate=True, id="gelu-approximate"),
    variant("softmax", RANDOM, axis=0, id="softmax-axis0"),
    variant("log_softmax", RANDOM, axis=0, id="log_softmax-axis0"),
    variant("glu", RANDOM, axis=0, id="glu-axis0"),
    variant("soft_shrink", threshold=1.0, id="soft_shrink-threshold"),
    variant("hard_shrink", threshold=1.0, id="hard_shrink-threshold"),
    variant("squareplus", b=1, id="squareplus-b"),
]


def _call_keras(name, inputs, kwargs):
    if name == "threshold":
        kwargs = {"threshold": 0.5, "default_value": -1.0, **kwargs}
    result = getattr(keras.activations, name)(torch.tensor(inputs), **kwargs)
    return result, kwargs


@pytest.mark.parametrize("name,inputs,kwargs", VARIANTS)
def test_activation_matches_keras(name, inputs, kwargs):
    expected, kwargs = _call_keras(name, inputs, kwargs)
    result = getattr(activations, name)(torch.tensor(inputs), **kwargs)
    assert result.dtype == expected.dtype
    np.testing.assert_allclose(
        result.numpy(), expected.numpy(), rtol=1e-6, atol=1e-6
    )


@pytest.mark.parametrize("name", KERAS_NAMES)
def test_get_resolves_every_keras_name(name):
    ours = activations.get(name)
    theirs = keras.activations.get(name)
    kwargs = (
        {"threshold": 0.5, "default_value": -1.0} if name == "threshold" else {}
    )
    inputs = torch.tensor(RANDOM)
    expected = theirs(inputs, **kwargs)
    if name == "sparsemax":
        # keras.activations.sparsemax on torch (3.15.1) sums the running
        # sums instead of taking the last one; ops.sparsemax follows the
        # definition and has its own test.
        expected = ops.sparsemax(inputs)
    np.testing.assert_allclose(
        ours(inputs, **kwargs).numpy(), expected.numpy(), rtol=1e-6, atol=1e-6
    )


def test_exported_names_cover_keras():
    ours = set(activations.__all__)
    theirs = {n for n in dir(keras.activations) if not n.startswith("_")}
    assert theirs <= ours


def test_get_none_is_linear():
    assert activations.get(None) is activations.linear
    assert keras.activations.get(None) is keras.activations.linear


def test_get_callable_passes_through():
    fn = lambda x: x * 2
    assert activations.get(fn) is fn


def test_get_unknown_name_lists_close_matches():
    with pytest.raises(ValueError, match="Could not interpret activation"):
        keras.activations.get("rleu")
    with pytest.raises(
        ValueError, match="Could not interpret activation"
    ) as info:
        activations.get("rleu")
    assert "'relu'" in str(info.value)
    assert "'rleu'" in str(info.value)


def test_serialize_round_trips_names():
    for name in KERAS_NAMES:
        function = activations.get(name)
        assert activations.get(activations.serialize(function)) is function


def test_gelu_activation_is_exact():
    assert activations.gelu(torch.tensor(1.0)).item() == pytest.approx(
        0.8413447, abs=1e-6
    )


def test_hard_sigmoid_is_relu6_over_6():
    assert activations.hard_sigmoid(torch.tensor(1.0)).item() == pytest.approx(
        4 / 6
    )


@pytest.mark.xfail(
    strict=True,
    reason="torchkeras.activations call torch directly and reject numpy "
    "arrays, which keras.activations accept",
)
def test_activation_accepts_numpy():
    result = activations.relu(np.array([-1.0, 2.0], np.float32))
    np.testing.assert_array_equal(np.asarray(result), [0.0, 2.0])
