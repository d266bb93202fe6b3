"""Subclassed models and lazily built layers called on `Input` tensors."""

import warnings

import keras
import numpy as np
import pytest
import torch

import torchkeras


def _make_subclassed(module):
    class TwoDense(module.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.hidden = module.layers.Dense(8, activation="relu")
            self.head = module.layers.Dense(1)

        def call(self, inputs):
            return self.head(self.hidden(inputs))

    return TwoDense


def _functional_around(module, subclassed):
    inputs = module.Input((4,))
    outputs = subclassed(inputs)
    return module.Model(inputs, outputs)


class Wrapped(torchkeras.layers.Layer):
    """A layer without `build` whose sublayer builds on the first call."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.inner = torchkeras.layers.Dense(3)

    def call(self, inputs):
        return self.inner(inputs) * 2.0


class TestSubclassedOnInput:
    def test_output_shape_matches_keras(self):
        ours = _make_subclassed(torchkeras)()(torchkeras.Input((4,)))
        theirs = _make_subclassed(keras)()(keras.Input((4,)))
        assert tuple(ours.shape) == tuple(theirs.shape)

    def test_weights_are_real_parameters(self):
        subclassed = _make_subclassed(torchkeras)()
        subclassed(torchkeras.Input((4,)))
        assert subclassed.built
        assert len(subclassed.weights) == 4
        for weight in subclassed.weights:
            assert isinstance(weight, torch.nn.Parameter)
            assert weight.device.type == "cpu"

    def test_functional_predictions_match_keras(self):
        ours = _functional_around(torchkeras, _make_subclassed(torchkeras)())
        theirs = _functional_around(keras, _make_subclassed(keras)())
        ours.set_weights(theirs.get_weights())
        x = np.random.rand(5, 4).astype("float32")
        np.testing.assert_allclose(
            ours.predict(x, verbose=0),
            theirs.predict(x, verbose=0),
            atol=1e-5,
        )

    def test_functional_model_trains(self):
        model = _functional_around(torchkeras, _make_subclassed(torchkeras)())
        model.compile(optimizer="adam", loss="mse")
        x = np.random.rand(64, 4).astype("float32")
        y = x.sum(axis=1, keepdims=True)
        history = model.fit(x, y, epochs=5, verbose=0)
        assert history.history["loss"][-1] < history.history["loss"][0]

    def test_functional_model_saves_and_reloads(self, tmp_path):
        subclassed_class = torchkeras.saving.register_keras_serializable(
            package="test_subclassed_symbolic"
        )(_make_subclassed(torchkeras))
        model = _functional_around(torchkeras, subclassed_class())
        model.save(tmp_path / "model.keras")
        reloaded = torchkeras.saving.load_model(tmp_path / "model.keras")
        x = np.random.rand(3, 4).astype("float32")
        np.testing.assert_allclose(
            reloaded.predict(x, verbose=0),
            model.predict(x, verbose=0),
            atol=1e-6,
        )

    def test_layer_without_build_gets_real_sublayer(self):
        layer = Wrapped()
        outputs = layer(torchkeras.Input((4,)))
        assert tuple(outputs.shape) == (None, 3)
        assert isinstance(layer.inner.kernel, torch.nn.Parameter)
        assert tuple(layer.inner.kernel.shape) == (4, 3)

    def test_failing_call_raises_with_layer_name(self):
        class Broken(torchkeras.Model):
            def __init__(self):
                super().__init__(name="broken")
                self.head = torchkeras.layers.Dense(1)

            def call(self, inputs):
                return self.head(inputs).view(7, 7)

        with pytest.raises(ValueError, match="'broken'.*could not build"):
            Broken()(torchkeras.Input((4,)))


class TestExplicitBuild:
    def test_build_creates_keras_weights(self):
        # Keras 3.15 only warns on this `build`, so its model is built by a
        # call on data instead.
        ours = _make_subclassed(torchkeras)()
        theirs = _make_subclassed(keras)()
        ours.build((None, 4))
        theirs(np.zeros((2, 4), dtype="float32"))
        assert ours.built
        assert [tuple(w.shape) for w in ours.weights] == [
            tuple(w.shape) for w in theirs.weights
        ]

    def test_build_records_build_config(self):
        model = _make_subclassed(torchkeras)()
        model.build((None, 4))
        assert model.get_build_config() == {"input_shape": (None, 4)}

    def test_build_failure_warns_and_stays_unbuilt(self):
        class NeedsTwoInputs(torchkeras.Model):
            def __init__(self):
                super().__init__(name="needs_two")
                self.head = torchkeras.layers.Dense(1)

            def call(self, inputs):
                first, second = inputs
                return self.head(first + second)

        model = NeedsTwoInputs()
        with pytest.warns(UserWarning, match="'needs_two' could not be built"):
            model.build((None, 4))
        assert not model.built
        assert model.weights == []

    def test_overridden_build_is_not_called_twice(self):
        calls = []

        class OwnBuild(torchkeras.Model):
            def __init__(self):
                super().__init__()
                self.head = torchkeras.layers.Dense(2)

            def build(self, input_shape):
                calls.append(input_shape)
                self.head.build(input_shape)
                super().build(input_shape)

            def call(self, inputs):
                return self.head(inputs)

        model = OwnBuild()
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            model.build((None, 4))
        assert calls == [(None, 4)]
        assert len(model.weights) == 2
