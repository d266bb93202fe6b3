"""Tests for what callbacks receive and accept: log types, a bare callback, paths."""

import json

import numpy as np
import pytest

import torchkeras


def _model():
    model = torchkeras.Sequential(
        [torchkeras.Input((3,)), torchkeras.layers.Dense(1)]
    )
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    return model


def _data():
    rng = np.random.default_rng(0)
    return rng.random((16, 3), dtype=np.float32), rng.random((16, 1), dtype=np.float32)


class _Recorder(torchkeras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.train_logs = []
        self.test_logs = []

    def on_train_batch_end(self, batch, logs=None):
        self.train_logs.append(logs)

    def on_test_batch_end(self, batch, logs=None):
        self.test_logs.append(logs)


def test_batch_logs_are_python_floats():
    recorder = _Recorder()
    x, y = _data()
    _model().fit(
        x, y, batch_size=8, epochs=1, validation_data=(x, y),
        callbacks=[recorder], verbose=0,
    )
    assert len(recorder.train_logs) == 2
    for logs in recorder.train_logs + recorder.test_logs:
        assert set(logs) == {"loss", "mae"}
        assert all(type(value) is float for value in logs.values())
        json.dumps(logs)


def test_single_callback_without_list():
    recorder = _Recorder()
    x, y = _data()
    _model().fit(x, y, batch_size=8, epochs=1, callbacks=recorder, verbose=0)
    assert len(recorder.train_logs) == 2


def test_callbacks_of_wrong_type_raise():
    x, y = _data()
    with pytest.raises(TypeError, match=r"`callbacks` must be a list.*'early'"):
        _model().fit(x, y, epochs=1, callbacks="early", verbose=0)


def test_csv_logger_missing_folder_raises(tmp_path):
    logger = torchkeras.callbacks.CSVLogger(str(tmp_path / "absent" / "log.csv"))
    x, y = _data()
    with pytest.raises(FileNotFoundError, match=r"the folder .*absent does not exist"):
        _model().fit(x, y, epochs=1, callbacks=[logger], verbose=0)
    assert not (tmp_path / "absent").exists()


def test_scheduler_negative_rate_names_epoch():
    scheduler = torchkeras.callbacks.LearningRateScheduler(lambda epoch: -1.0)
    x, y = _data()
    with pytest.raises(ValueError, match=r"LearningRateScheduler returned -1\.0 at epoch 0"):
        _model().fit(x, y, epochs=1, callbacks=[scheduler], verbose=0)
