"""SwapEMAWeights: evaluation with the optimizer's moving averages."""

import types

import keras
import numpy as np
import pytest
import torch

from callback_parity import FIT_ARGS
from callback_parity import X
from callback_parity import X_VAL
from callback_parity import Y
from callback_parity import Y_VAL
from callback_parity import assert_weights_close
from callback_parity import twins
import torchkeras
from torchkeras import callbacks
from torchkeras.callbacks import swap_ema_weights


def _ema_twins():
    """Return twins compiled with SGD(use_ema=True), or skip without EMA."""
    ours, theirs = twins()
    try:
        optimizer = torchkeras.optimizers.SGD(0.1, use_ema=True, ema_momentum=0.8)
    except (ValueError, NotImplementedError) as error:
        pytest.skip(f"the optimizers do not support use_ema yet: {error}")
    ours.compile(optimizer=optimizer, loss="binary_crossentropy", metrics=["accuracy"])
    theirs.compile(
        optimizer=keras.optimizers.SGD(0.1, use_ema=True, ema_momentum=0.8),
        loss="binary_crossentropy",
        metrics=["accuracy"],
    )
    return ours, theirs


@pytest.mark.parametrize("swap_on_epoch", [False, True], ids=["test_only", "on_epoch"])
def test_swap_ema_weights_matches_keras(swap_on_epoch):
    ours, theirs = _ema_twins()
    our_history = ours.fit(
        X, Y, epochs=3, callbacks=[callbacks.SwapEMAWeights(swap_on_epoch)], **FIT_ARGS
    )
    their_history = theirs.fit(
        X, Y, epochs=3, callbacks=[keras.callbacks.SwapEMAWeights(swap_on_epoch)],
        **FIT_ARGS,
    )
    np.testing.assert_allclose(
        our_history.history["val_loss"], their_history.history["val_loss"], rtol=1e-5
    )
    assert_weights_close(ours.get_weights(), theirs.get_weights())


def test_evaluate_uses_averages_then_restores():
    ours, _ = _ema_twins()
    # `fit` ends by copying the averages into the weights, so train without it.
    for _ in range(3):
        ours.train_on_batch(X, Y)
    ours.optimizer.swap_ema_weights()
    averaged = [w.copy() for w in ours.get_weights()]
    expected = ours.evaluate(X_VAL, Y_VAL, verbose=0)
    ours.optimizer.swap_ema_weights()
    trained = [w.copy() for w in ours.get_weights()]
    result = ours.evaluate(X_VAL, Y_VAL, verbose=0, callbacks=[callbacks.SwapEMAWeights()])
    assert result == pytest.approx(expected)
    for weight, expected_weight in zip(ours.get_weights(), trained):
        np.testing.assert_array_equal(weight, expected_weight)
    assert not all(np.array_equal(a, t) for a, t in zip(averaged, trained))


def test_swap_with_keras_style_attributes():
    weight = torch.nn.Parameter(torch.tensor([1.0, 2.0]))
    average = torch.tensor([5.0, 6.0])
    optimizer = types.SimpleNamespace(
        use_ema=True,
        _trainable_variables=[weight],
        _model_variables_moving_average=[average],
    )
    swap_ema_weights._swap(optimizer)
    assert weight.tolist() == [5.0, 6.0]
    assert average.tolist() == [1.0, 2.0]
    swap_ema_weights._finalize(optimizer)
    assert average.tolist() == [5.0, 6.0]


def test_optimizer_without_ema_raises():
    ours, _ = twins()
    with pytest.raises(ValueError, match=r"Received: SGD with use_ema=False"):
        ours.evaluate(X_VAL, Y_VAL, verbose=0, callbacks=[callbacks.SwapEMAWeights()])


def test_predict_uses_averages_then_restores():
    ours, _ = _ema_twins()
    for _ in range(3):
        ours.train_on_batch(X, Y)
    ours.optimizer.swap_ema_weights()
    expected = ours.predict(X_VAL, verbose=0)
    ours.optimizer.swap_ema_weights()
    trained = [w.copy() for w in ours.get_weights()]
    result = ours.predict(X_VAL, verbose=0, callbacks=[callbacks.SwapEMAWeights()])
    np.testing.assert_allclose(result, expected, rtol=1e-6)
    for weight, expected_weight in zip(ours.get_weights(), trained):
        np.testing.assert_array_equal(weight, expected_weight)
