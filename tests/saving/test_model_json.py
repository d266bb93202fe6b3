"""Model JSON: Keras 3's `to_json` format, read and written both ways."""

import json

import keras
import numpy as np
import pytest
import torch

import torchkeras
from torchkeras import saving
from torchkeras.models import model_from_json
from torchkeras.models.json_utils import model_to_json


def _cnn(module):
    layers = module.layers
    return module.Sequential(
        [
            module.Input((8, 8, 3)),
            layers.Conv2D(4, 3, padding="same", activation="relu"),
            layers.BatchNormalization(),
            layers.MaxPooling2D(),
            layers.Flatten(),
            layers.Dropout(0.5),
            layers.Dense(5, kernel_regularizer="l2"),
            layers.Softmax(),
        ],
        name="cnn",
    )


def _randomize_batch_norm(model):
    """Give moving statistics non-default values, so copying them matters."""
    for layer in model.layers:
        if type(layer).__name__ == "BatchNormalization":
            weights = layer.get_weights()
            layer.set_weights(
                [np.random.uniform(0.5, 1.5, w.shape) for w in weights]
            )


def _inputs():
    return np.random.RandomState(1).rand(2, 8, 8, 3).astype("float32")


def _same_outputs(theirs, ours):
    expected = keras.ops.convert_to_numpy(theirs(_inputs(), training=False))
    with torch.no_grad():
        result = ours(torch.from_numpy(_inputs()), training=False).numpy()
    np.testing.assert_allclose(result, expected, rtol=1e-5, atol=1e-6)


class TestFromKeras:
    def test_sequential_same_outputs(self):
        theirs = _cnn(keras)
        _randomize_batch_norm(theirs)
        ours = model_from_json(theirs.to_json())
        assert isinstance(ours, torchkeras.Sequential)
        assert [type(layer).__name__ for layer in ours.layers] == [
            type(layer).__name__ for layer in theirs.layers
        ]
        ours.set_weights(theirs.get_weights())
        _same_outputs(theirs, ours)

    def test_sequential_gets_same_configs(self):
        theirs = _cnn(keras)
        ours = model_from_json(theirs.to_json())
        for our_layer, their_layer in zip(ours.layers, theirs.layers):
            assert our_layer.name == their_layer.name
            assert set(our_layer.get_config()) == set(their_layer.get_config())

    def test_compiled_json_gives_compiled_model(self):
        theirs = _cnn(keras)
        theirs.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
        ours = model_from_json(theirs.to_json())
        assert ours.compiled
        assert isinstance(ours.optimizer, torchkeras.optimizers.Adam)
        assert ours.optimizer.learning_rate == pytest.approx(0.01)

    def test_functional_same_outputs(self):
        inputs = keras.Input((4,), name="features")
        hidden = keras.layers.Dense(6, activation="tanh")(inputs)
        theirs = keras.Model(
            inputs, keras.layers.Dense(2)(hidden) + hidden[:, :2]
        )
        ours = model_from_json(theirs.to_json())
        ours.set_weights(theirs.get_weights())
        x = np.random.rand(3, 4).astype("float32")
        expected = keras.ops.convert_to_numpy(theirs(x))
        np.testing.assert_allclose(
            ours(torch.from_numpy(x)).detach().numpy(), expected, rtol=1e-6
        )

    def test_custom_layer_needs_custom_objects(self):
        class Scale(keras.layers.Layer):
            def call(self, inputs):
                return 2 * inputs

        class OurScale(torchkeras.layers.Layer):
            def call(self, inputs):
                return 2 * inputs

        theirs = keras.Sequential([keras.Input((3,)), Scale(name="scale")])
        with pytest.raises(ValueError, match="'Scale'.*custom_objects"):
            model_from_json(theirs.to_json())
        ours = model_from_json(theirs.to_json(), {"Scale": OurScale})
        assert isinstance(ours.layers[0], OurScale)


