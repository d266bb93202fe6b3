"""Callbacks: hook order, History, stop_training and progress output."""

import keras
import numpy as np
import pytest

import torchkeras
from torchkeras import callbacks
from torchkeras import layers

X = np.random.default_rng(0).standard_normal((32, 4)).astype("float32")
Y = np.random.default_rng(1).integers(0, 2, 32).astype("float32")


def _model(module=torchkeras):
    model = module.Sequential([module.Input((4,)), module.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="sgd", loss="binary_crossentropy", metrics=["accuracy"])
    return model


def _recorder(base):
    class Recorder(base):
        def __init__(self):
            super().__init__()
            self.calls = []

    hooks = [
        "on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end",
        "on_train_batch_begin", "on_train_batch_end", "on_test_begin",
        "on_test_end", "on_test_batch_begin", "on_test_batch_end",
        "on_predict_begin", "on_predict_end", "on_predict_batch_begin",
        "on_predict_batch_end",
    ]
    for hook in hooks:
        def method(self, *args, _hook=hook, **kwargs):
            self.calls.append(_hook)
        setattr(Recorder, hook, method)
    return Recorder()


def test_hook_order_matches_keras():
    ours, theirs = _recorder(callbacks.Callback), _recorder(keras.callbacks.Callback)
    fit_args = dict(batch_size=16, epochs=2, verbose=0, validation_split=0.5)
    _model().fit(X, Y, callbacks=[ours], **fit_args)
    _model(keras).fit(X, Y, callbacks=[theirs], **fit_args)
    assert ours.calls == theirs.calls


def test_evaluate_and_predict_hooks_match_keras():
    ours, theirs = _recorder(callbacks.Callback), _recorder(keras.callbacks.Callback)
    for model, recorder in ((_model(), ours), (_model(keras), theirs)):
        model.evaluate(X, Y, batch_size=16, callbacks=[recorder], verbose=0)
        model.predict(X, batch_size=16, callbacks=[recorder], verbose=0)
    assert ours.calls == theirs.calls


def test_batch_logs_hold_running_metrics():
    seen = []

    class Logs(callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            seen.append(sorted(logs))

    _model().fit(X, Y, batch_size=16, epochs=1, verbose=0, callbacks=[Logs()])
    assert seen == [["accuracy", "loss"], ["accuracy", "loss"]]


def test_epoch_logs_are_floats_and_model_is_set():
    seen = {}

    class Check(callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            seen["logs"] = logs
            seen["model"] = self.model
            seen["params"] = dict(self.params)

    model = _model()
    model.fit(X, Y, batch_size=16, epochs=1, verbose=0, callbacks=[Check()])
    assert all(isinstance(v, float) for v in seen["logs"].values())
    assert seen["model"] is model
    assert seen["params"] == {"verbose": 0, "epochs": 1, "steps": 2}


def test_stop_training_from_batch_hook():
    class StopAfterThree(callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.batches = 0

        def on_train_batch_end(self, batch, logs=None):
            self.batches += 1
            if self.batches == 3:
                self.model.stop_training = True

    stopper = StopAfterThree()
    history = _model().fit(X, Y, batch_size=8, epochs=5, verbose=0, callbacks=[stopper])
    assert stopper.batches == 3
    assert history.epoch == [0]


def test_stop_training_from_epoch_hook():
    class StopAtEpochOne(callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                self.model.stop_training = True

    history = _model().fit(X, Y, epochs=10, verbose=0, callbacks=[StopAtEpochOne()])
    assert history.epoch == [0, 1]


def test_keras2_batch_aliases_are_called():
    counts = {"begin": 0, "end": 0}

    class Legacy(callbacks.Callback):
        def on_batch_begin(self, batch, logs=None):
            counts["begin"] += 1

        def on_batch_end(self, batch, logs=None):
            counts["end"] += 1

    _model().fit(X, Y, batch_size=16, epochs=1, verbose=0, callbacks=[Legacy()])
    assert counts == {"begin": 2, "end": 2}


def test_history_is_returned_and_set_on_model():
    model = _model()
    history = model.fit(X, Y, epochs=3, verbose=0, initial_epoch=1)
    assert model.history is history
    assert history.epoch == [1, 2]
    assert len(history.history["loss"]) == 2


def test_callback_instance_reused_across_fits():
    recorder = _recorder(callbacks.Callback)
    model = _model()
    model.fit(X, Y, epochs=1, verbose=0, callbacks=[recorder])
    first = list(recorder.calls)
    model.fit(X, Y, epochs=1, verbose=0, callbacks=[recorder])
    assert recorder.calls == first + first


def test_non_callback_raises():
    with pytest.raises(TypeError, match="Every entry of `callbacks` must be"):
        _model().fit(X, Y, verbose=0, callbacks=[lambda: None])


def test_verbose_two_prints_one_line_per_epoch(capsys):
    _model().fit(X, Y, batch_size=16, epochs=2, verbose=2, validation_split=0.5)
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0] == "Epoch 1/2"
    assert lines[1].startswith("1/1 - ")
    assert " - accuracy: " in lines[1]
    assert lines[1].index("accuracy") < lines[1].index("loss") < lines[1].index("val_accuracy")
    assert lines[2] == "Epoch 2/2"
    assert len(lines) == 4


def test_verbose_one_prints_bar(capsys):
    _model().fit(X, Y, batch_size=16, epochs=1, verbose=1)
    output = capsys.readouterr().out
    assert "Epoch 1/1" in output
    assert "2/2 ━━━━━━━━━━━━━━━━━━━━" in output
    assert "step - accuracy: " in output


def test_verbose_zero_is_silent(capsys):
    model = _model()
    model.fit(X, Y, epochs=1, verbose=0)
    model.evaluate(X, Y, verbose=0)
    model.predict(X, verbose=0)
    assert capsys.readouterr().out == ""


def test_evaluate_verbose_prints_final_line(capsys):
    _model().evaluate(X, Y, batch_size=16, verbose=1)
    output = capsys.readouterr().out
    assert "2/2 ━━━━━━━━━━━━━━━━━━━━" in output
    assert "loss: " in output


def test_callback_list_skips_idle_batch_hooks():
    class EpochOnly(callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            pass

    callback_list = callbacks.CallbackList([EpochOnly()])
    assert not callback_list.has_batch_listeners("on_train_batch_end")
    assert not callback_list.wants_batch_logs("on_train_batch_end", 1)
