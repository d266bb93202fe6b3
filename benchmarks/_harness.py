"""Shared pieces of the benchmark cases: runners, timing and case results.

Every case compares up to three runners in one process: a hand-written
torch loop, torchkeras and Keras 3 on its torch backend. Timings are taken
single-threaded, after one warm-up call of each runner, with the process's
CPU time or the wall clock (see `median_seconds`). Repetitions are interleaved (loop, torchkeras, Keras, then again
in a rotated order), so a burst of load from other processes on a shared
machine hits every runner alike, and the median of the repetitions is
reported.
"""

from __future__ import annotations

import dataclasses
import gc
import os
import statistics
import time
from typing import Callable

os.environ.setdefault("KERAS_BACKEND", "torch")

LOOP = "loop"
TORCHKERAS = "torchkeras"
KERAS = "keras"
RUNNERS = (LOOP, TORCHKERAS, KERAS)


@dataclasses.dataclass
class Settings:
    """Options shared by every case, set from the command line."""

    repeats: int = 5
    quick: bool = False
    jit_compile: bool = False
    # Loops step `torch.optim.Adam(fused=True)` instead of `foreach=True`.
    fused_adam: bool = False
    # "cpu" times with the process's CPU time, "wall" with the wall clock.
    clock: str = "cpu"


@dataclasses.dataclass
class CaseResult:
    """One row of the results table.

    `values` maps a runner name to its measurement in `unit`; a runner that
    was not measured is missing. `notes` explains skipped runners or gives
    details that do not fit in a column.
    """

    case: str
    title: str
    unit: str
    values: dict[str, float] = dataclasses.field(default_factory=dict)
    target: str = ""
    verdict: str = ""
    skipped: str = ""
    notes: list[str] = dataclasses.field(default_factory=list)

    def ratio(self, runner: str) -> float | None:
        """Return `runner`'s value divided by the loop's, if both exist."""
        if runner not in self.values or not self.values.get(LOOP):
            return None
        return self.values[runner] / self.values[LOOP]


def import_keras():
    """Return the `keras` module on its torch backend, or None.

    Keras 3 is optional: the Keras column of the table reads "n/a" when it
    is missing, cannot be imported or runs on a backend other than torch.
    """
    try:
        import keras
    except ImportError:
        return None
    if keras.backend.backend() != "torch":
        return None
    return keras


def median_seconds(
    runners: dict[str, Callable[[], None]],
    repeats: int,
    units_per_run: int = 1,
    clock: str = "cpu",
) -> dict[str, float]:
    """Return the median seconds per unit of work of each runner.

    With `clock="cpu"` the seconds are the CPU time of this process
    (`time.process_time`), which leaves out the time other processes hold
    the CPU, so single-threaded CPU runs on a shared machine compare
    fairly. `clock="wall"` uses `time.perf_counter`, which a run on a GPU
    needs because CPU time misses the time spent waiting for the device.

    Each runner is called once to warm up, then `repeats` times with the
    runners interleaved, the order rotating each round. A call of a runner
    does `units_per_run` units of work (epochs or calls), and each timed
    call is divided by that count. Garbage is collected before each call,
    so one runner's garbage is not collected on the next runner's time.
    During the call the collector runs as usual, because the garbage a
    runner makes is part of its cost.
    """
    timer = time.process_time if clock == "cpu" else time.perf_counter
    names = list(runners)
    for name in names:
        runners[name]()
    times: dict[str, list[float]] = {name: [] for name in names}
    for round_index in range(repeats):
        shift = round_index % len(names)
        for name in names[shift:] + names[:shift]:
            gc.collect()
            start = timer()
            runners[name]()
            elapsed = timer() - start
            times[name].append(elapsed / units_per_run)
    return {name: statistics.median(values) for name, values in times.items()}


def set_single_thread() -> None:
    """Run torch's intra-op and inter-op work on one thread."""
    import torch

    torch.set_num_threads(1)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        # Inter-op threads can only be set before the first parallel work.
        pass
