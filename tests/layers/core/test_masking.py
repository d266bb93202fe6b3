"""Parity of Masking with Keras 3, and its mask reaching later layers."""

import os

os.environ["KERAS_BACKEND"] = "torch"

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

import torchkeras  # noqa: E402
from torchkeras import layers  # noqa: E402


def _padded_batch(rng, mask_value=0.0):
    """Return a (3, 5, 4) batch with some timesteps set to `mask_value`."""
    x = rng.normal(size=(3, 5, 4)).astype("float32")
    x[0, 1] = mask_value
    x[1, 3:] = mask_value
    x[2, 0, :2] = mask_value  # partly padded: stays unmasked
    return x


@pytest.mark.parametrize("mask_value", [0.0, 1.5, -1])
def test_outputs_and_mask_match_keras(rng, mask_value):
    x = _padded_batch(rng, mask_value)
    theirs = keras.layers.Masking(mask_value=mask_value)
    ours = layers.Masking(mask_value=mask_value)
    expected = keras.ops.convert_to_numpy(theirs(x))
    np.testing.assert_array_equal(ours(torch.as_tensor(x)).numpy(), expected)
    expected_mask = keras.ops.convert_to_numpy(theirs.compute_mask(x))
    actual_mask = ours.compute_mask(torch.as_tensor(x)).numpy()
    np.testing.assert_array_equal(actual_mask, expected_mask)


def test_masked_timesteps_are_zero(rng):
    x = torch.as_tensor(_padded_batch(rng, mask_value=2.0))
    output = layers.Masking(mask_value=2.0)(x)
    assert torch.all(output[0, 1] == 0)
    assert torch.all(output[1, 3:] == 0)
    torch.testing.assert_close(output[0, 0], x[0, 0])


def test_two_dimensional_input_matches_keras():
    x = np.array([[0.0, 0.0], [1.0, 0.0]], dtype="float32")
    theirs = keras.layers.Masking()
    ours = layers.Masking()
    expected = keras.ops.convert_to_numpy(theirs(x))
    np.testing.assert_array_equal(ours(torch.as_tensor(x)).numpy(), expected)
    expected_mask = keras.ops.convert_to_numpy(theirs.compute_mask(x))
    actual_mask = ours.compute_mask(torch.as_tensor(x)).numpy()
    np.testing.assert_array_equal(actual_mask, expected_mask)


def test_layer_state_matches_keras(parity):
    theirs = keras.layers.Masking(mask_value=-1.0)
    ours = layers.Masking(mask_value=-1.0)
    assert ours.supports_masking
    assert ours.built
    assert ours.weights == []
    assert ours.compute_output_shape((None, 5, 4)) == (None, 5, 4)
    parity.assert_same_config_keys(theirs, ours)
    parity.assert_config_round_trip(ours)
    assert ours.get_config()["mask_value"] == -1.0


def test_gradients_skip_masked_timesteps(rng):
    x = torch.as_tensor(_padded_batch(rng)).requires_grad_()
    layers.Masking()(x).sum().backward()
    assert torch.all(x.grad[0, 1] == 0)
    assert torch.all(x.grad[0, 0] == 1)


def test_mask_reaches_pooling_in_sequential(rng):
    x = _padded_batch(rng)
    theirs = keras.Sequential(
        [
            keras.Input((5, 4)),
            keras.layers.Masking(),
            keras.layers.GlobalAveragePooling1D(),
        ]
    )
    ours = torchkeras.Sequential(
        [
            torchkeras.Input((5, 4)),
            layers.Masking(),
            layers.GlobalAveragePooling1D(),
        ]
    )
    expected = keras.ops.convert_to_numpy(theirs(x))
    actual = ours(torch.as_tensor(x)).detach().numpy()
    np.testing.assert_allclose(actual, expected, atol=1e-6)


def test_serialized_tensor_mask_value_raises():
    serialized = {"class_name": "__tensor__", "config": {"value": [0.0]}}
    with pytest.raises(
        NotImplementedError, match="serialized tensor as `mask_value`"
    ):
        layers.Masking(mask_value=serialized)
