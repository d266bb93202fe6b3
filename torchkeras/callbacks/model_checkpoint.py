"""`ModelCheckpoint`: saves the model or its weights during training."""

from __future__ import annotations

import os
import string
import warnings

import torch.distributed as dist

from torchkeras.callbacks.monitor_callback import MonitorCallback
from torchkeras.callbacks.monitor_callback import check_save_freq
from torchkeras.callbacks.monitor_callback import to_float
from torchkeras.utils import io_utils


def template_keys(filepath: str) -> list[str]:
    """Return the field names used in a `str.format` template."""
    keys = []
    for _, field, _, _ in string.Formatter().parse(filepath):
        if field:
            # `{val_loss:.2f}` and `{logs[x]}` both start with the key.
            keys.append(field.split(".")[0].split("[")[0])
    return keys


def format_filepath(filepath: str, values: dict, owner: str) -> str:
    """Fill `filepath` from `values`, naming any key that is missing."""
    missing = [key for key in template_keys(filepath) if key not in values]
    if missing:
        raise KeyError(
            f"{owner}: the filepath template {filepath!r} uses the key "
            f"`{missing[0]}`, which is not available when saving. Available "
            f"keys: {', '.join(sorted(values))}. Pass validation data for "
            "`val_` keys, or remove the key from the template."
        )
    return filepath.format(**values)


