"""`PyDataset`: a dataset of whole batches, indexed like a list.

Subclasses implement `__len__` (the number of batches) and
`__getitem__(index)` (one batch). A training loop calls `on_epoch_begin()`,
reads one epoch with `iterate_batches()` (which loads batches ahead in a
thread pool when `workers > 1`), then calls `on_epoch_end()`.
"""

from __future__ import annotations

import collections
import concurrent.futures
import itertools
import warnings
from collections.abc import Iterator
from typing import Any

_DEFAULT_WORKERS = 1
_DEFAULT_USE_MULTIPROCESSING = False
_DEFAULT_MAX_QUEUE_SIZE = 10


class PyDataset:
    """Base class for datasets that return a complete batch per index.

    Use it when batches come from Python code (files read from disk,
    augmentation in numpy). Because batches are addressed by index, an
    epoch reads each one exactly once, which a plain generator cannot
    guarantee. `__getitem__` returns a batch `(x, y)` or
    `(x, y, sample_weight)`, or `x` alone for prediction. `__len__` returns
    the number of batches, not samples. Override
    `on_epoch_begin` or `on_epoch_end` to change the data between epochs,
    for example to shuffle.

    Args:
        workers: Number of threads `iterate_batches()` uses to load
            batches in parallel. 0 or 1 loads them one at a time in the
            calling thread.
        use_multiprocessing: Keras uses processes instead of threads when
            True. torchkeras always uses threads, which give the same
            batches, and warns once when this is True. For CPU-heavy
            loading wrap the data in a `torch.utils.data.DataLoader` with
            `num_workers` instead.
        max_queue_size: Maximum number of batches loaded ahead of the one
            being trained on, when `workers > 1`.

    Example:

    >>> import math
    >>> import numpy as np
    >>> class ArrayDataset(PyDataset):
    ...     def __init__(self, x, y, batch_size, **kwargs):
    ...         super().__init__(**kwargs)
    ...         self.x, self.y, self.batch_size = x, y, batch_size
    ...     def __len__(self):
    ...         return math.ceil(len(self.x) / self.batch_size)
    ...     def __getitem__(self, index):
    ...         start = index * self.batch_size
    ...         stop = start + self.batch_size
    ...         return self.x[start:stop], self.y[start:stop]
    >>> dataset = ArrayDataset(np.zeros((10, 3)), np.ones(10), batch_size=4)
    >>> dataset.num_batches
    3
    >>> dataset[2][0].shape
    (2, 3)
    """

    def __init__(
        self,
        workers: int = _DEFAULT_WORKERS,
        use_multiprocessing: bool = False,
        max_queue_size: int = _DEFAULT_MAX_QUEUE_SIZE,
    ):
        if isinstance(workers, bool) or not isinstance(workers, int):
            raise TypeError(
                f"`workers` must be an int. Received: workers={workers!r}"
            )
        if workers < 0:
            raise ValueError(
                f"`workers` must be 0 or more. Received: workers={workers}"
            )
        if (
            isinstance(max_queue_size, bool)
            or not isinstance(max_queue_size, int)
            or max_queue_size < 1
        ):
            raise ValueError(
                "`max_queue_size` must be a positive int. "
                f"Received: max_queue_size={max_queue_size!r}"
            )
        if use_multiprocessing:
            _warn_multiprocessing_once()
        self._workers = workers
        self._use_multiprocessing = bool(use_multiprocessing)
        self._max_queue_size = max_queue_size

    def _check_super_init_called(self) -> None:
        """Fill in defaults, with a warning, if `__init__` was skipped."""
        if hasattr(self, "_workers"):
            return
        self._workers = _DEFAULT_WORKERS
        self._use_multiprocessing = _DEFAULT_USE_MULTIPROCESSING
        self._max_queue_size = _DEFAULT_MAX_QUEUE_SIZE
        warnings.warn(
            f"{type(self).__name__} does not call `super().__init__(**kwargs)` "
            "in its constructor, so `workers`, `use_multiprocessing` and "
            "`max_queue_size` keep their defaults. Call it and pass these "
            "arguments there, because fit() does not take them.",
            UserWarning,
            stacklevel=3,
        )

    @property
    def workers(self) -> int:
        """Number of threads that `iterate_batches()` uses."""
        self._check_super_init_called()
        return self._workers

    @workers.setter
    def workers(self, value: int) -> None:
        self._workers = value

    @property
    def use_multiprocessing(self) -> bool:
        """The Keras setting. torchkeras loads batches in threads either way."""
        self._check_super_init_called()
        return self._use_multiprocessing

    @use_multiprocessing.setter
    def use_multiprocessing(self, value: bool) -> None:
        if value:
            _warn_multiprocessing_once()
        self._use_multiprocessing = value

    @property
    def max_queue_size(self) -> int:
        """Maximum number of batches loaded ahead when `workers > 1`."""
        self._check_super_init_called()
        return self._max_queue_size

    @max_queue_size.setter
    def max_queue_size(self, value: int) -> None:
        self._max_queue_size = value

    def __getitem__(self, index: int) -> Any:
        """Return the batch at position `index`."""
        raise NotImplementedError(
            f"{type(self).__name__} must implement `__getitem__(index)` and "
            "return one batch, such as `(x, y)`."
        )

    @property
    def num_batches(self) -> int | None:
        """Number of batches per epoch, or None for an endless dataset.

        Defaults to `len(self)`. Override it to return None when the
        dataset has no end (`fit()` then needs `steps_per_epoch`).
        """
        if hasattr(self, "__len__"):
            return len(self)
        raise NotImplementedError(
            f"{type(self).__name__} must implement `__len__` (the number of "
            "batches) or the `num_batches` property."
        )

    def __iter__(self) -> Iterator[Any]:
        """Yield the batches in order, in this thread, for one epoch."""
        for index in _batch_indices(self):
            yield self[index]

    def iterate_batches(self) -> Iterator[Any]:
        """Yield the batches of one epoch in order, using `workers` threads.

        With `workers > 1`, up to `max_queue_size` batches load ahead of
        the one yielded, so `__getitem__` must be safe to call from
        several threads at once. Closing the iterator early cancels the
        batches not yet started. An exception raised by `__getitem__`
        reaches the caller when its batch is next.
        """
        if self.workers <= 1:
            yield from self
            return
        indices = _batch_indices(self)
        with concurrent.futures.ThreadPoolExecutor(
            max_workers=self.workers,
            thread_name_prefix=type(self).__name__,
        ) as executor:
            pending = collections.deque()
            try:
                for index in itertools.islice(indices, self.max_queue_size):
                    pending.append(executor.submit(self.__getitem__, index))
                while pending:
                    batch = pending.popleft().result()
                    for index in itertools.islice(indices, 1):
                        pending.append(executor.submit(self.__getitem__, index))
                    yield batch
            finally:
                for future in pending:
                    future.cancel()

    def on_epoch_begin(self) -> None:
        """Hook called before each epoch, a no-op unless overridden."""

    def on_epoch_end(self) -> None:
        """Hook called after each epoch, a no-op unless overridden."""


Sequence = PyDataset


def _batch_indices(dataset: PyDataset) -> Iterator[int]:
    """Return an iterator over the batch indices of one epoch."""
    num_batches = dataset.num_batches
    if num_batches is None:
        return itertools.count()
    return iter(range(num_batches))


_multiprocessing_warned = False


def _warn_multiprocessing_once() -> None:
    global _multiprocessing_warned
    if _multiprocessing_warned:
        return
    _multiprocessing_warned = True
    warnings.warn(
        "PyDataset(use_multiprocessing=True): torchkeras loads batches in "
        "threads, not processes, and the batches are the same. For CPU-heavy "
        "loading use a torch.utils.data.DataLoader with num_workers.",
        UserWarning,
        stacklevel=3,
    )
