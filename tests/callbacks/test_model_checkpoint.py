"""ModelCheckpoint: file names and saved epochs equal to Keras 3's."""

import os

import keras
import numpy as np
import pytest

from callback_parity import FIT_ARGS
from callback_parity import X
from callback_parity import X_VAL
from callback_parity import Y
from callback_parity import twins
import torchkeras
from torchkeras import callbacks

CONFIGS = {
    "every_epoch": dict(filepath="ckpt-{epoch:02d}-{val_loss:.2f}.keras"),
    "best_only": dict(
        filepath="ckpt-{epoch:02d}-{val_loss:.2f}.keras", save_best_only=True
    ),
    "best_accuracy_weights": dict(
        filepath="w-{epoch:02d}-{val_accuracy:.3f}.weights.h5",
        monitor="val_accuracy",
        mode="max",
        save_best_only=True,
        save_weights_only=True,
    ),
    "every_two_batches": dict(
        filepath="b-{epoch:02d}-{batch:02d}-{loss:.3f}.weights.h5",
        save_weights_only=True,
        save_freq=2,
    ),
    "best_only_stalling": dict(
        filepath="o-{epoch:02d}-{val_loss:.4f}.keras",
        save_best_only=True,
        learning_rate=1.0,
    ),
    "threshold": dict(
        filepath="t-{epoch:02d}.keras",
        save_best_only=True,
        initial_value_threshold=0.8,
    ),
}


def _run(module, model, folder, config, epochs=6):
    config = dict(config, filepath=os.path.join(folder, config["filepath"]))
    config.pop("learning_rate", None)
    checkpoint = module.callbacks.ModelCheckpoint(**config)
    model.fit(X, Y, epochs=epochs, callbacks=[checkpoint], **FIT_ARGS)
    return sorted(os.listdir(folder)), checkpoint


@pytest.mark.parametrize("config", CONFIGS.values(), ids=CONFIGS.keys())
def test_checkpoint_files_match_keras(tmp_path, config):
    ours, theirs = twins(learning_rate=config.get("learning_rate", 0.1))
    (tmp_path / "ours").mkdir()
    (tmp_path / "keras").mkdir()
    our_files, our_checkpoint = _run(torchkeras, ours, str(tmp_path / "ours"), config)
    their_files, their_checkpoint = _run(keras, theirs, str(tmp_path / "keras"), config)
    assert our_files == their_files
    assert 0 < len(our_files)
    if our_checkpoint.best is not None:
        assert our_checkpoint.best == pytest.approx(their_checkpoint.best, abs=1e-6)


def test_best_only_skips_epochs_without_improvement(tmp_path):
    ours, _ = twins()
    files, _ = _run(torchkeras, ours, str(tmp_path), CONFIGS["best_accuracy_weights"])
    assert 0 < len(files) < 6


def test_keras_loads_checkpoint(tmp_path):
    ours, _ = twins()
    path = str(tmp_path / "best.keras")
    checkpoint = callbacks.ModelCheckpoint(path, save_best_only=True)
    ours.fit(X, Y, epochs=3, callbacks=[checkpoint], **FIT_ARGS)
    reloaded = keras.saving.load_model(path)
    np.testing.assert_allclose(
        reloaded.predict(X_VAL, verbose=0), ours.predict(X_VAL, verbose=0), atol=1e-6
    )


def test_keras_loads_weights_checkpoint(tmp_path):
    ours, theirs = twins()
    path = str(tmp_path / "last.weights.h5")
    checkpoint = callbacks.ModelCheckpoint(path, save_weights_only=True)
    ours.fit(X, Y, epochs=2, callbacks=[checkpoint], **FIT_ARGS)
    theirs.load_weights(path)
    for mine, loaded in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(mine, loaded, atol=1e-7)


