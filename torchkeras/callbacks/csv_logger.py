"""`CSVLogger`: writes one CSV row of logs per epoch."""

from __future__ import annotations

import collections.abc
import csv
import os

import numpy as np

from torchkeras.callbacks.callback import Callback


def _csv_value(value):
    """Format a log value as Keras does: lists become a quoted "[a, b]"."""
    if isinstance(value, str):
        return value
    if isinstance(value, np.ndarray) and value.ndim == 0:
        return value
    if isinstance(value, collections.abc.Iterable):
        return '"[' + ", ".join(str(item) for item in value) + ']"'
    return value


class CSVLogger(Callback):
    """Write the epoch index and every epoch log value to a CSV file.

    The header is `epoch` followed by the log names in sorted order, taken
    from the first epoch. When the first epoch has no `val_` values, the
    `val_` columns are added anyway and filled with `NA`, as Keras does,
    so that a later epoch with validation fits the same header. Each row
    is flushed when it is written, so an interrupted run keeps its rows.

    Args:
        filename: Path of the CSV file.
        separator: Character between fields. Default ",".
        append: Whether to add rows to an existing file (without a second
            header) instead of replacing it. Default False.

    Raises:
        ValueError: if `separator` is not a single character.

    Example:

    >>> import torchkeras as keras
    >>> logger = keras.callbacks.CSVLogger("training.csv", append=True)
    """

    def __init__(self, filename, separator=",", append=False):
        super().__init__()
        if not isinstance(separator, str) or len(separator) != 1:
            raise ValueError(
                "CSVLogger: `separator` must be a single character. "
                f"Received: separator={separator!r}"
            )
        self.sep = separator
        self.filename = os.fspath(filename)
        self.append = append
        self.writer = None
        self.keys = None
        self.append_header = True
        self.csv_file = None

    def on_train_begin(self, logs=None):
        self.append_header = True
        if self.append and os.path.exists(self.filename):
            with open(self.filename, encoding="utf-8") as file:
                self.append_header = not file.readline()
        self._close()
        folder = os.path.dirname(self.filename)
        if folder and not os.path.isdir(folder):
            # As in Keras, the folder is not created: a typo in the path
            # should fail here rather than write the log somewhere unexpected.
            raise FileNotFoundError(
                f"CSVLogger cannot write {self.filename}: the folder {folder} "
                "does not exist. Create it first or pass another filename."
            )
        mode = "a" if self.append else "w"
        self.csv_file = open(self.filename, mode, newline="", encoding="utf-8")
        self.writer = None
        self.keys = None

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.keys is None:
            self.keys = sorted(logs)
            if self.keys and not any(k.startswith("val_") for k in self.keys):
                self.keys += [f"val_{key}" for key in self.keys]
        if self.writer is None:
            self.writer = csv.DictWriter(
                self.csv_file,
                fieldnames=["epoch"] + self.keys,
                delimiter=self.sep,
            )
            if self.append_header:
                self.writer.writeheader()
        row = {"epoch": epoch}
        row.update((key, _csv_value(logs.get(key, "NA"))) for key in self.keys)
        self.writer.writerow(row)
        self.csv_file.flush()

    def on_train_end(self, logs=None):
        self._close()

    def _close(self) -> None:
        if self.csv_file is not None and not self.csv_file.closed:
            self.csv_file.close()
        self.writer = None
