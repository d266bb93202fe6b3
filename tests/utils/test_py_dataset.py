"""`PyDataset`: indexing, epoch hooks, threaded loading and argument checks."""

import math
import threading
import time

import numpy as np
import pytest

from torchkeras.utils import py_dataset
from torchkeras.utils.py_dataset import PyDataset
from torchkeras.utils.py_dataset import Sequence


class ArrayDataset(PyDataset):
    def __init__(self, x, y, batch_size, delay=0.0, **kwargs):
        super().__init__(**kwargs)
        self.x, self.y, self.batch_size = x, y, batch_size
        self.delay = delay
        self.epochs_ended = 0
        self.threads = set()

    def __len__(self):
        return math.ceil(len(self.x) / self.batch_size)

    def __getitem__(self, index):
        self.threads.add(threading.get_ident())
        # A later batch finishing first must not change the order.
        time.sleep(self.delay * (len(self) - index))
        start = index * self.batch_size
        stop = start + self.batch_size
        return self.x[start:stop], self.y[start:stop]

    def on_epoch_end(self):
        self.epochs_ended += 1


X = np.arange(20, dtype=np.float32).reshape(10, 2)
Y = np.arange(10)


def test_len_and_num_batches():
    dataset = ArrayDataset(X, Y, batch_size=4)
    assert len(dataset) == 3
    assert dataset.num_batches == 3


def test_trainer_style_iteration():
    dataset = ArrayDataset(X, Y, batch_size=4)
    batches = [dataset[i] for i in range(len(dataset))]
    dataset.on_epoch_end()
    assert [len(b[0]) for b in batches] == [4, 4, 2]
    assert dataset.epochs_ended == 1


def test_default_arguments_match_keras():
    dataset = ArrayDataset(X, Y, batch_size=4)
    assert dataset.workers == 1
    assert dataset.use_multiprocessing is False
    assert dataset.max_queue_size == 10


def test_iteration_yields_every_batch_in_order():
    dataset = ArrayDataset(X, Y, batch_size=3)
    labels = np.concatenate([y for _, y in dataset])
    np.testing.assert_array_equal(labels, Y)


def test_threaded_loading_keeps_order():
    dataset = ArrayDataset(X, Y, batch_size=1, delay=0.002, workers=4)
    labels = np.concatenate([y for _, y in dataset.iterate_batches()])
    np.testing.assert_array_equal(labels, Y)
    assert len(dataset.threads) > 1


def test_threaded_loading_propagates_errors():
    class Broken(ArrayDataset):
        def __getitem__(self, index):
            if index == 2:
                raise RuntimeError("batch 2 is corrupt")
            return super().__getitem__(index)

    dataset = Broken(X, Y, batch_size=2, workers=3)
    with pytest.raises(RuntimeError, match="batch 2 is corrupt"):
        list(dataset.iterate_batches())


def test_threaded_loading_stops_early():
    dataset = ArrayDataset(X, Y, batch_size=1, workers=2, max_queue_size=2)
    iterator = dataset.iterate_batches()
    next(iterator)
    iterator.close()


def test_single_worker_loads_in_calling_thread():
    dataset = ArrayDataset(X, Y, batch_size=5)
    list(dataset.iterate_batches())
    assert dataset.threads == {threading.get_ident()}


def test_endless_dataset_via_num_batches():
    class Endless(PyDataset):
        num_batches = None

        def __getitem__(self, index):
            return index

    batches = Endless(workers=2).iterate_batches()
    assert [next(batches) for _ in range(5)] == [0, 1, 2, 3, 4]


def test_missing_getitem_raises():
    class Empty(PyDataset):
        def __len__(self):
            return 1

    with pytest.raises(NotImplementedError, match="__getitem__"):
        Empty()[0]


def test_missing_len_raises():
    with pytest.raises(NotImplementedError, match="__len__"):
        _ = PyDataset().num_batches


def test_skipped_super_init_warns():
    class NoSuper(PyDataset):
        def __init__(self):
            pass

    with pytest.warns(UserWarning, match="super"):
        assert NoSuper().workers == 1


def test_multiprocessing_warns_once(monkeypatch):
    monkeypatch.setattr(py_dataset, "_multiprocessing_warned", False)
    with pytest.warns(UserWarning, match="threads"):
        ArrayDataset(X, Y, 2, use_multiprocessing=True)


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"workers": -1}, "workers=-1"),
        ({"max_queue_size": 0}, "max_queue_size=0"),
    ],
)
def test_invalid_arguments_raise(kwargs, match):
    with pytest.raises(ValueError, match=match):
        PyDataset(**kwargs)


def test_non_int_workers_raises():
    with pytest.raises(TypeError, match="workers=1.5"):
        PyDataset(workers=1.5)


def test_sequence_is_an_alias():
    assert Sequence is PyDataset
