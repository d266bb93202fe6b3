"""Lambda layer: outputs, shapes, masks and config, against Keras 3."""

import json

import keras
import numpy as np
import pytest
import torch

import torchkeras
from torchkeras import layers
from torchkeras import ops
from torchkeras import saving
from torchkeras.layers.core import lambda_layer


def _json_round_trip(config):
    return json.loads(json.dumps(config))


def _numpy(value):
    return keras.ops.convert_to_numpy(value)


def _inputs(*shape):
    return np.random.default_rng(0).normal(size=shape).astype("float32")


def _scaled_sum(x, scale=1.0):
    return x.sum(-1, keepdims=True) * scale


class TestLambdaParity:
    def test_output_with_arguments(self):
        function = lambda x, power: x**power + 1
        x = _inputs(2, 3)
        ours = layers.Lambda(function, arguments={"power": 3})
        theirs = keras.layers.Lambda(function, arguments={"power": 3})
        np.testing.assert_allclose(
            ours(torch.from_numpy(x)).numpy(), _numpy(theirs(x)), rtol=1e-6
        )

    def test_output_on_numpy_input(self):
        layer = layers.Lambda(lambda x: x * 2)
        result = layer(np.ones((2, 3), dtype="float32"))
        assert isinstance(result, torch.Tensor)
        np.testing.assert_allclose(result.numpy(), np.full((2, 3), 2.0))

    def test_sequential_outputs(self):
        function = lambda x: torch.tanh(x) * 2
        keras_function = lambda x: keras.ops.tanh(x) * 2
        ours = torchkeras.Sequential(
            [torchkeras.Input((3,)), layers.Lambda(function), layers.Dense(2)]
        )
        theirs = keras.Sequential(
            [
                keras.Input((3,)),
                keras.layers.Lambda(keras_function),
                keras.layers.Dense(2),
            ]
        )
        ours.set_weights(theirs.get_weights())
        x = _inputs(4, 3)
        np.testing.assert_allclose(
            ours.predict(x, verbose=0),
            _numpy(theirs.predict(x, verbose=0)),
            atol=1e-6,
        )
        assert ours.output_shape == theirs.output_shape

    def test_functional_two_inputs(self):
        function = lambda xs: xs[0] * xs[1] - xs[1]
        models = []
        for library in (torchkeras, keras):
            a = library.Input((3,))
            b = library.Input((3,))
            output = library.layers.Lambda(function)([a, b])
            models.append(library.Model([a, b], output))
        x, y = _inputs(2, 3), _inputs(2, 3) + 1
        ours = models[0].predict([x, y], verbose=0)
        theirs = _numpy(models[1].predict([x, y], verbose=0))
        np.testing.assert_allclose(ours, theirs, rtol=1e-6)
        assert models[0].output_shape == models[1].output_shape

    @pytest.mark.parametrize(
        "output_shape",
        [None, (5,), (None,), [(2,), (3, 4)]],
        ids=["inferred", "tuple", "unknown_size", "list_of_shapes"],
    )
    def test_symbolic_output_shape(self, output_shape):
        function = lambda x: x[:, :2]
        ours = layers.Lambda(function, output_shape=output_shape)
        theirs = keras.layers.Lambda(function, output_shape=output_shape)
        ours_output = ours(torchkeras.Input((3,)))
        theirs_output = theirs(keras.Input((3,)))
        if isinstance(theirs_output, list):
            assert [t.shape for t in ours_output] == [
                t.shape for t in theirs_output
            ]
        else:
            assert ours_output.shape == theirs_output.shape

    @pytest.mark.parametrize(
        "output_shape",
        [None, (5,), lambda shape: (shape[0], 7)],
        ids=["inferred", "tuple", "callable"],
    )
    def test_compute_output_shape(self, output_shape):
        function = lambda x: x[:, :2]
        ours = layers.Lambda(function, output_shape=output_shape)
        theirs = keras.layers.Lambda(function, output_shape=output_shape)
        for shape in ((None, 3), (8, 3)):
            assert ours.compute_output_shape(shape) == tuple(
                theirs.compute_output_shape(shape)
            )

    def test_output_shape_skips_function(self):
        calls = []
        layer = layers.Lambda(lambda x: calls.append(x) or x, output_shape=(3,))
        output = layer(torchkeras.Input((3,)))
        assert output.shape == (None, 3)
        assert calls == []

    @pytest.mark.parametrize("training", [True, False])
    def test_training_passed_when_taken(self, training):
        function = lambda x, training=None: x * (2 if training else 3)
        x = _inputs(2, 3)
        ours = layers.Lambda(function)(torch.from_numpy(x), training=training)
        theirs = keras.layers.Lambda(function)(x, training=training)
        np.testing.assert_allclose(ours.numpy(), _numpy(theirs))

    def test_training_from_fit_mode(self):
        seen = []
        layer = layers.Lambda(lambda x, training: seen.append(training) or x)
        model = torchkeras.Sequential(
            [torchkeras.Input((3,)), layer, layers.Dense(1)]
        )
        model.compile(optimizer="sgd", loss="mse")
        model.fit(_inputs(4, 3), _inputs(4, 1), epochs=1, verbose=0)
        model.predict(_inputs(4, 3), verbose=0)
        assert True in seen
        assert seen[-1] is False

    def test_keyword_only_training(self):
        layer = layers.Lambda(lambda x, *, training=None: x + int(training))
        result = layer(torch.zeros(1, 2), training=True)
        np.testing.assert_allclose(result.numpy(), np.ones((1, 2)))

    def test_no_training_when_not_taken(self):
        layer = layers.Lambda(lambda x, **kwargs: x + len(kwargs))
        result = layer(torch.zeros(1, 2), training=True)
        np.testing.assert_allclose(result.numpy(), np.zeros((1, 2)))

    @pytest.mark.filterwarnings("ignore:Layer 'lambda:UserWarning:keras")
    def test_mask_passed_in_sequential(self):
        def masked_count(x, mask=None):
            count = keras.ops.sum(keras.ops.cast(mask, x.dtype), axis=1)
            return keras.ops.sum(x, axis=1) + count[:, None]

        def torch_masked_count(x, mask=None):
            # Model construction runs the function without a mask.
            if mask is None:
                return x.sum(1)
            return x.sum(1) + mask.to(x.dtype).sum(1, keepdim=True)

        x = _inputs(2, 4, 3)
        x[0, 2:] = 0.0
        ours = torchkeras.Sequential(
            [
                torchkeras.Input((4, 3)),
                layers.Masking(0.0),
                layers.Lambda(torch_masked_count),
            ]
        )
        theirs = keras.Sequential(
            [
                keras.Input((4, 3)),
                keras.layers.Masking(0.0),
                keras.layers.Lambda(masked_count),
            ]
        )
        np.testing.assert_allclose(
            ours.predict(x, verbose=0),
            _numpy(theirs.predict(x, verbose=0)),
            rtol=1e-6,
        )

    def test_compute_mask_callable(self):
        mask_function = lambda inputs, mask: inputs[..., 0] > 0
        x = _inputs(2, 4, 3)
        ours = layers.Lambda(lambda x: x, mask=mask_function)
        theirs = keras.layers.Lambda(lambda x: x, mask=mask_function)
        np.testing.assert_array_equal(
            ours.compute_mask(torch.from_numpy(x)).numpy(),
            _numpy(theirs.compute_mask(x)),
        )
        assert ours.supports_masking is theirs.supports_masking is True

    def test_compute_mask_tensor_and_none(self):
        fixed = torch.tensor([[True, False]])
        layer = layers.Lambda(lambda x: x, mask=fixed)
        assert layer.compute_mask(torch.zeros(1, 2), None) is fixed
        plain = layers.Lambda(lambda x: x)
        previous = torch.tensor([[True, True]])
        assert plain.compute_mask(torch.zeros(1, 2), previous) is None
        assert plain.supports_masking is False

    def test_functional_mask_dropped_without_mask(self):
        inputs = torchkeras.Input((4,), dtype="int64")
        embedded = layers.Embedding(5, 2, mask_zero=True)(inputs)
        scaled = layers.Lambda(lambda x, mask=None: x * 2)(embedded)
        model = torchkeras.Model(inputs, scaled)
        ids = np.array([[1, 2, 0, 0]])
        expected = model.layers[1](torch.from_numpy(ids)).detach() * 2
        np.testing.assert_allclose(
            model.predict(ids, verbose=0), expected.numpy()
        )


