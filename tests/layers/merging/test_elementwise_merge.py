"""Parity of Add, Subtract, Multiply, Average, Maximum and Minimum with Keras."""

import os

os.environ["KERAS_BACKEND"] = "torch"

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from keras.src.backend import get_keras_mask  # noqa: E402
from keras.src.backend import set_keras_mask  # noqa: E402

from torchkeras import layers  # noqa: E402

CLASSES = ["Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum"]
FUNCTIONS = ["add", "subtract", "multiply", "average", "maximum", "minimum"]


def _tensors(rng, *shapes):
    return [
        torch.as_tensor(rng.normal(size=s).astype("float32")) for s in shapes
    ]


def _pair(class_name, **config):
    return getattr(keras.layers, class_name)(**config), getattr(
        layers, class_name
    )(**config)


def _masked(tensors, masks):
    """Return clones of `tensors` with Keras masks attached."""
    result = []
    for tensor, mask in zip(tensors, masks):
        clone = tensor.clone()
        if mask is not None:
            set_keras_mask(clone, mask)
        result.append(clone)
    return result


@pytest.mark.parametrize("class_name", CLASSES)
@pytest.mark.parametrize(
    "shapes",
    [
        [(2, 3, 4), (2, 3, 4)],
        [(2, 3), (2, 4, 3)],
        [(2, 1, 3), (2, 4, 1)],
        [(2, 5), (2, 1)],
    ],
    ids=["same", "lower-rank", "size-one-axes", "last-axis-one"],
)
def test_outputs_match_keras(rng, class_name, shapes):
    inputs = _tensors(rng, *shapes)
    theirs, ours = _pair(class_name)
    expected = keras.ops.convert_to_numpy(theirs(inputs))
    actual = ours(inputs).numpy()
    assert actual.shape == expected.shape
    np.testing.assert_allclose(actual, expected, atol=1e-6)


@pytest.mark.parametrize(
    "class_name", ["Add", "Multiply", "Average", "Maximum", "Minimum"]
)
def test_three_inputs_match_keras(rng, class_name):
    inputs = _tensors(rng, (2, 3, 4), (2, 3, 4), (2, 1, 4))
    theirs, ours = _pair(class_name)
    expected = keras.ops.convert_to_numpy(theirs(inputs))
    np.testing.assert_allclose(ours(inputs).numpy(), expected, atol=1e-6)


@pytest.mark.parametrize("class_name", CLASSES)
def test_integer_inputs_match_keras(class_name):
    inputs = [
        torch.tensor([[1, 4, 7]], dtype=torch.int32),
        torch.tensor([[2, 2, 9]], dtype=torch.int32),
    ]
    theirs, ours = _pair(class_name)
    expected = keras.ops.convert_to_numpy(theirs(inputs))
    actual = ours(inputs).numpy()
    assert actual.dtype == expected.dtype
    np.testing.assert_array_equal(actual, expected)


@pytest.mark.parametrize("function_name", FUNCTIONS)
def test_functional_forms_match_keras(rng, function_name):
    inputs = _tensors(rng, (2, 3), (2, 3))
    expected = keras.ops.convert_to_numpy(
        getattr(keras.layers, function_name)(inputs)
    )
    actual = getattr(layers, function_name)(inputs, name=f"my_{function_name}")
    np.testing.assert_allclose(actual.numpy(), expected, atol=1e-6)


MASKS = {
    "both": (
        torch.tensor([[True, False, True], [False, False, True]]),
        torch.tensor([[True, True, False], [False, True, True]]),
    ),
    "first-only": (
        torch.tensor([[True, False, True], [False, True, True]]),
        None,
    ),
    "second-only": (
        None,
        torch.tensor([[False, True, True], [True, False, False]]),
    ),
}


@pytest.mark.parametrize("class_name", CLASSES)
@pytest.mark.parametrize("masks", list(MASKS.values()), ids=list(MASKS))
def test_masked_outputs_match_keras(rng, class_name, masks):
    inputs = _tensors(rng, (2, 3, 4), (2, 3, 4))
    theirs, ours = _pair(class_name)
    keras_output = theirs(_masked(inputs, masks))
    expected = keras.ops.convert_to_numpy(keras_output)
    # Masks given as the call argument.
    actual = ours(inputs, mask=list(masks)).numpy()
    np.testing.assert_allclose(actual, expected, atol=1e-6)
    # Masks attached to the tensors, as Keras layers attach them.
    from_attributes = ours(_masked(inputs, masks)).numpy()
    np.testing.assert_allclose(from_attributes, expected, atol=1e-6)
    # Output mask.
    expected_mask = get_keras_mask(keras_output)
    actual_mask = ours.compute_mask(inputs, list(masks))
    if expected_mask is None:
        assert actual_mask is None
    else:
        np.testing.assert_array_equal(
            actual_mask.numpy(), expected_mask.numpy()
        )


@pytest.mark.parametrize("class_name", CLASSES)
def test_compute_mask_matches_keras(class_name):
    inputs = [torch.ones(2, 3, 4), torch.ones(2, 3, 4)]
    masks = list(MASKS["both"])
    theirs, ours = _pair(class_name)
    expected = keras.ops.convert_to_numpy(theirs.compute_mask(inputs, masks))
    np.testing.assert_array_equal(
        ours.compute_mask(inputs, masks).numpy(), expected
    )
    assert ours.compute_mask(inputs, None) is None
    assert ours.compute_mask(inputs, [masks[0], None]) is None
    assert ours.supports_masking


