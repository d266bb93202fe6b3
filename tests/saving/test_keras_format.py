"""Tests for `.keras` archives: Keras 3 interchange, resuming, safety, errors."""

import json
import os
import zipfile

import h5py
import keras
import numpy as np
import pytest
import torch

import torchkeras
from torchkeras.saving import saving_lib


def _randomize(model, seed=0):
    """Give every weight random values; vectors stay positive (variances)."""
    rng = np.random.default_rng(seed)
    weights = []
    for weight in model.get_weights():
        low, high = (0.5, 1.5) if weight.ndim <= 1 else (-0.3, 0.3)
        weights.append(rng.uniform(low, high, weight.shape).astype(weight.dtype))
    model.set_weights(weights)


# One entry per built-in layer that both libraries have: a factory taking
# the library, the input shape without the batch, and how to draw inputs.
FLOAT = "float"
TOKENS = "tokens"
LAYERS = {
    "dense": (lambda lib: lib.layers.Dense(3, activation="tanh"), (4,), FLOAT),
    "activation": (lambda lib: lib.layers.Activation("sigmoid"), (4,), FLOAT),
    "relu": (lambda lib: lib.layers.ReLU(max_value=0.5), (4,), FLOAT),
    "leaky_relu": (lambda lib: lib.layers.LeakyReLU(0.2), (4,), FLOAT),
    "softmax": (lambda lib: lib.layers.Softmax(), (4,), FLOAT),
    "elu": (lambda lib: lib.layers.ELU(), (4,), FLOAT),
    "dropout": (lambda lib: lib.layers.Dropout(0.5), (4,), FLOAT),
    "flatten": (lambda lib: lib.layers.Flatten(), (2, 3), FLOAT),
    "reshape": (lambda lib: lib.layers.Reshape((3, 2)), (6,), FLOAT),
    "rescaling": (lambda lib: lib.layers.Rescaling(0.5, offset=1.0), (4,), FLOAT),
    "conv1d": (lambda lib: lib.layers.Conv1D(3, 2, padding="same"), (5, 2), FLOAT),
    "conv2d": (lambda lib: lib.layers.Conv2D(3, 2, strides=2), (6, 6, 2), FLOAT),
    "max_pooling1d": (lambda lib: lib.layers.MaxPooling1D(2), (6, 2), FLOAT),
    "max_pooling2d": (lambda lib: lib.layers.MaxPooling2D(2), (4, 4, 2), FLOAT),
    "average_pooling1d": (
        lambda lib: lib.layers.AveragePooling1D(2),
        (6, 2),
        FLOAT,
    ),
    "average_pooling2d": (
        lambda lib: lib.layers.AveragePooling2D(2),
        (4, 4, 2),
        FLOAT,
    ),
    "global_average_pooling1d": (
        lambda lib: lib.layers.GlobalAveragePooling1D(),
        (5, 3),
        FLOAT,
    ),
    "global_average_pooling2d": (
        lambda lib: lib.layers.GlobalAveragePooling2D(),
        (4, 4, 3),
        FLOAT,
    ),
    "global_max_pooling1d": (
        lambda lib: lib.layers.GlobalMaxPooling1D(),
        (5, 3),
        FLOAT,
    ),
    "global_max_pooling2d": (
        lambda lib: lib.layers.GlobalMaxPooling2D(),
        (4, 4, 3),
        FLOAT,
    ),
    "batch_normalization": (
        lambda lib: lib.layers.BatchNormalization(),
        (4,),
        FLOAT,
    ),
    "embedding": (lambda lib: lib.layers.Embedding(10, 3), (5,), TOKENS),
    "masking": (lambda lib: lib.layers.Masking(0.0), (3, 2), FLOAT),
}

MERGES = {
    "add": lambda lib: lib.layers.Add(),
    "subtract": lambda lib: lib.layers.Subtract(),
    "multiply": lambda lib: lib.layers.Multiply(),
    "average": lambda lib: lib.layers.Average(),
    "maximum": lambda lib: lib.layers.Maximum(),
    "minimum": lambda lib: lib.layers.Minimum(),
    "concatenate": lambda lib: lib.layers.Concatenate(),
    "dot": lambda lib: lib.layers.Dot(axes=1),
}


