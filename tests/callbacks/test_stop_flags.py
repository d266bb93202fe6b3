"""stop_training, stop_evaluating and stop_predicting set from any hook."""

import keras
import numpy as np
import pytest

from callback_parity import FIT_ARGS
from callback_parity import X
from callback_parity import Y
from callback_parity import twins
import torchkeras

TRAIN_HOOKS = [
    ("on_train_begin", None),
    ("on_epoch_begin", 1),
    ("on_train_batch_begin", 1),
    ("on_train_batch_end", 2),
    ("on_test_begin", None),
    ("on_test_batch_end", 0),
    ("on_epoch_end", 0),
]


def _stopper(module, hook, when, flag, seen):
    """Return a callback setting `model.<flag>` in `hook`, recording batches."""

    class Stopper(module.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            seen.append(("train", batch))
            if hook == "on_train_batch_end" and batch == when:
                setattr(self.model, flag, True)

        def on_predict_batch_end(self, batch, logs=None):
            seen.append(("predict", batch))

        def on_test_batch_end(self, batch, logs=None):
            seen.append(("test", batch))
            if hook == "on_test_batch_end" and batch == when:
                setattr(self.model, flag, True)

    def trigger(self, *args, **kwargs):
        if when is None or args[0] == when:
            setattr(self.model, flag, True)

    if hook not in ("on_train_batch_end", "on_test_batch_end"):
        setattr(Stopper, hook, trigger)
    return Stopper()


@pytest.mark.parametrize("hook, when", TRAIN_HOOKS, ids=[h for h, _ in TRAIN_HOOKS])
def test_stop_training_from_hook_matches_keras(hook, when):
    ours, theirs = twins()
    results = []
    for module, model in ((torchkeras, ours), (keras, theirs)):
        seen = []
        callback = _stopper(module, hook, when, "stop_training", seen)
        history = model.fit(X, Y, epochs=3, callbacks=[callback], **FIT_ARGS)
        results.append((history.epoch, seen))
    assert results[0] == results[1]


def test_stop_evaluating_matches_keras():
    ours, theirs = twins()
    results = []
    for module, model in ((torchkeras, ours), (keras, theirs)):
        seen = []
        callback = _stopper(module, "on_test_batch_end", 1, "stop_evaluating", seen)
        loss = model.evaluate(X, Y, batch_size=8, verbose=0, callbacks=[callback])[0]
        results.append((seen, loss))
    assert results[0][0] == results[1][0] == [("test", 0), ("test", 1)]
    assert results[0][1] == pytest.approx(results[1][1], abs=1e-6)


def test_stop_predicting_matches_keras():
    ours, theirs = twins()
    outputs = []
    for module, model in ((torchkeras, ours), (keras, theirs)):
        seen = []
        callback = _stopper(module, "on_predict_batch_begin", 2, "stop_predicting", seen)
        outputs.append(model.predict(X, batch_size=8, verbose=0, callbacks=[callback]))
    assert outputs[0].shape == outputs[1].shape == (24, 1)
    np.testing.assert_allclose(outputs[0], outputs[1], atol=1e-6)


def test_stop_flags_reset_on_next_call():
    ours, _ = twins()
    ours.stop_evaluating = True
    ours.stop_predicting = True
    assert ours.predict(X, batch_size=8, verbose=0).shape == (48, 1)
    ours.evaluate(X, Y, batch_size=8, verbose=0)
    assert ours.stop_evaluating is False
