"""serialize_keras_object and deserialize_keras_object, against Keras 3."""

import json

import keras
import numpy as np
import pytest
import torch

import torchkeras
from torchkeras import layers
from torchkeras import saving
from torchkeras.saving.serialization import deserialize_layer
from torchkeras.saving.serialization import in_safe_mode
from torchkeras.saving.serialization import serialize_layer


def _json_round_trip(config):
    return json.loads(json.dumps(config))


def _ones_initializer_classes():
    """Return twin initializers filling with ones, for torchkeras and Keras."""

    class OnesLike(torchkeras.initializers.Initializer):
        def __call__(self, shape, dtype=None):
            return torch.ones(tuple(shape))

    class KerasOnesLike(keras.initializers.Initializer):
        def __call__(self, shape, dtype=None):
            return keras.ops.ones(shape)

        def get_config(self):
            return {}

    return OnesLike, KerasOnesLike


class TestSerialize:
    def test_builtin_layer_format(self):
        config = saving.serialize_keras_object(layers.Dense(2))
        assert config["module"] == "keras.layers"
        assert config["class_name"] == "Dense"
        assert config["registered_name"] is None

    def test_registered_layer_matches_keras(self):
        @saving.register_keras_serializable(package="pkg")
        class Scale(layers.Layer):
            def call(self, inputs):
                return 2 * inputs

        @keras.saving.register_keras_serializable(package="pkg")
        class KerasScale(keras.layers.Layer):
            def call(self, inputs):
                return 2 * inputs

        ours = saving.serialize_keras_object(Scale(name="s"))
        theirs = keras.saving.serialize_keras_object(KerasScale(name="s"))
        assert ours["registered_name"] == "pkg>Scale"
        assert theirs["registered_name"] == "pkg>KerasScale"
        assert ours["module"] == theirs["module"] == __name__
        assert set(ours) == set(theirs)

    def test_unregistered_custom_uses_class_name(self):
        class Local(layers.Layer):
            pass

        config = saving.serialize_keras_object(Local())
        assert config["registered_name"] == "Local"
        assert config["module"] == __name__

    def test_builtin_activation_is_a_name(self):
        assert saving.serialize_keras_object(torchkeras.activations.relu) == (
            "relu"
        )

    def test_other_function_matches_keras(self):
        @saving.register_keras_serializable(package="pkg")
        def shift(x):
            return x + 1

        @keras.saving.register_keras_serializable(package="pkg")
        def keras_shift(x):
            return x + 1

        ours = layers.Dense(2, activation=shift).get_config()["activation"]
        theirs = keras.layers.Dense(2, activation=keras_shift).get_config()
        assert ours == {**theirs["activation"], "config": "pkg>shift"}

    def test_loss_function_is_function_dict(self):
        config = saving.serialize_keras_object(
            torchkeras.losses.mean_squared_error
        )
        assert config == keras.saving.serialize_keras_object(
            keras.losses.mean_squared_error
        )

    def test_lambda_warns_and_writes_bytecode(self):
        with pytest.warns(UserWarning, match="lambda"):
            config = saving.serialize_keras_object(lambda x: x)
        assert config["class_name"] == "__lambda__"
        assert "value" in config["config"]

    def test_torch_optimizer_raises(self):
        optimizer = torch.optim.SGD([torch.nn.Parameter(torch.ones(1))], 0.1)
        with pytest.raises(TypeError, match="torch optimizer SGD"):
            saving.serialize_keras_object(optimizer)

    def test_class_raises(self):
        with pytest.raises(TypeError, match="Pass an instance"):
            saving.serialize_keras_object(layers.Dense)

    def test_object_without_config_raises(self):
        with pytest.raises(TypeError, match="no `get_config\\(\\)`"):
            saving.serialize_keras_object(object())

    def test_nests_keep_structure(self):
        value = {"a": [1, (2.0, None)], "b": "text"}
        assert saving.serialize_keras_object(value) == value

    @pytest.mark.parametrize(
        "value",
        [
            np.arange(6, dtype="float32").reshape(2, 3),
            b"bytes",
            slice(1, None, 2),
            Ellipsis,
        ],
        ids=["numpy", "bytes", "slice", "ellipsis"],
    )
    def test_special_values_match_keras(self, value):
        ours = saving.serialize_keras_object(value)
        assert ours == keras.saving.serialize_keras_object(value)

    @pytest.mark.parametrize(
        "value",
        [np.arange(6, dtype="int32").reshape(2, 3), b"x", slice(0, 3), ...],
        ids=["numpy", "bytes", "slice", "ellipsis"],
    )
    def test_special_values_round_trip(self, value):
        config = _json_round_trip(saving.serialize_keras_object(value))
        restored = saving.deserialize_keras_object(config)
        if isinstance(value, np.ndarray):
            np.testing.assert_array_equal(restored, value)
            assert restored.dtype == value.dtype
        else:
            assert restored == value

    def test_tensor_round_trip(self):
        value = torch.tensor([[1.5, 2.0]], dtype=torch.float64)
        config = saving.serialize_keras_object(value)
        assert config["config"]["dtype"] == "float64"
        restored = saving.deserialize_keras_object(_json_round_trip(config))
        assert torch.equal(restored, value)

    def test_numpy_scalar_is_plain(self):
        assert saving.serialize_keras_object(np.float32(0.5)) == 0.5


