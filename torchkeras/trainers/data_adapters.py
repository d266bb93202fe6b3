"""Turning user data (arrays, tensors, loaders, generators) into batches.

In-memory arrays become tensors on the model's device once per `fit`, and
batches are slices of them, so a training step does no conversion or copy
from the host.
"""

from __future__ import annotations

import itertools
import math
import types
import warnings
from typing import Any, Iterator

import numpy as np
import torch

from torchkeras.backend.tensors import convert_to_tensor
from torchkeras.utils.tree import flatten
from torchkeras.utils.tree import map_structure


def unpack_x_y_sample_weight(data: Any) -> tuple[Any, Any, Any]:
    """Split a batch into `(x, y, sample_weight)`, with None where absent."""
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return data, None, None
    if len(data) == 1:
        return data[0], None, None
    if len(data) == 2:
        return data[0], data[1], None
    if len(data) == 3:
        return data[0], data[1], data[2]
    raise ValueError(
        "Data is expected to be in format `x`, `(x,)`, `(x, y)`, or "
        f"`(x, y, sample_weight)`, found a tuple of {len(data)} elements."
    )


def pack_x_y_sample_weight(x, y=None, sample_weight=None) -> tuple:
    """Pack `(x, y, sample_weight)` into the tuple a batch is made of."""
    if y is None:
        return (x,)
    if sample_weight is None:
        return (x, y)
    return (x, y, sample_weight)


def _is_number_list(value: Any) -> bool:
    """Return whether `value` is a (nested) list of plain numbers."""
    if isinstance(value, (list, tuple)):
        return len(value) > 0 and all(_is_number_list(v) for v in value)
    return isinstance(value, (int, float, bool, np.number))


def _as_array_if_numbers(value: Any) -> Any:
    """Turn a list of numbers (or of lists of numbers) into one array.

    Other lists stay lists, because a list of arrays means several inputs.
    """
    if isinstance(value, (list, tuple)) and _is_number_list(value):
        return np.asarray(value)
    return value


def _to_tensor(value: Any, name: str = "x") -> Any:
    if value is None:
        return None
    if isinstance(value, np.ndarray) and value.dtype.kind in "USO":
        raise TypeError(
            f"`{name}` contains values of type {value.dtype}, but only "
            "numeric data can be converted to tensors. Encode strings or "
            "categories as numbers first."
        )
    if isinstance(value, torch.Tensor):
        if value.dtype == torch.float64:
            return value.float()
        return value
    return convert_to_tensor(value)


def _is_array_like(value: Any) -> bool:
    leaves = flatten(value)
    return bool(leaves) and all(
        isinstance(leaf, (np.ndarray, torch.Tensor))
        or hasattr(leaf, "to_numpy")
        or isinstance(leaf, (list, float, int))
        for leaf in leaves
    )


def _num_samples(name: str, value: Any) -> list[int]:
    sizes = []
    for leaf in flatten(value):
        if leaf is None:
            continue
        if leaf.ndim == 0:
            raise ValueError(
                f"`{name}` must have a batch axis, but received a scalar."
            )
        sizes.append(int(leaf.shape[0]))
    return sizes


def check_cardinality(x, y, sample_weight) -> int:
    """Return the number of samples, or raise if the arrays disagree."""
    sizes = {
        "x": _num_samples("x", x),
        "y": _num_samples("y", y) if y is not None else [],
        "sample_weight": _num_samples("sample_weight", sample_weight)
        if sample_weight is not None
        else [],
    }
    distinct = {s for values in sizes.values() for s in values}
    if len(distinct) > 1:
        details = " ".join(
            f"'{name}' sizes: {', '.join(str(s) for s in values)}"
            for name, values in sizes.items()
            if values
        )
        raise ValueError(
            "Data cardinality is ambiguous. Make sure all arrays contain the "
            f"same number of samples. {details}"
        )
    return distinct.pop() if distinct else 0


