"""Torch-native saving: state dicts, pickled models, torch.export and ONNX."""

import copy
import importlib.util
import inspect
import io
import os
import subprocess
import sys

import numpy as np
import pytest
import torch

import torchkeras
from torchkeras import layers
from torchkeras.export import model_export

X = np.random.default_rng(0).random((32, 4)).astype("float32")
Y = np.random.default_rng(1).random((32, 1)).astype("float32")
ONNX_MISSING = any(
    importlib.util.find_spec(name) is None for name in ("onnx", "onnxscript")
)
needs_onnx = pytest.mark.skipif(
    ONNX_MISSING, reason="the onnx and onnxscript packages are not installed"
)
# torch 2.13's ONNX exporter triggers this deprecation inside torch itself.
pytestmark = pytest.mark.filterwarnings("ignore:.*LeafSpec:FutureWarning")


class TwoDense(torchkeras.Model):
    """A subclassed model at module level, so pickle can find the class."""

    def __init__(self):
        super().__init__()
        self.hidden = layers.Dense(8, activation="relu")
        self.norm = layers.BatchNormalization()
        self.head = layers.Dense(1)

    def call(self, inputs, training=None):
        return self.head(self.norm(self.hidden(inputs), training=training))


class GraphSubclass(torchkeras.Model):
    """A Model subclass that builds a graph and passes it to `__init__`."""

    def __init__(self):
        inputs = torchkeras.Input((4,))
        super().__init__(inputs, layers.Dense(1)(inputs))


def _sequential():
    return torchkeras.Sequential(
        [
            torchkeras.Input((4,)),
            layers.Dense(8, activation="relu"),
            layers.BatchNormalization(),
            layers.Dropout(0.25),
            layers.Dense(1),
        ]
    )


def _functional():
    inputs = torchkeras.Input((4,))
    hidden = layers.Dense(8, activation="relu")(inputs)
    hidden = layers.BatchNormalization()(hidden)
    return torchkeras.Model(inputs, layers.Dense(1)(hidden * 2.0 + hidden))


def _subclassed():
    model = TwoDense()
    model(torch.ones(2, 4))
    return model


def _nested():
    inner = torchkeras.Sequential(
        [torchkeras.Input((4,)), layers.Dense(6), layers.BatchNormalization()]
    )
    inputs = torchkeras.Input((4,))
    return torchkeras.Model(inputs, layers.Dense(1)(inner(inputs)))


def _two_inputs():
    a = torchkeras.Input((4,), name="a")
    b = torchkeras.Input((4,), name="b")
    merged = layers.Concatenate()([layers.Dense(3)(a), b[:, 0:2]])
    return torchkeras.Model({"a": a, "b": b}, layers.Dense(1)(merged))


BUILDERS = {
    "sequential": _sequential,
    "functional": _functional,
    "subclassed": _subclassed,
    "nested": _nested,
}


def _predict(model, x=X):
    return model.predict(x, verbose=0)


def _round_trip(model, path=None):
    """Save a whole model with torch.save and load it back."""
    target = io.BytesIO() if path is None else path
    torch.save(model, target)
    if path is None:
        target.seek(0)
    return torch.load(target, weights_only=False)


def _compiled(builder):
    model = builder()
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    return model


# ----------------------------------------------------------------------
# state_dict
# ----------------------------------------------------------------------


