"""clone_model: same structure, new weights, as Keras 3's clone_model."""

import keras
import numpy as np
import pytest
import torch

import torchkeras
from torchkeras.models import clone_model


@pytest.fixture(autouse=True)
def _fresh_keras_names():
    """Reset Keras's name counters, as the shared set-up does for ours."""
    keras.backend.clear_session()


def _mlp(module):
    layers = module.layers
    return module.Sequential(
        [
            module.Input((4,), name="features"),
            layers.Dense(8, activation="relu"),
            layers.BatchNormalization(),
            layers.Dense(2),
        ],
        name="mlp",
    )


def _shared_graph(module):
    """Return a functional model that calls one Dense layer twice."""
    inputs = module.Input((4,), name="x")
    shared = module.layers.Dense(4, name="shared")
    hidden = shared(shared(module.layers.Dense(4, name="first")(inputs)))
    return module.Model(inputs, hidden + inputs, name="graph")


def _weights_differ(left, right):
    return any(
        not np.array_equal(a, b)
        for a, b in zip(left.get_weights(), right.get_weights())
        if a.size > 1 and a.std() > 0
    )


def _structure(model):
    return [(type(layer).__name__, layer.name) for layer in model.layers]


class TestSequential:
    def test_structure_matches_keras_clone(self):
        ours = clone_model(_mlp(torchkeras))
        theirs = keras.models.clone_model(_mlp(keras))
        assert ours.name == theirs.name == "mlp"
        assert _structure(ours) == _structure(theirs)
        assert ours.input_shape == theirs.input_shape
        assert [w.shape for w in ours.get_weights()] == [
            tuple(w.shape) for w in theirs.get_weights()
        ]

    def test_new_layers_and_weights(self):
        model = _mlp(torchkeras)
        clone = clone_model(model)
        assert all(a is not b for a, b in zip(model.layers, clone.layers))
        assert _weights_differ(model, clone)

    def test_equal_after_set_weights(self):
        model = _mlp(torchkeras)
        clone = clone_model(model)
        clone.set_weights(model.get_weights())
        x = torch.randn(3, 4)
        assert torch.equal(clone(x, training=False), model(x, training=False))

    def test_configs_equal(self):
        model = _mlp(torchkeras)
        clone = clone_model(model)
        for original, copy in zip(model.layers, clone.layers):
            assert copy.get_config() == original.get_config()

    def test_input_layer_copied(self):
        clone = clone_model(_mlp(torchkeras))
        assert clone.inputs[0].name == "features"
        assert clone.inputs[0] is not _mlp(torchkeras).inputs[0]

    def test_unbuilt_stays_unbuilt(self):
        model = torchkeras.Sequential([torchkeras.layers.Dense(3)])
        assert not clone_model(model).built

    def test_built_from_data_is_built(self):
        model = torchkeras.Sequential([torchkeras.layers.Dense(3)])
        model(torch.ones(2, 5))
        clone = clone_model(model)
        assert clone.built
        assert [w.shape for w in clone.get_weights()] == [(5, 3), (3,)]

    def test_clone_function_applied(self):
        def widen(layer):
            config = layer.get_config()
            if isinstance(layer, torchkeras.layers.Dense):
                config["units"] *= 2
            return type(layer).from_config(config)

        clone = clone_model(_mlp(torchkeras), clone_function=widen)
        assert clone.output_shape == (None, 4)

    def test_clone_function_may_share_layers(self):
        model = _mlp(torchkeras)
        clone = clone_model(model, clone_function=lambda layer: layer)
        assert clone.layers[0] is model.layers[0]

    def test_input_tensors(self):
        inputs = torchkeras.Input((4,), name="other")
        clone = clone_model(_mlp(torchkeras), input_tensors=[inputs])
        assert clone.inputs[0] is inputs

    def test_two_input_tensors_raise(self):
        inputs = [torchkeras.Input((4,)), torchkeras.Input((4,))]
        with pytest.raises(ValueError, match="must contain one"):
            clone_model(_mlp(torchkeras), input_tensors=inputs)

    def test_array_input_tensors_raise(self):
        with pytest.raises(ValueError, match="symbolic tensor"):
            clone_model(_mlp(torchkeras), input_tensors=np.ones((2, 4)))

    def test_non_input_tensor_raises(self):
        hidden = torchkeras.layers.Dense(4)(torchkeras.Input((4,)))
        with pytest.raises(ValueError, match="directly from `Input\\(\\)`"):
            clone_model(_mlp(torchkeras), input_tensors=hidden)

    def test_call_function_raises(self):
        with pytest.raises(ValueError, match="not supported for Sequential"):
            clone_model(_mlp(torchkeras), call_function=lambda l, x: l(x))


