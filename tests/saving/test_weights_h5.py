"""Tests for `.weights.h5` files: Keras 3 interchange, round trips, errors."""

import os

os.environ["KERAS_BACKEND"] = "torch"

import h5py
import keras
import numpy as np
import pytest

import torchkeras


def _sequential(lib):
    return lib.Sequential(
        [
            lib.Input((6, 6, 3)),
            lib.layers.Conv2D(4, 3),
            lib.layers.BatchNormalization(),
            lib.layers.Flatten(),
            lib.layers.Dense(5),
            lib.layers.Dense(2),
        ]
    )


def _functional(lib):
    """Build a functional model with a shared Dense and a nested Sequential."""
    inner = lib.Sequential(
        [lib.Input((4,)), lib.layers.Dense(3), lib.layers.BatchNormalization()]
    )
    inputs = lib.Input((4,))
    shared = lib.layers.Dense(4)
    x = shared(inputs)
    x = shared(x)
    x = inner(x)
    outputs = lib.layers.Dense(1)(x)
    return lib.Model(inputs, outputs)


def _nested(lib):
    """Build a Sequential holding a functional model holding a Sequential."""
    inputs = lib.Input((5,))
    block = lib.Sequential([lib.Input((5,)), lib.layers.Dense(5)])
    x = block(inputs)
    x = lib.layers.BatchNormalization()(x)
    middle = lib.Model(inputs, lib.layers.Dense(3)(x))
    return lib.Sequential([lib.Input((5,)), lib.layers.Dense(5), middle])


