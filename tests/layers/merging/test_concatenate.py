"""Parity of Concatenate and concatenate with Keras 3."""

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


@pytest.mark.parametrize(
    "axis,shapes",
    [
        (-1, [(2, 3), (2, 4)]),
        (-1, [(2, 3, 4), (2, 3, 5), (2, 3, 1)]),
        (1, [(2, 3, 4), (2, 5, 4)]),
        (-2, [(2, 3, 4), (2, 2, 4)]),
        (0, [(2, 3), (5, 3)]),
    ],
)
def test_outputs_match_keras(rng, axis, shapes):
    inputs = _tensors(rng, *shapes)
    theirs = keras.layers.Concatenate(axis=axis)
    ours = layers.Concatenate(axis=axis)
    expected = keras.ops.convert_to_numpy(theirs(inputs))
    actual = ours(inputs).numpy()
    assert actual.shape == expected.shape
    np.testing.assert_allclose(actual, expected, atol=1e-6)


def test_functional_form_matches_keras(rng):
    inputs = _tensors(rng, (2, 3, 4), (2, 5, 4))
    expected = keras.ops.convert_to_numpy(
        keras.layers.concatenate(inputs, axis=1)
    )
    actual = layers.concatenate(inputs, axis=1, name="joined")
    np.testing.assert_allclose(actual.numpy(), expected, atol=1e-6)


@pytest.mark.parametrize(
    "axis,input_shape",
    [
        (-1, [(None, 3), (None, 4)]),
        (1, [(None, 3, 4), (None, 5, 4)]),
        (-1, [(None, 3, None), (None, 3, 4)]),
        (-1, [(None, None, 4), (None, 3, 5)]),
        (1, [(None, 3, 4), (None, None, 4)]),
    ],
)
def test_output_shape_matches_keras(axis, input_shape):
    expected = keras.layers.Concatenate(axis=axis).compute_output_shape(
        input_shape
    )
    actual = layers.Concatenate(axis=axis).compute_output_shape(input_shape)
    assert actual == tuple(expected)


def test_unknown_sizes_pass_the_build_check():
    layer = layers.Concatenate()
    layer.build_with_shape([(None, 3, 4), (None, None, 5)])
    assert layer.built


MASK_CASES = {
    "last-axis-one-mask": (-1, [(2, 3, 4), (2, 3, 5)], [True, False]),
    "last-axis-two-masks": (-1, [(2, 3, 4), (2, 3, 5)], [True, True]),
    "time-axis": (1, [(2, 3, 4), (2, 2, 4)], [True, False]),
}


@pytest.mark.parametrize(
    "axis,shapes,has_mask", list(MASK_CASES.values()), ids=list(MASK_CASES)
)
def test_compute_mask_matches_keras(rng, axis, shapes, has_mask):
    inputs = _tensors(rng, *shapes)
    masks = [
        torch.as_tensor(rng.random(s[:2]) > 0.5) if flag else None
        for s, flag in zip(shapes, has_mask)
    ]
    theirs = keras.layers.Concatenate(axis=axis)
    ours = layers.Concatenate(axis=axis)
    expected = keras.ops.convert_to_numpy(theirs.compute_mask(inputs, masks))
    actual = ours.compute_mask(inputs, masks).numpy()
    np.testing.assert_array_equal(actual, expected)


def test_compute_mask_without_masks_is_none():
    layer = layers.Concatenate()
    inputs = [torch.ones(2, 3, 4)] * 2
    assert layer.compute_mask(inputs, None) is None
    assert layer.compute_mask(inputs, [None, None]) is None
    assert layer.supports_masking


def test_config_matches_keras(parity):
    theirs = keras.layers.Concatenate(axis=1)
    ours = layers.Concatenate(axis=1)
    parity.assert_same_config_keys(theirs, ours)
    parity.assert_config_round_trip(ours)
    assert ours.get_config()["axis"] == 1


@pytest.mark.parametrize(
    "input_shape",
    [
        [(None, 3, 4), (None, 5, 5)],
        [(None, 3), (None, 4, 5)],
    ],
    ids=["size", "rank"],
)
def test_mismatched_shapes_raise_like_keras(input_shape):
    with pytest.raises(ValueError, match="except for the concatenation axis"):
        keras.layers.Concatenate().build(input_shape)
    with pytest.raises(
        ValueError, match="every axis except the concatenation axis"
    ):
        layers.Concatenate().build(input_shape)


def test_mismatched_tensors_raise_on_call():
    inputs = [torch.ones(2, 3, 4), torch.ones(2, 5, 5)]
    with pytest.raises(
        ValueError, match=r"Received: input_shape=\[\(None, 3, 4\)"
    ):
        layers.Concatenate()(inputs)


def test_axis_out_of_range_raises():
    with pytest.raises(ValueError, match="`axis` of layer 'concatenate'"):
        layers.Concatenate(axis=3).build([(None, 3, 4), (None, 3, 4)])


def test_axis_of_wrong_type_raises():
    with pytest.raises(TypeError, match="`axis` must be an int"):
        layers.Concatenate(axis="last")


def test_single_tensor_raises():
    with pytest.raises(ValueError, match="must be called on a list of tensors"):
        layers.Concatenate()(torch.ones(2, 3))
    layer = layers.Concatenate()
    layer([torch.ones(2, 3)] * 2)
    with pytest.raises(ValueError, match="Received: inputs of type Tensor"):
        layer(torch.ones(2, 3))


def test_mask_length_mismatch_raises():
    inputs = [torch.ones(2, 3, 4)] * 2
    with pytest.raises(ValueError, match="received 2 inputs but 3 masks"):
        layers.Concatenate().compute_mask(inputs, [None] * 3)
