"""Merge layers inside functional models: shapes and masks against Keras 3."""

import os

os.environ["KERAS_BACKEND"] = "torch"

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

import torchkeras  # noqa: E402
from torchkeras import layers  # noqa: E402

FUNCTIONS = [
    "add",
    "subtract",
    "multiply",
    "average",
    "maximum",
    "minimum",
    "concatenate",
]


@pytest.mark.parametrize("function_name", FUNCTIONS)
def test_symbolic_output_shapes_match_keras(function_name):
    theirs = getattr(keras.layers, function_name)(
        [keras.Input((4, 3)), keras.Input((4, 3))]
    )
    ours = getattr(layers, function_name)(
        [torchkeras.Input((4, 3)), torchkeras.Input((4, 3))]
    )
    assert tuple(ours.shape) == tuple(theirs.shape)


def test_symbolic_dot_shape_matches_keras():
    theirs = keras.layers.dot(
        [keras.Input((4, 3)), keras.Input((5, 3))], axes=-1
    )
    ours = layers.dot(
        [torchkeras.Input((4, 3)), torchkeras.Input((5, 3))], axes=-1
    )
    assert tuple(ours.shape) == tuple(theirs.shape)


def _masked_model(library, class_name):
    """Two masked embeddings, merged, then mask-aware average pooling."""
    first = library.Input((4,), dtype="int32")
    second = library.Input((4,), dtype="int32")
    embedded = [
        library.layers.Embedding(10, 3, mask_zero=True)(first),
        library.layers.Embedding(10, 3, mask_zero=True)(second),
    ]
    merged = getattr(library.layers, class_name)()(embedded)
    pooled = library.layers.GlobalAveragePooling1D()(merged)
    return library.Model([first, second], pooled)


@pytest.mark.parametrize(
    "class_name",
    [
        "Add",
        "Subtract",
        "Multiply",
        "Average",
        "Maximum",
        "Minimum",
        "Concatenate",
    ],
)
def test_masks_in_model_match_keras(class_name):
    first = np.array([[1, 2, 0, 0], [3, 0, 0, 0]], dtype="int32")
    second = np.array([[1, 0, 0, 0], [3, 4, 5, 0]], dtype="int32")
    theirs = _masked_model(keras, class_name)
    ours = _masked_model(torchkeras, class_name)
    ours.set_weights(theirs.get_weights())
    expected = keras.ops.convert_to_numpy(theirs([first, second]))
    actual = ours([torch.as_tensor(first), torch.as_tensor(second)])
    np.testing.assert_allclose(actual.detach().numpy(), expected, atol=1e-6)
