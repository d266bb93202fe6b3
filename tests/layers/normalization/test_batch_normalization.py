"""Parity of BatchNormalization with Keras 3, in training and inference."""

import os

os.environ["KERAS_BACKEND"] = "torch"

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from torchkeras import layers  # noqa: E402

CASES = [
    ((8, 5, 5, 3), -1),
    ((8, 3, 5, 5), 1),
    ((16, 4), -1),
    ((4, 6, 3), 1),
    ((4, 6, 3), -1),
    ((1, 3), -1),
]


def _random_weights(rng, layer):
    """Return non-default weights: moving variance stays positive."""
    weights = [
        rng.standard_normal(w.shape).astype("float32") * 0.3
        for w in layer.get_weights()
    ]
    weights[-1] = np.abs(weights[-1]) + 0.5
    return weights


def _pair(rng, x, **config):
    theirs = keras.layers.BatchNormalization(**config)
    ours = layers.BatchNormalization(**config)
    theirs(x)
    ours(x)
    weights = _random_weights(rng, theirs)
    theirs.set_weights(weights)
    ours.set_weights(weights)
    return theirs, ours


@pytest.mark.parametrize("shape,axis", CASES, ids=str)
@pytest.mark.parametrize("center,scale", [(True, True), (False, False)])
def test_batch_norm_training_matches_keras(
    parity, rng, shape, axis, center, scale
):
    x = (rng.standard_normal(shape) * 3 + 1).astype("float32")
    config = dict(axis=axis, center=center, scale=scale, momentum=0.9)
    theirs, ours = _pair(rng, x, **config)
    # Two training steps, so the second starts from updated statistics.
    for _ in range(2):
        parity.assert_same_outputs(theirs, ours, x, training=True)
        parity.assert_same_weights(theirs, ours)
    parity.assert_same_outputs(theirs, ours, x, training=False)
    parity.assert_same_output_shape(theirs, ours, (None,) + shape[1:])


@pytest.mark.parametrize("shape,axis", CASES, ids=str)
def test_batch_norm_inference_matches_keras(parity, rng, shape, axis):
    x = rng.standard_normal(shape).astype("float32")
    theirs, ours = _pair(rng, x, axis=axis)
    parity.assert_same_outputs(theirs, ours, x)
    parity.assert_same_outputs(theirs, ours, x, training=False)
    parity.assert_same_weights(theirs, ours)


def test_batch_norm_moving_statistics_rule(rng):
    x = rng.standard_normal((32, 3)).astype("float32") * 2 + 5
    layer = layers.BatchNormalization()
    layer(x, training=True)
    mean, variance = layer.get_weights()[2:]
    np.testing.assert_allclose(mean, 0.01 * x.mean(axis=0), rtol=1e-5)
    # Keras uses the biased batch variance (ddof=0).
    expected = 0.99 + 0.01 * x.var(axis=0, ddof=0)
    np.testing.assert_allclose(variance, expected, rtol=1e-5)


def test_batch_norm_frozen_runs_inference(parity, rng):
    x = rng.standard_normal((8, 4, 4, 3)).astype("float32")
    theirs, ours = _pair(rng, x)
    theirs.trainable = False
    ours.trainable = False
    before = ours.get_weights()
    parity.assert_same_outputs(theirs, ours, x, training=True)
    for after, initial in zip(ours.get_weights(), before):
        np.testing.assert_array_equal(after, initial)
    parity.assert_same_weights(theirs, ours)
    assert ours.trainable_weights == []


def test_batch_norm_frozen_default_weights_value():
    layer = layers.BatchNormalization(trainable=False)
    output = layer(np.ones((4, 2), "float32"), training=True)
    np.testing.assert_allclose(output.numpy(), 1 / np.sqrt(1.001), rtol=1e-6)
    np.testing.assert_array_equal(layer.moving_mean.numpy(), 0.0)


