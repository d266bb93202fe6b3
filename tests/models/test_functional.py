"""Functional models against Keras 3: graph structure, numbers, errors."""

import keras
import numpy as np
import pytest
import torch

import torchkeras


def _reset():
    torchkeras.utils.clear_session()
    keras.backend.clear_session()


def _summary(model):
    lines = []
    model.summary(print_fn=lambda text, line_break=None: lines.append(text))
    return "".join(lines)


def _two_tower(m):
    """Two inputs, a shared layer, a residual add, two outputs."""
    left = m.Input((6,), name="left")
    right = m.Input((6,), name="right")
    shared = m.layers.Dense(6, activation="tanh", name="shared")
    a, b = shared(left), shared(right)
    merged = a + b
    hidden = m.layers.Dense(4, activation="relu", name="hidden")(merged)
    residual = hidden * 0.5 + m.layers.Dense(4, name="skip")(left)
    score = m.layers.Dense(1, activation="sigmoid", name="score")(residual)
    value = m.layers.Dense(2, name="value")(merged)
    return m.Model([left, right], [score, value], name="two_tower")


def _chain(m):
    inputs = m.Input((5,), name="features")
    x = m.layers.Dense(8, activation="relu")(inputs)
    x = m.layers.BatchNormalization()(x)
    outputs = m.layers.Dense(3, activation="softmax")(x)
    return m.Model(inputs, outputs)


def _inputs(n=7):
    rng = np.random.default_rng(0)
    return [rng.standard_normal((n, 6)).astype("float32") for _ in range(2)]


class TestStructure:
    def test_layers_and_names_match_keras(self):
        _reset()
        ours, theirs = _two_tower(torchkeras), _two_tower(keras)
        assert [l.name for l in ours.layers] == [l.name for l in theirs.layers]
        assert ours.output_names == theirs.output_names
        assert [tuple(w.shape) for w in ours.weights] == [tuple(w.shape) for w in theirs.weights]
        assert ours.count_params() == theirs.count_params()

    def test_shapes_and_symbolic_tensors(self):
        model = _two_tower(torchkeras)
        assert model.input_shape == [(None, 6), (None, 6)]
        assert model.output_shape == [(None, 1), (None, 2)]
        assert [t.shape for t in model.inputs] == [(None, 6), (None, 6)]
        assert len(model.outputs) == 2

    def test_summary_matches_keras(self):
        _reset()
        ours = _summary(_two_tower(torchkeras))
        _reset()
        assert ours == _summary(_two_tower(keras))

    def test_chain_summary_matches_keras(self):
        _reset()
        ours = _summary(_chain(torchkeras))
        _reset()
        assert ours == _summary(_chain(keras))

    def test_state_dict_keys_are_structural(self):
        keys = list(_chain(torchkeras).state_dict())
        assert keys[0] == "layers.1.kernel"
        assert "layers.2.moving_variance" in keys

    def test_get_layer_by_name_and_index(self):
        model = _two_tower(torchkeras)
        assert model.get_layer("shared").name == "shared"
        assert model.get_layer(index=0).name == "left"
        with pytest.raises(ValueError, match="No such layer: nope"):
            model.get_layer("nope")