class TestStateDict:
    @pytest.mark.parametrize("kind", sorted(BUILDERS))
    def test_twin_built_later_loads_strictly(self, kind):
        original = BUILDERS[kind]()
        for _ in range(3):
            layers.Dense(1)  # advance the layer name counter
        twin = BUILDERS[kind]()
        twin.load_state_dict(original.state_dict(), strict=True)
        assert list(twin.state_dict()) == list(original.state_dict())
        np.testing.assert_allclose(_predict(twin), _predict(original))

    @pytest.mark.parametrize("kind", ["sequential", "subclassed"])
    def test_moving_statistics_round_trip(self, kind):
        original = _compiled(BUILDERS[kind])
        original.fit(X, Y, epochs=2, verbose=0)
        state = original.state_dict()
        moving = [key for key in state if "moving_" in key]
        assert len(moving) == 2
        assert not torch.equal(
            state[moving[0]], torch.zeros_like(state[moving[0]])
        )
        twin = BUILDERS[kind]()
        twin.load_state_dict(state, strict=True)
        for key in moving:
            torch.testing.assert_close(twin.state_dict()[key], state[key])
        np.testing.assert_allclose(
            _predict(twin), _predict(original), atol=1e-6
        )

    def test_file_loads_with_weights_only(self, tmp_path):
        original = _functional()
        path = tmp_path / "weights.pt"
        torch.save(original.state_dict(), path)
        state = torch.load(path, weights_only=True)
        twin = _functional()
        twin.load_state_dict(state, strict=True)
        np.testing.assert_allclose(_predict(twin), _predict(original))

    def test_unbuilt_sequential_load_raises(self):
        built = torchkeras.Sequential([layers.Dense(2), layers.Dense(1)])
        built(torch.ones(1, 3))
        unbuilt = torchkeras.Sequential([layers.Dense(2), layers.Dense(1)])
        with pytest.raises(
            RuntimeError,
            match="it is not built, so some of its weights do not exist yet"
            ".*Call it on a batch of data",
        ):
            unbuilt.load_state_dict(built.state_dict())

    def test_partly_built_model_load_raises(self):
        class Mixed(torchkeras.Model):
            def __init__(self):
                super().__init__()
                # A wrapped torch module has weights before the first call.
                self.pre = layers.TorchModuleWrapper(torch.nn.Linear(3, 3))
                self.dense = layers.Dense(2)

            def call(self, inputs):
                return self.dense(self.pre(inputs))

        built = Mixed()
        built(torch.ones(1, 3))
        with pytest.raises(
            RuntimeError, match="Mixed 'mixed_1': it is not built"
        ):
            Mixed().load_state_dict(built.state_dict(), strict=False)


# ----------------------------------------------------------------------
# torch.save / torch.load and deepcopy of whole models
# ----------------------------------------------------------------------


