"""Parity of the windowed pooling layers with Keras 3."""

import os

os.environ["KERAS_BACKEND"] = "torch"

import itertools  # noqa: E402

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from torchkeras import layers  # noqa: E402

NAMES = ["MaxPooling1D", "MaxPooling2D", "AveragePooling1D", "AveragePooling2D"]


def _input(rng, rank, size, data_format):
    spatial = (size,) * rank
    if data_format == "channels_last":
        shape = (2,) + spatial + (3,)
    else:
        shape = (2, 3) + spatial
    return rng.standard_normal(shape).astype("float32")


def _keras_agrees(name, padding, pool_size, strides, size):
    """Whether Keras 3.15.1's torch backend follows its own 'same' rule.

    For an odd total padding it repeats the edge value instead of leaving
    the padding out, which changes an average over a window of 3 or more.
    """
    if not name.startswith("Average") or padding != "same":
        return True
    stride = pool_size if strides is None else strides
    output = -(-size // stride)
    total = max((output - 1) * stride + pool_size - size, 0)
    return total % 2 == 0 or pool_size < 3


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize(
    "padding,pool_size,strides,size",
    list(
        itertools.product(
            ["valid", "same"], [2, 3], [None, 1, 2, 3], [6, 7, 9]
        )
    ),
)
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_pooling_matches_keras(
    parity, rng, name, padding, pool_size, strides, size, data_format
):
    if not _keras_agrees(name, padding, pool_size, strides, size):
        pytest.skip(
            "Keras's torch backend averages repeated edge values here; "
            "test_average_same_excludes_padding checks these cases"
        )
    config = dict(
        pool_size=pool_size,
        strides=strides,
        padding=padding,
        data_format=data_format,
    )
    x = _input(rng, int(name[-2]), size, data_format)
    theirs, ours = parity.make_pair(name, x, **config)
    parity.assert_same_outputs(theirs, ours, x)
    parity.assert_same_output_shape(theirs, ours, (None,) + x.shape[1:])
    assert ours.weights == []


def _numpy_average_same(x, pool_size, stride):
    """Average pooling of a (steps,) array, padding left out of the mean."""
    size = x.shape[0]
    output = -(-size // stride)
    total = max((output - 1) * stride + pool_size - size, 0)
    start = -(total // 2)
    result = []
    for index in range(output):
        low = start + index * stride
        window = x[max(low, 0) : min(low + pool_size, size)]
        result.append(window.mean())
    return np.array(result)


@pytest.mark.parametrize(
    "pool_size,strides,size", [(3, 2, 6), (3, 2, 8), (4, 1, 7), (5, 3, 9)]
)
def test_average_same_excludes_padding(rng, pool_size, strides, size):
    x = rng.standard_normal((size,)).astype("float32")
    layer = layers.AveragePooling1D(pool_size, strides, padding="same")
    output = layer(x.reshape(1, size, 1)).numpy().ravel()
    np.testing.assert_allclose(
        output, _numpy_average_same(x, pool_size, strides), atol=1e-6
    )


def test_average_same_odd_padding_2d_channels_first(rng):
    x = rng.standard_normal((1, 1, 6, 6)).astype("float32")
    layer = layers.AveragePooling2D(
        3, strides=2, padding="same", data_format="channels_first"
    )
    output = layer(x).numpy()[0, 0]
    assert output.shape == (3, 3)
    image = x[0, 0]
    # Windows start at rows and columns 0, 2 and 4; the last one is cut.
    np.testing.assert_allclose(output[2, 2], image[4:, 4:].mean(), atol=1e-6)
    np.testing.assert_allclose(output[0, 1], image[0:3, 2:5].mean(), atol=1e-6)


def test_average_same_on_ones_is_one():
    layer = layers.AveragePooling2D(3, strides=1, padding="same")
    output = layer(np.ones((1, 4, 5, 2), "float32")).numpy()
    np.testing.assert_allclose(output, np.ones_like(output))


def test_max_same_ignores_padding():
    layer = layers.MaxPooling2D(2, strides=2, padding="same")
    output = layer(-np.ones((1, 5, 5, 1), "float32")).numpy()
    assert output.shape == (1, 3, 3, 1)
    np.testing.assert_array_equal(output, -np.ones_like(output))


@pytest.mark.parametrize("name", NAMES)
def test_pooling_config_matches_keras(parity, name):
    config = dict(pool_size=3, strides=2, padding="same")
    theirs = getattr(keras.layers, name)(**config)
    ours = getattr(layers, name)(**config)
    parity.assert_same_config_keys(theirs, ours)
    parity.assert_config_round_trip(ours)
    assert ours.get_config()["pool_size"] == theirs.get_config()["pool_size"]
    assert ours.get_config()["strides"] == theirs.get_config()["strides"]


def test_pooling_defaults_match_keras():
    assert layers.MaxPooling2D().pool_size == (2, 2)
    assert layers.MaxPooling2D().strides == (2, 2)
    assert layers.MaxPooling1D().pool_size == (2,)
    assert layers.AveragePooling2D(3).strides == (3, 3)
    assert layers.MaxPooling2D(padding="SAME").padding == "same"
    assert layers.MaxPool2D is layers.MaxPooling2D
    assert layers.AvgPool1D is layers.AveragePooling1D


def test_average_pooling_requires_pool_size():
    with pytest.raises(TypeError, match="pool_size"):
        layers.AveragePooling2D()


@pytest.mark.parametrize(
    "kwargs,match",
    [
        (dict(pool_size=0), "`pool_size` must be"),
        (dict(pool_size=(2, 2, 2)), "`pool_size` must be"),
        (dict(pool_size=2, strides=0), "`strides` must be"),
        (dict(pool_size=2, padding="causal"), "`padding` must be"),
        (dict(pool_size=2, data_format="NCHW"), "data_format"),
    ],
)
def test_pooling_invalid_arguments_raise(kwargs, match):
    with pytest.raises(ValueError, match=match):
        layers.MaxPooling2D(**kwargs)


def test_pooling_window_larger_than_input_raises():
    layer = layers.MaxPooling2D(4)
    with pytest.raises(ValueError, match="size zero or less"):
        layer.build((None, 3, 3, 1))


def test_pooling_wrong_rank_names_layer():
    layer = layers.MaxPooling2D(name="pool_a")
    with pytest.raises(ValueError, match="pool_a"):
        layer(np.ones((1, 4, 4), "float32"))