def class_weight_to_sample_weight(y: torch.Tensor, class_weight: dict) -> torch.Tensor:
    """Return per-sample weights `class_weight[label]` for labels `y`.

    One-hot (or probability) targets use their argmax as the label.
    """
    if isinstance(y, (list, tuple, dict)):
        raise ValueError(
            "`class_weight` is only supported for models with a single "
            "output. Pass `sample_weight` for each output instead."
        )
    labels = y
    if labels.ndim > 1 and labels.shape[-1] > 1:
        labels = torch.argmax(labels, dim=-1)
    labels = labels.reshape(labels.shape[0], -1)[:, 0].round().long()
    num_classes = max(int(labels.max()) + 1 if labels.numel() else 0, max(class_weight) + 1)
    table = torch.ones(num_classes, dtype=torch.float32, device=labels.device)
    for label, weight in class_weight.items():
        if not isinstance(label, (int, np.integer)) or label < 0:
            raise ValueError(
                "`class_weight` keys must be non-negative class indices. "
                f"Received: class_weight={class_weight!r}"
            )
        table[int(label)] = float(weight)
    return table[labels]


class DataAdapter:
    """Yields the batches of one epoch as `(x, y, sample_weight)` tuples."""

    num_batches: int | None = None

    def batches(self) -> Iterator[tuple]:
        raise NotImplementedError

    def on_epoch_end(self) -> None:
        """Hook for sources that reshuffle between epochs."""


class ArrayAdapter(DataAdapter):
    """Batches sliced from tensors that live on the model's device.

    Args:
        x, y, sample_weight: Arrays, tensors, or nests of them.
        batch_size: Samples per batch (the last batch may be smaller).
        shuffle: True reshuffles samples every epoch, `"batch"` shuffles
            the order of batches, False keeps the order.
        device: Device to hold the data on.
        class_weight: Optional mapping from class index to weight.
    """

    def __init__(
        self,
        x,
        y=None,
        sample_weight=None,
        batch_size=32,
        shuffle=False,
        device=None,
        class_weight=None,
    ):
        move = (lambda t: t.to(device)) if device is not None else (lambda t: t)
        x, y, sample_weight = (
            _as_array_if_numbers(x),
            _as_array_if_numbers(y),
            _as_array_if_numbers(sample_weight),
        )
        self.x = map_structure(lambda v: move(_to_tensor(v, "x")), x)
        self.y = (
            map_structure(lambda v: move(_to_tensor(v, "y")), y) if y is not None else None
        )
        if sample_weight is not None:
            sample_weight = map_structure(
                lambda v: move(_to_tensor(v, "sample_weight").float()), sample_weight
            )
        self.num_samples = check_cardinality(self.x, self.y, sample_weight)
        if class_weight is not None:
            if self.y is None:
                raise ValueError("`class_weight` needs targets `y`.")
            class_sample_weight = class_weight_to_sample_weight(self.y, class_weight)
            if sample_weight is not None:
                sample_weight = sample_weight * class_sample_weight
            else:
                sample_weight = class_sample_weight
        self.sample_weight = sample_weight
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.num_batches = max(math.ceil(self.num_samples / batch_size), 0)

    def batches(self):
        n, size = self.num_samples, self.batch_size
        device = flatten(self.x)[0].device
        if self.shuffle == "batch":
            order = torch.randperm(self.num_batches).tolist()
            for index in order:
                start = index * size
                yield self._slice(slice(start, min(start + size, n)))
        elif self.shuffle:
            permutation = torch.randperm(n, device=device)
            for start in range(0, n, size):
                yield self._take(permutation[start:start + size])
        elif type(self.x) is torch.Tensor and type(self.y) is torch.Tensor and (
            self.sample_weight is None
        ):
            # The common case of one input and one target, sliced without
            # walking nests: views, so no copy either.
            x, y = self.x, self.y
            for start in range(0, n, size):
                yield (x[start:start + size], y[start:start + size])
        else:
            for start in range(0, n, size):
                yield self._slice(slice(start, min(start + size, n)))

    def _slice(self, index: slice) -> tuple:
        take = lambda t: t[index]  # noqa: E731 - a view, no copy
        return self._select(take)

    def _take(self, indices: torch.Tensor) -> tuple:
        take = lambda t: t.index_select(0, indices)  # noqa: E731
        return self._select(take)

    def _select(self, take) -> tuple:
        x = map_structure(take, self.x)
        y = map_structure(take, self.y) if self.y is not None else None
        sw = map_structure(take, self.sample_weight) if self.sample_weight is not None else None
        # Keras hands `train_step` `(x, y)` when there are no sample weights.
        return pack_x_y_sample_weight(x, y, sw)