class TestFunctional:
    def test_structure_matches_keras_clone(self):
        ours = clone_model(_shared_graph(torchkeras))
        theirs = keras.models.clone_model(_shared_graph(keras))
        assert ours.name == theirs.name
        assert _structure(ours) == _structure(theirs)
        assert [w.shape for w in ours.get_weights()] == [
            tuple(w.shape) for w in theirs.get_weights()
        ]

    def test_shared_layer_stays_shared(self):
        clone = clone_model(_shared_graph(torchkeras))
        shared = clone.get_layer("shared")
        assert len([l for l in clone.layers if l is shared]) == 1
        assert len(clone.weights) == 4

    def test_new_weights_then_equal(self):
        model = _shared_graph(torchkeras)
        clone = clone_model(model)
        assert _weights_differ(model, clone)
        clone.set_weights(model.get_weights())
        x = torch.randn(2, 4)
        assert torch.equal(clone(x), model(x))

    def test_outputs_match_keras_clone(self):
        theirs = keras.models.clone_model(_shared_graph(keras))
        ours = clone_model(_shared_graph(torchkeras))
        ours.set_weights([np.asarray(w) for w in theirs.get_weights()])
        x = np.random.rand(2, 4).astype("float32")
        expected = keras.ops.convert_to_numpy(theirs(x))
        result = ours(torch.from_numpy(x)).detach().numpy()
        np.testing.assert_allclose(result, expected, rtol=1e-6)

    def test_multiple_inputs_and_dict_outputs(self):
        left = torchkeras.Input((3,), name="left")
        right = torchkeras.Input((2,), name="right")
        merged = torchkeras.layers.Concatenate()([left, right])
        model = torchkeras.Model(
            [left, right],
            {"a": torchkeras.layers.Dense(1)(merged), "b": merged},
        )
        clone = clone_model(model)
        clone.set_weights(model.get_weights())
        x = [torch.randn(2, 3), torch.randn(2, 2)]
        assert torch.equal(clone(x)["a"], model(x)["a"])
        assert [t.name for t in clone.inputs] == ["left", "right"]

    def test_call_function_adds_layers(self):
        def call_function(layer, *args, **kwargs):
            outputs = layer(*args, **kwargs)
            if isinstance(layer, torchkeras.layers.Dense):
                outputs = torchkeras.layers.Dropout(0.5)(outputs)
            return outputs

        clone = clone_model(
            _shared_graph(torchkeras), call_function=call_function
        )
        names = [type(layer).__name__ for layer in clone.layers]
        assert names.count("Dropout") == 3

    def test_input_tensors(self):
        inputs = torchkeras.Input((4,), name="new")
        clone = clone_model(_shared_graph(torchkeras), input_tensors=inputs)
        assert clone.inputs[0] is inputs

    def test_input_tensors_wrong_structure_raise(self):
        inputs = [torchkeras.Input((4,)), torchkeras.Input((4,))]
        with pytest.raises(ValueError, match="same structure"):
            clone_model(_shared_graph(torchkeras), input_tensors=inputs)

    def test_nested_model_cloned_by_clone_function(self):
        inner = _mlp(torchkeras)
        inputs = torchkeras.Input((4,))
        model = torchkeras.Model(inputs, inner(inputs))
        seen = []

        def record(layer):
            seen.append(layer.name)
            return type(layer).from_config(layer.get_config())

        clone = clone_model(model, clone_function=record)
        assert seen == ["mlp"]
        assert clone.layers[1] is not inner

    def test_recursive_clones_inner_layers(self):
        inner = _mlp(torchkeras)
        inputs = torchkeras.Input((4,))
        model = torchkeras.Model(inputs, inner(inputs))
        seen = []

        def record(layer):
            seen.append(layer.name)
            return type(layer).from_config(layer.get_config())

        clone_model(model, clone_function=record, recursive=True)
        assert seen == [layer.name for layer in inner.layers]


