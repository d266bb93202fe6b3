"""ReduceLROnPlateau and LearningRateScheduler: rates equal to Keras 3's."""

import keras
import numpy as np
import pytest
import torch

from callback_parity import FIT_ARGS
from callback_parity import X
from callback_parity import Y
from callback_parity import assert_weights_close
from callback_parity import twins
from torchkeras import callbacks

PLATEAU_CONFIGS = {
    "patience_one": dict(monitor="val_loss", factor=0.5, patience=1, min_delta=0.03),
    "cooldown_and_floor": dict(
        monitor="loss", factor=0.2, patience=0, min_delta=0.05, cooldown=1,
        min_lr=0.01,
    ),
    "accuracy_max": dict(monitor="val_accuracy", mode="max", factor=0.5, patience=2),
}


@pytest.mark.parametrize("config", PLATEAU_CONFIGS.values(), ids=PLATEAU_CONFIGS.keys())
def test_reduce_lr_on_plateau_matches_keras(config):
    ours, theirs = twins()
    our_history = ours.fit(
        X, Y, epochs=8, callbacks=[callbacks.ReduceLROnPlateau(**config)], **FIT_ARGS
    )
    their_history = theirs.fit(
        X, Y, epochs=8, callbacks=[keras.callbacks.ReduceLROnPlateau(**config)],
        **FIT_ARGS,
    )
    our_rates = our_history.history["learning_rate"]
    their_rates = their_history.history["learning_rate"]
    np.testing.assert_allclose(our_rates, their_rates, rtol=1e-6)
    assert len(set(our_rates)) > 1
    assert_weights_close(ours.get_weights(), theirs.get_weights())


def test_reduce_lr_on_plateau_stops_at_min_lr():
    ours, _ = twins()
    reducer = callbacks.ReduceLROnPlateau(
        monitor="loss", factor=0.1, patience=0, min_delta=10.0, min_lr=0.002
    )
    history = ours.fit(X, Y, epochs=5, callbacks=[reducer], **FIT_ARGS)
    # The first epoch sets the best value, and the logs show the rate in
    # force during the epoch, before any reduction at its end.
    np.testing.assert_allclose(
        history.history["learning_rate"],
        [0.1, 0.1, 0.01, 0.002, 0.002],
        rtol=1e-6,
    )


def test_reduce_lr_on_plateau_sets_torch_optimizer_rate():
    ours, _ = twins()
    optimizer = torch.optim.SGD(ours.parameters(), lr=0.1)
    ours.compile(optimizer=optimizer, loss="binary_crossentropy")
    reducer = callbacks.ReduceLROnPlateau(
        monitor="loss", factor=0.5, patience=0, min_delta=10.0
    )
    ours.fit(X, Y, epochs=3, callbacks=[reducer], **FIT_ARGS)
    assert optimizer.param_groups[0]["lr"] == pytest.approx(0.025)


def test_reduce_lr_on_plateau_verbose(capsys):
    ours, _ = twins()
    reducer = callbacks.ReduceLROnPlateau(
        monitor="loss", factor=0.5, patience=0, min_delta=10.0, verbose=1
    )
    ours.fit(X, Y, epochs=2, callbacks=[reducer], **FIT_ARGS)
    assert "Epoch 2: ReduceLROnPlateau reducing learning rate to 0.05." in capsys.readouterr().out


def test_reduce_lr_factor_of_one_raises():
    with pytest.raises(ValueError, match=r"`factor` must be below 1.0 .* Received: factor=1.0"):
        callbacks.ReduceLROnPlateau(factor=1.0)


def test_reduce_lr_negative_patience_raises():
    with pytest.raises(ValueError, match="`patience` must be a non-negative integer"):
        callbacks.ReduceLROnPlateau(patience=-1)


def test_reduce_lr_unknown_mode_raises():
    with pytest.raises(ValueError, match="Received: mode='up'"):
        callbacks.ReduceLROnPlateau(mode="up")


def test_reduce_lr_missing_monitor_warns():
    ours, _ = twins()
    reducer = callbacks.ReduceLROnPlateau(monitor="val_acc")
    with pytest.warns(UserWarning, match="Available metrics are: accuracy, learning_rate, loss"):
        ours.fit(X, Y, epochs=2, callbacks=[reducer], **FIT_ARGS)


def _halve_from_two(epoch, learning_rate):
    return learning_rate if epoch < 2 else learning_rate * 0.5


SCHEDULES = {
    "two_arguments": _halve_from_two,
    "one_argument": lambda epoch: 0.2 / (1 + epoch),
}


@pytest.mark.parametrize("schedule", SCHEDULES.values(), ids=SCHEDULES.keys())
def test_scheduler_matches_keras(schedule):
    ours, theirs = twins()
    our_history = ours.fit(
        X, Y, epochs=5, callbacks=[callbacks.LearningRateScheduler(schedule)], **FIT_ARGS
    )
    their_history = theirs.fit(
        X, Y, epochs=5, callbacks=[keras.callbacks.LearningRateScheduler(schedule)],
        **FIT_ARGS,
    )
    np.testing.assert_allclose(
        our_history.history["learning_rate"],
        their_history.history["learning_rate"],
        rtol=1e-6,
    )
    assert_weights_close(ours.get_weights(), theirs.get_weights())


def test_scheduler_verbose(capsys):
    ours, _ = twins()
    scheduler = callbacks.LearningRateScheduler(lambda epoch: 0.05, verbose=1)
    ours.fit(X, Y, epochs=1, callbacks=[scheduler], **FIT_ARGS)
    assert "Epoch 1: LearningRateScheduler setting learning rate to 0.05." in capsys.readouterr().out


def test_scheduler_non_float_output_raises():
    ours, _ = twins()
    scheduler = callbacks.LearningRateScheduler(lambda epoch, lr: "fast")
    with pytest.raises(ValueError, match="must be a float. Received: 'fast'"):
        ours.fit(X, Y, epochs=1, callbacks=[scheduler], **FIT_ARGS)


def test_scheduler_not_callable_raises():
    with pytest.raises(TypeError, match="`schedule` must be a function"):
        callbacks.LearningRateScheduler(0.1)


def test_reduce_lr_unknown_keyword_raises():
    with pytest.raises(TypeError, match=r"unexpected keyword arguments: \['epsilon'\]"):
        callbacks.ReduceLROnPlateau(epsilon=1e-4)


def test_scheduler_accepts_int_rate():
    ours, _ = twins()
    scheduler = callbacks.LearningRateScheduler(lambda epoch: 1)
    history = ours.fit(X, Y, epochs=1, callbacks=[scheduler], **FIT_ARGS)
    assert history.history["learning_rate"] == [1.0]
