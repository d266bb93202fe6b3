"""`TensorBoard`: writes training logs for TensorBoard to view."""

from __future__ import annotations

import logging
import os
import time

import numpy as np

from torchkeras.callbacks.callback import Callback
from torchkeras.callbacks.monitor_callback import to_float

_logger = logging.getLogger(__name__)


def _summary_writer_class():
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError as error:
        raise ImportError(
            "The TensorBoard callback writes event files through "
            "`torch.utils.tensorboard`, which needs the `tensorboard` "
            "package. Install it with `pip install tensorboard`."
        ) from error
    return SummaryWriter


def _check_update_freq(update_freq) -> int | str:
    if update_freq == "batch":
        return 1
    if update_freq == "epoch":
        return "epoch"
    if (
        isinstance(update_freq, bool)
        or not isinstance(update_freq, (int, np.integer))
        or update_freq <= 0
    ):
        raise ValueError(
            "TensorBoard: `update_freq` must be 'epoch', 'batch' or a "
            "positive integer number of batches. Received: "
            f"update_freq={update_freq!r}"
        )
    return int(update_freq)


class TensorBoard(Callback):
    """Write scalars and weight histograms as TensorBoard event files.

    Training values go to `log_dir/train` and validation values to
    `log_dir/validation`, under Keras's tags: `epoch_<name>` per epoch
    (the learning rate as `epoch_learning_rate`), `batch_<name>` every
    `update_freq` batches, and `evaluation_<name>_vs_iterations`
    after each evaluation, stepped by the optimizer's iteration count.
    Files are written with `torch.utils.tensorboard.SummaryWriter`; view
    them with `tensorboard --logdir LOG_DIR`.

    Note:
        The `tensorboard` package is optional: constructing this callback
        without it raises ImportError. `write_graph` is accepted, but no
        graph is written, because Keras writes a TensorFlow graph that has
        no counterpart here. Weight images, embeddings and profiling are
        not supported and raise NotImplementedError.

    Args:
        log_dir: Folder of the event files. Default "logs".
        histogram_freq: Write a histogram of every weight every N epochs;
            0 (default) writes none.
        write_graph: Accepted for Keras compatibility; see the note.
        write_images: Must be False.
        write_steps_per_second: Whether to log training steps per second.
        update_freq: `"epoch"` (default), `"batch"`, or a positive int N to
            write batch values every N batches.
        profile_batch: Must be 0.
        embeddings_freq: Must be 0.
        embeddings_metadata: Must be None.

    Raises:
        ImportError: if `tensorboard` is not installed.
        ValueError: if `update_freq` or `histogram_freq` is invalid.
        NotImplementedError: for `write_images`, `profile_batch`,
            `embeddings_freq` or `embeddings_metadata`.
    """

    def __init__(
        self,
        log_dir="logs",
        histogram_freq=0,
        write_graph=True,
        write_images=False,
        write_steps_per_second=False,
        update_freq="epoch",
        profile_batch=0,
        embeddings_freq=0,
        embeddings_metadata=None,
    ):
        super().__init__()
        self._check_unsupported(
            write_images, profile_batch, embeddings_freq, embeddings_metadata
        )
        if (
            isinstance(histogram_freq, bool)
            or not isinstance(histogram_freq, (int, np.integer))
            or histogram_freq < 0
        ):
            raise ValueError(
                "TensorBoard: `histogram_freq` must be a non-negative "
                f"integer. Received: histogram_freq={histogram_freq!r}"
            )
        self.update_freq = _check_update_freq(update_freq)
        self._writer_class = _summary_writer_class()

        self.log_dir = os.fspath(log_dir)
        self.histogram_freq = histogram_freq
        self.write_graph = write_graph
        self.write_images = write_images
        self.write_steps_per_second = write_steps_per_second
        self.profile_batch = profile_batch
        self.embeddings_freq = embeddings_freq
        self.embeddings_metadata = embeddings_metadata

        self._writers = {}
        self._global_train_batch = 0
        self._epoch_start_time = 0.0
        self._epoch_start_iterations = 0
        self._batch_start_time = 0.0
        if self.update_freq == "epoch" and not write_steps_per_second:
            self._idle_batch_hooks = frozenset(
                {"on_train_batch_begin", "on_train_batch_end"}
            )
        if write_graph:
            _logger.debug("TensorBoard: write_graph is ignored; no graph is written.")

    @staticmethod
    def _check_unsupported(
        write_images, profile_batch, embeddings_freq, embeddings_metadata
    ) -> None:
        unsupported = {
            "write_images": (write_images, False),
            "profile_batch": (profile_batch, 0),
            "embeddings_freq": (embeddings_freq, 0),
            "embeddings_metadata": (embeddings_metadata, None),
        }
        for name, (value, default) in unsupported.items():
            if value != default:
                raise NotImplementedError(
                    f"TensorBoard does not support {name}={value!r} yet. "
                    f"Supported value: {name}={default!r}."
                )

    def _writer(self, kind: str):
        if kind not in self._writers:
            folder = "train" if kind == "train" else "validation"
            self._writers[kind] = self._writer_class(
                os.path.join(self.log_dir, folder)
            )
        return self._writers[kind]

    def _close_writers(self) -> None:
        for writer in self._writers.values():
            writer.close()
        self._writers = {}

    def on_train_begin(self, logs=None):
        self._global_train_batch = 0
        self._epoch_start_iterations = 0

    def on_train_end(self, logs=None):
        self._close_writers()

    def on_epoch_begin(self, epoch, logs=None):
        if self.write_steps_per_second:
            self._epoch_start_iterations = self._iterations()
            self._epoch_start_time = time.time()

    def on_train_batch_begin(self, batch, logs=None):
        self._global_train_batch += 1
        if self.write_steps_per_second:
            self._batch_start_time = time.time()

    def on_train_batch_end(self, batch, logs=None):
        step = self._global_train_batch
        writer = self._writer("train")
        if self.write_steps_per_second:
            elapsed = max(time.time() - self._batch_start_time, 1e-12)
            writer.add_scalar("batch_steps_per_second", 1.0 / elapsed, step)
        if self.update_freq == "epoch" or step % self.update_freq != 0:
            return
        for name, value in (logs or {}).items():
            value = to_float(value)
            if isinstance(value, float):
                writer.add_scalar(f"batch_{name}", value, step)

    def on_test_end(self, logs=None):
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is None or not hasattr(optimizer, "iterations"):
            return
        step = self._iterations()
        writer = self._writer("validation")
        for name, value in (logs or {}).items():
            value = to_float(value)
            if isinstance(value, float):
                writer.add_scalar(f"evaluation_{name}_vs_iterations", value, step)
        writer.flush()

    def on_epoch_end(self, epoch, logs=None):
        self._write_epoch_scalars(epoch, logs or {})
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._write_histograms(epoch)
        for writer in self._writers.values():
            writer.flush()

    def _iterations(self) -> int:
        optimizer = getattr(self.model, "optimizer", None)
        iterations = getattr(optimizer, "iterations", 0)
        return int(iterations)

    def _write_epoch_scalars(self, epoch: int, logs) -> None:
        train_logs = {k: v for k, v in logs.items() if not k.startswith("val_")}
        validation_logs = {k[4:]: v for k, v in logs.items() if k.startswith("val_")}
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is not None and hasattr(optimizer, "learning_rate"):
            train_logs["learning_rate"] = float(optimizer.learning_rate)
        if self.write_steps_per_second:
            elapsed = max(time.time() - self._epoch_start_time, 1e-12)
            steps = self._iterations() - self._epoch_start_iterations
            train_logs["steps_per_second"] = steps / elapsed
        for kind, values in (("train", train_logs), ("validation", validation_logs)):
            if not values:
                continue
            writer = self._writer(kind)
            for name, value in values.items():
                value = to_float(value)
                if isinstance(value, float):
                    writer.add_scalar(f"epoch_{name}", value, epoch)

    def _write_histograms(self, epoch: int) -> None:
        writer = self._writer("train")
        for layer in getattr(self.model, "layers", []):
            for weight in layer.weights:
                name = getattr(weight, "path", None) or getattr(weight, "name", "weight")
                values = weight.detach().cpu().numpy()
                writer.add_histogram(f"{name.replace(':', '_')}/histogram", values, epoch)