class TestLambdaConfig:
    def test_lambda_config_matches_keras(self):
        function = lambda x, k=2: x * k
        kwargs = {"output_shape": (3,), "arguments": {"k": 4}, "name": "l"}
        ours = layers.Lambda(function, **kwargs).get_config()
        theirs = keras.layers.Lambda(function, **kwargs).get_config()
        assert _json_round_trip(ours) == _json_round_trip(theirs)

    def test_closure_config_matches_keras(self):
        offset = 1.5
        function = lambda x: x + offset
        ours = layers.Lambda(function, name="l").get_config()
        theirs = keras.layers.Lambda(function, name="l").get_config()
        assert _json_round_trip(ours) == _json_round_trip(theirs)
        assert ours["function"]["config"]["closure"] == (1.5,)

    def test_named_function_config_matches_keras(self):
        ours = layers.Lambda(_scaled_sum, name="l").get_config()
        theirs = keras.layers.Lambda(_scaled_sum, name="l").get_config()
        assert ours == theirs

    def test_builtin_activation_config_matches_keras(self):
        ours = layers.Lambda(torchkeras.activations.relu, name="l")
        theirs = keras.layers.Lambda(keras.activations.relu, name="l")
        assert ours.get_config() == theirs.get_config()

    def test_callable_shape_and_mask_config_matches_keras(self):
        kwargs = {
            "output_shape": lambda shape: shape,
            "mask": lambda inputs, mask: mask,
            "name": "l",
        }
        ours = layers.Lambda(_scaled_sum, **kwargs).get_config()
        theirs = keras.layers.Lambda(_scaled_sum, **kwargs).get_config()
        assert _json_round_trip(ours) == _json_round_trip(theirs)

    def test_named_function_round_trip(self):
        layer = layers.Lambda(
            _scaled_sum, output_shape=(1,), arguments={"scale": 2.0}
        )
        config = _json_round_trip(saving.serialize_keras_object(layer))
        restored = saving.deserialize_keras_object(
            config, custom_objects={"_scaled_sum": _scaled_sum}
        )
        assert restored.function is _scaled_sum
        assert restored.arguments == {"scale": 2.0}
        assert restored.compute_output_shape((None, 3)) == (None, 1)

    def test_builtin_activation_round_trip(self):
        layer = layers.Lambda(torchkeras.activations.relu)
        config = _json_round_trip(saving.serialize_keras_object(layer))
        restored = saving.deserialize_keras_object(config)
        assert restored.function is torchkeras.activations.relu

    def test_lambda_round_trip_unsafe(self):
        offset = torch.tensor([1.0, 2.0])
        layer = layers.Lambda(
            lambda x, k=3.0: x * k + offset,
            output_shape=lambda shape: shape,
            mask=lambda inputs, mask: inputs > 0,
        )
        config = _json_round_trip(saving.serialize_keras_object(layer))
        restored = saving.deserialize_keras_object(config, safe_mode=False)
        x = torch.tensor([[1.0, -1.0]])
        torch.testing.assert_close(restored(x), layer(x))
        torch.testing.assert_close(restored.compute_mask(x), x > 0)
        assert restored.compute_output_shape((None, 2)) == (None, 2)

    def test_tensor_mask_round_trip(self):
        fixed = torch.tensor([[True, False]])
        layer = layers.Lambda(_scaled_sum, mask=fixed)
        config = _json_round_trip(saving.serialize_keras_object(layer))
        restored = saving.deserialize_keras_object(
            config, custom_objects={"_scaled_sum": _scaled_sum}
        )
        torch.testing.assert_close(restored.mask, fixed)

    def test_loaded_lambda_globals(self):
        # `keras` resolves to torchkeras in the loaded lambda.
        layer = layers.Lambda(
            lambda x: torch.relu(ops.abs(x)) * np.pi + keras.ops.abs(x)
        )
        restored = layers.Lambda.from_config(
            _json_round_trip(layer.get_config()), safe_mode=False
        )
        result = restored(torch.tensor([-1.0]))
        np.testing.assert_allclose(result.numpy(), [np.pi + 1], rtol=1e-6)