class TestNumbers:
    def test_outputs_match_keras(self):
        ours, theirs = _two_tower(torchkeras), _two_tower(keras)
        ours.set_weights(theirs.get_weights())
        x = _inputs()
        for mine, reference in zip(ours(x), theirs(x)):
            np.testing.assert_allclose(
                mine.detach().numpy(), keras.ops.convert_to_numpy(reference), atol=1e-6
            )

    def test_dict_inputs_by_name(self):
        model = _two_tower(torchkeras)
        x = _inputs()
        by_list = model(x)
        by_name = model({"left": x[0], "right": x[1]})
        torch.testing.assert_close(by_list[0], by_name[0])

    def test_fit_matches_keras(self):
        ours, theirs = _chain(torchkeras), _chain(keras)
        ours.set_weights(theirs.get_weights())
        rng = np.random.default_rng(1)
        x = rng.standard_normal((40, 5)).astype("float32")
        y = rng.integers(0, 3, 40)
        for model in (ours, theirs):
            model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        args = dict(batch_size=8, epochs=2, shuffle=False, verbose=0)
        ours_history = ours.fit(x, y, **args).history
        theirs_history = theirs.fit(x, y, **args).history
        assert list(ours_history) == list(theirs_history)
        for key in theirs_history:
            np.testing.assert_allclose(ours_history[key], theirs_history[key], atol=1e-5)
        for mine, reference in zip(ours.get_weights(), theirs.get_weights()):
            np.testing.assert_allclose(mine, reference, atol=1e-5)

    def test_shared_layer_has_one_set_of_weights(self):
        model = _two_tower(torchkeras)
        shared = model.get_layer("shared")
        assert len(shared._inbound_nodes) == 2
        assert sum(1 for p in model.parameters() if p is shared.kernel) == 1

    def test_nested_model_on_symbolic_tensors(self):
        inner = _chain(torchkeras)
        outer_input = torchkeras.Input((5,))
        doubled = inner(outer_input * 2.0)
        outer = torchkeras.Model(outer_input, torchkeras.layers.Dense(1)(doubled))
        x = torch.rand(4, 5)
        expected = outer.layers[-1](inner(x * 2.0))
        torch.testing.assert_close(outer(x), expected)
        assert inner in list(outer.layers)

    def test_feature_extraction(self):
        model = _chain(torchkeras)
        extractor = torchkeras.Model(model.input, model.get_layer(index=2).output)
        assert extractor.output_shape == (None, 8)
        x = torch.rand(3, 5)
        torch.testing.assert_close(extractor(x), model.layers[2](model.layers[1](x)))

    def test_operations_match_keras(self):
        def build(m):
            inputs = m.Input((4,))
            x = m.layers.Dense(4)(inputs)
            scaled = abs(-((x - 1.0) / 2.0)) ** 2
            return m.Model(inputs, [scaled, x[:, 1:3], x > 0.5])

        ours, theirs = build(torchkeras), build(keras)
        ours.set_weights(theirs.get_weights())
        x = np.random.rand(3, 4).astype("float32")
        for mine, reference in zip(ours(x), theirs(x)):
            np.testing.assert_allclose(
                mine.detach().numpy(), keras.ops.convert_to_numpy(reference), atol=1e-6
            )

    def test_torch_function_on_symbolic_tensor(self):
        inputs = torchkeras.Input((4,))
        outputs = torch.cat([inputs, torch.relu(inputs)], dim=-1)
        model = torchkeras.Model(inputs, outputs)
        assert model.output_shape == (None, 8)
        x = torch.randn(2, 4)
        torch.testing.assert_close(model(x), torch.cat([x, x.relu()], dim=-1))

    def test_mask_flows_through_graph_like_keras(self):
        def build(m):
            inputs = m.Input((5,), dtype="int32")
            x = m.layers.Embedding(12, 3, mask_zero=True)(inputs)
            x = m.layers.GlobalAveragePooling1D()(x)
            return m.Model(inputs, m.layers.Dense(2)(x))

        ours, theirs = build(torchkeras), build(keras)
        ours.set_weights(theirs.get_weights())
        x = np.array([[3, 4, 0, 0, 0], [1, 2, 3, 4, 5]])
        np.testing.assert_allclose(
            ours(x).detach().numpy(), keras.ops.convert_to_numpy(theirs(x)), atol=1e-6
        )

    def test_explicit_training_false_is_kept_in_fit(self):
        inputs = torchkeras.Input((3,))
        outputs = torchkeras.layers.Dropout(0.99)(inputs, training=False)
        model = torchkeras.Model(inputs, outputs)
        model.train()
        torch.testing.assert_close(model(torch.ones(2, 3)), torch.ones(2, 3))


