"""Tests for what weight files store per layer: variables, torch modules, buffers.

Covers `Layer.save_own_variables` / `load_own_variables` and their
overrides, `TorchModuleWrapper` state, plain `torch.nn.Module` attributes
and `register_buffer` tensors, each against Keras 3 where it has the
behaviour.
"""

import os

os.environ["KERAS_BACKEND"] = "torch"

import h5py  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

import torchkeras  # noqa: E402


def _group_paths(path):
    names = []
    with h5py.File(path, "r") as file:
        file.visit(names.append)
    return sorted(names)


# ----------------------------------------------------------------------
# save_own_variables / load_own_variables
# ----------------------------------------------------------------------


def test_default_store_follows_keras_order():
    stores = {}
    for lib in (torchkeras, keras):
        layer = lib.layers.BatchNormalization()
        layer.build((None, 3))
        store = {}
        layer.save_own_variables(store)
        stores[lib.__name__] = store
    assert list(stores["torchkeras"]) == ["0", "1", "2", "3"]
    assert list(stores["torchkeras"]) == list(stores["keras"])
    for key in stores["keras"]:
        assert tuple(stores["torchkeras"][key].shape) == tuple(
            stores["keras"][key].shape
        )
    assert isinstance(stores["torchkeras"]["3"], torch.nn.Parameter)


def test_load_own_variables_assigns():
    layer = torchkeras.layers.Dense(2)
    layer.build((None, 3))
    kernel = np.arange(6, dtype="float32").reshape(3, 2)
    layer.load_own_variables({"0": kernel, "1": np.ones(2, "float32")})
    np.testing.assert_array_equal(layer.get_weights()[0], kernel)
    np.testing.assert_array_equal(layer.get_weights()[1], np.ones(2))


@pytest.mark.parametrize(
    "store, message",
    [
        ({"0": np.zeros((3, 2))}, "expected 2 variables, but received 1"),
        (
            {"0": np.zeros((3, 2)), "1": np.zeros(5)},
            r"has shape \(2,\), but the file has shape \(5,\)",
        ),
        (
            {"kernel": np.zeros((3, 2)), "bias": np.zeros(2)},
            r"under the keys \['0', '1'\]",
        ),
    ],
    ids=["count", "shape", "keys"],
)
def test_load_own_variables_mismatch_raises(store, message):
    layer = torchkeras.layers.Dense(2)
    layer.build((None, 3))
    before = layer.get_weights()
    with pytest.raises(ValueError, match=message):
        layer.load_own_variables(store)
    np.testing.assert_array_equal(layer.get_weights()[0], before[0])


def test_load_into_unbuilt_layer_says_not_built():
    layer = torchkeras.layers.Dense(2)
    with pytest.raises(ValueError, match=r"'dense.*' is not built.*call it on"):
        layer.load_own_variables({"0": np.zeros((3, 2)), "1": np.zeros(2)})


