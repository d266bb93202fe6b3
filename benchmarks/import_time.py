"""Case 7: seconds that `import torchkeras` adds on top of `import torch`.

Each measurement runs in a fresh Python process, which imports torch first
and then times the import of the package alone. Keras 3 is timed the same
way, on its torch backend. The subprocesses of the contenders are
interleaved and the median is reported.

The processes write and read bytecode caches in a directory of their own
(`PYTHONPYCACHEPREFIX`), even where `PYTHONDONTWRITEBYTECODE` is set, so
the figure is that of an installed package, not of compiling every source
file on each import. Each process also sums the time spent in the garbage
collector during the import: after `import torch` the heap contains so
many objects that one full collection takes a large share of what follows.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile

from _harness import KERAS
from _harness import TORCHKERAS
from _harness import CaseResult
from _harness import Settings
from _harness import import_keras

TARGET_SECONDS = 0.3

# Prints the seconds the import took and the seconds of garbage
# collection within it.
_TIMED_IMPORT = """
import gc
import time
{before}
collecting = []
started = {{}}

def measure_collection(phase, info):
    if phase == "start":
        started["time"] = time.perf_counter()
    else:
        collecting.append(time.perf_counter() - started["time"])

gc.callbacks.append(measure_collection)
start = time.perf_counter()
import {module}
elapsed = time.perf_counter() - start
gc.callbacks.remove(measure_collection)
print(elapsed, sum(collecting))
"""

# Bytecode caches shared by every run of this case, kept between runs so
# that only the first run ever compiles torch's sources.
_PYCACHE_DIR = os.path.join(tempfile.gettempdir(), "torchkeras-bench-pycache")


def _time_in_subprocess(module: str, before: str) -> tuple[float, float]:
    """Return (import seconds, collection seconds) from a fresh interpreter.

    `before` is the import that runs untimed first.
    """
    env = dict(os.environ, KERAS_BACKEND="torch", PYTHONPYCACHEPREFIX=_PYCACHE_DIR)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    source = _TIMED_IMPORT.format(module=module, before=before)
    completed = subprocess.run(
        [sys.executable, "-c", source],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    elapsed, collecting = completed.stdout.split()[-2:]
    return float(elapsed), float(collecting)


def run_import_time(settings: Settings) -> CaseResult:
    """Case 7: median import time of torchkeras (and Keras 3) after torch.

    With `--quick` only torchkeras is timed, once. One untimed import
    runs first in every mode, so bytecode compiled after a change to the
    sources is not counted.
    """
    repeats = 1 if settings.quick else max(settings.repeats, 7)
    result = CaseResult(
        case="7",
        title="import on top of torch (fresh process)",
        unit="s",
        target=f"tk <= {TARGET_SECONDS} s",
    )
    # name: (module timed, import run before it untimed)
    imports = {TORCHKERAS: ("torchkeras", "import torch")}
    if settings.quick:
        result.notes.append("quick run: Keras 3 and torch imports not timed.")
    elif import_keras() is not None:
        imports[KERAS] = ("keras", "import torch")
    else:
        result.notes.append("Keras 3 on the torch backend is not installed.")
    if not settings.quick:
        imports["torch"] = ("torch", "")

    # One untimed round fills the bytecode and file system caches.
    for module, before in imports.values():
        _time_in_subprocess(module, before)
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in imports}
    for _ in range(repeats):
        for name, (module, before) in imports.items():
            times[name].append(_time_in_subprocess(module, before))

    for name, runs in times.items():
        elapsed = statistics.median(run[0] for run in runs)
        collecting = statistics.median(run[1] for run in runs)
        label = "`import torch` itself" if name == "torch" else name
        runs_text = (
            f"medians of {repeats} fresh processes" if repeats > 1 else "one fresh process"
        )
        result.notes.append(
            f"{label}: {elapsed:.3f} s, of which {collecting:.3f} s garbage "
            f"collection ({runs_text})."
        )
        if name != "torch":
            result.values[name] = elapsed
    met = result.values[TORCHKERAS] <= TARGET_SECONDS
    result.verdict = "met" if met else "missed"
    return result