class _IterableAdapter(DataAdapter):
    """Shared code of loaders, generators and PyDatasets: batches moved to the device."""

    def __init__(self, device):
        self.device = device

    def _to_device(self, batch) -> tuple:
        x, y, sw = unpack_x_y_sample_weight(batch)
        device = self.device

        def move(value):
            if value is None:
                return None
            tensor = _to_tensor(value)
            return tensor.to(device, non_blocking=True) if device is not None else tensor

        return pack_x_y_sample_weight(
            map_structure(move, x),
            map_structure(move, y) if y is not None else None,
            map_structure(move, sw) if sw is not None else None,
        )


class TorchDataLoaderAdapter(_IterableAdapter):
    """Batches from a `torch.utils.data.DataLoader`, in the loader's own order."""

    def __init__(self, loader, device):
        super().__init__(device)
        self.loader = loader
        try:
            self.num_batches = len(loader)
        except TypeError:
            self.num_batches = None

    def batches(self):
        for batch in self.loader:
            yield self._to_device(batch)


class GeneratorAdapter(_IterableAdapter):
    """Batches from a Python generator or iterator.

    A generator can be consumed only once, so later epochs continue where
    the previous one stopped; pass `steps_per_epoch` to bound each epoch.
    """

    def __init__(self, generator, device, steps=None):
        super().__init__(device)
        self.iterator = iter(generator)
        self.num_batches = steps
        self.exhausted = False

    def batches(self):
        source = self.iterator if self.num_batches is None else itertools.islice(
            self.iterator, self.num_batches
        )
        count = 0
        for batch in source:
            count += 1
            yield self._to_device(batch)
        if self.num_batches is not None and count < self.num_batches:
            self.exhausted = True
        elif self.num_batches is None:
            self.exhausted = True


class PyDatasetAdapter(_IterableAdapter):
    """Batches from a `utils.PyDataset`; `shuffle` shuffles the batch order.

    Batches load through the dataset's `iterate_batches()`, so a dataset
    with `workers > 1` prepares them in a thread pool.
    """

    def __init__(self, dataset, device, shuffle=False, steps=None):
        super().__init__(device)
        self.dataset = dataset
        self.shuffle = shuffle
        self.num_batches = dataset.num_batches
        if self.num_batches is None and steps is None:
            raise ValueError(
                f"The PyDataset {type(dataset).__name__} has no end "
                "(`num_batches` is None), so `steps_per_epoch` is required."
            )
        if self.num_batches is None:
            self.num_batches = steps

    def batches(self):
        self.dataset.on_epoch_begin()
        source = self.dataset
        if self.shuffle and self.dataset.num_batches is not None:
            order = torch.randperm(self.dataset.num_batches).tolist()
            source = _ReorderedDataset(self.dataset, order)
        for batch in source.iterate_batches():
            yield self._to_device(batch)

    def on_epoch_end(self):
        self.dataset.on_epoch_end()


class _ReorderedDataset:
    """A view of a PyDataset that returns its batches in a given order."""

    def __init__(self, dataset, order: list[int]):
        self._dataset = dataset
        self._order = order

    def __getitem__(self, index: int):
        return self._dataset[self._order[index]]

    def iterate_batches(self):
        from torchkeras.utils.py_dataset import PyDataset

        # The dataset's own loader (threads, queue size) runs over this view.
        return PyDataset.iterate_batches(self)

    def __iter__(self):
        for index in range(len(self._order)):
            yield self[index]

    def __getattr__(self, name: str):
        return getattr(self._dataset, name)


def _is_py_dataset(value: Any) -> bool:
    try:
        from torchkeras.utils.py_dataset import PyDataset
    except ImportError:  # pragma: no cover - present in the package
        return False
    return isinstance(value, PyDataset)


