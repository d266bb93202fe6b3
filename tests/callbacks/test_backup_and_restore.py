"""BackupAndRestore: an interrupted fit resumes and ends like an uninterrupted one."""

import json
import os

import keras
import numpy as np
import pytest

from callback_parity import FIT_ARGS
from callback_parity import X
from callback_parity import Y
from callback_parity import assert_weights_close
from callback_parity import twins
import torchkeras
from torchkeras import callbacks

EPOCHS = 5


def _interrupter(module, epoch):
    """Return a callback that raises at the start of `epoch`."""

    def fail(current, logs=None):
        if current == epoch:
            raise RuntimeError("simulated crash")

    return module.callbacks.LambdaCallback(on_epoch_begin=fail)


def _interrupted_fit(module, model, backup_dir, crash_epoch=3, **backup_args):
    """Crash at `crash_epoch`, then fit again; return the second History."""
    backup = module.callbacks.BackupAndRestore(backup_dir, **backup_args)
    with pytest.raises(RuntimeError, match="simulated crash"):
        model.fit(
            X, Y, epochs=EPOCHS,
            callbacks=[backup, _interrupter(module, crash_epoch)], **FIT_ARGS,
        )
    return model.fit(X, Y, epochs=EPOCHS, callbacks=[backup], **FIT_ARGS)


