"""Metric states combined across torch.distributed processes (gloo, loopback)."""

import os
import sys
import tempfile

import numpy as np
import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

import torchkeras

pytestmark = pytest.mark.skipif(
    not dist.is_available() or sys.platform == "win32",
    reason="torch.distributed with gloo is not available",
)

RNG = np.random.default_rng(0)
X = RNG.standard_normal((40, 4)).astype("float32")
Y = (RNG.random((40, 1)) > 0.5).astype("float32")


def _model():
    torchkeras.utils.set_random_seed(0)
    model = torchkeras.Sequential(
        [torchkeras.Input((4,)), torchkeras.layers.Dense(1, activation="sigmoid")]
    )
    model.compile(optimizer="sgd", loss="binary_crossentropy", metrics=["auc", "accuracy"])
    return model


def _worker(rank: int, world_size: int, store_path: str, result_path: str):
    os.environ.setdefault("GLOO_SOCKET_IFNAME", "lo")
    dist.init_process_group(
        "gloo", init_method=f"file://{store_path}", rank=rank, world_size=world_size
    )
    try:
        mean = torchkeras.metrics.Mean()
        mean.update_state(torch.full((rank + 1,), float(rank + 1)))
        with mean.synced_states():
            synced = float(mean.result())
        local = float(mean.result())
        half = slice(rank * 20, (rank + 1) * 20)
        logs = _model().evaluate(X[half], Y[half], verbose=0, return_dict=True)
        np.save(f"{result_path}.{rank}.npy", np.array([synced, local, logs["auc"], logs["loss"]]))
    finally:
        # Both ranks must finish using the group before either tears it
        # down; otherwise gloo can abort the process that exits first.
        dist.barrier()
        dist.destroy_process_group()


def test_synced_states_and_evaluate_cover_all_ranks():
    with tempfile.TemporaryDirectory() as folder:
        store = os.path.join(folder, "store")
        results = os.path.join(folder, "result")
        try:
            mp.spawn(_worker, args=(2, store + "_0", results), nprocs=2, join=True)
        except mp.ProcessExitedException:
            # A gloo teardown race can abort a worker after its work is
            # done; one retry keeps this test about metrics, not gloo.
            mp.spawn(_worker, args=(2, store + "_1", results), nprocs=2, join=True)
        rank0 = np.load(f"{results}.0.npy")
        rank1 = np.load(f"{results}.1.npy")
    full = _model().evaluate(X, Y, verbose=0, return_dict=True)
    # Rank 0 added one 1.0, rank 1 two 2.0: the combined mean is 5 / 3.
    assert rank0[0] == pytest.approx(5 / 3)
    assert rank1[0] == pytest.approx(5 / 3)
    assert rank0[1] == pytest.approx(1.0)
    assert rank1[1] == pytest.approx(2.0)
    for rank in (rank0, rank1):
        assert rank[2] == pytest.approx(full["auc"], abs=1e-6)
        assert rank[3] == pytest.approx(full["loss"], abs=1e-6)


def test_synced_states_without_process_group_changes_nothing():
    metric = torchkeras.metrics.Sum()
    metric.update_state([1.0, 2.0])
    with metric.synced_states():
        assert float(metric.result()) == 3.0
    assert float(metric.result()) == 3.0