def _subclassed(lib):
    """Build a subclassed model whose sublayers are attributes and a list."""

    class Block(lib.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.proj = lib.layers.Dense(3)
            self.norm = lib.layers.BatchNormalization()
            self.extra = [lib.layers.Dense(3), lib.layers.Dense(3)]

        def call(self, x):
            x = self.norm(self.proj(x))
            for layer in self.extra:
                x = layer(x)
            return x

    class Net(lib.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.block = Block()
            self.head = lib.layers.Dense(1)

        def call(self, x):
            return self.head(self.block(x))

    model = Net()
    model(np.zeros((2, 4), "float32"))
    return model


BUILDERS = {
    "subclassed": (_subclassed, (3, 4)),
    "sequential": (_sequential, (2, 6, 6, 3)),
    "functional": (_functional, (3, 4)),
    "nested": (_nested, (3, 5)),
}


def _randomize(model):
    """Set every weight to random values of moderate size.

    Vectors (biases and BatchNormalization statistics) stay positive, so
    moving variances are valid, and kernels are centred on zero.
    """
    rng = np.random.default_rng(0)
    weights = []
    for weight in model.get_weights():
        if weight.ndim == 1:
            weights.append(
                rng.uniform(0.5, 1.5, weight.shape).astype("float32")
            )
        else:
            weights.append(
                rng.uniform(-0.3, 0.3, weight.shape).astype("float32")
            )
    model.set_weights(weights)


def _group_paths(path):
    names = []
    with h5py.File(path, "r") as file:
        file.visit(names.append)
    return sorted(names)


@pytest.mark.parametrize("kind", sorted(BUILDERS))
def test_keras_file_loads_into_torchkeras(tmp_path, kind):
    build, input_shape = BUILDERS[kind]
    path = tmp_path / "model.weights.h5"
    reference = build(keras)
    _randomize(reference)
    reference.save_weights(path)
    model = build(torchkeras)
    model.load_weights(path)
    x = np.random.default_rng(1).normal(size=input_shape).astype("float32")
    expected = keras.ops.convert_to_numpy(reference(x, training=False))
    result = model.predict(x, verbose=0)
    np.testing.assert_allclose(result, expected, atol=1e-5)


@pytest.mark.parametrize("kind", sorted(BUILDERS))
def test_torchkeras_file_loads_into_keras(tmp_path, kind):
    build, input_shape = BUILDERS[kind]
    path = tmp_path / "model.weights.h5"
    model = build(torchkeras)
    _randomize(model)
    model.save_weights(path)
    reference = build(keras)
    reference.load_weights(path)
    x = np.random.default_rng(1).normal(size=input_shape).astype("float32")
    expected = keras.ops.convert_to_numpy(reference(x, training=False))
    result = model.predict(x, verbose=0)
    np.testing.assert_allclose(result, expected, atol=1e-5)


@pytest.mark.parametrize("kind", sorted(BUILDERS))
def test_file_layout_matches_keras(tmp_path, kind):
    build, _ = BUILDERS[kind]
    keras_path = tmp_path / "keras.weights.h5"
    ours_path = tmp_path / "ours.weights.h5"
    build(keras).save_weights(keras_path)
    build(torchkeras).save_weights(ours_path)
    assert _group_paths(ours_path) == _group_paths(keras_path)


def test_round_trip_within_torchkeras(tmp_path):
    path = tmp_path / "model.weights.h5"
    source = _functional(torchkeras)
    _randomize(source)
    source.save_weights(path)
    target = _functional(torchkeras)
    target.load_weights(path)
    for saved, loaded in zip(source.get_weights(), target.get_weights()):
        np.testing.assert_array_equal(loaded, saved)


def test_saving_module_functions_round_trip(tmp_path):
    path = tmp_path / "model.weights.h5"
    source = _sequential(torchkeras)
    _randomize(source)
    torchkeras.saving.save_weights(source, path)
    target = _sequential(torchkeras)
    torchkeras.saving.load_weights(target, path)
    for saved, loaded in zip(source.get_weights(), target.get_weights()):
        np.testing.assert_array_equal(loaded, saved)


def test_save_leaves_no_temporary_file(tmp_path):
    path = tmp_path / "model.weights.h5"
    _sequential(torchkeras).save_weights(path)
    assert os.listdir(tmp_path) == ["model.weights.h5"]


def test_save_rejects_wrong_suffix(tmp_path):
    model = _sequential(torchkeras)
    with pytest.raises(ValueError, match=r"must end in `\.weights\.h5`"):
        model.save_weights(tmp_path / "model.h5")


def test_save_without_overwrite_raises(tmp_path):
    path = tmp_path / "model.weights.h5"
    model = _sequential(torchkeras)
    model.save_weights(path)
    with pytest.raises(FileExistsError, match="already exists"):
        model.save_weights(path, overwrite=False)


def test_save_overwrites_by_default(tmp_path):
    path = tmp_path / "model.weights.h5"
    model = _sequential(torchkeras)
    model.save_weights(path)
    _randomize(model)
    model.save_weights(path)
    target = _sequential(torchkeras)
    target.load_weights(path)
    np.testing.assert_array_equal(
        target.get_weights()[0], model.get_weights()[0]
    )


def test_save_sharding_not_implemented(tmp_path):
    model = _sequential(torchkeras)
    with pytest.raises(NotImplementedError, match="max_shard_size"):
        model.save_weights(tmp_path / "model.weights.h5", max_shard_size=1)


def test_unbuilt_model_raises(tmp_path):
    path = tmp_path / "model.weights.h5"
    model = torchkeras.Sequential([torchkeras.layers.Dense(2)])
    with pytest.raises(ValueError, match="is not built"):
        model.save_weights(path)
    with pytest.raises(ValueError, match="is not built"):
        model.load_weights(path)


def test_load_missing_file_raises(tmp_path):
    model = _sequential(torchkeras)
    with pytest.raises(FileNotFoundError, match="missing.weights.h5"):
        model.load_weights(tmp_path / "missing.weights.h5")


def test_load_non_hdf5_file_raises(tmp_path):
    path = tmp_path / "text.weights.h5"
    path.write_text("not hdf5")
    model = _sequential(torchkeras)
    with pytest.raises(ValueError, match="text.weights.h5 is not an HDF5 file"):
        model.load_weights(path)


def test_load_wrong_layout_raises(tmp_path):
    path = tmp_path / "other.weights.h5"
    with h5py.File(path, "w") as file:
        file.create_dataset("kernel", data=np.zeros(3))
    model = _sequential(torchkeras)
    with pytest.raises(
        ValueError, match=r"does not have the `\.weights\.h5` layout"
    ):
        model.load_weights(path)


def _dense_pair(units):
    return torchkeras.Sequential(
        [
            torchkeras.Input((4,)),
            torchkeras.layers.Dense(2),
            torchkeras.layers.Dense(units),
        ]
    )


def test_load_other_architecture_raises(tmp_path):
    path = tmp_path / "model.weights.h5"
    _dense_pair(2).save_weights(path)
    model = torchkeras.Sequential(
        [torchkeras.Input((4,))]
        + [torchkeras.layers.Dense(2) for _ in range(3)]
    )
    with pytest.raises(ValueError, match="has no group 'layers/dense_2/vars'"):
        model.load_weights(path)


def test_load_shape_mismatch_raises(tmp_path):
    path = tmp_path / "model.weights.h5"
    _dense_pair(3).save_weights(path)
    model = _dense_pair(5)
    name = model.layers[1].name
    with pytest.raises(ValueError, match=rf"{name}.*\(2, 5\).*\(2, 3\)"):
        model.load_weights(path)


def test_failed_load_leaves_model_unchanged(tmp_path):
    path = tmp_path / "model.weights.h5"
    _dense_pair(3).save_weights(path)
    model = _dense_pair(5)
    before = model.get_weights()
    with pytest.raises(ValueError):
        model.load_weights(path)
    for old, new in zip(before, model.get_weights()):
        np.testing.assert_array_equal(new, old)


def test_load_skip_mismatch_warns_and_skips(tmp_path):
    path = tmp_path / "model.weights.h5"
    source = _dense_pair(3)
    source.save_weights(path)
    model = _dense_pair(5)
    second_before = model.layers[1].get_weights()
    message = f"Skipping loading weights for layer {model.layers[1].name!r}"
    with pytest.warns(UserWarning, match=message):
        model.load_weights(path, skip_mismatch=True)
    np.testing.assert_array_equal(
        model.layers[0].get_weights()[0], source.layers[0].get_weights()[0]
    )
    np.testing.assert_array_equal(
        model.layers[1].get_weights()[0], second_before[0]
    )


def test_save_with_weights_name_warns_and_loads(tmp_path):
    path = tmp_path / "w.weights.h5"
    source = _dense_pair(3)
    _randomize(source)
    with pytest.warns(UserWarning, match=r"legacy Keras 2 HDF5.*save_weights"):
        source.save(path)
    with h5py.File(path, "r") as file:
        assert "model_weights" in file
    model = _dense_pair(3)
    model.load_weights(path)
    for expected, loaded in zip(source.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(loaded, expected)


def test_legacy_layout_under_weights_name_loads_by_name(tmp_path):
    path = tmp_path / "w.weights.h5"
    source = _dense_pair(3)
    _randomize(source)
    with pytest.warns(UserWarning):
        source.save(path)
    model = _dense_pair(3)
    for layer, source_layer in zip(model.layers, source.layers):
        layer.name = source_layer.name
    model.load_weights(path, by_name=True)
    np.testing.assert_array_equal(
        model.get_weights()[2], source.get_weights()[2]
    )


def test_load_empty_weights_file_raises(tmp_path):
    path = tmp_path / "empty.weights.h5"
    path.write_bytes(b"")
    with pytest.raises(ValueError, match=r"is empty \(0 bytes\)"):
        _dense_pair(2).load_weights(path)


@pytest.mark.parametrize("lib", [torchkeras, keras], ids=["torchkeras", "keras"])
def test_file_with_extra_layers_loads_silently(tmp_path, lib):
    """Groups the model has no layer for are ignored, in both libraries."""
    path = tmp_path / "model.weights.h5"
    source = lib.Sequential(
        [
            lib.Input((4,)),
            lib.layers.Dense(2),
            lib.layers.BatchNormalization(),
            lib.layers.Dense(3),
        ]
    )
    _randomize(source)
    source.save_weights(path)
    model = lib.Sequential(
        [lib.Input((4,)), lib.layers.Dense(2), lib.layers.Dense(3)]
    )
    model.load_weights(path)
    expected = [np.asarray(w) for w in source.layers[2].get_weights()]
    for loaded, weight in zip(model.layers[1].get_weights(), expected):
        np.testing.assert_array_equal(np.asarray(loaded), weight)