@pytest.mark.parametrize("class_name", CLASSES)
@pytest.mark.parametrize(
    "input_shape",
    [
        [(None, 3), (None, 3)],
        [(None, 3), (None, 4, 3)],
        [(None, None, 3), (None, 4, 1)],
        [(None, 1, 3), (None, 4, None)],
        [(8, 3), (None, 3)],
    ],
)
def test_output_shape_matches_keras(class_name, input_shape):
    theirs, ours = _pair(class_name)
    expected = tuple(theirs.compute_output_shape(input_shape))
    assert ours.compute_output_shape(input_shape) == expected


@pytest.mark.parametrize("class_name", CLASSES)
def test_config_matches_keras(parity, class_name):
    theirs, ours = _pair(class_name)
    parity.assert_same_config_keys(theirs, ours)
    parity.assert_config_round_trip(ours)


def test_layers_have_no_weights():
    layer = layers.Add()
    layer([torch.ones(2, 3), torch.ones(2, 3)])
    assert layer.weights == []
    assert list(layer.state_dict()) == []
    assert layer.count_params() == 0


def test_gradients_flow_to_all_inputs():
    inputs = [torch.ones(2, 3, requires_grad=True) for _ in range(3)]
    layers.Multiply()(inputs).sum().backward()
    for tensor in inputs:
        assert tensor.grad is not None


@pytest.mark.parametrize("class_name", CLASSES)
def test_incompatible_shapes_raise_like_keras(class_name):
    shapes = [(None, 3), (None, 4)]
    theirs, ours = _pair(class_name)
    with pytest.raises(ValueError, match="incompatible shapes"):
        theirs.build(shapes)
    with pytest.raises(
        ValueError, match=r"incompatible shapes \(3,\) and \(4,\)"
    ):
        ours.build(shapes)


def test_different_batch_sizes_raise_like_keras():
    shapes = [(2, 3), (3, 3)]
    with pytest.raises(ValueError, match="different batch sizes"):
        keras.layers.Add().build(shapes)
    with pytest.raises(ValueError, match="different batch sizes"):
        layers.Add().build(shapes)


def test_single_tensor_raises_like_keras():
    x = torch.ones(2, 3)
    with pytest.raises(ValueError, match="list of inputs"):
        keras.layers.Add()(x)
    with pytest.raises(ValueError, match="must be called on a list of tensors"):
        layers.Add()(x)


def test_single_tensor_after_build_raises():
    layer = layers.Add()
    layer([torch.ones(2, 3), torch.ones(2, 3)])
    with pytest.raises(ValueError, match="Received: inputs of type Tensor"):
        layer(torch.ones(2, 3))


def test_empty_list_raises():
    with pytest.raises(ValueError, match="needs at least one input"):
        layers.Add().build([])


def test_output_shape_of_single_shape_raises():
    with pytest.raises(ValueError, match="not a list of shapes"):
        layers.Add().compute_output_shape((None, 3))


def test_subtract_three_inputs_raise_like_keras():
    inputs = [torch.ones(2, 3)] * 3
    with pytest.raises(ValueError, match="exactly 2 inputs"):
        keras.layers.Subtract()(inputs)
    with pytest.raises(
        ValueError, match=r"exactly 2 inputs. Received 3 inputs"
    ):
        layers.Subtract()(inputs)


def test_subtract_three_inputs_after_build_raises():
    layer = layers.Subtract()
    layer([torch.ones(2, 3)] * 2)
    with pytest.raises(ValueError, match="Received 3 inputs."):
        layer([torch.ones(2, 3)] * 3)


def test_mask_list_length_raises_like_keras():
    inputs = [torch.ones(2, 3, 4)] * 2
    mask = [torch.ones(2, 3, dtype=torch.bool)]
    with pytest.raises(ValueError, match="same length"):
        keras.layers.Add().compute_mask(inputs, mask)
    with pytest.raises(ValueError, match="received 2 inputs but 1 masks"):
        layers.Add().compute_mask(inputs, mask)
    with pytest.raises(ValueError, match="received 2 inputs but 1 masks"):
        layers.Maximum()(inputs, mask=mask)


def test_mask_not_a_list_raises_like_keras():
    inputs = [torch.ones(2, 3, 4)] * 2
    mask = torch.ones(2, 3, dtype=torch.bool)
    with pytest.raises(ValueError, match="should be a list"):
        keras.layers.Add().compute_mask(inputs, mask)
    with pytest.raises(ValueError, match="must be a list with one entry"):
        layers.Add().compute_mask(inputs, mask)


def test_mask_of_single_input_raises():
    x = torch.ones(2, 3, 4)
    mask = [torch.ones(2, 3, dtype=torch.bool)]
    with pytest.raises(ValueError, match="`inputs` should be a list"):
        keras.layers.Add().compute_mask(x, mask)
    with pytest.raises(ValueError, match="needs its inputs as a list"):
        layers.Add().compute_mask(x, mask)