class CallCounter(torchkeras.layers.Layer):
    """A layer that saves a Python counter beside its weight."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.calls = 0

    def build(self, input_shape):
        self.scale = self.add_weight(shape=(input_shape[-1],), name="scale")

    def call(self, inputs):
        self.calls += 1
        return inputs * self.scale

    def save_own_variables(self, store):
        super().save_own_variables(store)
        store["calls"] = np.array(self.calls)

    def load_own_variables(self, store):
        self.calls = int(store["calls"])
        super().load_own_variables({"0": store["0"]})


def _counter_model():
    return torchkeras.Sequential(
        [torchkeras.Input((3,)), torchkeras.layers.Dense(3), CallCounter()]
    )


def test_overridden_methods_store_extra_state(tmp_path):
    model = _counter_model()
    model.layers[1].calls = 11
    model.save_weights(tmp_path / "counter.weights.h5")
    with h5py.File(tmp_path / "counter.weights.h5", "r") as file:
        assert sorted(file["layers/call_counter/vars"]) == ["0", "calls"]
    twin = _counter_model()
    twin.load_weights(tmp_path / "counter.weights.h5")
    assert twin.layers[1].calls == 11
    for expected, loaded in zip(model.get_weights(), twin.get_weights()):
        np.testing.assert_array_equal(loaded, expected)


def test_overridden_load_runs_after_checks(tmp_path):
    model = _counter_model()
    model.save_weights(tmp_path / "counter.weights.h5")
    twin = torchkeras.Sequential(
        [torchkeras.Input((3,)), torchkeras.layers.Dense(5), CallCounter()]
    )
    twin.layers[1].calls = 7
    with pytest.raises(ValueError, match=r"has shape \(3, 5\)"):
        twin.load_weights(tmp_path / "counter.weights.h5")
    assert twin.layers[1].calls == 7


def test_overridden_load_error_skipped_with_warning(tmp_path):
    model = torchkeras.Sequential(
        [torchkeras.Input((3,)), torchkeras.layers.Dense(3), CallCounter()]
    )
    model.save_weights(tmp_path / "counter.weights.h5")
    with h5py.File(tmp_path / "counter.weights.h5", "a") as file:
        del file["layers/call_counter/vars/calls"]
    twin = _counter_model()
    with pytest.raises(KeyError, match="calls"):
        twin.load_weights(tmp_path / "counter.weights.h5")
    with pytest.warns(UserWarning, match=r"Skipping .*call_counter.*KeyError"):
        twin.load_weights(tmp_path / "counter.weights.h5", skip_mismatch=True)


# ----------------------------------------------------------------------
# TorchModuleWrapper and plain torch.nn.Module attributes
# ----------------------------------------------------------------------


def _wrapped(lib, seed):
    torch.manual_seed(seed)
    return lib.Sequential(
        [
            lib.Input((4,)),
            lib.layers.TorchModuleWrapper(torch.nn.Linear(4, 3)),
            lib.layers.TorchModuleWrapper(torch.nn.BatchNorm1d(3)),
        ]
    )


def test_torch_module_wrapper_file_layout_matches_keras(tmp_path):
    _wrapped(torchkeras, 0).save_weights(tmp_path / "ours.weights.h5")
    _wrapped(keras, 0).save_weights(tmp_path / "keras.weights.h5")
    ours = _group_paths(tmp_path / "ours.weights.h5")
    assert ours == _group_paths(tmp_path / "keras.weights.h5")
    assert "layers/torch_module_wrapper_1/vars/running_var" in ours


@pytest.mark.parametrize("direction", ["torchkeras_to_keras", "keras_to_torchkeras"])
def test_torch_module_wrapper_weights_across_libraries(tmp_path, direction):
    source, target = (
        (torchkeras, keras)
        if direction == "torchkeras_to_keras"
        else (keras, torchkeras)
    )
    model = _wrapped(source, 0)
    with torch.no_grad():
        model.layers[1].module.running_mean.uniform_(-1.0, 1.0)
    model.save_weights(tmp_path / "wrapped.weights.h5")
    twin = _wrapped(target, 1)
    twin.load_weights(tmp_path / "wrapped.weights.h5")
    for layer, loaded in zip(model.layers, twin.layers):
        for key, value in layer.module.state_dict().items():
            torch.testing.assert_close(loaded.module.state_dict()[key], value)


def test_torch_module_wrapper_mismatch_raises(tmp_path):
    _wrapped(torchkeras, 0).save_weights(tmp_path / "wrapped.weights.h5")
    twin = torchkeras.Sequential(
        [
            torchkeras.Input((4,)),
            torchkeras.layers.TorchModuleWrapper(torch.nn.Linear(4, 5)),
            torchkeras.layers.TorchModuleWrapper(torch.nn.BatchNorm1d(5)),
        ]
    )
    with pytest.raises(ValueError, match=r"'weight' has shape \(5, 4\)"):
        twin.load_weights(tmp_path / "wrapped.weights.h5")


class TorchProjection(torchkeras.layers.Layer):
    """A custom layer holding plain torch modules, one of them in a list."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.proj = torch.nn.Linear(4, 3)
        self.norm = torch.nn.BatchNorm1d(3)
        self.extra = [torch.nn.Linear(3, 3)]

    def call(self, inputs):
        return self.extra[0](self.norm(self.proj(inputs)))


def _projection_model(seed):
    torch.manual_seed(seed)
    return torchkeras.Sequential([torchkeras.Input((4,)), TorchProjection()])


