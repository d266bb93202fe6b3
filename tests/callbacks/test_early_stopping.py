"""EarlyStopping: stop epoch and restored weights equal to Keras 3's."""

import keras
import numpy as np
import pytest

from callback_parity import FIT_ARGS
from callback_parity import X
from callback_parity import Y
from callback_parity import assert_weights_close
from callback_parity import twins
from torchkeras import callbacks

CONFIGS = {
    "min_delta": dict(monitor="val_loss", min_delta=0.03, patience=1),
    "restore_best": dict(
        monitor="loss", min_delta=0.03, patience=2, restore_best_weights=True
    ),
    "max_accuracy": dict(monitor="val_accuracy", patience=2, mode="max"),
    "auto_accuracy": dict(monitor="val_accuracy", patience=1),
    "baseline": dict(monitor="val_accuracy", baseline=0.9, patience=3),
    "start_from_epoch": dict(monitor="val_loss", min_delta=0.05, start_from_epoch=4),
}


@pytest.mark.parametrize("config", CONFIGS.values(), ids=CONFIGS.keys())
def test_early_stopping_matches_keras(config):
    ours, theirs = twins()
    our_stopper = callbacks.EarlyStopping(**config)
    their_stopper = keras.callbacks.EarlyStopping(**config)
    our_history = ours.fit(X, Y, epochs=12, callbacks=[our_stopper], **FIT_ARGS)
    their_history = theirs.fit(X, Y, epochs=12, callbacks=[their_stopper], **FIT_ARGS)
    assert our_history.epoch == their_history.epoch
    assert our_stopper.stopped_epoch == their_stopper.stopped_epoch
    assert our_stopper.best_epoch == their_stopper.best_epoch
    assert our_stopper.wait == their_stopper.wait
    assert_weights_close(ours.get_weights(), theirs.get_weights())


def test_early_stopping_stops_before_last_epoch():
    ours, _ = twins()
    stopper = callbacks.EarlyStopping(monitor="val_loss", min_delta=0.03, patience=1)
    history = ours.fit(X, Y, epochs=12, callbacks=[stopper], **FIT_ARGS)
    assert 0 < stopper.stopped_epoch < 11
    assert len(history.epoch) == stopper.stopped_epoch + 1


def test_restore_best_weights_restores_best_epoch():
    ours, _ = twins()
    saved = {}

    class Snapshot(callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            saved[epoch] = (logs["loss"], self.model.get_weights())

    stopper = callbacks.EarlyStopping(
        monitor="loss", min_delta=0.03, patience=2, restore_best_weights=True
    )
    ours.fit(X, Y, epochs=12, callbacks=[Snapshot(), stopper], **FIT_ARGS)
    assert stopper.stopped_epoch > stopper.best_epoch
    best_weights = saved[stopper.best_epoch][1]
    for restored, expected in zip(ours.get_weights(), best_weights):
        np.testing.assert_array_equal(restored, expected)


def test_instance_reused_across_fits_resets_state():
    ours, _ = twins()
    stopper = callbacks.EarlyStopping(monitor="val_loss", min_delta=0.03, patience=1)
    ours.fit(X, Y, epochs=12, callbacks=[stopper], **FIT_ARGS)
    assert stopper.stopped_epoch > 0
    history = ours.fit(X, Y, epochs=1, callbacks=[stopper], **FIT_ARGS)
    assert history.epoch == [0]
    assert stopper.stopped_epoch == 0
    assert stopper.wait == 0


def test_verbose_prints_stop_and_restore(capsys):
    ours, _ = twins()
    stopper = callbacks.EarlyStopping(
        monitor="loss", min_delta=0.03, patience=2, verbose=1,
        restore_best_weights=True,
    )
    ours.fit(X, Y, epochs=12, callbacks=[stopper], **FIT_ARGS)
    output = capsys.readouterr().out
    assert f"Epoch {stopper.stopped_epoch + 1}: early stopping" in output
    assert f"best epoch: {stopper.best_epoch + 1}." in output


def test_missing_monitor_warns_once_with_available_names():
    ours, _ = twins()
    stopper = callbacks.EarlyStopping(monitor="val_los", mode="min")
    with pytest.warns(UserWarning) as record:
        ours.fit(X, Y, epochs=3, callbacks=[stopper], **FIT_ARGS)
    messages = [str(w.message) for w in record if "val_los`" in str(w.message)]
    assert len(messages) == 1
    assert "Available metrics are: accuracy, loss, val_accuracy, val_loss" in messages[0]


def test_missing_monitor_auto_mode_warns():
    ours, _ = twins()
    stopper = callbacks.EarlyStopping(monitor="val_loss")
    with pytest.warns(UserWarning, match="`val_loss`, which is not in the logs"):
        ours.fit(X, Y, epochs=2, batch_size=16, verbose=0, callbacks=[stopper])


def test_unknown_direction_in_auto_mode_raises():
    ours, _ = twins()

    class AddScore(callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            logs["score"] = 1.0

    stopper = callbacks.EarlyStopping(monitor="score")
    with pytest.raises(ValueError, match="cannot tell whether monitor='score'"):
        ours.fit(X, Y, epochs=2, callbacks=[AddScore(), stopper], **FIT_ARGS)


def test_negative_patience_raises():
    with pytest.raises(ValueError, match=r"`patience` must be a non-negative integer. Received: patience=-1"):
        callbacks.EarlyStopping(patience=-1)


def test_negative_start_from_epoch_raises():
    with pytest.raises(ValueError, match="`start_from_epoch` must be a non-negative"):
        callbacks.EarlyStopping(start_from_epoch=-2)


def test_unknown_mode_raises():
    with pytest.raises(ValueError, match=r"`mode` must be one of \['auto', 'min', 'max'\]. Received: mode='minimum'"):
        callbacks.EarlyStopping(mode="minimum")