class ModelCheckpoint(MonitorCallback):
    """Save the model, or only its weights, at the end of epochs or batches.

    `filepath` may be a template filled with the 1-based `epoch`, the
    1-based `batch` (when saving every N batches) and the log values, as in
    `"ckpt-{epoch:02d}-{val_loss:.2f}.keras"`. The model is written by
    `model.save` (`.keras` or `.h5`) or `model.save_weights`
    (`.weights.h5`), so Keras 3 can open the files. Both write to a
    temporary file and rename it into place. An interrupted save therefore
    never replaces a good file with a broken one.

    With `save_best_only=True` a file is written only when the monitored
    value beats the best so far. The best value is kept across `fit`
    calls, as in Keras, so a second `fit` does not overwrite a better
    checkpoint. Under `torch.distributed` only rank 0 writes.

    Args:
        filepath: Path or template of the file to write.
        monitor: Log value compared when `save_best_only` is True.
            Default `"val_loss"`.
        verbose: 1 prints a line for every decision. Default 0.
        save_best_only: Whether to save only when `monitor` improves.
        save_weights_only: Whether to write only the weights (the path
            must end in `.weights.h5`) instead of the whole model (`.keras`
            or `.h5`).
        mode: `"auto"` (default), `"min"` or `"max"`.
        save_freq: `"epoch"` (default) to save after every epoch, or a
            positive int N to save after every N training batches, counted
            across epochs.
        initial_value_threshold: Best value to start from when
            `save_best_only` is True: nothing is saved until the monitored
            value beats it.

    Raises:
        ValueError: if the extension does not fit `save_weights_only`,
            `save_freq` is neither "epoch" nor a positive int, or `mode`
            is unknown.
        KeyError: from `fit`, when the template uses a key that is not in
            the logs.

    Example:

    >>> import torchkeras as keras
    >>> checkpoint = keras.callbacks.ModelCheckpoint(
    ...     "ckpt-{epoch:02d}-{val_loss:.2f}.keras", save_best_only=True
    ... )
    """

    def __init__(
        self,
        filepath,
        monitor="val_loss",
        verbose=0,
        save_best_only=False,
        save_weights_only=False,
        mode="auto",
        save_freq="epoch",
        initial_value_threshold=None,
    ):
        super().__init__(monitor, mode, baseline=initial_value_threshold)
        check_save_freq("ModelCheckpoint", save_freq)
        self.verbose = verbose
        self.filepath = os.fspath(filepath)
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        self.save_freq = save_freq
        self._batches_seen_since_last_saving = 0
        self._last_batch_seen = None
        self._current_epoch = 0
        if save_freq == "epoch":
            self._idle_batch_hooks = frozenset({"on_train_batch_end"})
        self._check_extension()

    def _check_extension(self) -> None:
        if self.save_weights_only:
            if not self.filepath.endswith(".weights.h5"):
                raise ValueError(
                    "ModelCheckpoint with `save_weights_only=True` writes "
                    "Keras weight files, so `filepath` must end in "
                    f"`.weights.h5`. Received: filepath={self.filepath}"
                )
        elif not self.filepath.endswith((".keras", ".h5")):
            raise ValueError(
                "ModelCheckpoint writes whole models, so `filepath` must end "
                "in `.keras` (or `.h5` for the legacy format). Pass "
                "save_weights_only=True with a `.weights.h5` path to save "
                f"weights only. Received: filepath={self.filepath}"
            )

    def on_train_begin(self, logs=None):
        self._reset_monitor_warning()

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self._should_save_on_batch(batch):
            self._save_model(self._current_epoch, batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        if self.save_freq == "epoch":
            self._save_model(epoch, None, logs)

    def _should_save_on_batch(self, batch: int) -> bool:
        """Count batches across epochs and return True every `save_freq` batches."""
        if self.save_freq == "epoch":
            return False
        if self._last_batch_seen is None or batch <= self._last_batch_seen:
            # A new epoch restarted the batch index.
            added = batch + 1
        else:
            added = batch - self._last_batch_seen
        self._batches_seen_since_last_saving += added
        self._last_batch_seen = batch
        if self._batches_seen_since_last_saving >= self.save_freq:
            self._batches_seen_since_last_saving = 0
            return True
        return False

    def _save_model(self, epoch: int, batch: int | None, logs) -> None:
        logs = {key: to_float(value) for key, value in (logs or {}).items()}
        filepath = self._get_file_path(epoch, batch, logs)
        if not self._should_save(epoch, logs, filepath):
            return
        if os.path.isdir(filepath):
            raise IsADirectoryError(
                "ModelCheckpoint: `filepath` must name a file, but "
                f"{filepath} is an existing directory."
            )
        if dist.is_available() and dist.is_initialized() and dist.get_rank() != 0:
            return
        if self.save_weights_only:
            self.model.save_weights(filepath, overwrite=True)
        else:
            self.model.save(filepath, overwrite=True)
        if self.verbose > 0:
            io_utils.print_msg(
                f"\nEpoch {epoch + 1}: finished saving model to {filepath}"
            )

    def _get_file_path(self, epoch: int, batch: int | None, logs) -> str:
        values = dict(logs)
        values["epoch"] = epoch + 1
        if batch is not None and "batch" not in logs:
            values["batch"] = batch + 1
        return format_filepath(self.filepath, values, "ModelCheckpoint")

    def _should_save(self, epoch: int, logs, filepath: str) -> bool:
        if not self.save_best_only:
            if self.verbose > 0:
                io_utils.print_msg(f"\nEpoch {epoch + 1}: saving model to {filepath}")
            return True
        current = self._monitor_value(logs, "Saving the best model")
        if current is None:
            # Keras saves every time when it cannot compare.
            return True
        if not isinstance(current, float):
            warnings.warn(
                "ModelCheckpoint can compare only a scalar `monitor` value, "
                f"but {self.monitor} is {current!r}. Saving every time, as "
                "with save_best_only=False.",
                UserWarning,
                stacklevel=4,
            )
            return True
        best = "None" if self.best is None else f"{self.best:.5f}"
        if self.monitor_op is None:
            self._set_monitor_op()
        if self._is_improvement(current, self.best):
            if self.verbose > 0:
                io_utils.print_msg(
                    f"\nEpoch {epoch + 1}: {self.monitor} improved from {best} "
                    f"to {current:.5f}, saving model to {filepath}"
                )
            self.best = current
            return True
        if self.verbose > 0:
            io_utils.print_msg(
                f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {best}"
            )
        return False
