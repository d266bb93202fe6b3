"""Safe mode: Python lambdas in configs and files load only when allowed."""

import json
import threading

import keras
import numpy as np
import pytest
import torch

import torchkeras
from torchkeras import layers
from torchkeras import saving
from torchkeras.layers.core import lambda_layer
from torchkeras.models import model_from_json

_REJECTED = r"Python lambda saved as bytecode.*arbitrary code.*safe_mode=False"
_OPT_IN = r"torchkeras\.config\.enable_unsafe_deserialization\(\)"


def _json_round_trip(config):
    return json.loads(json.dumps(config))


def _inputs(*shape):
    return np.random.default_rng(0).normal(size=shape).astype("float32")


def _run_in_thread(function):
    """Run `function` in a new thread and return its result or raise its error.

    `enable_unsafe_deserialization()` lasts for the thread that calls it,
    so tests call it in a thread of their own.
    """
    outcome = {}

    def target():
        try:
            outcome["result"] = function()
        except Exception as error:  # noqa: BLE001 - re-raised below
            outcome["error"] = error

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"]


def _marker_model_config(marker):
    """Return a Sequential config whose lambda creates `marker` when run."""
    touch = lambda x, path=str(marker): (open(path, "w").close(), x)[1]
    return {
        "module": "keras",
        "class_name": "Sequential",
        "config": {
            "name": "crafted",
            "layers": [
                {
                    "module": "keras.layers",
                    "class_name": "InputLayer",
                    "config": {"batch_shape": [None, 3], "name": "input"},
                    "registered_name": None,
                },
                {
                    "module": "keras.layers",
                    "class_name": "Lambda",
                    "config": {
                        "name": "payload",
                        "function": {
                            "class_name": "__lambda__",
                            "config": lambda_layer.dump_function(touch),
                        },
                        "arguments": {},
                    },
                    "registered_name": None,
                },
            ],
        },
        "registered_name": None,
    }


def _apply(x, f):
    return f(x)


def _lambda_sequential(library):
    return library.Sequential(
        [
            library.Input((3,)),
            library.layers.Lambda(lambda x: x * 2 - 1),
            library.layers.Dense(2),
        ]
    )


class TestCraftedConfig:
    def test_safe_mode_rejects_and_runs_nothing(self, tmp_path):
        marker = tmp_path / "marker"
        config = _json_round_trip(_marker_model_config(marker))
        with pytest.raises(ValueError, match=_REJECTED) as error:
            saving.deserialize_keras_object(config)
        assert "'payload'" in str(error.value)
        assert not marker.exists()

    def test_model_from_json_rejects(self, tmp_path):
        marker = tmp_path / "marker"
        text = json.dumps(_marker_model_config(marker))
        with pytest.raises(ValueError, match=_OPT_IN):
            model_from_json(text)
        assert not marker.exists()

    def test_unsafe_mode_runs_payload(self, tmp_path):
        marker = tmp_path / "marker"
        config = _json_round_trip(_marker_model_config(marker))
        model = saving.deserialize_keras_object(config, safe_mode=False)
        assert marker.exists()
        np.testing.assert_allclose(model.predict(np.ones((1, 3)), verbose=0), 1)

    def test_from_config_outside_load_is_safe(self, tmp_path):
        marker = tmp_path / "marker"
        layer_config = _marker_model_config(marker)["config"]["layers"][1]
        with pytest.raises(ValueError, match=_REJECTED):
            layers.Lambda.from_config(layer_config["config"])
        assert not marker.exists()

    @pytest.mark.parametrize("key", ["output_shape", "mask"])
    def test_other_callables_rejected(self, key):
        layer = layers.Lambda(torchkeras.activations.relu)
        config = layer.get_config()
        config[key] = layers.Lambda(lambda x: x).get_config()["function"]
        with pytest.raises(ValueError, match=f"`{key}` of Lambda layer"):
            layers.Lambda.from_config(_json_round_trip(config))

    def test_lambda_in_arguments_rejected(self):
        config = layers.Lambda(_apply).get_config()
        with pytest.warns(UserWarning, match="serialized as its bytecode"):
            config["arguments"] = {
                "f": saving.serialize_keras_object(lambda x: x)
            }
        with pytest.raises(ValueError, match="'__lambda__' entry contains"):
            layers.Lambda.from_config(
                _json_round_trip(config), custom_objects={"_apply": _apply}
            )

    def test_safe_mode_none_fails_closed(self):
        entry = {"class_name": "__lambda__", "config": {"value": ["", [], []]}}
        with pytest.raises(ValueError, match=_REJECTED):
            saving.deserialize_keras_object(entry, safe_mode=None)