def test_batch_norm_follows_torch_train_mode(rng):
    x = rng.standard_normal((8, 3)).astype("float32") + 4
    layer = layers.BatchNormalization()
    layer(x)
    np.testing.assert_array_equal(layer.moving_mean.numpy(), 0.0)
    layer.train()
    layer(x)
    assert np.all(layer.moving_mean.numpy() > 0)


def test_batch_norm_mask_matches_keras(parity, rng):
    x = rng.standard_normal((4, 6, 3)).astype("float32")
    mask = rng.random((4, 6)) > 0.4
    theirs, ours = _pair(rng, x)
    expected = parity.keras_output(theirs, x, training=True, mask=mask)
    actual = ours(x, training=True, mask=torch.as_tensor(mask))
    np.testing.assert_allclose(actual.detach().numpy(), expected, atol=1e-5)
    parity.assert_same_weights(theirs, ours)


def test_batch_norm_gradients(rng):
    layer = layers.BatchNormalization()
    x = torch.as_tensor(rng.standard_normal((8, 3)).astype("float32"))
    x.requires_grad_(True)
    (layer(x, training=True) * torch.arange(3.0)).sum().backward()
    assert layer.gamma.grad is not None
    assert layer.beta.grad is not None
    assert layer.moving_mean.grad is None
    # The batch-statistics path: the gradient of a normalized sum is 0.
    np.testing.assert_allclose(x.grad[:, 0].numpy(), 0.0, atol=1e-6)


def test_batch_norm_state_dict_keys():
    layer = layers.BatchNormalization()
    layer.build((None, 3))
    assert list(layer.state_dict()) == [
        "gamma",
        "beta",
        "moving_mean",
        "moving_variance",
    ]


def test_batch_norm_config_matches_keras(parity):
    theirs = keras.layers.BatchNormalization(axis=1, momentum=0.9)
    ours = layers.BatchNormalization(axis=1, momentum=0.9)
    parity.assert_same_config_keys(theirs, ours)
    parity.assert_config_round_trip(ours)


@pytest.mark.parametrize(
    "kwargs,match",
    [
        (dict(renorm=True), "renorm=True"),
        (dict(synchronized=True), "synchronized=True"),
    ],
)
def test_batch_norm_unsupported_options_raise(kwargs, match):
    with pytest.raises(NotImplementedError, match=match):
        layers.BatchNormalization(**kwargs)


def test_batch_norm_invalid_arguments_raise():
    with pytest.raises(TypeError, match="`axis` must be an integer"):
        layers.BatchNormalization(axis=[1, 2])
    with pytest.raises(ValueError, match="`epsilon` must be a positive"):
        layers.BatchNormalization(epsilon=0.0)


def test_batch_norm_build_errors():
    with pytest.raises(ValueError, match="non-batch axis"):
        layers.BatchNormalization(axis=3).build((None, 4, 4))
    with pytest.raises(ValueError, match="non-batch axis"):
        layers.BatchNormalization(axis=0).build((None, 4))
    with pytest.raises(ValueError, match="known size"):
        layers.BatchNormalization().build((None, None))
    with pytest.raises(ValueError, match="out of range"):
        layers.BatchNormalization(axis=2).compute_output_shape((None, 4))


def test_batch_norm_bad_mask_raises(rng):
    layer = layers.BatchNormalization()
    x = torch.ones(4, 6, 3)
    with pytest.raises(ValueError, match="one axis fewer"):
        layer(x, training=True, mask=torch.ones(4, 6, 3, dtype=torch.bool))


def test_batch_norm_shared_layer_backward(rng):
    # Two training calls before one backward pass: the second update of
    # the moving statistics must not break the first call's graph.
    layer = layers.BatchNormalization()
    x = torch.as_tensor(rng.standard_normal((8, 3)).astype("float32"))
    first = layer(x, training=True)
    second = layer(x * 2, training=True)
    (first.square().sum() + second.square().sum()).backward()
    assert layer.gamma.grad is not None
