"""Mixed precision through `.keras` files and under `jit_compile=True`."""

import io
import warnings
import zipfile

import h5py
import keras
import numpy as np
import pytest
import torch

import torchkeras
from torchkeras import mixed_precision


def _data():
    rs = np.random.RandomState(0)
    x = rs.randn(96, 6).astype("float32")
    y = (x[:, 0] + x[:, 1] > 0).astype("int64")
    return x, y


def _model(module):
    return module.Sequential([
        module.Input((6,)),
        module.layers.Dense(8, activation="relu"),
        module.layers.Dense(2, activation="softmax", dtype="float32"),
    ])


def _trained_mixed_float16_model():
    mixed_precision.set_global_policy("mixed_float16")
    torchkeras.utils.set_random_seed(3)
    model = _model(torchkeras)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    x, y = _data()
    model.fit(x, y, epochs=2, batch_size=16, shuffle=False, verbose=0)
    mixed_precision.set_global_policy("float32")
    return model


def _optimizer_groups(path):
    with zipfile.ZipFile(path) as archive:
        weights = io.BytesIO(archive.read("model.weights.h5"))
    names = []
    with h5py.File(weights, "r") as file:
        file.visit(names.append)
    return [name for name in names if name.startswith("optimizer") and name.endswith("vars")]


def test_loss_scale_state_survives_reload(tmp_path):
    model = _trained_mixed_float16_model()
    path = str(tmp_path / "mixed.keras")
    model.save(path)

    # The global policy is float32 again, yet the file names the wrapper.
    reloaded = torchkeras.saving.load_model(path)
    optimizer = reloaded.optimizer
    assert isinstance(optimizer, mixed_precision.LossScaleOptimizer)
    assert optimizer.inner_optimizer.built
    assert len(optimizer.variables) == len(model.optimizer.variables)
    for saved, loaded in zip(model.optimizer.variables, optimizer.variables):
        np.testing.assert_array_equal(np.asarray(saved), np.asarray(loaded))

    x, y = _data()
    expected = model.fit(x, y, epochs=1, batch_size=16, shuffle=False, verbose=0)
    resumed = reloaded.fit(x, y, epochs=1, batch_size=16, shuffle=False, verbose=0)
    assert resumed.history["loss"] == expected.history["loss"]
    for ours, theirs in zip(reloaded.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(ours, theirs)


def test_file_has_keras_inner_optimizer_group(tmp_path):
    model = _trained_mixed_float16_model()
    path = str(tmp_path / "mixed.keras")
    model.save(path)
    groups = _optimizer_groups(path)
    assert groups == ["optimizer/inner_optimizer/vars", "optimizer/vars"]


def test_keras_loads_loss_scale_state(tmp_path):
    model = _trained_mixed_float16_model()
    path = str(tmp_path / "mixed.keras")
    model.save(path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        theirs = keras.saving.load_model(path)
    assert isinstance(theirs.optimizer, keras.optimizers.LossScaleOptimizer)
    assert len(theirs.optimizer.variables) == len(model.optimizer.variables)
    for ours, loaded in zip(model.optimizer.variables, theirs.optimizer.variables):
        np.testing.assert_array_equal(np.asarray(ours), keras.ops.convert_to_numpy(loaded))


def test_keras_loss_scale_file_loads(tmp_path):
    keras.mixed_precision.set_global_policy("mixed_float16")
    keras.utils.set_random_seed(3)
    theirs = _model(keras)
    theirs.compile(
        optimizer=keras.optimizers.LossScaleOptimizer(keras.optimizers.Adam()),
        loss="sparse_categorical_crossentropy",
    )
    x, y = _data()
    theirs.fit(x, y, epochs=2, batch_size=16, shuffle=False, verbose=0)
    path = str(tmp_path / "keras_mixed.keras")
    theirs.save(path)
    keras.mixed_precision.set_global_policy("float32")

    ours = torchkeras.saving.load_model(path)
    assert isinstance(ours.optimizer, mixed_precision.LossScaleOptimizer)
    assert len(ours.optimizer.variables) == len(theirs.optimizer.variables)
    for loaded, saved in zip(ours.optimizer.variables, theirs.optimizer.variables):
        np.testing.assert_array_equal(
            np.asarray(loaded), keras.ops.convert_to_numpy(saved)
        )


@pytest.mark.parametrize("policy", ["mixed_bfloat16", "mixed_float16"])
def test_jit_compile_matches_eager(policy):
    x, y = _data()
    histories, weights = [], []
    for jit_compile in (False, True):
        mixed_precision.set_global_policy(policy)
        torchkeras.utils.set_random_seed(5)
        model = _model(torchkeras)
        model.compile(
            optimizer="adam",
            loss="sparse_categorical_crossentropy",
            metrics=["accuracy"],
            jit_compile=jit_compile,
        )
        with warnings.catch_warnings():
            # Torch's compiler may warn about its own deprecated internals.
            warnings.simplefilter("ignore", DeprecationWarning)
            warnings.simplefilter("ignore", FutureWarning)
            history = model.fit(x, y, epochs=2, batch_size=16, shuffle=False, verbose=0)
        assert model.jit_compile is jit_compile
        histories.append(history.history)
        weights.append(model.get_weights())
    eager, compiled = histories
    assert eager.keys() == compiled.keys()
    # Half-precision rounding may differ between fused and eager kernels.
    np.testing.assert_allclose(eager["loss"], compiled["loss"], rtol=2e-2)
    for eager_weight, compiled_weight in zip(*weights):
        assert eager_weight.dtype == compiled_weight.dtype == np.float32
        np.testing.assert_allclose(eager_weight, compiled_weight, atol=2e-2)
    assert all(weight.dtype == torch.float32 for weight in model.weights)


def test_float32_layers_cast_after_reload(tmp_path):
    mixed_precision.set_global_policy("mixed_bfloat16")
    inputs = torchkeras.Input((6,))
    hidden = torchkeras.layers.Dense(8, activation="relu")(inputs)
    outputs = torchkeras.layers.Activation("softmax", dtype="float32")(
        torchkeras.layers.Dense(2)(hidden)
    )
    functional = torchkeras.Model(inputs, outputs)
    sequential = _model(torchkeras)
    mixed_precision.set_global_policy("float32")

    x, _ = _data()
    for model in (functional, sequential):
        path = str(tmp_path / f"{model.name}.keras")
        model.save(path)
        reloaded = torchkeras.saving.load_model(path)
        # The float32 output layer turns bfloat16 back into float32.
        assert reloaded(torch.from_numpy(x)).dtype == torch.float32
        np.testing.assert_array_equal(
            reloaded.predict(x, verbose=0), model.predict(x, verbose=0)
        )


def test_float32_layer_casts_half_inputs():
    # A float32 layer made before the mixed layer that feeds it.
    head = torchkeras.layers.Dense(2)
    body = torchkeras.layers.Dense(4, dtype="mixed_bfloat16")
    outputs = head(body(torch.ones(3, 5)))
    assert outputs.dtype == torch.float32


def test_half_model_stays_half():
    model = _model(torchkeras).to(torch.bfloat16)
    outputs = model(torch.ones(3, 6, dtype=torch.bfloat16))
    assert outputs.dtype == torch.bfloat16