def get_data_adapter(
    x,
    y=None,
    sample_weight=None,
    batch_size=None,
    steps_per_epoch=None,
    shuffle=False,
    class_weight=None,
    device=None,
) -> DataAdapter:
    """Return the adapter that fits the type of `x`.

    Raises:
        ValueError: if `y` or `sample_weight` is given with a source that
            yields its own targets, or if array sizes disagree.
    """
    iterable_source = (
        isinstance(x, (torch.utils.data.DataLoader, torch.utils.data.Dataset))
        or isinstance(x, types.GeneratorType)
        or _is_py_dataset(x)
        or (hasattr(x, "__next__") and hasattr(x, "__iter__"))
    )
    if iterable_source:
        if y is not None:
            raise ValueError(
                "`y` argument is not supported when using a data loader, "
                "dataset or generator as input: they must yield `(x, y)` "
                f"tuples. Received: x={type(x).__name__}, y={type(y).__name__}"
            )
        if sample_weight is not None:
            raise ValueError(
                "`sample_weight` argument is not supported when using a "
                "data loader, dataset or generator as input: yield "
                "`(x, y, sample_weight)` tuples instead."
            )
        if class_weight is not None:
            raise NotImplementedError(
                "`class_weight` is only supported for array inputs. Yield "
                "`(x, y, sample_weight)` batches instead."
            )
    if isinstance(x, torch.utils.data.DataLoader):
        return TorchDataLoaderAdapter(x, device)
    if isinstance(x, torch.utils.data.Dataset) and not _is_py_dataset(x):
        if isinstance(x, torch.utils.data.IterableDataset):
            loader = torch.utils.data.DataLoader(x, batch_size=batch_size or 32)
        else:
            loader = torch.utils.data.DataLoader(
                x, batch_size=batch_size or 32, shuffle=bool(shuffle)
            )
        return TorchDataLoaderAdapter(loader, device)
    if _is_py_dataset(x):
        return PyDatasetAdapter(x, device, shuffle=shuffle, steps=steps_per_epoch)
    if isinstance(x, types.GeneratorType) or (
        hasattr(x, "__next__") and hasattr(x, "__iter__")
    ):
        return GeneratorAdapter(x, device, steps=steps_per_epoch)
    if x is None:
        raise ValueError(
            "No input data was given. Pass `x` (and `y`) as arrays or "
            "tensors, a DataLoader, a Dataset, a PyDataset or a generator."
        )
    if not _is_array_like(x):
        raise ValueError(
            "Unrecognized data type: "
            f"x={x!r} (of type {type(x).__name__}). Pass numpy arrays, "
            "tensors, lists or dicts of them, a DataLoader, a Dataset, a "
            "PyDataset or a generator."
        )
    return ArrayAdapter(
        x,
        y,
        sample_weight,
        batch_size=batch_size or 32,
        shuffle=shuffle,
        device=device,
        class_weight=class_weight,
    )


def split_validation(x, y, sample_weight, validation_split: float):
    """Split arrays into training and validation parts (the last samples).

    As in Keras, the validation part is the tail of the data, taken before
    any shuffling.
    """
    if not _is_array_like(x):
        raise ValueError(
            "`validation_split` is only supported for arrays and tensors, "
            f"not for data of type {type(x).__name__}. Pass "
            "`validation_data` instead."
        )
    x = map_structure(lambda v: _to_tensor(v, "x"), _as_array_if_numbers(x))
    y = _as_array_if_numbers(y)
    y = map_structure(lambda v: _to_tensor(v, "y"), y) if y is not None else None
    sample_weight = _as_array_if_numbers(sample_weight)
    sample_weight = (
        map_structure(lambda v: _to_tensor(v, "sample_weight"), sample_weight)
        if sample_weight is not None
        else None
    )
    num_samples = check_cardinality(x, y, sample_weight)
    split_at = int(math.floor(num_samples * (1.0 - validation_split)))
    if split_at == 0 or split_at == num_samples:
        raise ValueError(
            f"`validation_split={validation_split}` leaves no samples for "
            f"{'training' if split_at == 0 else 'validation'} out of "
            f"{num_samples}. Use a split that leaves at least one sample on "
            "each side."
        )

    def head(t):
        return t[:split_at]

    def tail(t):
        return t[split_at:]

    def part(fn, value):
        return map_structure(fn, value) if value is not None else None

    return (
        (part(head, x), part(head, y), part(head, sample_weight)),
        (part(tail, x), part(tail, y), part(tail, sample_weight)),
    )


def warn_exhausted(steps_done: int) -> None:
    warnings.warn(
        "Your input ran out of data; interrupting training after "
        f"{steps_done} steps. Make sure that your dataset or generator can "
        "generate at least `steps_per_epoch * epochs` batches.",
        UserWarning,
        stacklevel=3,
    )