class TestEnableUnsafeDeserialization:
    def test_enables_in_calling_thread(self):
        model = _lambda_sequential(torchkeras)
        text = model.to_json()

        def load():
            torchkeras.config.enable_unsafe_deserialization()
            return model_from_json(text)

        restored = _run_in_thread(load)
        restored.set_weights(model.get_weights())
        x = _inputs(4, 3)
        np.testing.assert_allclose(
            restored.predict(x, verbose=0), model.predict(x, verbose=0)
        )

    def test_other_threads_stay_safe(self):
        text = _lambda_sequential(torchkeras).to_json()
        _run_in_thread(torchkeras.config.enable_unsafe_deserialization)
        with pytest.raises(ValueError, match=_REJECTED):
            model_from_json(text)

    def test_overrides_safe_mode_argument(self):
        layer = layers.Lambda(lambda x: x + 1)
        config = _json_round_trip(saving.serialize_keras_object(layer))

        def load():
            torchkeras.config.enable_unsafe_deserialization()
            return saving.deserialize_keras_object(config, safe_mode=True)

        restored = _run_in_thread(load)
        assert restored(torch.zeros(1)).item() == 1.0

    def test_allows_torch_module_wrapper(self):
        wrapper = layers.TorchModuleWrapper(torch.nn.Linear(3, 2))
        config = _json_round_trip(saving.serialize_keras_object(wrapper))

        def load():
            torchkeras.config.enable_unsafe_deserialization()
            return saving.deserialize_keras_object(config)

        assert isinstance(_run_in_thread(load).module, torch.nn.Linear)


class TestRoundTrip:
    def test_json_round_trip_unsafe(self):
        model = _lambda_sequential(torchkeras)
        config = json.loads(model.to_json())
        restored = saving.deserialize_keras_object(config, safe_mode=False)
        restored.set_weights(model.get_weights())
        x = _inputs(4, 3)
        np.testing.assert_allclose(
            restored.predict(x, verbose=0), model.predict(x, verbose=0)
        )

    def test_keras_json_loads_in_torchkeras(self):
        inputs = keras.Input((3,))
        scaled = keras.layers.Lambda(lambda x: keras.ops.square(x) - 1)(inputs)
        theirs = keras.Model(inputs, keras.layers.Dense(2)(scaled))
        config = json.loads(theirs.to_json())
        with pytest.raises(ValueError, match=_REJECTED):
            saving.deserialize_keras_object(config)
        ours = saving.deserialize_keras_object(config, safe_mode=False)
        ours.set_weights(theirs.get_weights())
        x = _inputs(4, 3)
        np.testing.assert_allclose(
            ours.predict(x, verbose=0),
            keras.ops.convert_to_numpy(theirs.predict(x, verbose=0)),
            rtol=1e-5,
        )

    def test_torchkeras_json_loads_in_keras(self):
        # Keras 3.15.1 cannot load lambdas with default values from JSON (its
        # loader passes the defaults list where Python needs a tuple), so
        # this lambda has none.
        ours = _lambda_sequential(torchkeras)
        config = json.loads(ours.to_json())
        with pytest.raises(ValueError, match="safe_mode=False"):
            keras.saving.deserialize_keras_object(config)
        theirs = keras.saving.deserialize_keras_object(config, safe_mode=False)
        theirs.set_weights(ours.get_weights())
        x = _inputs(4, 3)
        np.testing.assert_allclose(
            keras.ops.convert_to_numpy(theirs.predict(x, verbose=0)),
            ours.predict(x, verbose=0),
            rtol=1e-5,
        )

    def test_serialized_lambda_matches_keras(self):
        function = lambda a, b=3: a + b
        with pytest.warns(UserWarning, match="serialized as its bytecode"):
            ours = saving.serialize_keras_object(function)
        with pytest.warns(UserWarning):
            theirs = keras.saving.serialize_keras_object(function)
        assert _json_round_trip(ours) == _json_round_trip(theirs)

    def test_serialized_lambda_round_trip(self):
        with pytest.warns(UserWarning, match="serialized as its bytecode"):
            config = saving.serialize_keras_object(lambda a, b=3: a * b)
        config = _json_round_trip(config)
        with pytest.raises(ValueError, match=_REJECTED):
            saving.deserialize_keras_object(config)
        restored = saving.deserialize_keras_object(config, safe_mode=False)
        assert restored(2) == 6
        from_keras = keras.saving.deserialize_keras_object(
            config, safe_mode=False
        )
        assert from_keras(2) == 6

    def test_keras_serialized_lambda_loads(self):
        with pytest.warns(UserWarning):
            config = keras.saving.serialize_keras_object(lambda a: a - 1)
        restored = saving.deserialize_keras_object(
            _json_round_trip(config), safe_mode=False
        )
        assert restored(5) == 4