class TestToKeras:
    def test_sequential_same_outputs(self):
        ours = _cnn(torchkeras)
        _randomize_batch_norm(ours)
        theirs = keras.models.model_from_json(model_to_json(ours))
        assert isinstance(theirs, keras.Sequential)
        theirs.set_weights(ours.get_weights())
        _same_outputs(theirs, ours)

    def test_json_equals_keras_json(self):
        ours, theirs = _both_jsons()
        for config in (ours, theirs):
            for layer in config["config"]["layers"]:
                if layer["class_name"] in ("MaxPooling2D", "Flatten"):
                    layer.pop("build_config", None)
        assert ours == _with_float32_rounding(theirs, ours)

    @pytest.mark.xfail(
        strict=True,
        reason="Keras builds MaxPooling2D at creation and Flatten on its "
        "first call, so only Flatten has a build_config there; torchkeras "
        "does the opposite. Both load either way.",
    )
    def test_build_configs_match_keras(self):
        ours, theirs = _both_jsons()
        assert ours == _with_float32_rounding(theirs, ours)

    def test_compiled_model_compiles_in_keras(self):
        ours = _cnn(torchkeras)
        ours.compile(optimizer=torchkeras.optimizers.SGD(0.5), loss="mse")
        config = json.loads(model_to_json(ours))
        assert config["compile_config"]["loss"] == "mse"
        theirs = keras.models.model_from_json(json.dumps(config))
        assert theirs.compiled
        assert isinstance(theirs.optimizer, keras.optimizers.SGD)

    def test_functional_loads_in_keras(self):
        inputs = torchkeras.Input((4,), name="features")
        hidden = torchkeras.layers.Dense(6, activation="tanh")(inputs)
        ours = torchkeras.Model(inputs, torchkeras.layers.Dense(2)(hidden))
        theirs = keras.models.model_from_json(model_to_json(ours))
        assert isinstance(theirs, keras.Model)
        assert [layer.name for layer in theirs.layers] == [
            layer.name for layer in ours.layers
        ]

    def test_method_matches_function(self):
        model = _cnn(torchkeras)
        assert model.to_json(indent=1) == model_to_json(model, indent=1)

    def test_json_dumps_options_passed(self):
        text = model_to_json(_cnn(torchkeras), indent=2)
        assert text.startswith('{\n  "module": "keras"')


class TestRoundTrip:
    def test_registered_layer_without_custom_objects(self):
        @saving.register_keras_serializable(package="demo")
        class Scale(torchkeras.layers.Layer):
            def call(self, inputs):
                return 2 * inputs

        model = torchkeras.Sequential([torchkeras.Input((3,)), Scale()])
        restored = model_from_json(model_to_json(model))
        assert isinstance(restored.layers[0], Scale)
        assert restored.input_shape == (None, 3)

    def test_torch_optimizer_compile_left_out(self):
        model = _cnn(torchkeras)
        model.compile(optimizer=torch.optim.SGD(model.parameters(), 0.1))
        with pytest.warns(UserWarning, match="compile arguments"):
            text = model_to_json(model)
        assert "compile_config" not in json.loads(text)
        assert not model_from_json(text).compiled


def _both_jsons():
    """Return the JSON of `_cnn` from torchkeras and from Keras, as dicts."""
    ours = json.loads(model_to_json(_cnn(torchkeras)))
    # Start Keras's name counters afresh, as the test set-up does for ours.
    keras.backend.clear_session()
    theirs = json.loads(_cnn(keras).to_json())
    # Keras writes an empty compile config for uncompiled models.
    assert theirs.pop("compile_config") == {}
    return ours, theirs


def _with_float32_rounding(theirs, ours):
    """Return `theirs` with floats replaced by ours where they agree in float32.

    Keras stores regularizer factors as float32 values (0.01 becomes
    0.009999999776482582); torchkeras keeps the Python float.
    """
    if isinstance(theirs, dict) and isinstance(ours, dict):
        return {
            key: _with_float32_rounding(value, ours.get(key))
            for key, value in theirs.items()
        }
    if isinstance(theirs, list) and isinstance(ours, list):
        return [_with_float32_rounding(a, b) for a, b in zip(theirs, ours)]
    if (
        isinstance(theirs, float)
        and isinstance(ours, float)
        and np.float32(theirs) == np.float32(ours)
    ):
        return ours
    return theirs
