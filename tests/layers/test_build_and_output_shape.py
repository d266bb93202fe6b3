"""Tests of explicit `build()` calls and of output shapes on symbolic calls."""

import keras
import numpy as np
import pytest
import torch

import torchkeras
from torchkeras import layers


def _scale_layer_class(base):
    """Return a layer class with one weight, built from `base`."""

    class Scale(base):
        def build(self, input_shape):
            self.scale = self.add_weight(
                shape=(input_shape[-1],), initializer="zeros", name="scale"
            )

        def call(self, inputs):
            return inputs * self.scale

    return Scale


def _wider_dense_class(base):
    """Return a Dense subclass whose `build` calls the parent's `build`."""

    class WiderDense(base):
        def build(self, input_shape):
            super().build(input_shape)
            self.offset = self.add_weight(
                shape=(self.units,), initializer="zeros", name="offset"
            )

        def call(self, inputs):
            return super().call(inputs) + self.offset

    return WiderDense


BUILD_CASES = [
    (
        lambda lib: lib.layers.Dense(3),
        (None, 4),
        [np.ones((4, 3)), np.zeros(3)],
    ),
    (
        lambda lib: lib.layers.Conv1D(2, 3),
        (None, 5, 4),
        [np.full((3, 4, 2), 0.5), np.ones(2)],
    ),
    (
        lambda lib: _scale_layer_class(lib.layers.Layer)(),
        (None, 4),
        [np.full(4, 2.0)],
    ),
    (
        lambda lib: _wider_dense_class(lib.layers.Dense)(3),
        (None, 4),
        [np.ones((4, 3)), np.zeros(3), np.full(3, 1.5)],
    ),
]
BUILD_IDS = ["dense", "conv1d", "user_layer", "user_dense_subclass"]


class TestExplicitBuild:
    @pytest.mark.parametrize("make, shape, weights", BUILD_CASES, ids=BUILD_IDS)
    def test_build_marks_layer_built(self, make, shape, weights):
        theirs, ours = make(keras), make(torchkeras)
        theirs.build(shape)
        ours.build(shape)
        assert ours.built is True
        assert theirs.built is True
        assert len(ours.weights) == len(theirs.weights)
        assert ours.get_build_config() == theirs.get_build_config()

    @pytest.mark.parametrize("make, shape, weights", BUILD_CASES, ids=BUILD_IDS)
    def test_call_after_build_keeps_weights(self, make, shape, weights):
        theirs, ours = make(keras), make(torchkeras)
        theirs.build(shape)
        ours.build(shape)
        theirs.set_weights(weights)
        ours.set_weights(weights)
        inputs = np.ones((2,) + shape[1:], dtype="float32")
        expected = keras.ops.convert_to_numpy(theirs(inputs))
        actual = ours(torch.from_numpy(inputs)).detach().numpy()
        assert len(ours.weights) == len(weights)
        np.testing.assert_allclose(actual, expected, rtol=1e-6)

    def test_build_without_override_records_shape(self):
        class Identity(layers.Layer):
            def call(self, inputs):
                return inputs

        layer = Identity()
        layer.build((None, 3))
        assert layer.built is True
        assert layer.get_build_config() == {"input_shape": (None, 3)}

    def test_build_config_round_trip_after_build(self):
        layer = layers.Dense(3)
        layer.build((None, 4))
        clone = layers.Dense.from_config(layer.get_config())
        clone.build_from_config(layer.get_build_config())
        assert clone.built is True
        assert [tuple(w.shape) for w in clone.weights] == [(4, 3), (3,)]

    def test_failed_build_leaves_layer_unbuilt(self):
        class Broken(layers.Layer):
            def build(self, input_shape):
                raise ValueError("no weights for this shape")

            def call(self, inputs):
                return inputs

        layer = Broken()
        with pytest.raises(ValueError, match="no weights for this shape"):
            layer.build((None, 3))
        assert layer.built is False
        assert layer.get_build_config() is None


def _error_message(call):
    with pytest.raises(ValueError) as info:
        call()
    return str(info.value)