def test_torch_module_attributes_round_trip(tmp_path):
    model = _projection_model(0)
    with torch.no_grad():
        model.layers[0].norm.running_mean.uniform_(-1.0, 1.0)
    model.save_weights(tmp_path / "projection.weights.h5")
    assert "layers/torch_projection/proj/vars/weight" in _group_paths(
        tmp_path / "projection.weights.h5"
    )
    assert "layers/torch_projection/extra/torch_module_wrapper/vars/bias" in (
        _group_paths(tmp_path / "projection.weights.h5")
    )
    twin = _projection_model(1)
    twin.load_weights(tmp_path / "projection.weights.h5")
    for key, value in model.state_dict().items():
        torch.testing.assert_close(twin.state_dict()[key], value)
    x = np.random.default_rng(0).normal(size=(5, 4)).astype("float32")
    np.testing.assert_allclose(
        twin.predict(x, verbose=0), model.predict(x, verbose=0)
    )


def test_torch_module_attribute_layout_matches_keras(tmp_path):
    class KerasProjection(keras.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.proj = torch.nn.Linear(4, 3)
            self.norm = torch.nn.BatchNorm1d(3)

        def call(self, inputs):
            return self.norm(self.proj(inputs))

    class Projection(torchkeras.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.proj = torch.nn.Linear(4, 3)
            self.norm = torch.nn.BatchNorm1d(3)

        def call(self, inputs):
            return self.norm(self.proj(inputs))

    keras.Sequential([keras.Input((4,)), KerasProjection()]).save_weights(
        tmp_path / "keras.weights.h5"
    )
    torchkeras.Sequential([torchkeras.Input((4,)), Projection()]).save_weights(
        tmp_path / "ours.weights.h5"
    )
    keras_paths = [
        p.replace("keras_projection", "projection")
        for p in _group_paths(tmp_path / "keras.weights.h5")
    ]
    assert _group_paths(tmp_path / "ours.weights.h5") == sorted(keras_paths)


# ----------------------------------------------------------------------
# register_buffer
# ----------------------------------------------------------------------


class BufferShift(torchkeras.layers.Layer):
    """Adds a buffer; `scratch` is not persistent and is never saved."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.register_buffer("shift", torch.zeros(3))
        self.register_buffer("scratch", torch.zeros(2), persistent=False)

    def call(self, inputs):
        return inputs + self.shift


def _shift_model(lib=torchkeras, last=None):
    return lib.Sequential(
        [lib.Input((3,)), lib.layers.Dense(3), last or BufferShift()]
    )


def test_buffers_round_trip(tmp_path):
    model = _shift_model()
    model.layers[1].shift.fill_(2.5)
    model.save(tmp_path / "shift.keras")
    model.save_weights(tmp_path / "shift.weights.h5")
    paths = _group_paths(tmp_path / "shift.weights.h5")
    assert "layers/buffer_shift/buffers/shift" in paths
    assert "layers/buffer_shift/buffers/scratch" not in paths
    reloaded = torchkeras.saving.load_model(
        tmp_path / "shift.keras", custom_objects={"BufferShift": BufferShift}
    )
    torch.testing.assert_close(reloaded.layers[1].shift, torch.full((3,), 2.5))
    twin = _shift_model()
    twin.load_weights(tmp_path / "shift.weights.h5")
    torch.testing.assert_close(twin.layers[1].shift, torch.full((3,), 2.5))


def test_file_with_buffers_loads_in_keras(tmp_path):
    class Identity(keras.layers.Layer):
        def call(self, inputs):
            return inputs

    model = _shift_model()
    model.save_weights(tmp_path / "shift.weights.h5")
    reference = _shift_model(keras, Identity())
    reference.load_weights(tmp_path / "shift.weights.h5")
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(reference.layers[0].kernel),
        model.layers[0].get_weights()[0],
    )


def test_missing_buffers_warn(tmp_path):
    class Identity(keras.layers.Layer):
        def call(self, inputs):
            return inputs

    _shift_model(keras, Identity()).save_weights(tmp_path / "keras.weights.h5")
    model = _shift_model()
    with pytest.warns(UserWarning, match=r"buffers \['shift'\] of layer 'buffer_shift"):
        model.load_weights(tmp_path / "keras.weights.h5")


def test_buffer_shape_mismatch_raises(tmp_path):
    model = _shift_model()
    model.save_weights(tmp_path / "shift.weights.h5")
    twin = _shift_model()
    twin.layers[1].shift = torch.zeros(4)
    with pytest.raises(ValueError, match=r"buffer 'shift' has shape \(4,\)"):
        twin.load_weights(tmp_path / "shift.weights.h5")