class TestDeserializeBuiltins:
    def test_layer_from_keras_config(self):
        theirs = keras.layers.Dense(3, activation="relu", use_bias=False)
        config = _json_round_trip(keras.saving.serialize_keras_object(theirs))
        ours = saving.deserialize_keras_object(config)
        assert isinstance(ours, layers.Dense)
        assert ours.get_config() == theirs.get_config()

    def test_build_config_builds(self):
        config = _json_round_trip(
            keras.saving.serialize_keras_object(
                keras.Sequential(
                    [keras.Input((4,)), keras.layers.Dense(3)]
                ).layers[0]
            )
        )
        layer = saving.deserialize_keras_object(config)
        assert layer.built
        assert [w.shape for w in layer.get_weights()] == [(4, 3), (3,)]

    @pytest.mark.parametrize(
        "keras_object",
        [
            keras.initializers.RandomNormal(stddev=0.2, seed=1),
            keras.regularizers.L1L2(l1=0.5, l2=0.25),
            keras.constraints.MaxNorm(max_value=3, axis=1),
            keras.losses.Huber(delta=2.0),
            keras.optimizers.Adam(learning_rate=0.5),
        ],
        ids=["initializer", "regularizer", "constraint", "loss", "optimizer"],
    )
    def test_family_objects_from_keras(self, keras_object):
        config = _json_round_trip(
            keras.saving.serialize_keras_object(keras_object)
        )
        ours = saving.deserialize_keras_object(config)
        assert type(ours).__name__ == type(keras_object).__name__
        theirs_config = keras_object.get_config()
        ours_config = ours.get_config()
        for key in set(ours_config) & set(theirs_config):
            expected = theirs_config[key]
            if isinstance(expected, float):
                expected = pytest.approx(expected, rel=1e-6)
            assert ours_config[key] == expected, key

    @pytest.mark.parametrize(
        "keras_object",
        [keras.activations.relu, keras.losses.mean_absolute_error],
        ids=["activation", "loss"],
    )
    def test_functions_from_keras(self, keras_object):
        config = keras.saving.serialize_keras_object(keras_object)
        ours = saving.deserialize_keras_object(config)
        assert ours.__name__ == keras_object.__name__

    def test_our_family_objects_load_in_keras(self):
        value = torchkeras.optimizers.SGD(learning_rate=0.25, momentum=0.5)
        config = _json_round_trip(saving.serialize_keras_object(value))
        theirs = keras.saving.deserialize_keras_object(config)
        assert isinstance(theirs, keras.optimizers.SGD)
        assert theirs.get_config()["momentum"] == 0.5

    def test_plain_string_unchanged(self):
        assert saving.deserialize_keras_object("relu") == "relu"

    def test_config_without_class_is_dict(self):
        config = {"units": 3, "nested": [None, 1.0]}
        assert saving.deserialize_keras_object(config) == config

    def test_unexpected_keyword_raises(self):
        with pytest.raises(TypeError, match="unexpected keyword"):
            saving.deserialize_keras_object({}, bogus=1)

    def test_unknown_builtin_lists_close_names(self):
        config = {
            "module": "keras.layers",
            "class_name": "Dens",
            "config": {},
            "registered_name": None,
        }
        with pytest.raises(
            ValueError, match="'Dens'.*Close built-in names: 'Dense'"
        ):
            saving.deserialize_keras_object(config)

    def test_keras_operation_module_not_a_layer(self):
        config = {
            "module": "keras.src.ops.numpy",
            "class_name": "Add",
            "config": {},
            "registered_name": "Add",
        }
        with pytest.raises(ValueError, match="Could not find the class 'Add'"):
            saving.deserialize_keras_object(config)

    def test_config_without_module_searches_builtins(self):
        config = {"class_name": "Dense", "config": {"units": 2}}
        assert isinstance(saving.deserialize_keras_object(config), layers.Dense)

    def test_unknown_function_raises(self):
        config = {
            "module": "builtins",
            "class_name": "function",
            "config": "no_such_fn",
            "registered_name": "function",
        }
        with pytest.raises(ValueError, match="'no_such_fn'.*custom_objects"):
            saving.deserialize_keras_object(config)


