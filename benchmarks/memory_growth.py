"""Case 8: memory after each of 50 epochs of `fit` must stay flat.

The MLP of case 1 trains for 50 epochs with the torch loop, torchkeras and
Keras 3, one after the other in this process. After every epoch the
garbage collector runs and the resident set size (RSS) is read, plus the
memory torch has allocated on CUDA when the run uses a GPU. A leak that
keeps one small tensor per step would add an estimated several MiB over
50 epochs (15,650 steps of a few hundred bytes each), while allocator
noise stays below the threshold.
"""

from __future__ import annotations

import gc
import os
import resource

import torch

from _harness import KERAS
from _harness import LOOP
from _harness import TORCHKERAS
from _harness import CaseResult
from _harness import Settings
from _harness import import_keras
from fit_cases import BATCH_SIZE
from fit_cases import make_classification_data
from fit_cases import make_loop_runner
from fit_cases import mlp_keras_api
from fit_cases import mlp_torch

MIB = 1024 * 1024
# Growth from the first to the last epoch that counts as noise. On the
# 2-core development machine no runner grew by more than 0.2 MiB.
NOISE_MIB = 2.0


def resident_set_mib() -> float:
    """Return this process's current resident set size in MiB.

    Reads `/proc/self/statm` (Linux). Elsewhere it falls back to the peak
    RSS from `getrusage`, which can only grow and so overstates growth.
    """
    try:
        with open("/proc/self/statm") as statm:
            pages = int(statm.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / MIB
    except OSError:
        # ru_maxrss is in KiB on Linux and in bytes on macOS.
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _sample(device: str) -> tuple[float, float]:
    """Collect garbage, then return (RSS MiB, CUDA allocated MiB)."""
    gc.collect()
    cuda = 0.0
    # NOTE: the CUDA branches of this case have not run yet, because the
    # development machine has no GPU.
    if device == "cuda":
        torch.cuda.synchronize()
        cuda = torch.cuda.memory_allocated() / MIB
    return resident_set_mib(), cuda


def _keras_api_samples(module, x, y, epochs: int, device: str) -> list:
    """Fit the MLP with `module` for `epochs`, sampling memory each epoch."""
    samples = []

    class MemorySampler(module.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            samples.append(_sample(device))

    model = mlp_keras_api(module)
    model.compile(
        optimizer=module.optimizers.Adam(1e-3),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    model.fit(
        x,
        y,
        batch_size=BATCH_SIZE,
        epochs=epochs,
        verbose=0,
        callbacks=[MemorySampler()],
    )
    return samples


def _loop_samples(x, y, epochs: int, device: str) -> list:
    train_one_epoch = make_loop_runner(mlp_torch(), x, y, 1, device=device)
    samples = []
    for _ in range(epochs):
        train_one_epoch()
        samples.append(_sample(device))
    return samples


def _describe(name: str, values: list[float], label: str) -> str:
    first, last = values[0], values[-1]
    max_growth = max(values) - first
    return (
        f"{name} {label}: first {first:.1f} MiB, last {last:.1f} MiB, "
        f"max growth {max_growth:+.2f} MiB"
    )


def run_memory_growth(settings: Settings) -> CaseResult:
    """Case 8: RSS (and CUDA memory) after each of 50 epochs of fit."""
    import torchkeras

    epochs = 5 if settings.quick else 50
    device = "cuda" if torch.cuda.is_available() else "cpu"
    x, y = make_classification_data((32,), 5_000 if settings.quick else 20_000)
    result = CaseResult(
        case="8",
        title=f"memory growth over {epochs} epochs of fit (MLP)",
        unit="MiB",
        target=f"growth <= {NOISE_MIB:g} MiB",
    )
    samples = {
        LOOP: _loop_samples(x, y, epochs, device),
        TORCHKERAS: _keras_api_samples(torchkeras, x, y, epochs, device),
    }
    keras = import_keras()
    if keras is not None:
        samples[KERAS] = _keras_api_samples(keras, x, y, epochs, device)
    else:
        result.notes.append("Keras 3 on the torch backend is not installed.")

    verdicts = []
    for name, runner_samples in samples.items():
        rss = [rss for rss, _ in runner_samples]
        result.values[name] = rss[-1] - rss[0]
        result.notes.append(_describe(name, rss, "RSS"))
        growth = [rss[-1] - rss[0]]
        if device == "cuda":
            cuda = [allocated for _, allocated in runner_samples]
            result.notes.append(_describe(name, cuda, "CUDA allocated"))
            growth.append(cuda[-1] - cuda[0])
        verdicts.append((name, max(growth) <= NOISE_MIB))
    tk_flat = dict(verdicts)[TORCHKERAS]
    result.verdict = "flat" if tk_flat else "grows"
    result.notes.append(
        "Values are last-minus-first growth of RSS; flat means growth of at "
        f"most {NOISE_MIB:g} MiB: "
        + ", ".join(f"{n} {'flat' if ok else 'grows'}" for n, ok in verdicts)
    )
    return result