class TestWholeModel:
    @pytest.mark.parametrize("kind", sorted(BUILDERS))
    def test_built_model_round_trip(self, kind):
        model = BUILDERS[kind]()
        restored = _round_trip(model)
        assert type(restored) is type(model)
        np.testing.assert_allclose(_predict(restored), _predict(model))
        assert list(restored.state_dict()) == list(model.state_dict())

    @pytest.mark.parametrize("stage", ["compiled", "fitted"])
    @pytest.mark.parametrize("kind", sorted(BUILDERS))
    def test_loaded_model_trains_like_original(self, kind, stage):
        model = _compiled(BUILDERS[kind])
        if stage == "fitted":
            model.fit(X, Y, epochs=1, batch_size=8, verbose=0)
        restored = _round_trip(model)
        assert restored.compiled
        assert int(restored.optimizer.iterations) == int(
            model.optimizer.iterations
        )
        np.testing.assert_allclose(_predict(restored), _predict(model))

        # The same next epoch from the same optimizer state gives the same
        # weights. Adam's moments would differ if its state were lost.
        for candidate in (model, restored):
            torch.manual_seed(1)  # the same Dropout masks
            candidate.fit(
                X, Y, epochs=1, batch_size=8, shuffle=False, verbose=0
            )
        np.testing.assert_allclose(
            _predict(restored), _predict(model), atol=1e-6
        )
        assert restored.optimizer.iterations == model.optimizer.iterations

    def test_fitted_model_file_round_trip(self, tmp_path):
        model = _compiled(_functional)
        model.fit(X, Y, epochs=1, verbose=0, validation_split=0.25)
        restored = _round_trip(model, tmp_path / "model.pt")
        assert restored.history.history.keys() == model.history.history.keys()
        evaluated = restored.evaluate(X, Y, verbose=0, return_dict=True)
        assert evaluated == model.evaluate(X, Y, verbose=0, return_dict=True)

    @pytest.mark.parametrize("kind", sorted(BUILDERS))
    def test_summary_after_load(self, kind):
        model = _compiled(BUILDERS[kind])
        model.fit(X, Y, epochs=1, verbose=0)
        lines = []
        _round_trip(model).summary(print_fn=lines.append)
        expected = []
        model.summary(print_fn=expected.append)
        assert lines == expected

    def test_graph_with_operations_round_trip(self):
        a = torchkeras.Input((4,))
        b = torchkeras.Input((4,))
        summed = layers.Dense(4)(a) + layers.Dense(4)(b)
        mixed = layers.Concatenate()([summed[:, 0:2] * 2, torch.tanh(summed)])
        model = torchkeras.Model([a, b], layers.Dense(1)(mixed))
        restored = _round_trip(model)
        x = [torch.rand(5, 4), torch.rand(5, 4)]
        torch.testing.assert_close(restored(x), model(x))
        assert [type(op).__name__ for op in restored.operations] == [
            type(op).__name__ for op in model.operations
        ]

    def test_graph_subclass_round_trip(self):
        model = GraphSubclass()
        model.compile(optimizer="sgd", loss="mse")
        model.fit(X, Y, epochs=1, verbose=0)
        restored = _round_trip(model)
        assert isinstance(restored, GraphSubclass)
        assert type(restored) is type(model)
        np.testing.assert_allclose(_predict(restored), _predict(model))
        restored.fit(X, Y, epochs=1, verbose=0)

    def test_weight_regularizer_and_constraint_survive(self):
        model = torchkeras.Sequential(
            [
                torchkeras.Input((4,)),
                layers.Dense(
                    2,
                    kernel_regularizer="l2",
                    kernel_constraint="non_neg",
                ),
            ]
        )
        model(torch.ones(1, 4))
        restored = _round_trip(model)
        kernel = restored.layers[0].kernel
        assert type(kernel.regularizer) is type(
            model.layers[0].kernel.regularizer
        )
        assert type(kernel.constraint) is type(
            model.layers[0].kernel.constraint
        )
        restored(torch.ones(1, 4))
        torch.testing.assert_close(sum(restored.losses), sum(model.losses))

    def test_optimizer_finds_copied_weights(self):
        model = torchkeras.Sequential([torchkeras.Input((4,)), layers.Dense(2)])
        optimizer = torchkeras.optimizers.AdamW(weight_decay=0.1)
        optimizer.exclude_from_weight_decay(var_list=[model.layers[0].bias])
        model.compile(optimizer=optimizer, loss="mse")
        model.fit(X, np.ones((32, 2), "float32"), epochs=1, verbose=0)
        twin = _round_trip(model)
        bias = twin.layers[0].bias
        assert twin.optimizer._get_variable_index(bias) == 1
        assert not twin.optimizer._uses_weight_decay(bias)
        assert twin.optimizer._uses_weight_decay(twin.layers[0].kernel)
        # Updating a subset of the weights looks them up by identity.
        twin.optimizer.apply([torch.ones(2)], [bias])

    def test_load_in_new_process(self, tmp_path):
        model = _compiled(_functional)
        model.fit(X, Y, epochs=1, verbose=0)
        torch.save(model, tmp_path / "model.pt")
        np.save(tmp_path / "x.npy", X)
        code = (
            "import sys, numpy as np, torch\n"
            "model = torch.load(sys.argv[1], weights_only=False)\n"
            "x = np.load(sys.argv[2])\n"
            "model.fit(x, x[:, :1], epochs=1, shuffle=False, verbose=0)\n"
            "np.save(sys.argv[3], model.predict(x, verbose=0))\n"
        )
        subprocess.run(
            [
                sys.executable,
                "-c",
                code,
                str(tmp_path / "model.pt"),
                str(tmp_path / "x.npy"),
                str(tmp_path / "out.npy"),
            ],
            check=True,
            cwd=os.path.dirname(os.path.dirname(torchkeras.__file__)),
        )
        model.fit(X, X[:, :1], epochs=1, shuffle=False, verbose=0)
        np.testing.assert_allclose(
            np.load(tmp_path / "out.npy"), _predict(model), atol=1e-6
        )

    @pytest.mark.parametrize("kind", sorted(BUILDERS))
    def test_deepcopy_is_independent(self, kind):
        model = _compiled(BUILDERS[kind])
        model.fit(X, Y, epochs=1, batch_size=8, verbose=0)
        before = _predict(model)
        twin = copy.deepcopy(model)
        np.testing.assert_allclose(_predict(twin), before)
        assert not any(
            a is b for a, b in zip(twin.parameters(), model.parameters())
        )

        twin.fit(X, Y, epochs=2, batch_size=8, verbose=0)
        np.testing.assert_allclose(_predict(model), before)
        assert int(model.optimizer.iterations) == 4
        assert int(twin.optimizer.iterations) == 12


# ----------------------------------------------------------------------
# torch.export.export and torch.onnx.export on models
# ----------------------------------------------------------------------