class TestDeserializeCustom:
    def _scale_config(self, registered_name="Custom>Scale"):
        return {
            "module": "my_package.layers",
            "class_name": "Scale",
            "config": {"name": "scale", "trainable": True},
            "registered_name": registered_name,
        }

    def _scale_class(self):
        class Scale(layers.Layer):
            def call(self, inputs):
                return 2 * inputs

        return Scale

    def test_unknown_class_names_it_and_the_fixes(self):
        with pytest.raises(ValueError) as info:
            deserialize_layer(self._scale_config())
        message = str(info.value)
        assert "'Scale'" in message
        assert "custom_objects" in message
        assert "register_keras_serializable" in message

    def test_registered_class_found(self):
        scale = saving.register_keras_serializable()(self._scale_class())
        assert isinstance(deserialize_layer(self._scale_config()), scale)

    def test_scope_class_found(self):
        scale = self._scale_class()
        with saving.custom_object_scope({"Scale": scale}):
            assert isinstance(deserialize_layer(self._scale_config()), scale)

    def test_explicit_by_class_name_found(self):
        scale = self._scale_class()
        layer = deserialize_layer(self._scale_config(), {"Scale": scale})
        assert isinstance(layer, scale)

    def test_order_explicit_scope_registry_builtin(self):
        def make(tag):
            return type(f"Dense{tag}", (layers.Dense,), {})

        config = saving.serialize_keras_object(layers.Dense(2))
        registered, scoped, explicit = make("R"), make("S"), make("E")
        saving.get_custom_objects()["Dense"] = registered
        assert type(deserialize_layer(config)) is registered
        with saving.custom_object_scope({"Dense": scoped}):
            assert type(deserialize_layer(config)) is scoped
            layer = deserialize_layer(config, {"Dense": explicit})
            assert type(layer) is explicit
        del saving.get_custom_objects()["Dense"]
        assert type(deserialize_layer(config)) is layers.Dense

    def test_unfound_registered_class_not_builtin(self):
        config = saving.serialize_keras_object(layers.Dense(2))
        config["registered_name"] = "mine>Dense"
        config["module"] = "keras.layers"
        with pytest.raises(ValueError, match="registered as 'mine>Dense'"):
            deserialize_layer(config)

    def test_custom_objects_reach_nested_layers(self):
        scale = self._scale_class()
        model = torchkeras.Sequential([layers.Input((3,)), scale()])
        config = _json_round_trip(saving.serialize_keras_object(model))
        restored = saving.deserialize_keras_object(
            config, custom_objects={"Scale": scale}
        )
        assert isinstance(restored.layers[0], scale)
        assert saving.get_registered_object("Scale") is None

    def test_registered_initializer_in_dense(self):
        ones_like, _ = _ones_initializer_classes()
        saving.register_keras_serializable()(ones_like)
        layer = layers.Dense(2, kernel_initializer=ones_like())
        config = _json_round_trip(saving.serialize_keras_object(layer))
        initializer = config["config"]["kernel_initializer"]
        assert initializer["registered_name"] == "Custom>OnesLike"
        restored = deserialize_layer(config)
        restored.build_with_shape((None, 3))
        assert isinstance(restored.kernel_initializer, ones_like)
        assert torch.equal(restored.kernel, torch.ones(3, 2))

    def test_keras_custom_initializer_loads(self):
        ones_like, keras_ones_like = _ones_initializer_classes()
        layer = keras.layers.Dense(2, kernel_initializer=keras_ones_like())
        config = _json_round_trip(keras.saving.serialize_keras_object(layer))
        restored = deserialize_layer(config, {"KerasOnesLike": ones_like})
        assert isinstance(restored.kernel_initializer, ones_like)

    def test_custom_regularizer_and_constraint(self):
        class Halve(torchkeras.constraints.Constraint):
            def __call__(self, w):
                return w / 2

        class Total(torchkeras.regularizers.Regularizer):
            def __call__(self, x):
                return x.sum()

        layer = layers.Dense(
            2, kernel_regularizer=Total(), kernel_constraint=Halve()
        )
        config = _json_round_trip(saving.serialize_keras_object(layer))
        with saving.custom_object_scope({"Halve": Halve, "Total": Total}):
            restored = deserialize_layer(config)
        assert isinstance(restored.kernel_regularizer, Total)
        assert isinstance(restored.kernel_constraint, Halve)

    def test_custom_activation_by_name(self):
        def shift(x):
            return x + 1

        config = saving.serialize_keras_object(
            layers.Dense(2, activation=shift)
        )
        restored = deserialize_layer(config, {"shift": shift})
        assert restored.activation is shift

    def test_registered_activation_from_keras(self):
        @saving.register_keras_serializable(package="pkg", name="shift")
        def shift(x):
            return x + 1

        @keras.saving.register_keras_serializable(package="pkg", name="shift")
        def keras_shift(x):
            return x + 1

        layer = keras.layers.Dense(2, activation=keras_shift)
        config = _json_round_trip(keras.saving.serialize_keras_object(layer))
        assert deserialize_layer(config).activation is shift

    def test_bare_name_of_registered_function(self):
        @saving.register_keras_serializable(package="pkg")
        def shift(x):
            return x + 1

        config = {
            "module": "builtins",
            "class_name": "function",
            "config": "shift",
            "registered_name": "function",
        }
        assert saving.deserialize_keras_object(config) is shift

    def test_our_registered_layer_loads_in_keras(self):
        @saving.register_keras_serializable(package="pkg", name="Scale")
        class Scale(layers.Layer):
            def call(self, inputs):
                return 2 * inputs

        @keras.saving.register_keras_serializable(package="pkg", name="Scale")
        class KerasScale(keras.layers.Layer):
            def call(self, inputs):
                return 2 * inputs

        config = _json_round_trip(saving.serialize_keras_object(Scale()))
        assert isinstance(
            keras.saving.deserialize_keras_object(config), KerasScale
        )

    def test_from_config_type_error_explained(self):
        class Needs(layers.Layer):
            def __init__(self, inner, **kwargs):
                super().__init__(**kwargs)

        config = {
            "module": None,
            "class_name": "Needs",
            "config": {"name": "n"},
            "registered_name": "Needs",
        }
        with pytest.raises(TypeError, match="Needs.from_config\\(\\) failed"):
            deserialize_layer(config, {"Needs": Needs})

    def test_layer_config_must_be_dict(self):
        with pytest.raises(TypeError, match="must be a dict"):
            deserialize_layer("Dense")

    def test_layer_config_needs_inner_config(self):
        with pytest.raises(TypeError, match="`class_name` and `config`"):
            deserialize_layer({"class_name": "Dense"})


