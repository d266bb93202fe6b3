"""TensorBoard: event files with Keras's tags, and a clear error without tensorboard."""

import builtins
import os

import numpy as np
import pytest

from callback_parity import FIT_ARGS
from callback_parity import X
from callback_parity import Y
from callback_parity import twins
from torchkeras import callbacks

try:
    from tensorboard.backend.event_processing.event_accumulator import (
        EventAccumulator,
    )
except ImportError:
    EventAccumulator = None

needs_tensorboard = pytest.mark.skipif(
    EventAccumulator is None, reason="the optional tensorboard package is not installed"
)


def _scalars(folder):
    accumulator = EventAccumulator(str(folder), size_guidance={"scalars": 0})
    accumulator.Reload()
    return {
        tag: [(event.step, event.value) for event in accumulator.Scalars(tag)]
        for tag in accumulator.Tags()["scalars"]
    }


@needs_tensorboard
def test_epoch_scalars_match_history(tmp_path):
    ours, _ = twins()
    board = callbacks.TensorBoard(log_dir=str(tmp_path))
    history = ours.fit(X, Y, epochs=3, callbacks=[board], **FIT_ARGS)
    train = _scalars(tmp_path / "train")
    validation = _scalars(tmp_path / "validation")
    assert sorted(train) == ["epoch_accuracy", "epoch_learning_rate", "epoch_loss"]
    assert [step for step, _ in train["epoch_loss"]] == [0, 1, 2]
    np.testing.assert_allclose(
        [value for _, value in train["epoch_loss"]], history.history["loss"], rtol=1e-6
    )
    np.testing.assert_allclose(
        [value for _, value in validation["epoch_loss"]],
        history.history["val_loss"],
        rtol=1e-6,
    )
    assert [value for _, value in train["epoch_learning_rate"]] == pytest.approx([0.1] * 3)
    assert "evaluation_loss_vs_iterations" in validation
    assert [step for step, _ in validation["evaluation_loss_vs_iterations"]] == [3, 6, 9]


@needs_tensorboard
@pytest.mark.parametrize("update_freq, steps", [("batch", [1, 2, 3, 4, 5, 6]), (2, [2, 4, 6])])
def test_batch_scalars_follow_update_freq(tmp_path, update_freq, steps):
    ours, _ = twins()
    board = callbacks.TensorBoard(log_dir=str(tmp_path), update_freq=update_freq)
    ours.fit(X, Y, epochs=2, callbacks=[board], **FIT_ARGS)
    train = _scalars(tmp_path / "train")
    assert [step for step, _ in train["batch_loss"]] == steps


@needs_tensorboard
def test_histograms_every_other_epoch(tmp_path):
    ours, _ = twins()
    board = callbacks.TensorBoard(log_dir=str(tmp_path), histogram_freq=2)
    ours.fit(X, Y, epochs=3, callbacks=[board], **FIT_ARGS)
    accumulator = EventAccumulator(str(tmp_path / "train"), size_guidance={"histograms": 0})
    accumulator.Reload()
    tags = accumulator.Tags()["histograms"]
    kernel_tag = next(tag for tag in tags if tag.endswith("kernel/histogram"))
    assert len(tags) == 4
    assert [event.step for event in accumulator.Histograms(kernel_tag)] == [0, 2]


@needs_tensorboard
def test_steps_per_second_logged(tmp_path):
    ours, _ = twins()
    board = callbacks.TensorBoard(log_dir=str(tmp_path), write_steps_per_second=True)
    ours.fit(X, Y, epochs=1, callbacks=[board], **FIT_ARGS)
    train = _scalars(tmp_path / "train")
    assert train["epoch_steps_per_second"][0][1] > 0
    assert len(train["batch_steps_per_second"]) == 3


@needs_tensorboard
def test_epoch_update_freq_skips_batch_logs(tmp_path):
    board = callbacks.TensorBoard(log_dir=str(tmp_path))
    callback_list = callbacks.CallbackList([board])
    assert not callback_list.has_batch_listeners("on_train_batch_end")
    assert not os.listdir(tmp_path)


def test_missing_tensorboard_raises(monkeypatch):
    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name.startswith("torch.utils.tensorboard"):
            raise ImportError("No module named 'tensorboard'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    with pytest.raises(ImportError, match="Install it with `pip install tensorboard`"):
        callbacks.TensorBoard()


@pytest.mark.parametrize(
    "argument",
    [dict(write_images=True), dict(profile_batch=2), dict(embeddings_freq=1)],
    ids=lambda argument: next(iter(argument)),
)
def test_unsupported_arguments_raise(argument):
    name = next(iter(argument))
    with pytest.raises(NotImplementedError, match=f"does not support {name}="):
        callbacks.TensorBoard(**argument)


@pytest.mark.parametrize("update_freq", ["step", 0, -2], ids=str)
def test_invalid_update_freq_raises(update_freq):
    with pytest.raises(ValueError, match="`update_freq` must be 'epoch', 'batch' or a positive"):
        callbacks.TensorBoard(update_freq=update_freq)