def test_resume_gives_uninterrupted_weights(tmp_path):
    reference, _ = twins(optimizer="adam", learning_rate=0.05)
    reference.fit(X, Y, epochs=EPOCHS, **FIT_ARGS)
    ours, _ = twins(optimizer="adam", learning_rate=0.05)
    history = _interrupted_fit(torchkeras, ours, str(tmp_path / "backup"))
    assert history.epoch == [3, 4]
    for resumed, expected in zip(ours.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(resumed, expected, atol=1e-6)
    assert int(ours.optimizer.iterations) == int(reference.optimizer.iterations)
    assert not os.path.exists(tmp_path / "backup")


def test_resume_in_new_model(tmp_path):
    reference, _ = twins(optimizer="adam", learning_rate=0.05)
    reference.fit(X, Y, epochs=EPOCHS, **FIT_ARGS)
    crashed, _ = twins(optimizer="adam", learning_rate=0.05)
    backup_dir = str(tmp_path / "backup")
    backup = callbacks.BackupAndRestore(backup_dir)
    with pytest.raises(RuntimeError, match="simulated crash"):
        crashed.fit(
            X, Y, epochs=EPOCHS,
            callbacks=[backup, _interrupter(torchkeras, 2)], **FIT_ARGS,
        )
    # A new process builds a fresh model and a fresh callback.
    fresh, _ = twins(optimizer="adam", learning_rate=0.05)
    history = fresh.fit(
        X, Y, epochs=EPOCHS, callbacks=[callbacks.BackupAndRestore(backup_dir)],
        **FIT_ARGS,
    )
    assert history.epoch == [2, 3, 4]
    for resumed, expected in zip(fresh.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(resumed, expected, atol=1e-6)


@pytest.mark.parametrize("save_freq", ["epoch", 2], ids=str)
def test_resume_matches_keras(tmp_path, save_freq):
    ours, theirs = twins(optimizer="adam", learning_rate=0.05)
    our_history = _interrupted_fit(
        torchkeras, ours, str(tmp_path / "ours"), save_freq=save_freq
    )
    their_history = _interrupted_fit(
        keras, theirs, str(tmp_path / "keras"), save_freq=save_freq
    )
    assert our_history.epoch == their_history.epoch
    assert_weights_close(ours.get_weights(), theirs.get_weights())


def test_keras_resumes_from_our_backup(tmp_path):
    ours, theirs = twins(optimizer="adam", learning_rate=0.05)
    reference, _ = twins(optimizer="adam", learning_rate=0.05)
    reference.fit(X, Y, epochs=EPOCHS, **FIT_ARGS)
    backup_dir = str(tmp_path / "backup")
    with pytest.raises(RuntimeError, match="simulated crash"):
        ours.fit(
            X, Y, epochs=EPOCHS,
            callbacks=[callbacks.BackupAndRestore(backup_dir), _interrupter(torchkeras, 3)],
            **FIT_ARGS,
        )
    history = theirs.fit(
        X, Y, epochs=EPOCHS,
        callbacks=[keras.callbacks.BackupAndRestore(backup_dir)], **FIT_ARGS,
    )
    assert history.epoch == [3, 4]
    assert_weights_close(theirs.get_weights(), reference.get_weights())


def test_we_resume_from_keras_backup(tmp_path):
    ours, theirs = twins(optimizer="adam", learning_rate=0.05)
    reference, _ = twins(optimizer="adam", learning_rate=0.05)
    reference.fit(X, Y, epochs=EPOCHS, **FIT_ARGS)
    backup_dir = str(tmp_path / "backup")
    with pytest.raises(RuntimeError, match="simulated crash"):
        theirs.fit(
            X, Y, epochs=EPOCHS,
            callbacks=[keras.callbacks.BackupAndRestore(backup_dir), _interrupter(keras, 3)],
            **FIT_ARGS,
        )
    history = ours.fit(
        X, Y, epochs=EPOCHS, callbacks=[callbacks.BackupAndRestore(backup_dir)], **FIT_ARGS
    )
    assert history.epoch == [3, 4]
    assert_weights_close(ours.get_weights(), reference.get_weights())


def test_backup_files_keep_keras_layout(tmp_path):
    ours, _ = twins()
    backup_dir = tmp_path / "backup"
    backup = callbacks.BackupAndRestore(str(backup_dir), delete_checkpoint=False)
    ours.fit(X, Y, epochs=2, callbacks=[backup], **FIT_ARGS)
    assert sorted(os.listdir(backup_dir)) == ["latest.weights.h5", "training_metadata.json"]
    metadata = json.loads((backup_dir / "training_metadata.json").read_text())
    assert metadata == {"epoch": 2, "batch": 0}


def test_finished_backup_starts_at_saved_epoch(tmp_path):
    ours, _ = twins()
    backup = callbacks.BackupAndRestore(str(tmp_path), delete_checkpoint=False)
    ours.fit(X, Y, epochs=2, callbacks=[backup], **FIT_ARGS)
    history = ours.fit(X, Y, epochs=3, callbacks=[backup], **FIT_ARGS)
    assert history.epoch == [2]
    history = ours.fit(X, Y, epochs=2, **FIT_ARGS)
    assert history.epoch == [0, 1]


def test_double_checkpoint_falls_back_to_previous(tmp_path):
    ours, _ = twins(optimizer="adam", learning_rate=0.05)
    backup_dir = tmp_path / "backup"
    backup = callbacks.BackupAndRestore(
        str(backup_dir), double_checkpoint=True, delete_checkpoint=False
    )
    ours.fit(X, Y, epochs=3, callbacks=[backup], **FIT_ARGS)
    assert (backup_dir / "latest.weights.h5.bkp").exists()
    (backup_dir / "latest.weights.h5").write_bytes(b"truncated")
    history = ours.fit(X, Y, epochs=4, callbacks=[backup], **FIT_ARGS)
    assert history.epoch == [2, 3]


def test_corrupt_backup_without_previous_raises(tmp_path):
    ours, _ = twins()
    (tmp_path / "latest.weights.h5").write_bytes(b"truncated")
    backup = callbacks.BackupAndRestore(str(tmp_path))
    with pytest.raises(ValueError, match="is not an HDF5 file"):
        ours.fit(X, Y, epochs=1, callbacks=[backup], **FIT_ARGS)


def test_no_temporary_files_left(tmp_path):
    ours, _ = twins()
    backup = callbacks.BackupAndRestore(str(tmp_path), save_freq=1, delete_checkpoint=False)
    ours.fit(X, Y, epochs=2, callbacks=[backup], **FIT_ARGS)
    assert not [name for name in os.listdir(tmp_path) if name.startswith(".tmp-")]


def test_unbuilt_model_raises(tmp_path):
    model = torchkeras.Sequential([torchkeras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    backup = callbacks.BackupAndRestore(str(tmp_path))
    with pytest.raises(ValueError, match="needs a built model"):
        model.fit(X, Y, epochs=1, verbose=0, callbacks=[backup])


def test_empty_backup_dir_raises():
    with pytest.raises(ValueError, match="`backup_dir` must be a folder path"):
        callbacks.BackupAndRestore("")


@pytest.mark.parametrize("save_freq", ["batch", 0, -1], ids=str)
def test_invalid_save_freq_raises(tmp_path, save_freq):
    with pytest.raises(ValueError, match="`save_freq` must be 'epoch' or a positive integer"):
        callbacks.BackupAndRestore(str(tmp_path), save_freq=save_freq)