# Keras's form of a serialized lambda; the payload is never decoded here.
_LAMBDA = {"class_name": "__lambda__", "config": {"value": "AAAA"}}


class TestSafeMode:
    def test_lambda_rejected_in_safe_mode(self):
        with pytest.raises(ValueError, match="safe_mode=False"):
            saving.deserialize_keras_object(_LAMBDA)

    def test_lambda_loads_outside_safe_mode(self):
        with pytest.warns(UserWarning, match="lambda"):
            config = saving.serialize_keras_object(lambda x: x + 1)
        restored = saving.deserialize_keras_object(
            _json_round_trip(config), safe_mode=False
        )
        assert restored(1) == 2

    def test_torch_module_wrapper_needs_unsafe(self):
        wrapper = layers.TorchModuleWrapper(torch.nn.Linear(3, 2))
        config = _json_round_trip(saving.serialize_keras_object(wrapper))
        with pytest.raises(ValueError, match="safe_mode=False"):
            saving.deserialize_keras_object(config)
        restored = saving.deserialize_keras_object(config, safe_mode=False)
        assert isinstance(restored.module, torch.nn.Linear)

    def test_safe_mode_visible_while_loading(self):
        seen = []

        class Probe(layers.Layer):
            @classmethod
            def from_config(cls, config):
                seen.append(in_safe_mode())
                return cls(**config)

        config = serialize_layer(Probe())
        saving.deserialize_keras_object(
            config, {"Probe": Probe}, safe_mode=False
        )
        assert seen == [False]
        assert in_safe_mode() is None
