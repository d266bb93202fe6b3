"""`BackupAndRestore`: lets an interrupted `fit` resume where it stopped."""

from __future__ import annotations

import json
import os
import shutil

import h5py
import torch.distributed as dist

from torchkeras.callbacks.callback import Callback
from torchkeras.callbacks.monitor_callback import check_save_freq
from torchkeras.saving import file_utils
from torchkeras.saving import weights_h5

# The epoch counter is also stored as an attribute of the weights file, so
# the weights and the counter are always read from the same write even if a
# crash falls between the two files. Keras ignores the attribute.
_EPOCH_ATTRIBUTE = "torchkeras_backup_epoch"
_BATCH_ATTRIBUTE = "torchkeras_backup_batch"


class BackupAndRestore(Callback):
    """Back up training state so that an interrupted `fit` can resume.

    At the end of every epoch (or every `save_freq` batches) the callback
    writes the model's weights and the optimizer's state to
    `backup_dir/latest.weights.h5` and the number of finished epochs to
    `backup_dir/training_metadata.json`, the layout Keras 3 uses. Each
    file is written to a temporary file and renamed into place, so a crash
    during a backup leaves the previous backup intact.

    When `fit` starts and a backup exists, the weights and optimizer state
    are loaded and training continues at the first epoch that had not
    finished. With `shuffle=False` (or data in a fixed order) and no
    random layers, the resumed run ends with the same weights as a run
    that was never interrupted. When `fit` finishes, the backup is
    deleted unless `delete_checkpoint=False`.

    Note:
        With an int `save_freq`, a backup taken inside an epoch records
        the epochs finished so far, so the resumed run repeats the
        interrupted epoch from its first batch, starting from the weights
        of the last backup (as Keras does). The random state (shuffling,
        dropout) is not backed up.

    Args:
        backup_dir: Folder for the backup files. Use a separate folder
            for each training run.
        save_freq: `"epoch"` (default) or a positive int N to back up every
            N training batches.
        double_checkpoint: Whether to keep the previous backup as
            `*.bkp` files, used when the latest one cannot be read.
        delete_checkpoint: Whether to delete `backup_dir` when `fit`
            finishes. Default True.

    Raises:
        ValueError: if `backup_dir` is empty or `save_freq` is neither
            "epoch" nor a positive int; from `fit`, if the model is not
            built.

    Example:

    >>> import torchkeras as keras
    >>> backup = keras.callbacks.BackupAndRestore(backup_dir="/tmp/backup")
    """

    def __init__(
        self,
        backup_dir,
        save_freq="epoch",
        double_checkpoint=False,
        delete_checkpoint=True,
    ):
        super().__init__()
        if not backup_dir:
            raise ValueError(
                "BackupAndRestore: `backup_dir` must be a folder path. "
                f"Received: backup_dir={backup_dir!r}"
            )
        check_save_freq("BackupAndRestore", save_freq)
        self.backup_dir = os.fspath(backup_dir)
        self.save_freq = save_freq
        self.double_checkpoint = double_checkpoint
        self.delete_checkpoint = delete_checkpoint
        self._batches_seen_since_last_saving = 0
        self._last_batch_seen = 0
        self._current_epoch = 0
        self._weights_path = os.path.join(self.backup_dir, "latest.weights.h5")
        self._training_metadata_path = os.path.join(
            self.backup_dir, "training_metadata.json"
        )
        self._prev_weights_path = self._weights_path + ".bkp"
        self._prev_training_metadata_path = self._training_metadata_path + ".bkp"
        if save_freq == "epoch":
            self._idle_batch_hooks = frozenset({"on_train_batch_end"})

    def on_train_begin(self, logs=None):
        self._batches_seen_since_last_saving = 0
        self._last_batch_seen = 0
        self._current_epoch = 0
        if not self.model.built:
            raise ValueError(
                "BackupAndRestore needs a built model to restore weights "
                f"into, but model {self.model.name!r} is not built. Build it "
                "before `fit`, for example by calling it on a batch of data "
                "or by starting a Sequential model with `keras.Input`."
            )
        try:
            self._load_backup()
        except (OSError, ValueError):
            if not os.path.exists(self._prev_weights_path):
                raise
            self._restore_previous_backup()
            self._load_backup()

    def _restore_previous_backup(self) -> None:
        """Put the `.bkp` files in place of a latest backup that cannot be read."""
        _copy_atomically(self._prev_weights_path, self._weights_path)
        if os.path.exists(self._prev_training_metadata_path):
            _copy_atomically(
                self._prev_training_metadata_path, self._training_metadata_path
            )
        elif os.path.exists(self._training_metadata_path):
            os.remove(self._training_metadata_path)

    def _load_backup(self) -> None:
        epoch = None
        if os.path.exists(self._weights_path):
            self.model.load_weights(self._weights_path)
            with h5py.File(self._weights_path, "r") as file:
                if _EPOCH_ATTRIBUTE in file.attrs:
                    epoch = int(file.attrs[_EPOCH_ATTRIBUTE])
        if epoch is None and os.path.exists(self._training_metadata_path):
            # A backup written by Keras keeps the counter in the JSON only.
            with open(self._training_metadata_path, encoding="utf-8") as file:
                epoch = int(json.load(file)["epoch"])
        if epoch is not None:
            self._current_epoch = epoch
            object.__setattr__(self.model, "_initial_epoch", epoch)

    def on_epoch_end(self, epoch, logs=None):
        self._current_epoch = epoch + 1
        self._last_batch_seen = 0
        if self.save_freq == "epoch":
            self._save_backup()

    def on_train_batch_end(self, batch, logs=None):
        if self._should_save_on_batch(batch):
            self._save_backup()

    def _should_save_on_batch(self, batch: int) -> bool:
        if self.save_freq == "epoch":
            return False
        if batch <= self._last_batch_seen:
            added = batch + 1
        else:
            added = batch - self._last_batch_seen
        self._batches_seen_since_last_saving += added
        self._last_batch_seen = batch
        if self._batches_seen_since_last_saving >= self.save_freq:
            self._batches_seen_since_last_saving = 0
            return True
        return False

    def _save_backup(self) -> None:
        """Write the weights file, then the JSON counter, each renamed into place."""
        if not _is_rank_zero():
            return
        os.makedirs(self.backup_dir, exist_ok=True)
        if self.double_checkpoint:
            if os.path.exists(self._weights_path):
                _copy_atomically(self._weights_path, self._prev_weights_path)
            if os.path.exists(self._training_metadata_path):
                _copy_atomically(
                    self._training_metadata_path,
                    self._prev_training_metadata_path,
                )
        weights_h5.check_built(self.model, "saving")
        with file_utils.atomic_path(
            self._weights_path, suffix=".weights.h5"
        ) as temporary_path:
            with h5py.File(temporary_path, "w") as file:
                weights_h5.write_weights(self.model, file)
                file.attrs[_EPOCH_ATTRIBUTE] = self._current_epoch
                file.attrs[_BATCH_ATTRIBUTE] = self._last_batch_seen
        metadata = {"epoch": self._current_epoch, "batch": self._last_batch_seen}
        with file_utils.atomic_path(
            self._training_metadata_path, suffix=".json"
        ) as temporary_path:
            with open(temporary_path, "w", encoding="utf-8") as file:
                json.dump(metadata, file)

    def on_train_end(self, logs=None):
        if not _is_rank_zero():
            return
        if self.delete_checkpoint and os.path.exists(self.backup_dir):
            shutil.rmtree(self.backup_dir)


def _is_rank_zero() -> bool:
    """Return whether this process writes files under `torch.distributed`."""
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank() == 0
    return True


def _copy_atomically(source: str, destination: str) -> None:
    with file_utils.atomic_path(destination) as temporary_path:
        shutil.copyfile(source, temporary_path)