class TestErrors:
    def test_disconnected_graph_names_missing_input(self):
        a, b = torchkeras.Input((3,), name="first"), torchkeras.Input((3,), name="second")
        outputs = torchkeras.layers.Dense(1)(a + b)
        with pytest.raises(ValueError, match="disconnected.*'second'"):
            torchkeras.Model(a, outputs)

    def test_incompatible_shapes_name_the_layer(self):
        dense = torchkeras.layers.Dense(2, name="proj")
        dense(torchkeras.Input((4,)))
        with pytest.raises(ValueError, match=r"layer 'proj' .* value 4, but received input with shape \(None, 5\)"):
            dense(torchkeras.Input((5,)))

    def test_incompatible_merge_names_the_operation(self):
        with pytest.raises(ValueError, match="'add'"):
            torchkeras.Input((4,)) + torchkeras.Input((5,))

    def test_duplicate_layer_names_raise(self):
        inputs = torchkeras.Input((3,))
        x = torchkeras.layers.Dense(2, name="same")(inputs)
        outputs = torchkeras.layers.Dense(2, name="same")(x)
        with pytest.raises(ValueError, match="The name 'same' is used 2 times"):
            torchkeras.Model(inputs, outputs)

    def test_non_symbolic_inputs_raise(self):
        with pytest.raises(TypeError, match="must be symbolic tensors"):
            torchkeras.Model(np.ones((2, 3)), torchkeras.Input((3,)))

    def test_wrong_number_of_call_inputs_raises(self):
        model = _two_tower(torchkeras)
        with pytest.raises(ValueError, match="expects 2 input"):
            model(torch.ones(2, 6))

    def test_symbolic_tensor_as_bool_raises(self):
        with pytest.raises(TypeError, match="cannot be used as a Python bool"):
            bool(torchkeras.Input((2,)))


class TestTorchInterop:
    def test_torch_compile_matches_eager(self):
        model = _two_tower(torchkeras)
        compiled = torch.compile(model)
        x = [torch.from_numpy(v) for v in _inputs()]
        for eager, fast in zip(model(x), compiled(x)):
            torch.testing.assert_close(eager, fast)

    def test_torch_export(self):
        model = _chain(torchkeras)
        exported = torch.export.export(model, (torch.rand(4, 5),))
        x = torch.rand(4, 5)
        torch.testing.assert_close(exported.module()(x), model(x))


class TestConfig:
    @staticmethod
    def _graph(m):
        a = m.Input((4,), name="a")
        b = m.Input((4,), name="b")
        shared = m.layers.Dense(4, name="shared")
        summed = shared(a) + shared(b)
        sliced = summed[:, 0:2] * 2
        reshaped = summed.reshape((-1, 2, 2))[..., 0]
        head = m.layers.Dense(1, name="head")(sliced)
        dropped = m.layers.Dropout(0.5)(reshaped, training=False)
        return m.Model([a, b], [head, dropped], name="graph")

    def test_config_equals_keras(self):
        import json

        _reset()
        ours = json.loads(json.dumps(self._graph(torchkeras).get_config()))
        _reset()
        theirs = json.loads(json.dumps(self._graph(keras).get_config()))
        assert ours == theirs

    def test_keras_config_loads_with_same_outputs(self):
        reference = self._graph(keras)
        ours = torchkeras.Model.from_config(reference.get_config())
        assert [l.name for l in ours.layers] == [l.name for l in reference.layers]
        ours.set_weights(reference.get_weights())
        x = [np.random.rand(3, 4).astype("float32")] * 2
        for mine, expected in zip(ours(x), reference(x)):
            np.testing.assert_allclose(
                mine.detach().numpy(), keras.ops.convert_to_numpy(expected), atol=1e-6
            )

    def test_our_config_loads_in_keras(self):
        ours = self._graph(torchkeras)
        theirs = keras.Model.from_config(ours.get_config())
        theirs.set_weights(ours.get_weights())
        x = [np.random.rand(3, 4).astype("float32")] * 2
        for mine, expected in zip(ours(x), theirs(x)):
            np.testing.assert_allclose(
                mine.detach().numpy(), keras.ops.convert_to_numpy(expected), atol=1e-6
            )

    def test_round_trip_keeps_structure(self):
        model = self._graph(torchkeras)
        clone = torchkeras.Model.from_config(model.get_config())
        assert [type(l) for l in clone.operations] == [type(l) for l in model.operations]
        assert clone.output_shape == model.output_shape

    def test_torch_function_operation_cannot_serialize(self):
        inputs = torchkeras.Input((4,))
        model = torchkeras.Model(inputs, torch.cat([inputs, inputs], dim=-1))
        with pytest.raises(NotImplementedError, match="cannot be written to a Keras config"):
            model.get_config()