class TestInputSpecErrorShape:
    @pytest.mark.parametrize(
        "make, build_input",
        [
            (lambda lib: lib.layers.MaxPooling2D(), np.ones((1, 4, 4, 3))),
            (lambda lib: lib.layers.Conv2D(2, 3), np.ones((1, 4, 4, 3))),
            (lambda lib: lib.layers.Dense(3), np.ones((1, 4))),
        ],
        ids=["max_pooling2d", "conv2d", "dense"],
    )
    def test_eager_error_shows_real_shape(self, make, build_input):
        theirs, ours = make(keras), make(torchkeras)
        theirs(build_input.astype("float32"))
        ours(torch.tensor(build_input, dtype=torch.float32))
        bad = np.ones((2, 5), dtype="float32")
        expected = _error_message(lambda: theirs(bad))
        actual = _error_message(lambda: ours(torch.from_numpy(bad)))
        assert "Full shape received: (2, 5)" in expected or (
            "with shape (2, 5)" in expected
        )
        assert expected.split(": ", 1)[1] in actual

    def test_symbolic_error_shows_unknown_batch(self):
        dense = layers.Dense(2)
        dense(torchkeras.Input((4,)))
        with pytest.raises(ValueError, match=r"with shape \(None, 5\)"):
            dense(torchkeras.Input((5,)))


def _centered_class(base, with_output_shape):
    """Return a layer class whose `call` reads a value with `.item()`."""

    class Centered(base):
        def call(self, inputs):
            return inputs[:, :2] - inputs.mean().item()

    if with_output_shape:

        def compute_output_shape(self, input_shape):
            return (input_shape[0], 2)

        Centered.compute_output_shape = compute_output_shape
    return Centered


def _sequential(lib, layer):
    return lib.Sequential([lib.Input((4,)), layer, lib.layers.Dense(1)])


class TestSymbolicOutputShape:
    def test_sequential_uses_compute_output_shape(self):
        theirs = _sequential(keras, _centered_class(keras.layers.Layer, True)())
        ours = _sequential(
            torchkeras, _centered_class(layers.Layer, True)()
        )
        assert ours.output_shape == theirs.output_shape
        assert ours.layers[0].output.shape == (None, 2)
        assert ours.layers[0].output.dtype == "float32"

    def test_functional_uses_compute_output_shape(self):
        centered = _centered_class(layers.Layer, True)()
        inputs = torchkeras.Input((4,))
        outputs = centered(inputs)
        model = torchkeras.Model(inputs, outputs)
        assert outputs.shape == (None, 2)
        assert tuple(model(torch.ones(3, 4)).shape) == (3, 2)

    def test_fit_with_compute_output_shape(self, rng):
        model = _sequential(torchkeras, _centered_class(layers.Layer, True)())
        model.compile(optimizer="sgd", loss="mse")
        x = rng.random((8, 4)).astype("float32")
        y = rng.random((8, 1)).astype("float32")
        history = model.fit(x, y, epochs=2, verbose=0)
        assert len(history.history["loss"]) == 2
        assert model.predict(x, verbose=0).shape == (8, 1)

    def test_dtype_follows_compute_dtype(self):
        centered = _centered_class(layers.Layer, True)(dtype="mixed_bfloat16")
        outputs = centered(torchkeras.Input((4,)))
        assert outputs.dtype == "bfloat16"

    def test_symbolic_call_builds_layer(self):
        class Weighted(layers.Layer):
            def build(self, input_shape):
                self.w = self.add_weight(shape=(input_shape[-1],))

            def call(self, inputs):
                return inputs * self.w.sum().item()

            def compute_output_shape(self, input_shape):
                return input_shape

        layer = Weighted()
        outputs = layer(torchkeras.Input((3,)))
        assert layer.built is True
        assert outputs.shape == (None, 3)
        assert layer.get_build_config() == {"input_shape": (None, 3)}

    def test_list_of_output_shapes(self):
        class Split(layers.Layer):
            def call(self, inputs):
                cut = int(inputs.shape[-1] // 2 + 0 * inputs.sum().item())
                return [inputs[:, :cut], inputs[:, cut:]]

            def compute_output_shape(self, input_shape):
                half = input_shape[-1] // 2
                return [(input_shape[0], half), (input_shape[0], half)]

        first, second = Split()(torchkeras.Input((6,)))
        assert first.shape == (None, 3)
        assert second.shape == (None, 3)

    def test_without_compute_output_shape_raises(self):
        layer = _centered_class(layers.Layer, False)(name="centered_raw")
        with pytest.raises(
            ValueError,
            match=r"Layer 'centered_raw' \(Centered\) cannot be applied to "
            r"inputs of shape \(None, 4\): its `call` needs tensor values.*"
            r"define `Centered.compute_output_shape\(input_shape\)`",
        ):
            _sequential(torchkeras, layer)

    def test_invalid_output_shape_raises(self):
        class Odd(layers.Layer):
            def call(self, inputs):
                return inputs

            def compute_output_shape(self, input_shape):
                return "same"

        with pytest.raises(TypeError, match=r"`Odd.compute_output_shape` of layer .* must return a shape"):
            Odd()(torchkeras.Input((3,)))
