"""Writing files so that a failed write never replaces a good file."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator


@contextlib.contextmanager
def atomic_path(filepath: str, suffix: str = "") -> Iterator[str]:
    """Yield a temporary path beside `filepath`; rename it into place on success.

    The caller writes the whole file at the yielded path. When the block
    ends normally the file replaces `filepath` in one `os.replace`, which
    is atomic on one file system. When the block raises, the temporary
    file is removed and `filepath`, if it existed, is left as it was.
    """
    folder = os.path.dirname(os.path.abspath(filepath))
    os.makedirs(folder, exist_ok=True)
    handle, temporary_path = tempfile.mkstemp(
        prefix=".tmp-", suffix=suffix, dir=folder
    )
    os.close(handle)
    try:
        yield temporary_path
        os.replace(temporary_path, filepath)
    except BaseException:
        if os.path.exists(temporary_path):
            os.remove(temporary_path)
        raise


def check_overwrite(filepath: str, overwrite: bool) -> None:
    """Raise `FileExistsError` when `filepath` exists and `overwrite` is False."""
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(
            f"The file {filepath} already exists. Pass overwrite=True to "
            "replace it."
        )


def check_not_empty(filepath: str, expected: str) -> None:
    """Raise `ValueError` when `filepath` is a file of 0 bytes.

    Args:
        filepath: Path of an existing file or folder.
        expected: What the file should contain, for the message.
    """
    if os.path.isfile(filepath) and os.path.getsize(filepath) == 0:
        raise ValueError(
            f"The file {filepath} is empty (0 bytes). Expected {expected}. "
            "Save the model again, or copy the file again if it came from "
            "elsewhere."
        )