def _inputs(shape, kind, batch=3):
    rng = np.random.default_rng(1)
    if kind == TOKENS:
        return rng.integers(0, 10, (batch, *shape)).astype("int32")
    return rng.uniform(-1, 1, (batch, *shape)).astype("float32")


def _layer_models(lib, name):
    """Return a Sequential and a functional model holding a nested Sequential."""
    factory, shape, kind = LAYERS[name]
    dtype = "int32" if kind == TOKENS else "float32"
    sequential = lib.Sequential([lib.Input(shape, dtype=dtype), factory(lib)])
    inputs = lib.Input(shape, dtype=dtype)
    direct = factory(lib)(inputs)
    inner = lib.Sequential([lib.Input(shape, dtype=dtype), factory(lib)])
    functional = lib.Model(inputs, [direct, inner(inputs)])
    return {"sequential": sequential, "functional_nested": functional}


def _merge_model(lib, name):
    first = lib.Input((4,))
    second = lib.Input((4,))
    branch = lib.layers.Dense(4)(second)
    outputs = MERGES[name](lib)([first, branch])
    return lib.Model([first, second], outputs)


def _predict(model, x):
    outputs = model.predict(x, verbose=0)
    if isinstance(outputs, (list, tuple)):
        return [np.asarray(o) for o in outputs]
    return [np.asarray(outputs)]


def _assert_same_predictions(first, second, x):
    for a, b in zip(_predict(first, x), _predict(second, x)):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", sorted(LAYERS))
@pytest.mark.parametrize("direction", ["torchkeras_to_keras", "keras_to_torchkeras"])
def test_layer_models_load_across_libraries(tmp_path, name, direction):
    source, target = (
        (torchkeras, keras)
        if direction == "torchkeras_to_keras"
        else (keras, torchkeras)
    )
    _, shape, kind = LAYERS[name]
    x = _inputs(shape, kind)
    for model_kind, model in _layer_models(source, name).items():
        _randomize(model)
        path = tmp_path / f"{model_kind}.keras"
        model.save(path)
        loaded = target.saving.load_model(path)
        assert type(loaded).__name__ == type(model).__name__
        assert len(loaded.weights) == len(model.weights)
        _assert_same_predictions(model, loaded, x)


@pytest.mark.parametrize("name", sorted(MERGES))
@pytest.mark.parametrize("direction", ["torchkeras_to_keras", "keras_to_torchkeras"])
def test_merge_models_load_across_libraries(tmp_path, name, direction):
    source, target = (
        (torchkeras, keras)
        if direction == "torchkeras_to_keras"
        else (keras, torchkeras)
    )
    model = _merge_model(source, name)
    _randomize(model)
    model.save(tmp_path / "merge.keras")
    loaded = target.saving.load_model(tmp_path / "merge.keras")
    x = [_inputs((4,), FLOAT), _inputs((4,), FLOAT) * 2]
    _assert_same_predictions(model, loaded, x)


def _digits_like(seed=0, n=96):
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 1, (n, 8)).astype("float32")
    y = (x[:, :3].sum(axis=1) > 1.5).astype("int32")
    return x, y