def _keras2_lambda_config(function):
    """Return a `Lambda` config in the layout that tf.keras 2 wrote."""
    dumped = lambda_layer.dump_function(function)
    return {
        "name": "legacy",
        "trainable": True,
        "dtype": "float32",
        "function": [dumped["code"], dumped["defaults"], dumped["closure"]],
        "function_type": "lambda",
        "module": "__main__",
        "output_shape": [3],
        "output_shape_type": "raw",
        "output_shape_module": None,
        "arguments": {"offset": {"type": "ndarray", "value": [1.0, 2.0, 3.0]}},
    }


class TestKeras2Config:
    def test_lambda_rejected_in_safe_mode(self):
        config = _keras2_lambda_config(lambda x, offset: x + offset)
        with pytest.raises(ValueError, match=_REJECTED):
            layers.Lambda.from_config(_json_round_trip(config))

    def test_lambda_loads_unsafe(self):
        config = _keras2_lambda_config(
            lambda x, offset: x * 2 + torch.as_tensor(offset, dtype=x.dtype)
        )
        layer = layers.Lambda.from_config(
            _json_round_trip(config), safe_mode=False
        )
        result = layer(torch.ones(1, 3))
        np.testing.assert_allclose(result.numpy(), [[3.0, 4.0, 5.0]])
        assert layer.compute_output_shape((None, 3)) == (None, 3)

    def test_named_function_from_custom_objects(self):
        config = _keras2_lambda_config(lambda x: x)
        config.update(function="_apply", function_type="function")
        layer = layers.Lambda.from_config(
            config, custom_objects={"_apply": _apply}
        )
        assert layer.function is _apply

    def test_unknown_function_type(self):
        config = _keras2_lambda_config(lambda x: x)
        config["function_type"] = "source"
        with pytest.raises(ValueError, match="`function_type`='source'"):
            layers.Lambda.from_config(config, safe_mode=False)


class TestKerasFile:
    def test_keras_file_rejected_then_loaded(self, tmp_path):
        marker = tmp_path / "marker"
        touch = lambda x, path=str(marker): (open(path, "w").close(), x)[1]
        model = torchkeras.Sequential(
            [torchkeras.Input((3,)), layers.Lambda(touch), layers.Dense(2)]
        )
        path = tmp_path / "model.keras"
        model.save(path)
        marker.unlink()  # Building the model ran the function once.

        with pytest.raises(ValueError, match=_REJECTED):
            saving.load_model(path)
        assert not marker.exists()

        restored = saving.load_model(path, safe_mode=False)
        x = _inputs(4, 3)
        np.testing.assert_allclose(
            restored.predict(x, verbose=0), model.predict(x, verbose=0)
        )
        assert marker.exists()