class TestSubclassed:
    class TwoLayers(torchkeras.Model):
        def __init__(self, units=3, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.hidden = torchkeras.layers.Dense(units)
            self.out = torchkeras.layers.Dense(1)

        def call(self, inputs):
            return self.out(self.hidden(inputs))

    def test_recreated_from_config(self):
        model = self.TwoLayers(units=5, name="two")
        model(torch.ones(2, 4))
        clone = clone_model(model)
        assert type(clone) is self.TwoLayers
        assert clone.units == 5
        assert clone.name == "two"
        clone(torch.ones(2, 4))
        assert _weights_differ(model, clone)
        clone.set_weights(model.get_weights())
        x = torch.randn(2, 4)
        assert torch.equal(clone(x), model(x))

    def test_clone_function_raises(self):
        with pytest.raises(ValueError, match="only supported for Sequential"):
            clone_model(self.TwoLayers(), clone_function=lambda layer: layer)

    def test_call_function_raises(self):
        with pytest.raises(ValueError, match="only supported for functional"):
            clone_model(self.TwoLayers(), call_function=lambda l, x: l(x))


class TestCompiled:
    def test_clone_compiled_with_new_objects(self):
        model = _mlp(torchkeras)
        model.compile(
            optimizer=torchkeras.optimizers.Adam(0.5),
            loss="mse",
            metrics=[torchkeras.metrics.MeanAbsoluteError()],
        )
        clone = clone_model(model)
        assert clone.compiled
        assert clone.optimizer is not model.optimizer
        assert clone.optimizer.learning_rate == pytest.approx(0.5)
        clone.fit(np.ones((4, 4)), np.ones((4, 2)), verbose=0)

    def test_torch_optimizer_leaves_clone_uncompiled(self):
        model = _mlp(torchkeras)
        model.compile(optimizer=torch.optim.SGD(model.parameters(), 0.1))
        with pytest.warns(UserWarning, match="not compiled"):
            clone = clone_model(model)
        assert not clone.compiled


def test_unexpected_keyword_raises():
    with pytest.raises(ValueError, match="unexpected keyword"):
        clone_model(_mlp(torchkeras), bogus=True)


def test_non_callable_clone_function_raises():
    with pytest.raises(ValueError, match="must be a callable"):
        clone_model(_mlp(torchkeras), clone_function="dense")


def test_custom_loss_and_metric_copied():
    class DoubleError(torchkeras.losses.Loss):
        def call(self, y_true, y_pred):
            return 2 * torch.abs(y_true - y_pred)

    def max_error(y_true, y_pred):
        return torch.abs(y_true - y_pred).max()

    model = _mlp(torchkeras)
    model.compile(loss=DoubleError(), metrics=[max_error])
    clone = clone_model(model)
    assert isinstance(clone.loss, DoubleError)
    assert clone.loss is not model.loss
    history = clone.fit(np.ones((4, 4)), np.ones((4, 2)), verbose=0)
    assert "max_error" in history.history


def test_lambda_layer_clones_without_unsafe_mode():
    inputs = torchkeras.Input((3,))
    doubled = torchkeras.layers.Lambda(lambda t: t * 2)(inputs)
    model = torchkeras.Model(inputs, torchkeras.layers.Dense(2)(doubled))
    clone = clone_model(model)
    clone.set_weights(model.get_weights())
    x = np.arange(6, dtype="float32").reshape(2, 3)
    np.testing.assert_allclose(clone.predict(x, verbose=0), model.predict(x, verbose=0))
