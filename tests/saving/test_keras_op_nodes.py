"""Tests for op nodes (`NotEqual`, `Exp`) in Keras and torchkeras files."""

import json

import keras
import numpy as np
import pytest

import torchkeras
from torchkeras.layers.core.operation import make_operation


def _randomize(model, seed=0):
    rng = np.random.default_rng(seed)
    weights = [
        rng.uniform(-0.5, 0.5, weight.shape).astype(weight.dtype)
        for weight in model.get_weights()
    ]
    model.set_weights(weights)


def _embedding_model(lib):
    """Keras's masking case: Embedding(mask_zero=True), then a pooling."""
    tokens = lib.Input((64,), dtype="int32")
    embedded = lib.layers.Embedding(16, 8, mask_zero=True)(tokens)
    pooled = lib.layers.GlobalAveragePooling1D()(embedded)
    return lib.Model(tokens, lib.layers.Dense(3)(pooled))


def _tokens():
    tokens = np.random.default_rng(2).integers(1, 16, size=(5, 64))
    tokens[:, 40:] = 0
    tokens[0, 10:] = 0
    return tokens.astype("int32")


# Models built with each library's ops: the library and its symbolic input
# of shape (None, 4) give the outputs.
OPS_MODELS = {
    "exp_mean": lambda lib, x: lib.ops.mean(lib.ops.exp(x), axis=1),
    "not_equal_where": lambda lib, x: lib.ops.where(
        lib.ops.not_equal(lib.ops.round(x), 0.0), x, -x
    ),
    "concatenate_softmax": lambda lib, x: lib.ops.softmax(
        lib.ops.concatenate([x, lib.ops.square(x)], axis=-1)
    ),
    "stack_sum": lambda lib, x: lib.ops.sum(
        lib.ops.stack([x, lib.ops.sigmoid(x)], axis=1), axis=1, keepdims=True
    ),
    "reshape_matmul": lambda lib, x: lib.ops.matmul(
        lib.ops.reshape(x, (-1, 2, 2)),
        lib.ops.transpose(lib.ops.reshape(x, (-1, 2, 2)), (0, 2, 1)),
    ),
    "cast_relu": lambda lib, x: lib.ops.relu(
        lib.ops.cast(lib.ops.cast(x * 4.0, "int32"), "float32")
    ),
}


def _ops_model(lib, case):
    x = lib.Input((4,))
    hidden = lib.layers.Dense(4)(x)
    return lib.Model(x, OPS_MODELS[case](lib, hidden))


def _features():
    return np.random.default_rng(3).normal(size=(6, 4)).astype("float32")


class TestKerasWrittenFiles:
    def test_embedding_mask_loads(self, tmp_path):
        path = str(tmp_path / "masked.keras")
        model = _embedding_model(keras)
        _randomize(model)
        model.save(path)

        restored = torchkeras.models.load_model(path)

        classes = [type(op).__name__ for op in restored._operations]
        assert "NotEqual" in classes
        expected = model.predict(_tokens(), verbose=0)
        received = restored.predict(_tokens(), verbose=0)
        np.testing.assert_allclose(received, expected, atol=1e-5)

    def test_embedding_mask_changes_result(self, tmp_path):
        path = str(tmp_path / "masked.keras")
        model = _embedding_model(keras)
        _randomize(model)
        model.save(path)
        restored = torchkeras.models.load_model(path)

        masked = restored.predict(_tokens(), verbose=0)
        embeddings = restored.layers[1](_tokens())
        unmasked = restored.layers[-1](embeddings.mean(dim=1))

        assert not np.allclose(masked, unmasked.detach().numpy(), atol=1e-3)

    @pytest.mark.parametrize("case", sorted(OPS_MODELS))
    def test_ops_model_loads(self, case, tmp_path):
        path = str(tmp_path / "ops.keras")
        model = _ops_model(keras, case)
        _randomize(model)
        model.save(path)

        restored = torchkeras.models.load_model(path)

        expected = model.predict(_features(), verbose=0)
        received = restored.predict(_features(), verbose=0)
        np.testing.assert_allclose(received, expected, atol=1e-5)

    @pytest.mark.parametrize("case", sorted(OPS_MODELS))
    def test_ops_json_loads(self, case):
        model = _ops_model(keras, case)
        _randomize(model)

        restored = torchkeras.models.model_from_json(model.to_json())
        restored.set_weights(model.get_weights())

        expected = model.predict(_features(), verbose=0)
        received = restored.predict(_features(), verbose=0)
        np.testing.assert_allclose(received, expected, atol=1e-5)

    def test_unknown_op_raises(self, tmp_path):
        path = str(tmp_path / "sinc.keras")
        x = keras.Input((4,))
        keras.Model(x, keras.ops.sinc(keras.ops.tanh(x))).save(path)

        with pytest.raises(ValueError, match=r"Unknown operation 'Sinc'"):
            torchkeras.models.load_model(path)


class TestTorchkerasWrittenFiles:
    @pytest.mark.parametrize("case", sorted(OPS_MODELS))
    def test_ops_model_loads_in_keras(self, case, tmp_path):
        path = str(tmp_path / "ops.keras")
        model = _ops_model(torchkeras, case)
        _randomize(model)
        model.save(path)

        restored = keras.models.load_model(path)

        expected = model.predict(_features(), verbose=0)
        received = restored.predict(_features(), verbose=0)
        np.testing.assert_allclose(received, expected, atol=1e-5)

    @pytest.mark.parametrize("case", sorted(OPS_MODELS))
    def test_ops_json_loads_in_keras(self, case):
        model = _ops_model(torchkeras, case)
        _randomize(model)

        restored = keras.models.model_from_json(model.to_json())
        restored.set_weights(model.get_weights())

        expected = model.predict(_features(), verbose=0)
        received = restored.predict(_features(), verbose=0)
        np.testing.assert_allclose(received, expected, atol=1e-5)

    def test_ops_module_names(self):
        x = torchkeras.Input((4,))
        outputs = [torchkeras.ops.cast(x, "int32"), torchkeras.ops.relu(x)]
        config = json.loads(torchkeras.Model(x, outputs).to_json())

        modules = {
            entry["class_name"]: entry["module"]
            for entry in config["config"]["layers"]
        }

        assert modules["Cast"] == "keras.src.ops.core"
        assert modules["Relu"] == "keras.src.ops.nn"


class TestOperationConfig:
    def test_unsupported_argument_raises(self):
        with pytest.raises(NotImplementedError, match=r"`retstep`"):
            make_operation("Linspace", num=5, retstep=True)

    def test_keras_default_argument_accepted(self):
        operation = make_operation("Linspace", num=5, retstep=False, axis=0)

        assert operation.options == {"num": 5}