def test_torch_module_on_symbolic_tensor_explains_wrapping():
    inputs = torchkeras.Input((4,))
    with pytest.raises(TypeError, match="Wrap the module instead"):
        torch.nn.Linear(4, 2)(inputs)


def test_nested_summary_matches_keras():
    def build(m):
        inputs = m.Input((5,))
        inner = m.Model(inputs, m.layers.Dense(3)(m.layers.Dense(8)(inputs)), name="inner")
        outer_inputs = m.Input((5,))
        return m.Model(outer_inputs, m.layers.Dense(1)(inner(outer_inputs)), name="outer")

    _reset()
    ours = []
    build(torchkeras).summary(print_fn=ours.append, expand_nested=True, show_trainable=True)
    _reset()
    assert ours[0] == _summary_with(build(keras), expand_nested=True, show_trainable=True)


def _summary_with(model, **kwargs):
    lines = []
    model.summary(print_fn=lambda text, line_break=None: lines.append(text), **kwargs)
    return "".join(lines)


def test_nested_graph_summary_with_trainable_column_matches_keras():
    def build(m):
        inputs = m.Input((5,))
        norm = m.layers.BatchNormalization(name="ibn")
        norm.trainable = False
        inner = m.Model(inputs, norm(m.layers.Dense(3)(inputs)), name="inner")
        a, b = m.Input((5,)), m.Input((5,))
        return m.Model([a, b], m.layers.Add()([inner(a), inner(b)]), name="outer")

    _reset()
    ours = []
    build(torchkeras).summary(print_fn=ours.append, expand_nested=True, show_trainable=True)
    _reset()
    assert ours[0] == _summary_with(build(keras), expand_nested=True, show_trainable=True)


def test_custom_layer_without_module_loads_from_config():
    @torchkeras.saving.register_keras_serializable(package="trial")
    class Doubler(torchkeras.layers.Layer):
        def call(self, inputs):
            return inputs * 2

    inputs = torchkeras.Input((3,))
    model = torchkeras.Model(inputs, Doubler()(inputs))
    config = model.get_config()
    for entry in config["layers"]:
        if entry["class_name"] == "Doubler":
            entry["module"] = None
    clone = torchkeras.Model.from_config(config)
    torch.testing.assert_close(clone(torch.ones(1, 3)), torch.full((1, 3), 2.0))


def test_shape_error_names_all_input_shapes():
    with pytest.raises(ValueError, match=r"inputs of shape \[\(None, 4\), \(None, 5\)\]"):
        torchkeras.Input((4,)) @ torchkeras.Input((5,))


def test_unused_input_config_matches_keras():
    def build(lib):
        x = lib.Input((3,), name="x")
        y = lib.Input((2,), name="y")
        z = lib.Input((4,), name="z")
        hidden = lib.layers.Dense(2, name="d")(z)
        total = lib.layers.Add(name="a")([lib.layers.Dense(2, name="e")(x), hidden])
        return lib.Model([x, y, z], total)

    ours, theirs = build(torchkeras).get_config(), build(keras).get_config()
    assert [l["name"] for l in ours["layers"]] == [l["name"] for l in theirs["layers"]]
    assert ours["input_layers"] == theirs["input_layers"]
    reloaded = torchkeras.models.model_from_json(build(torchkeras).to_json())
    assert len(reloaded.inputs) == 3