def test_best_value_kept_across_fits(tmp_path):
    ours, _ = twins()
    checkpoint = callbacks.ModelCheckpoint(
        str(tmp_path / "e{epoch}.keras"), save_best_only=True
    )
    ours.fit(X, Y, epochs=3, callbacks=[checkpoint], **FIT_ARGS)
    best = checkpoint.best
    # Flipping the output layer makes the model much worse.
    kernel, bias, out_kernel, out_bias = ours.get_weights()
    ours.set_weights([kernel, bias, -3 * out_kernel, -3 * out_bias])
    ours.fit(X, Y, epochs=1, callbacks=[checkpoint], **FIT_ARGS)
    assert checkpoint.best == best
    assert sorted(os.listdir(tmp_path)) == ["e1.keras", "e2.keras", "e3.keras"]


def test_unknown_template_key_raises(tmp_path):
    ours, _ = twins()
    checkpoint = callbacks.ModelCheckpoint(str(tmp_path / "m-{val_los:.2f}.keras"))
    with pytest.raises(KeyError, match="uses the key `val_los`") as info:
        ours.fit(X, Y, epochs=1, callbacks=[checkpoint], **FIT_ARGS)
    assert "Available keys: accuracy, epoch, loss, val_accuracy, val_loss" in str(info.value)


def test_missing_monitor_warns_and_saves(tmp_path):
    ours, _ = twins()
    checkpoint = callbacks.ModelCheckpoint(
        str(tmp_path / "m{epoch}.keras"), monitor="val_auc", save_best_only=True
    )
    with pytest.warns(UserWarning, match="Available metrics are: accuracy, loss"):
        ours.fit(X, Y, epochs=2, callbacks=[checkpoint], **FIT_ARGS)
    assert sorted(os.listdir(tmp_path)) == ["m1.keras", "m2.keras"]


def test_verbose_reports_improvement(tmp_path, capsys):
    ours, _ = twins()
    path = str(tmp_path / "m.keras")
    checkpoint = callbacks.ModelCheckpoint(path, save_best_only=True, verbose=1)
    ours.fit(X, Y, epochs=1, callbacks=[checkpoint], **FIT_ARGS)
    output = capsys.readouterr().out
    assert "Epoch 1: val_loss improved from None to " in output
    assert f"saving model to {path}" in output


def test_directory_filepath_raises(tmp_path):
    ours, _ = twins()
    (tmp_path / "m.keras").mkdir()
    checkpoint = callbacks.ModelCheckpoint(str(tmp_path / "m.keras"))
    with pytest.raises(IsADirectoryError, match="is an existing directory"):
        ours.fit(X, Y, epochs=1, callbacks=[checkpoint], **FIT_ARGS)


@pytest.mark.parametrize("save_freq", ["batch", 0, -3, 2.5, True], ids=str)
def test_invalid_save_freq_raises(save_freq):
    with pytest.raises(ValueError, match="`save_freq` must be 'epoch' or a positive integer"):
        callbacks.ModelCheckpoint("m.keras", save_freq=save_freq)


def test_weights_only_needs_weights_suffix():
    with pytest.raises(ValueError, match=r"must end in\s+`.weights.h5`. Received: filepath=m.keras"):
        callbacks.ModelCheckpoint("m.keras", save_weights_only=True)


def test_model_path_needs_keras_suffix():
    with pytest.raises(ValueError, match="must end in `.keras`"):
        callbacks.ModelCheckpoint("m.pt")


def test_unknown_mode_raises():
    with pytest.raises(ValueError, match="`mode` must be one of"):
        callbacks.ModelCheckpoint("m.keras", mode="best")


def test_epoch_save_freq_skips_batch_logs():
    checkpoint = callbacks.ModelCheckpoint("m.keras")
    callback_list = callbacks.CallbackList([checkpoint])
    assert not callback_list.has_batch_listeners("on_train_batch_end")


def test_legacy_h5_checkpoint_warns_and_saves(tmp_path):
    ours, _ = twins()
    checkpoint = callbacks.ModelCheckpoint(str(tmp_path / "m-{epoch}.h5"))
    with pytest.warns(UserWarning, match="legacy Keras 2 HDF5 format"):
        ours.fit(X, Y, epochs=2, callbacks=[checkpoint], **FIT_ARGS)
    assert sorted(os.listdir(tmp_path)) == ["m-1.h5", "m-2.h5"]
