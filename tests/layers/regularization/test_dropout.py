"""Dropout: Keras's config and error behaviour, and its statistics."""

import os

os.environ["KERAS_BACKEND"] = "torch"

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from torchkeras import layers  # noqa: E402


def test_dropout_identity_in_inference(rng):
    x = rng.standard_normal((4, 5)).astype("float32")
    layer = layers.Dropout(0.5)
    np.testing.assert_array_equal(layer(x).numpy(), x)
    np.testing.assert_array_equal(layer(x, training=False).numpy(), x)


@pytest.mark.parametrize("seed", [None, 3])
@pytest.mark.parametrize("rate", [0.2, 0.5, 0.8])
def test_dropout_statistics_in_training(rate, seed):
    x = torch.ones(200, 500)
    output = layers.Dropout(rate, seed=seed)(x, training=True)
    kept = output != 0
    assert abs(kept.float().mean().item() - (1 - rate)) < 0.01
    # Inverted dropout: kept values are scaled by 1 / (1 - rate).
    np.testing.assert_allclose(output[kept].numpy(), 1 / (1 - rate), rtol=1e-6)
    assert abs(output.mean().item() - 1.0) < 0.02


def test_dropout_matches_keras_statistics():
    x = np.ones((100, 400), "float32")
    theirs = keras.ops.convert_to_numpy(
        keras.layers.Dropout(0.5)(x, training=True)
    )
    ours = layers.Dropout(0.5)(x, training=True).numpy()
    assert theirs.max() == ours.max() == 2.0
    assert abs((theirs == 0).mean() - (ours == 0).mean()) < 0.02


def test_dropout_rate_zero_and_one():
    x = torch.ones(3, 4)
    np.testing.assert_array_equal(
        layers.Dropout(0.0)(x, training=True).numpy(), x.numpy()
    )
    for seed in [None, 1]:
        output = layers.Dropout(1.0, seed=seed)(x, training=True)
        np.testing.assert_array_equal(output.numpy(), 0.0)


def test_dropout_noise_shape_shares_mask():
    x = torch.ones(4, 50, 6)
    output = layers.Dropout(0.5, noise_shape=(None, 1, 6))(x, training=True)
    # Every time step of a sample has the same features dropped.
    dropped = output == 0
    assert torch.equal(dropped, dropped[:, :1, :].expand_as(dropped))
    assert dropped.any()


def test_dropout_seed_is_reproducible():
    x = torch.ones(10, 10)
    first = layers.Dropout(0.5, seed=7)(x, training=True)
    second = layers.Dropout(0.5, seed=7)(x, training=True)
    assert torch.equal(first, second)
    layer = layers.Dropout(0.5, seed=7)
    assert not torch.equal(layer(x, training=True), layer(x, training=True))


def test_dropout_follows_torch_train_mode():
    layer = layers.Dropout(0.5)
    x = torch.ones(20, 20)
    assert torch.equal(layer(x), x)
    layer.train()
    assert (layer(x) == 0).any()


def test_dropout_config_matches_keras(parity):
    theirs = keras.layers.Dropout(0.3, noise_shape=(None, 1), seed=2)
    ours = layers.Dropout(0.3, noise_shape=(None, 1), seed=2)
    parity.assert_same_config_keys(theirs, ours)
    parity.assert_config_round_trip(ours)
    assert ours.get_config()["noise_shape"] == (None, 1)
    assert ours.compute_output_shape((None, 3)) == (None, 3)
    assert ours.weights == []


@pytest.mark.parametrize("rate", [-0.1, 1.5, "0.5", None])
def test_dropout_invalid_rate_raises(rate):
    with pytest.raises(ValueError, match=r"`rate` must be a float in \[0, 1\]"):
        layers.Dropout(rate)


@pytest.mark.parametrize("noise_shape", ["abc", 3, (2, 0), (2, 1.5)])
def test_dropout_invalid_noise_shape_raises(noise_shape):
    with pytest.raises(ValueError, match="noise_shape"):
        layers.Dropout(0.5, noise_shape=noise_shape)


def test_dropout_invalid_seed_raises():
    with pytest.raises(ValueError, match="`seed` must be an integer"):
        layers.Dropout(0.5, seed="1")


def test_dropout_noise_shape_rank_mismatch_raises():
    layer = layers.Dropout(0.5, noise_shape=(None, 1), name="drop_a")
    with pytest.raises(ValueError, match="drop_a.*one entry per input axis"):
        layer(torch.ones(2, 3, 4), training=True)