class TestLambdaBadInput:
    def test_function_not_callable(self):
        with pytest.raises(TypeError, match="`function` must be callable"):
            layers.Lambda("not callable")

    def test_arguments_not_dict(self):
        with pytest.raises(TypeError, match="`arguments` must be a dict"):
            layers.Lambda(_scaled_sum, arguments=[2.0])

    @pytest.mark.parametrize("output_shape", ["8", 8, [(2,), "x"], {}], ids=str)
    def test_output_shape_wrong_type(self, output_shape):
        with pytest.raises(TypeError, match="`output_shape` must be a shape"):
            layers.Lambda(_scaled_sum, output_shape=output_shape)

    def test_output_shape_negative(self):
        with pytest.raises(ValueError, match="non-negative integers or None"):
            layers.Lambda(_scaled_sum, output_shape=(3, -1))

    def test_mask_wrong_type(self):
        with pytest.raises(TypeError, match="`mask` must be None, a callable"):
            layers.Lambda(_scaled_sum, mask="zeros")

    def test_keyword_only_defaults_not_serializable(self):
        layer = layers.Lambda(lambda x, *, k=2: x * k)
        with pytest.raises(ValueError, match="keyword-only defaults"):
            layer.get_config()

    def test_unserializable_function(self):
        class Doubler:
            def __call__(self, x):
                return x * 2

        layer = layers.Lambda(Doubler())
        with pytest.raises(TypeError, match="Lambda layer 'lambda'"):
            layer.get_config()

    def test_uninferable_shape_asks_for_output_shape(self):
        layer = layers.Lambda(lambda x: x.reshape(5))
        with pytest.raises(NotImplementedError, match="Pass `output_shape`"):
            layer.compute_output_shape((None, 3))

    def test_symbolic_failure_asks_for_output_shape(self):
        layer = layers.Lambda(lambda x: x.reshape(5))
        with pytest.raises(ValueError, match="pass `output_shape`"):
            layer(torchkeras.Input((3,)))

    def test_malformed_lambda_entry(self):
        with pytest.raises(ValueError, match="must have a `config` with"):
            lambda_layer.load_lambda_config({"source": "x"})

    def test_lambda_value_wrong_length(self):
        with pytest.raises(ValueError, match="list of code, defaults"):
            lambda_layer.load_lambda_config({"value": ["AAAA"]})

    def test_unreadable_bytecode(self):
        with pytest.raises(ValueError, match="Could not read the bytecode"):
            lambda_layer.load_function("AAAA")

    def test_code_not_string(self):
        with pytest.raises(TypeError, match="must be a base64 string"):
            lambda_layer.load_function(12)

    def test_bytecode_not_code_object(self):
        import base64
        import marshal

        code = base64.encodebytes(marshal.dumps([1, 2])).decode("ascii")
        with pytest.raises(TypeError, match="must contain a code object"):
            lambda_layer.load_function(code)

    def test_closure_size_mismatch(self):
        offset = 1.0
        dumped = lambda_layer.dump_function(lambda x: x + offset)
        with pytest.raises(ValueError, match="Could not rebuild a lambda"):
            lambda_layer.load_function(dumped["code"], None, None)
