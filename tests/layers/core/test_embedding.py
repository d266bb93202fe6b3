"""Parity of Embedding with Keras 3, masking and its argument errors."""

import os

os.environ["KERAS_BACKEND"] = "torch"

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from torchkeras import layers  # noqa: E402


@pytest.mark.parametrize("dtype", ["int32", "int64", "float32"])
@pytest.mark.parametrize("shape", [(4,), (3, 5), (2, 3, 4)])
def test_embedding_matches_keras(parity, rng, dtype, shape):
    ids = rng.integers(0, 10, shape).astype(dtype)
    theirs, ours = parity.make_pair(
        "Embedding", ids, input_dim=10, output_dim=3
    )
    parity.assert_same_outputs(theirs, ours, ids, atol=0)
    parity.assert_same_weights(theirs, ours)
    parity.assert_same_output_shape(theirs, ours, (None,) + shape[1:])


def test_embedding_mask_zero_matches_keras(rng):
    ids = np.array([[3, 0, 1, 0], [0, 0, 2, 5]])
    theirs = keras.layers.Embedding(6, 2, mask_zero=True)
    ours = layers.Embedding(6, 2, mask_zero=True)
    expected = keras.ops.convert_to_numpy(theirs.compute_mask(ids))
    actual = ours.compute_mask(torch.as_tensor(ids))
    np.testing.assert_array_equal(actual.numpy(), expected)
    assert ours.supports_masking
    assert layers.Embedding(6, 2).compute_mask(torch.as_tensor(ids)) is None


def test_embedding_default_initializer_range():
    layer = layers.Embedding(200, 50)
    layer.build((None,))
    values = layer.embeddings.detach()
    assert values.abs().max().item() <= 0.05
    assert values.abs().max().item() > 0.04


def test_embedding_weights_argument():
    matrix = np.arange(12, dtype="float32").reshape(4, 3)
    layer = layers.Embedding(4, 3, weights=matrix)
    assert layer.built
    np.testing.assert_array_equal(layer.get_weights()[0], matrix)
    listed = layers.Embedding(4, 3, weights=[matrix])
    output = listed(torch.tensor([2])).detach().numpy()
    np.testing.assert_array_equal(output, [matrix[2]])


def test_embedding_state_dict_and_gradients():
    layer = layers.Embedding(5, 2)
    layer(torch.tensor([[1, 2]])).sum().backward()
    assert list(layer.state_dict()) == ["embeddings"]
    assert layer.embeddings.grad[1].abs().sum() > 0


def test_embedding_input_length_warns():
    with pytest.warns(UserWarning, match="`input_length`"):
        layer = layers.Embedding(5, 2, input_length=4)
    assert "input_length" not in layer.get_config()


def test_embedding_config_matches_keras(parity):
    theirs = keras.layers.Embedding(7, 3, mask_zero=True)
    ours = layers.Embedding(7, 3, mask_zero=True)
    parity.assert_same_config_keys(theirs, ours)
    parity.assert_config_round_trip(ours)


@pytest.mark.parametrize(
    "kwargs,match",
    [
        (dict(input_dim=0, output_dim=2), "`input_dim` must be a positive"),
        (dict(input_dim=2.0, output_dim=2), "`input_dim` must be a positive"),
        (dict(input_dim=3, output_dim=True), "`output_dim` must be a positive"),
    ],
)
def test_embedding_invalid_dims_raise(kwargs, match):
    with pytest.raises(ValueError, match=match):
        layers.Embedding(**kwargs)


@pytest.mark.parametrize(
    "kwargs,match",
    [
        (dict(lora_rank=4), "`lora_rank`"),
        (dict(quantization_config={"mode": "int8"}), "`quantization_config`"),
    ],
)
def test_embedding_unsupported_options_raise(kwargs, match):
    with pytest.raises(NotImplementedError, match=match):
        layers.Embedding(4, 2, **kwargs)


def test_embedding_weights_shape_mismatch_raises():
    with pytest.raises(ValueError, match="shape"):
        layers.Embedding(4, 3, weights=np.zeros((3, 3)))