def _classifier(lib, optimizer="adam"):
    model = lib.Sequential(
        [
            lib.Input((8,)),
            lib.layers.Dense(6, activation="tanh"),
            lib.layers.BatchNormalization(),
            lib.layers.Dense(2, activation="softmax"),
        ]
    )
    model.compile(
        optimizer=optimizer,
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


@pytest.mark.parametrize("optimizer", ["adam", "sgd", "rmsprop", "adagrad", "adamw"])
def test_reload_resumes_training_exactly(tmp_path, optimizer):
    x, y = _digits_like()
    model = _classifier(torchkeras, optimizer)
    model.fit(x, y, epochs=2, batch_size=16, shuffle=False, verbose=0)
    model.save(tmp_path / "model.keras")
    reloaded = torchkeras.saving.load_model(tmp_path / "model.keras")

    assert reloaded.compiled
    assert type(reloaded.optimizer) is type(model.optimizer)
    assert int(reloaded.optimizer.iterations) == int(model.optimizer.iterations) == 12
    expected = model.fit(x, y, epochs=2, batch_size=16, shuffle=False, verbose=0)
    resumed = reloaded.fit(x, y, epochs=2, batch_size=16, shuffle=False, verbose=0)
    assert resumed.history.keys() == expected.history.keys()
    for key in expected.history:
        np.testing.assert_allclose(
            resumed.history[key], expected.history[key], rtol=1e-6
        )
    for a, b in zip(model.get_weights(), reloaded.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("direction", ["torchkeras_to_keras", "keras_to_torchkeras"])
def test_training_resumes_across_libraries(tmp_path, direction):
    source, target = (
        (torchkeras, keras)
        if direction == "torchkeras_to_keras"
        else (keras, torchkeras)
    )
    x, y = _digits_like()
    model = _classifier(source)
    model.fit(x, y, epochs=2, batch_size=16, shuffle=False, verbose=0)
    model.save(tmp_path / "model.keras")
    reloaded = target.saving.load_model(tmp_path / "model.keras")
    assert int(reloaded.optimizer.iterations) == 12
    expected = model.fit(x, y, epochs=1, batch_size=16, shuffle=False, verbose=0)
    resumed = reloaded.fit(x, y, epochs=1, batch_size=16, shuffle=False, verbose=0)
    for key in ("loss", "accuracy"):
        np.testing.assert_allclose(
            resumed.history[key], expected.history[key], rtol=1e-5, atol=1e-6
        )
    for a, b in zip(model.get_weights(), reloaded.get_weights()):
        np.testing.assert_allclose(
            np.asarray(a), np.asarray(b), rtol=1e-5, atol=1e-6
        )


def test_archive_members_and_metadata(tmp_path):
    model = _classifier(torchkeras)
    model.fit(*_digits_like(), epochs=1, verbose=0)
    model.save(tmp_path / "model.keras")
    with zipfile.ZipFile(tmp_path / "model.keras") as archive:
        assert sorted(archive.namelist()) == [
            "config.json",
            "metadata.json",
            "model.weights.h5",
        ]
        metadata = json.loads(archive.read("metadata.json"))
        config = json.loads(archive.read("config.json"))
    assert metadata["keras_version"] == saving_lib.KERAS_FORMAT_VERSION
    assert "date_saved" in metadata
    assert config["class_name"] == "Sequential"
    assert config["compile_config"]["loss"] == "sparse_categorical_crossentropy"
    assert config["build_config"] == {"input_shape": [None, 8]}


def test_weights_member_has_keras_group_paths(tmp_path):
    paths = {}
    for lib in (torchkeras, keras):
        model = _classifier(lib)
        model.fit(*_digits_like(), epochs=1, verbose=0)
        model.save(tmp_path / f"{lib.__name__}.keras")
        with zipfile.ZipFile(tmp_path / f"{lib.__name__}.keras") as archive:
            archive.extract("model.weights.h5", tmp_path / lib.__name__)
        names = []
        with h5py.File(tmp_path / lib.__name__ / "model.weights.h5", "r") as file:
            file.visit(names.append)
        paths[lib.__name__] = sorted(names)
    assert paths["torchkeras"] == paths["keras"]
    assert "optimizer/vars/13" in paths["torchkeras"]


def test_load_without_compile(tmp_path):
    model = _classifier(torchkeras)
    model.save(tmp_path / "model.keras")
    reloaded = torchkeras.models.load_model(tmp_path / "model.keras", compile=False)
    assert not reloaded.compiled
    x, _ = _digits_like()
    _assert_same_predictions(model, reloaded, x)


def test_uncompiled_model_round_trips(tmp_path):
    model = torchkeras.Sequential([torchkeras.Input((3,)), torchkeras.layers.Dense(2)])
    model.save(tmp_path / "model.keras")
    reloaded = torchkeras.saving.load_model(tmp_path / "model.keras")
    assert not reloaded.compiled
    _assert_same_predictions(model, reloaded, _inputs((3,), FLOAT))

    model.compile("adam", "mse")  # compiled, optimizer not built yet
    model.save(tmp_path / "compiled.keras")
    reloaded = torchkeras.saving.load_model(tmp_path / "compiled.keras")
    assert reloaded.compiled and not reloaded.optimizer.built


def test_folder_format_round_trips_with_keras(tmp_path):
    model = _classifier(torchkeras)
    model.fit(*_digits_like(), epochs=1, verbose=0)
    model.save(tmp_path / "folder", zipped=False)
    assert sorted(os.listdir(tmp_path / "folder")) == [
        "config.json",
        "metadata.json",
        "model.weights.h5",
    ]
    x, _ = _digits_like()
    _assert_same_predictions(model, torchkeras.saving.load_model(tmp_path / "folder"), x)
    _assert_same_predictions(model, keras.saving.load_model(tmp_path / "folder"), x)


def test_custom_layer_needs_custom_objects(tmp_path):
    class Scale(torchkeras.layers.Layer):
        def __init__(self, factor=2.0, **kwargs):
            super().__init__(**kwargs)
            self.factor = factor

        def call(self, x):
            return x * self.factor

        def get_config(self):
            return {**super().get_config(), "factor": self.factor}

    model = torchkeras.Sequential([torchkeras.Input((3,)), Scale(3.0)])
    model.save(tmp_path / "model.keras")
    with pytest.raises(ValueError, match=r"Could not find the class 'Scale'.*custom_objects"):
        torchkeras.saving.load_model(tmp_path / "model.keras")
    x = _inputs((3,), FLOAT)
    reloaded = torchkeras.saving.load_model(
        tmp_path / "model.keras", custom_objects={"Scale": Scale}
    )
    _assert_same_predictions(model, reloaded, x)
    with torchkeras.saving.custom_object_scope({"Scale": Scale}):
        reloaded = torchkeras.saving.load_model(tmp_path / "model.keras")
    _assert_same_predictions(model, reloaded, x)


def test_registered_custom_layer_loads(tmp_path):
    @torchkeras.saving.register_keras_serializable(package="tests")
    class Shift(torchkeras.layers.Layer):
        def call(self, x):
            return x + 1.0

    model = torchkeras.Sequential([torchkeras.Input((3,)), Shift()])
    model.save(tmp_path / "model.keras")
    reloaded = torchkeras.saving.load_model(tmp_path / "model.keras")
    assert type(reloaded.layers[0]) is Shift


def test_load_weights_from_keras_archive(tmp_path):
    source = _classifier(keras)
    _randomize(source)
    source.save(tmp_path / "model.keras")
    target = _classifier(torchkeras)
    target.load_weights(tmp_path / "model.keras")
    _assert_same_predictions(source, target, _digits_like()[0])


# ----------------------------------------------------------------------
# Durability
# ----------------------------------------------------------------------


def test_failed_save_leaves_previous_file_intact(tmp_path, monkeypatch):
    path = tmp_path / "model.keras"
    model = _classifier(torchkeras)
    model.save(path)
    before = path.read_bytes()

    original = zipfile.ZipFile.writestr

    def failing_writestr(self, name, data, *args, **kwargs):
        if name == "model.weights.h5":
            raise RuntimeError("disk full (simulated)")
        return original(self, name, data, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "writestr", failing_writestr)
    _randomize(model, seed=5)
    with pytest.raises(RuntimeError, match="simulated"):
        model.save(path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["model.keras"]


def test_failed_first_save_leaves_no_file(tmp_path, monkeypatch):
    def failing(model, file):
        raise RuntimeError("crash while writing weights (simulated)")

    monkeypatch.setattr(saving_lib.weights_h5, "write_weights", failing)
    with pytest.raises(RuntimeError, match="simulated"):
        _classifier(torchkeras).save(tmp_path / "model.keras")
    assert os.listdir(tmp_path) == []


# ----------------------------------------------------------------------
# Bad input
# ----------------------------------------------------------------------


def test_save_rejects_unknown_suffix(tmp_path):
    with pytest.raises(ValueError, match=r"file format from the name 'model.pt'.*\.keras"):
        _classifier(torchkeras).save(tmp_path / "model.pt")


def test_save_rejects_keras_suffix_for_folder(tmp_path):
    with pytest.raises(ValueError, match="must not end in `.keras`"):
        _classifier(torchkeras).save(tmp_path / "m.keras", zipped=False)


def test_save_rejects_unknown_arguments(tmp_path):
    with pytest.raises(ValueError, match=r"Unknown arguments.*\['compression'\]"):
        _classifier(torchkeras).save(tmp_path / "m.keras", compression=True)


def test_save_format_must_agree_with_suffix(tmp_path):
    with pytest.raises(ValueError, match="save_format='tf'"):
        _classifier(torchkeras).save(tmp_path / "m.keras", save_format="tf")
    _classifier(torchkeras).save(tmp_path / "m.keras", save_format="keras")


def test_save_without_overwrite_raises(tmp_path):
    model = _classifier(torchkeras)
    model.save(tmp_path / "m.keras")
    with pytest.raises(FileExistsError, match="overwrite=True"):
        model.save(tmp_path / "m.keras", overwrite=False)


def test_saving_unbuilt_model_warns(tmp_path):
    model = torchkeras.Sequential([torchkeras.layers.Dense(2)])
    with pytest.warns(UserWarning, match="not built"):
        model.save(tmp_path / "m.keras")


def test_load_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"No model file found at .*absent\.keras"):
        torchkeras.saving.load_model(tmp_path / "absent.keras")


def test_load_truncated_archive(tmp_path):
    path = tmp_path / "model.keras"
    _classifier(torchkeras).save(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match=r"model\.keras is not a `\.keras` archive.*truncated or corrupt"):
        torchkeras.saving.load_model(path)


def test_load_file_of_another_format(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("hello")
    with pytest.raises(ValueError, match=r"neither a `\.keras` archive.*nor a legacy `\.h5`"):
        torchkeras.saving.load_model(path)


def test_load_archive_without_config(tmp_path):
    path = tmp_path / "model.keras"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "not a model")
    with pytest.raises(ValueError, match=r"has no `config.json`.*readme\.txt"):
        torchkeras.saving.load_model(path)


def test_load_archive_with_invalid_config_json(tmp_path):
    path = tmp_path / "model.keras"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("config.json", "{not json")
    with pytest.raises(ValueError, match="is not valid JSON"):
        torchkeras.saving.load_model(path)


def test_load_archive_with_corrupt_member(tmp_path):
    path = tmp_path / "model.keras"
    _classifier(torchkeras).save(path)
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    members["model.weights.h5"] = b"\x89HDF garbage" * 10
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    with pytest.raises(ValueError, match=r"model\.weights\.h5\).*cannot be read as HDF5"):
        torchkeras.saving.load_model(path)


def test_load_archive_with_damaged_crc(tmp_path):
    path = tmp_path / "model.keras"
    _classifier(torchkeras).save(path)
    data = bytearray(path.read_bytes())
    start = data.index(b'"class_name"')
    data[start + 1 : start + 6] = b"XXXXX"
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match=r"config\.json` of .*could not be read.*corrupt"):
        torchkeras.saving.load_model(path)


def test_load_weights_shape_mismatch_names_layer(tmp_path):
    source = _classifier(torchkeras)
    source.save(tmp_path / "model.keras")
    other = torchkeras.Sequential(
        [
            torchkeras.Input((8,)),
            torchkeras.layers.Dense(5, activation="relu"),
            torchkeras.layers.BatchNormalization(),
            torchkeras.layers.Dense(2, activation="softmax"),
        ]
    )
    with pytest.raises(ValueError, match=r"Layer 'dense.*' variable 'kernel' has shape \(8, 5\), but the file has shape \(8, 6\)"):
        other.load_weights(tmp_path / "model.keras")
    with pytest.warns(UserWarning, match="Skipping loading weights for layer"):
        other.load_weights(tmp_path / "model.keras", skip_mismatch=True)


def test_load_weights_bad_arguments(tmp_path):
    model = _classifier(torchkeras)
    with pytest.raises(ValueError, match=r"weights format from the file name 'w\.bin'"):
        model.load_weights(tmp_path / "w.bin")
    with pytest.raises(ValueError, match="`by_name` applies only to legacy"):
        model.load_weights(tmp_path / "w.weights.h5", by_name=True)
    with pytest.raises(ValueError, match=r"Unknown arguments for loading weights: \['strict'\]"):
        model.load_weights(tmp_path / "w.weights.h5", strict=True)


# ----------------------------------------------------------------------
# Subclassed models and torch modules
# ----------------------------------------------------------------------


def _two_dense_class(lib):
    """Register and return a subclassed model with two Dense sublayers.

    The attribute `out` sorts after `layers`, so Keras writes that
    sublayer under `layers/dense_1` rather than under `out`.
    """

    @lib.saving.register_keras_serializable(package="tests")
    class TwoDense(lib.Model):
        def __init__(self, hidden=8, **kwargs):
            super().__init__(**kwargs)
            self.hidden = hidden
            self.d1 = lib.layers.Dense(hidden)
            self.out = lib.layers.Dense(3)

        def call(self, inputs):
            return self.out(self.d1(inputs))

        def get_config(self):
            return {**super().get_config(), "hidden": self.hidden}

    return TwoDense


@pytest.mark.parametrize(
    "direction",
    ["torchkeras_to_torchkeras", "torchkeras_to_keras", "keras_to_torchkeras"],
)
def test_subclassed_model_reloads(tmp_path, direction):
    source, target = {
        "torchkeras_to_torchkeras": (torchkeras, torchkeras),
        "torchkeras_to_keras": (torchkeras, keras),
        "keras_to_torchkeras": (keras, torchkeras),
    }[direction]
    source_class = _two_dense_class(source)
    target_class = _two_dense_class(target)
    x = _inputs((64,), FLOAT, batch=16)
    model = source_class(hidden=5)
    model(x)
    _randomize(model)
    model.save(tmp_path / "two.keras")
    reloaded = target.saving.load_model(tmp_path / "two.keras")
    assert type(reloaded) is target_class
    assert reloaded.hidden == 5
    assert len(reloaded.weights) == 4
    _assert_same_predictions(model, reloaded, x)


def test_subclassed_model_group_paths_match_keras(tmp_path):
    paths = {}
    for lib in (torchkeras, keras):
        model = _two_dense_class(lib)(hidden=5)
        model(_inputs((64,), FLOAT))
        model.save_weights(tmp_path / f"{lib.__name__}.weights.h5")
        names = []
        with h5py.File(tmp_path / f"{lib.__name__}.weights.h5", "r") as file:
            file.visit(names.append)
        paths[lib.__name__] = sorted(names)
    assert paths["torchkeras"] == paths["keras"]
    assert "layers/dense_1/vars/0" in paths["torchkeras"]


def test_unbuilt_sublayer_error_says_not_built(tmp_path):
    @torchkeras.saving.register_keras_serializable(package="tests")
    class NoBuild(torchkeras.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.dense = torchkeras.layers.Dense(2)

        def build(self, input_shape):
            # Creates nothing, so loading finds an unbuilt Dense.
            self.built = True

        def call(self, inputs):
            return self.dense(inputs)

    model = NoBuild()
    model(_inputs((4,), FLOAT))
    model.save(tmp_path / "model.keras")
    with pytest.raises(
        ValueError, match=r"Layer 'dense.*' is not built.*build_from_config"
    ):
        torchkeras.saving.load_model(tmp_path / "model.keras")


def test_failed_build_from_config_warns(tmp_path):
    @torchkeras.saving.register_keras_serializable(package="tests")
    class NeedsData(torchkeras.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.dense = torchkeras.layers.Dense(2)

        def call(self, inputs):
            if not bool(inputs.any()):
                raise ValueError("inputs must not be all zeros")
            return self.dense(inputs)

    model = NeedsData()
    model(_inputs((4,), FLOAT))
    model.save(tmp_path / "model.keras")
    with pytest.warns(UserWarning, match="could not be built.*all zeros"):
        with pytest.raises(ValueError, match="is not built"):
            torchkeras.saving.load_model(tmp_path / "model.keras")


def test_build_from_config_runs_call_once_without_losses():
    model = _two_dense_class(torchkeras)(hidden=4)
    model.build_from_config({"input_shape": (None, 6)})
    assert model.built
    assert [tuple(w.shape) for w in model.weights] == [(6, 4), (4,), (4, 3), (3,)]
    assert model.get_build_config() == {"input_shape": (None, 6)}
    assert model.losses == []


def test_load_empty_file_raises(tmp_path):
    path = tmp_path / "empty.keras"
    path.write_bytes(b"")
    with pytest.raises(ValueError, match=r"empty\.keras is empty \(0 bytes\)"):
        torchkeras.saving.load_model(path)
    model = _classifier(torchkeras)
    with pytest.raises(ValueError, match=r"empty\.keras is empty \(0 bytes\)"):
        model.load_weights(path)


@pytest.mark.parametrize("direction", ["torchkeras_to_keras", "keras_to_torchkeras"])
def test_torch_module_wrapper_model_across_libraries(tmp_path, direction):
    source, target = (
        (torchkeras, keras)
        if direction == "torchkeras_to_keras"
        else (keras, torchkeras)
    )
    torch.manual_seed(0)
    model = source.Sequential(
        [
            source.Input((4,)),
            source.layers.TorchModuleWrapper(torch.nn.Linear(4, 3)),
            source.layers.TorchModuleWrapper(torch.nn.BatchNorm1d(3)),
        ]
    )
    with torch.no_grad():
        model.layers[1].module.running_mean.uniform_(-1.0, 1.0)
        model.layers[1].module.running_var.uniform_(0.5, 1.5)
    model.save(tmp_path / "wrapped.keras")
    reloaded = target.saving.load_model(tmp_path / "wrapped.keras", safe_mode=False)
    _assert_same_predictions(model, reloaded, _inputs((4,), FLOAT))


def _projection_class(lib):
    """Register and return a custom layer holding plain torch modules."""

    @lib.saving.register_keras_serializable(package="tests")
    class Projection(lib.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.proj = torch.nn.Linear(4, 3)
            self.norm = torch.nn.BatchNorm1d(3)

        def call(self, inputs):
            return self.norm(self.proj(inputs))

    return Projection


def _torch_parts(layer):
    """Return the Linear and BatchNorm1d of a Projection (Keras wraps them)."""
    return [getattr(m, "module", m) for m in (layer.proj, layer.norm)]


@pytest.mark.parametrize(
    "direction",
    ["torchkeras_to_torchkeras", "torchkeras_to_keras", "keras_to_torchkeras"],
)
def test_torch_module_attribute_reloads(tmp_path, direction):
    source, target = {
        "torchkeras_to_torchkeras": (torchkeras, torchkeras),
        "torchkeras_to_keras": (torchkeras, keras),
        "keras_to_torchkeras": (keras, torchkeras),
    }[direction]
    _projection_class(target)
    model = source.Sequential([source.Input((4,)), _projection_class(source)()])
    linear, norm = _torch_parts(model.layers[0])
    with torch.no_grad():
        linear.weight.uniform_(-1.0, 1.0)
        norm.running_mean.uniform_(-1.0, 1.0)
        norm.running_var.uniform_(0.5, 1.5)
    model.save(tmp_path / "projection.keras")
    reloaded = target.saving.load_model(tmp_path / "projection.keras")
    x = _inputs((4,), FLOAT)
    _assert_same_predictions(model, reloaded, x)
    for before, after in zip(
        _torch_parts(model.layers[0]), _torch_parts(reloaded.layers[0])
    ):
        for key, value in before.state_dict().items():
            torch.testing.assert_close(after.state_dict()[key], value)


def test_subclassed_weights_at_attribute_paths_load(tmp_path):
    """Files saved before sublayers went under `layers/` still load."""
    path = tmp_path / "two.weights.h5"
    model = _two_dense_class(torchkeras)(hidden=5)
    model(_inputs((64,), FLOAT))
    _randomize(model)
    model.save_weights(path)
    with h5py.File(path, "a") as file:
        file.move("layers/dense_1", "out")
        del file["layers"]
    twin = _two_dense_class(torchkeras)(hidden=5)
    twin(_inputs((64,), FLOAT))
    twin.load_weights(path)
    for expected, loaded in zip(model.get_weights(), twin.get_weights()):
        np.testing.assert_array_equal(loaded, expected)


@pytest.mark.parametrize(
    "direction",
    ["torchkeras_to_torchkeras", "torchkeras_to_keras", "keras_to_torchkeras"],
)
def test_subclassed_training_resumes(tmp_path, direction):
    source, target = {
        "torchkeras_to_torchkeras": (torchkeras, torchkeras),
        "torchkeras_to_keras": (torchkeras, keras),
        "keras_to_torchkeras": (keras, torchkeras),
    }[direction]
    _two_dense_class(target)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 6)).astype("float32")
    y = rng.normal(size=(32, 3)).astype("float32")
    model = _two_dense_class(source)(hidden=4)
    model.compile("adam", "mse")
    model.fit(x, y, epochs=2, batch_size=8, shuffle=False, verbose=0)
    model.save(tmp_path / "two.keras")
    reloaded = target.saving.load_model(tmp_path / "two.keras")
    assert int(reloaded.optimizer.iterations) == 8
    expected = model.fit(x, y, epochs=1, batch_size=8, shuffle=False, verbose=0)
    resumed = reloaded.fit(x, y, epochs=1, batch_size=8, shuffle=False, verbose=0)
    np.testing.assert_allclose(
        resumed.history["loss"], expected.history["loss"], rtol=1e-5
    )