class TestTorchExport:
    @pytest.mark.parametrize("kind", sorted(BUILDERS))
    def test_dynamic_batch_matches_eager(self, kind):
        model = BUILDERS[kind]().eval()
        batch = torch.export.Dim("batch")
        program = torch.export.export(
            model, (torch.rand(3, 4),), dynamic_shapes=({0: batch},)
        )
        x = torch.rand(7, 4)
        torch.testing.assert_close(program.module()(x), model(x))

    def test_dict_inputs(self):
        model = _two_inputs().eval()
        x = {"a": torch.rand(3, 4), "b": torch.rand(3, 4)}
        program = torch.export.export(model, (x,))
        torch.testing.assert_close(program.module()(x), model(x))

    @needs_onnx
    @pytest.mark.parametrize("kind", sorted(BUILDERS))
    def test_onnx_export_matches_eager(self, kind, tmp_path):
        from onnx.reference import ReferenceEvaluator

        model = BUILDERS[kind]().eval()
        x = torch.rand(3, 4)
        program = torch.onnx.export(model, (x,), dynamo=True, verbose=False)
        program.save(tmp_path / "model.onnx")
        session = ReferenceEvaluator(str(tmp_path / "model.onnx"))
        (output,) = session.run(None, {session.input_names[0]: x.numpy()})
        np.testing.assert_allclose(output, model(x).detach().numpy(), atol=1e-5)


# ----------------------------------------------------------------------
# Model.export
# ----------------------------------------------------------------------


def _load_program(path):
    return torch.export.load(str(path)).module()


class TestModelExport:
    def test_signature_matches_keras(self):
        import keras

        ours = inspect.signature(torchkeras.Model.export)
        theirs = inspect.signature(keras.Model.export)
        assert [(p.name, p.default) for p in ours.parameters.values()] == [
            (p.name, p.default) for p in theirs.parameters.values()
        ]

    @pytest.mark.parametrize("kind", sorted(BUILDERS))
    def test_torch_format_runs_any_batch(self, kind, tmp_path, capsys):
        model = BUILDERS[kind]()
        path = tmp_path / "model.pt2"
        assert model.export(path, format="torch") == str(path)
        assert (
            f"Saved the exported model at '{path}'" in capsys.readouterr().out
        )
        module = _load_program(path)
        for batch_size in (1, 5):
            x = torch.rand(batch_size, 4)
            torch.testing.assert_close(module(x), model.eval()(x))

    def test_torch_export_is_another_name(self, tmp_path, capsys):
        model = _sequential()
        model.export(tmp_path / "m.pt2", format="torch_export", verbose=False)
        assert capsys.readouterr().out == ""
        x = torch.rand(3, 4)
        torch.testing.assert_close(
            _load_program(tmp_path / "m.pt2")(x), model.eval()(x)
        )

    def test_training_mode_restored(self, tmp_path):
        model = _sequential()
        model.train()
        model.export(tmp_path / "m.pt2", format="torch", verbose=False)
        assert model.training
        assert all(module.training for module in model.modules())
        # The exported program has inference behaviour: Dropout is off.
        x = torch.rand(64, 4)
        module = _load_program(tmp_path / "m.pt2")
        torch.testing.assert_close(module(x), module(x))

    def test_dict_inputs_in_torch_format(self, tmp_path):
        model = _two_inputs()
        model.export(tmp_path / "m.pt2", format="torch", verbose=False)
        x = {"a": torch.rand(6, 4), "b": torch.rand(6, 4)}
        torch.testing.assert_close(
            _load_program(tmp_path / "m.pt2")(x), model(x)
        )

    @pytest.mark.parametrize(
        "signature",
        [
            (None, 4),
            [(None, 4)],
            [torchkeras.InputSpec(shape=(None, 4))],
            [torchkeras.Input((4,))],
            torch.zeros(2, 4),
        ],
        ids=["shape", "list_of_shape", "input_spec", "keras_tensor", "tensor"],
    )
    def test_input_signature_forms(self, signature, tmp_path):
        model = _subclassed()
        model.export(
            tmp_path / "m.pt2",
            format="torch",
            verbose=False,
            input_signature=signature,
        )
        x = torch.rand(5, 4)
        torch.testing.assert_close(
            _load_program(tmp_path / "m.pt2")(x), model(x)
        )

    def test_fixed_batch_signature_is_static(self, tmp_path):
        model = _sequential()
        model.export(
            tmp_path / "m.pt2",
            format="torch",
            verbose=False,
            input_signature=[(3, 4)],
        )
        module = _load_program(tmp_path / "m.pt2")
        assert module(torch.rand(3, 4)).shape == (3, 1)
        with pytest.raises(AssertionError, match=r"size\(\)\[0\] == 3"):
            module(torch.rand(5, 4))

    def test_integer_inputs_with_unknown_length(self, tmp_path):
        model = torchkeras.Sequential(
            [
                torchkeras.Input((None,), dtype="int64"),
                layers.Embedding(10, 3),
                layers.GlobalAveragePooling1D(),
            ]
        )
        model.export(tmp_path / "m.pt2", format="torch", verbose=False)
        module = _load_program(tmp_path / "m.pt2")
        x = torch.randint(0, 10, (4, 9))
        torch.testing.assert_close(module(x), model(x))

    def test_export_kwargs_reach_torch(self, tmp_path):
        model = _sequential()
        model.export(
            tmp_path / "m.pt2",
            format="torch",
            verbose=False,
            input_signature=[(3, 4)],
            dynamic_shapes=({0: torch.export.Dim("rows")},),
        )
        assert _load_program(tmp_path / "m.pt2")(torch.rand(6, 4)).shape == (
            6,
            1,
        )

    @needs_onnx
    @pytest.mark.parametrize("kind", sorted(BUILDERS))
    def test_onnx_format_runs_any_batch(self, kind, tmp_path, capsys):
        from onnx.reference import ReferenceEvaluator

        model = BUILDERS[kind]()
        path = tmp_path / "model.onnx"
        model.export(path, format="onnx")
        assert (
            f"Saved the exported model at '{path}'" in capsys.readouterr().out
        )
        session = ReferenceEvaluator(str(path))
        x = torch.rand(5, 4)
        (output,) = session.run(None, {session.input_names[0]: x.numpy()})
        np.testing.assert_allclose(
            output, model.eval()(x).detach().numpy(), atol=1e-5
        )

    @needs_onnx
    def test_onnx_inputs_named_after_model_inputs(self, tmp_path):
        from onnx.reference import ReferenceEvaluator

        model = _two_inputs()
        model.export(tmp_path / "m.onnx", format="onnx", verbose=False)
        session = ReferenceEvaluator(str(tmp_path / "m.onnx"))
        assert session.input_names == ["a", "b"]
        x = {"a": torch.rand(3, 4), "b": torch.rand(3, 4)}
        (output,) = session.run(None, {k: v.numpy() for k, v in x.items()})
        np.testing.assert_allclose(output, model(x).detach().numpy(), atol=1e-5)

    def test_onnx_without_packages_raises(self, tmp_path, monkeypatch):
        real_find_spec = importlib.util.find_spec

        def find_spec(name, *args):
            if name in ("onnx", "onnxscript"):
                return None
            return real_find_spec(name, *args)

        monkeypatch.setattr(model_export.importlib.util, "find_spec", find_spec)
        with pytest.raises(
            ImportError,
            match=r"needs the packages \['onnx', 'onnxscript'\].*"
            "pip install onnx onnxscript",
        ):
            _sequential().export(tmp_path / "m.onnx", format="onnx")


