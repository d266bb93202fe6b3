"""CSVLogger, TerminateOnNaN and LambdaCallback compared with Keras 3."""

import csv

import keras
import numpy as np
import pytest

from callback_parity import FIT_ARGS
from callback_parity import X
from callback_parity import Y
from callback_parity import twins
import torchkeras
from torchkeras import callbacks


def _read_rows(path, separator=","):
    with open(path, newline="") as file:
        return list(csv.reader(file, delimiter=separator))


def _assert_same_table(ours, theirs):
    assert ours[0] == theirs[0]
    assert len(ours) == len(theirs)
    for our_row, their_row in zip(ours[1:], theirs[1:]):
        for mine, reference in zip(our_row, their_row):
            if reference == "NA" or not reference.replace(".", "").isdigit():
                assert mine == reference
            else:
                assert float(mine) == pytest.approx(float(reference), abs=1e-6)


CSV_CASES = {
    "validation": dict(separator=",", fit=FIT_ARGS),
    "no_validation": dict(
        separator=";", fit=dict(FIT_ARGS, validation_data=None)
    ),
}


@pytest.mark.parametrize("case", CSV_CASES.values(), ids=CSV_CASES.keys())
def test_csv_logger_matches_keras(tmp_path, case):
    ours, theirs = twins()
    tables = []
    for module, model in ((torchkeras, ours), (keras, theirs)):
        path = str(tmp_path / f"{module.__name__}.csv")
        logger = module.callbacks.CSVLogger(path, separator=case["separator"])
        model.fit(X, Y, epochs=3, callbacks=[logger], **case["fit"])
        tables.append(_read_rows(path, case["separator"]))
    _assert_same_table(*tables)


def test_csv_logger_without_validation_fills_na(tmp_path):
    ours, _ = twins()
    path = str(tmp_path / "log.csv")
    logger = callbacks.CSVLogger(path)
    ours.fit(X, Y, epochs=2, callbacks=[logger], **dict(FIT_ARGS, validation_data=None))
    rows = _read_rows(path)
    assert rows[0] == ["epoch", "accuracy", "loss", "val_accuracy", "val_loss"]
    assert rows[1][0] == "0"
    assert rows[1][3:] == ["NA", "NA"]


def test_csv_logger_append_matches_keras(tmp_path):
    ours, theirs = twins()
    tables = []
    for module, model in ((torchkeras, ours), (keras, theirs)):
        path = str(tmp_path / f"{module.__name__}.csv")
        logger = module.callbacks.CSVLogger(path, append=True)
        model.fit(X, Y, epochs=2, callbacks=[logger], **FIT_ARGS)
        model.fit(X, Y, epochs=2, callbacks=[logger], **FIT_ARGS)
        tables.append(_read_rows(path))
    _assert_same_table(*tables)
    assert [row[0] for row in tables[0]] == ["epoch", "0", "1", "0", "1"]


def test_csv_logger_records_learning_rate(tmp_path):
    ours, _ = twins()
    path = str(tmp_path / "log.csv")
    scheduler = callbacks.LearningRateScheduler(lambda epoch: 0.1 / (epoch + 1))
    ours.fit(X, Y, epochs=2, callbacks=[scheduler, callbacks.CSVLogger(path)], **FIT_ARGS)
    rows = _read_rows(path)
    column = rows[0].index("learning_rate")
    assert [float(row[column]) for row in rows[1:]] == [0.1, 0.05]


def test_csv_logger_invalid_separator_raises():
    with pytest.raises(ValueError, match="`separator` must be a single character"):
        callbacks.CSVLogger("log.csv", separator=", ")


def _nan_data():
    x = X.copy()
    x[20] = np.nan
    return x


def test_terminate_on_nan_matches_keras():
    ours, theirs = twins()
    counts = []
    for module, model in ((torchkeras, ours), (keras, theirs)):
        # Keras's binary crossentropy on torch rejects NaN predictions.
        model.compile(optimizer=module.optimizers.SGD(0.1), loss="mse")
        batches = []
        counter = module.callbacks.LambdaCallback(
            on_train_batch_end=lambda batch, logs: batches.append(batch)
        )
        history = model.fit(
            _nan_data(), Y, epochs=3,
            callbacks=[module.callbacks.TerminateOnNaN(), counter], **FIT_ARGS,
        )
        counts.append((batches, history.epoch))
    assert counts[0] == counts[1]
    assert counts[0] == ([0, 1], [0])


def test_terminate_on_nan_prints(capsys):
    ours, _ = twins()
    ours.fit(_nan_data(), Y, epochs=2, callbacks=[callbacks.TerminateOnNaN()], **FIT_ARGS)
    assert "Batch 1: Invalid loss, terminating training" in capsys.readouterr().out


def test_terminate_on_nan_raise_error():
    ours, _ = twins()
    stopper = callbacks.TerminateOnNaN(raise_error=True)
    with pytest.raises(RuntimeError, match="NaN or Inf loss encountered at batch 1"):
        ours.fit(_nan_data(), Y, epochs=2, callbacks=[stopper], **FIT_ARGS)


HOOKS = (
    "on_epoch_begin", "on_epoch_end", "on_train_begin", "on_train_end",
    "on_train_batch_begin", "on_train_batch_end",
)


def _lambda_recorder(module, calls):
    def make(hook):
        def record(*args, **kwargs):
            index = args[0] if hook.endswith(("batch_begin", "batch_end", "epoch_begin", "epoch_end")) else None
            calls.append((hook, index))

        return record

    return module.callbacks.LambdaCallback(**{hook: make(hook) for hook in HOOKS})


def test_lambda_callback_matches_keras():
    ours, theirs = twins()
    our_calls, their_calls = [], []
    ours.fit(X, Y, epochs=2, callbacks=[_lambda_recorder(torchkeras, our_calls)], **FIT_ARGS)
    theirs.fit(X, Y, epochs=2, callbacks=[_lambda_recorder(keras, their_calls)], **FIT_ARGS)
    assert our_calls == their_calls
    assert ("on_train_batch_end", 2) in our_calls


def test_lambda_callback_extra_hook_and_attribute():
    ours, _ = twins()
    seen = []
    callback = callbacks.LambdaCallback(
        on_test_end=lambda logs: seen.append(sorted(logs)), tag="validation"
    )
    ours.fit(X, Y, epochs=1, callbacks=[callback], **FIT_ARGS)
    assert callback.tag == "validation"
    assert seen == [["accuracy", "loss"]]


def test_lambda_callback_can_stop_training():
    ours, _ = twins()
    stopper = callbacks.LambdaCallback(
        on_train_batch_begin=lambda batch, logs: setattr(
            ours, "stop_training", batch == 1
        )
    )
    history = ours.fit(X, Y, epochs=3, callbacks=[stopper], **FIT_ARGS)
    assert history.epoch == [0]
