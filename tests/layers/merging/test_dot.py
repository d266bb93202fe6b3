"""Parity of Dot and dot with Keras 3."""

import os

os.environ["KERAS_BACKEND"] = "torch"

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from torchkeras import layers  # noqa: E402


def _tensors(rng, *shapes):
    return [
        torch.as_tensor(rng.normal(size=s).astype("float32")) for s in shapes
    ]


CASES = {
    "vectors": (1, [(2, 3), (2, 3)]),
    "negative-axis": (-1, [(2, 4, 3), (2, 5, 3)]),
    "pair": ((1, 2), [(2, 3, 5), (2, 10, 3)]),
    "matrix-vector": ((2, 1), [(2, 3, 4), (2, 4)]),
    "vector-matrix": ((1, 1), [(2, 4), (2, 4, 6)]),
    "rank-four": ((3, 1), [(2, 3, 4, 5), (2, 5, 6)]),
    "negative-pair": ((-1, -2), [(2, 3, 4), (2, 4, 2)]),
}


@pytest.mark.parametrize("normalize", [False, True])
@pytest.mark.parametrize("axes,shapes", list(CASES.values()), ids=list(CASES))
def test_outputs_match_keras(rng, axes, shapes, normalize):
    inputs = _tensors(rng, *shapes)
    theirs = keras.layers.Dot(axes=axes, normalize=normalize)
    ours = layers.Dot(axes=axes, normalize=normalize)
    expected = keras.ops.convert_to_numpy(theirs(inputs))
    actual = ours(inputs).numpy()
    assert actual.shape == expected.shape
    np.testing.assert_allclose(actual, expected, atol=1e-6, rtol=1e-6)


@pytest.mark.parametrize("axes,shapes", list(CASES.values()), ids=list(CASES))
def test_output_shape_matches_keras(axes, shapes):
    input_shape = [(None,) + s[1:] for s in shapes]
    expected = keras.layers.Dot(axes=axes).compute_output_shape(input_shape)
    actual = layers.Dot(axes=axes).compute_output_shape(input_shape)
    assert actual == tuple(expected)


def test_output_shape_with_unknown_sizes():
    layer = layers.Dot(axes=-1)
    input_shape = [(None, None, 3), (None, 4, None)]
    layer.build(input_shape)
    assert layer.compute_output_shape(input_shape) == (None, None, 4)


def test_functional_form_matches_keras(rng):
    inputs = _tensors(rng, (2, 4, 3), (2, 5, 3))
    expected = keras.ops.convert_to_numpy(
        keras.layers.dot(inputs, axes=-1, normalize=True)
    )
    actual = layers.dot(inputs, axes=-1, normalize=True, name="cosine")
    np.testing.assert_allclose(actual.numpy(), expected, atol=1e-6)


def test_normalize_gives_cosine_similarity():
    x1 = torch.tensor([[3.0, 4.0]])
    x2 = torch.tensor([[4.0, 3.0]])
    output = layers.Dot(axes=1, normalize=True)([x1, x2])
    np.testing.assert_allclose(output.numpy(), [[24.0 / 25.0]], rtol=1e-6)


def test_compute_mask_is_none():
    layer = layers.Dot(axes=1)
    inputs = [torch.ones(2, 3)] * 2
    masks = [torch.ones(2, dtype=torch.bool)] * 2
    assert layer.compute_mask(inputs, masks) is None
    assert layer.supports_masking


@pytest.mark.parametrize("axes", [1, (1, 2), [2, 1]])
def test_config_matches_keras(parity, axes):
    theirs = keras.layers.Dot(axes=axes, normalize=True)
    ours = layers.Dot(axes=axes, normalize=True)
    parity.assert_same_config_keys(theirs, ours)
    parity.assert_config_round_trip(ours)
    assert ours.get_config()["axes"] == theirs.get_config()["axes"]


def test_axes_of_wrong_type_raise_like_keras():
    with pytest.raises(TypeError, match="Invalid type for argument `axes`"):
        keras.layers.Dot(axes="last")
    with pytest.raises(
        TypeError, match="`axes` must be an int or a list or tuple"
    ):
        layers.Dot(axes="last")


def test_axes_of_wrong_length_raise_like_keras():
    with pytest.raises(ValueError, match="two elements"):
        keras.layers.Dot(axes=(1, 2, 3))
    with pytest.raises(ValueError, match="exactly two ints"):
        layers.Dot(axes=(1, 2, 3))


def test_axes_with_non_ints_raise_like_keras():
    with pytest.raises(ValueError, match="should be integers"):
        keras.layers.Dot(axes=(1, 2.0))
    with pytest.raises(ValueError, match="`axes` must contain ints only"):
        layers.Dot(axes=(1, 2.0))


def test_mismatched_axis_sizes_raise_like_keras():
    input_shape = [(None, 3), (None, 4)]
    with pytest.raises(ValueError, match="Incompatible input shapes"):
        keras.layers.Dot(axes=1).build(input_shape)
    with pytest.raises(ValueError, match="Received sizes 3 and 4"):
        layers.Dot(axes=1).build(input_shape)


def test_three_inputs_raise_like_keras():
    inputs = [torch.ones(2, 3)] * 3
    with pytest.raises(ValueError, match="list of 2 inputs"):
        keras.layers.Dot(axes=1)(inputs)
    with pytest.raises(ValueError, match="takes exactly 2 inputs. Received 3"):
        layers.Dot(axes=1)(inputs)


def test_batch_axis_raises_like_keras():
    inputs = [torch.ones(3, 3)] * 2
    with pytest.raises(ValueError, match="over axis 0"):
        keras.layers.Dot(axes=0)(inputs)
    with pytest.raises(ValueError, match="cannot sum over the batch axis 0"):
        layers.Dot(axes=0)(inputs)


def test_rank_one_inputs_raise():
    with pytest.raises(ValueError, match="needs inputs of rank 2 or more"):
        layers.Dot(axes=-1).build([(None,), (None,)])


def test_axis_out_of_range_raises():
    with pytest.raises(
        ValueError, match=r"`axes` of layer 'dot' \(Dot\) is out of range"
    ):
        layers.Dot(axes=(1, 3)).build([(None, 3), (None, 3, 2)])


def test_different_batch_sizes_raise_on_call():
    layer = layers.Dot(axes=1)
    layer([torch.ones(2, 3)] * 2)
    with pytest.raises(
        ValueError, match="needs inputs with the same batch size"
    ):
        layer([torch.ones(2, 3), torch.ones(4, 3)])


def test_single_tensor_raises():
    layer = layers.Dot(axes=1)
    with pytest.raises(ValueError, match="must be called on a list of tensors"):
        layer(torch.ones(2, 3))
    layer([torch.ones(2, 3)] * 2)
    with pytest.raises(ValueError, match="Received: inputs of type Tensor"):
        layer(torch.ones(2, 3))