class TestModelExportErrors:
    @pytest.mark.parametrize("format", ["tf_saved_model", "litert", "openvino"])
    def test_keras_only_formats_raise(self, format, tmp_path):
        with pytest.raises(
            NotImplementedError,
            match=rf"cannot export format='{format}'.*Available formats: "
            r"\['onnx', 'torch'\]",
        ):
            _sequential().export(tmp_path / "m", format=format)

    def test_default_format_raises(self, tmp_path):
        with pytest.raises(NotImplementedError, match="it needs TensorFlow"):
            _sequential().export(tmp_path / "m")

    def test_unknown_format_raises(self, tmp_path):
        with pytest.raises(
            ValueError,
            match=r"Unknown export format: 'pt'.*\['onnx', 'torch'\]",
        ):
            _sequential().export(tmp_path / "m", format="pt")

    def test_torch_format_needs_pt2_suffix(self, tmp_path):
        with pytest.raises(ValueError, match="must end in '.pt2'"):
            _sequential().export(tmp_path / "m.pt", format="torch")

    def test_unknown_keyword_raises(self, tmp_path):
        with pytest.raises(
            ValueError,
            match=r"does not take the argument\(s\) \['opset'\].*strict",
        ):
            _sequential().export(tmp_path / "m.pt2", format="torch", opset=17)

    def test_never_called_subclass_raises(self, tmp_path):
        with pytest.raises(
            ValueError, match="has never been called.*pass `input_signature`"
        ):
            TwoDense().export(tmp_path / "m.pt2", format="torch")

    def test_input_spec_without_shape_raises(self, tmp_path):
        with pytest.raises(ValueError, match="must have a `shape`"):
            _sequential().export(
                tmp_path / "m.pt2",
                format="torch",
                input_signature=[torchkeras.InputSpec(ndim=2)],
            )

    def test_invalid_signature_entry_raises(self, tmp_path):
        with pytest.raises(
            TypeError, match="must be a shape tuple.*Received: 'x' of type str"
        ):
            _sequential().export(
                tmp_path / "m.pt2", format="torch", input_signature=["x"]
            )
