"""Cases 4-6: `predict`, a single forward call and `evaluate`.

Each case runs the same model as a hand-written torch loop over `torch.nn`
modules, with torchkeras and with Keras 3. The loops run under
`torch.inference_mode()` in `eval()` mode, as `predict` and `evaluate` do.
"""

from __future__ import annotations

import numpy as np
import torch

from _harness import KERAS
from _harness import LOOP
from _harness import TORCHKERAS
from _harness import CaseResult
from _harness import Settings
from _harness import import_keras
from _harness import median_seconds
from fit_cases import mlp_keras_api
from fit_cases import mlp_torch

EPSILON = 1e-7
PREDICT_BATCH_SIZE = 1_024
EVALUATE_BATCH_SIZE = 64
CALL_BATCH_SIZE = 64
# Forward calls per timed run in case 5, so one run lasts tens of ms.
CALLS_PER_RUN = 500


def _keras_api_modules(result: CaseResult) -> dict:
    """Return the Keras-API modules to time, noting a missing Keras 3."""
    import torchkeras

    modules = {TORCHKERAS: torchkeras}
    keras = import_keras()
    if keras is None:
        result.notes.append("Keras 3 on the torch backend is not installed.")
    else:
        modules[KERAS] = keras
    return modules


def run_predict(settings: Settings) -> CaseResult:
    """Case 4: `predict` of the MLP on 100,000 samples, batch 1,024."""
    num_samples = 20_000 if settings.quick else 100_000
    x = np.random.default_rng(0).standard_normal((num_samples, 32))
    x = x.astype("float32")
    result = CaseResult(
        case="4",
        title=f"predict MLP, {num_samples} samples, batch {PREDICT_BATCH_SIZE}",
        unit="ms/call",
    )
    loop_model = mlp_torch().eval()

    def loop_predict():
        x_tensor = torch.from_numpy(x)
        with torch.inference_mode():
            outputs = [
                loop_model(x_tensor[start:start + PREDICT_BATCH_SIZE])
                for start in range(0, num_samples, PREDICT_BATCH_SIZE)
            ]
            return torch.cat(outputs).numpy()

    runners = {LOOP: loop_predict}
    for name, module in _keras_api_modules(result).items():
        model = mlp_keras_api(module)
        runners[name] = _predict_runner(model, x)
    seconds = median_seconds(runners, settings.repeats, clock=settings.clock)
    result.values = {name: value * 1e3 for name, value in seconds.items()}
    return result


def _predict_runner(model, x):
    def run():
        return model.predict(x, batch_size=PREDICT_BATCH_SIZE, verbose=0)

    return run


def run_forward_call(settings: Settings) -> CaseResult:
    """Case 5: one forward call of a small Sequential on a batch of 64.

    The calls run with autograd on, as a plain `model(x)` in user code
    does; torch's graph recording costs the same on every side.
    """
    result = CaseResult(
        case="5",
        title=f"Sequential MLP forward call, batch {CALL_BATCH_SIZE}",
        unit="us/call",
        target="tk <= 1.3x loop",
    )
    x = torch.randn(CALL_BATCH_SIZE, 32)
    models = {LOOP: mlp_torch()}
    for name, module in _keras_api_modules(result).items():
        models[name] = mlp_keras_api(module)
    runners = {name: _call_runner(model, x) for name, model in models.items()}
    # A run lasts only tens of ms, so more rounds cost little and steady
    # the median against load from other processes.
    repeats = settings.repeats if settings.quick else max(settings.repeats, 15)
    seconds = median_seconds(
        runners, repeats, units_per_run=CALLS_PER_RUN, clock=settings.clock
    )
    result.values = {name: value * 1e6 for name, value in seconds.items()}
    return result


def _call_runner(model, x):
    def run():
        for _ in range(CALLS_PER_RUN):
            model(x)

    return run


def binary_mlp_torch() -> torch.nn.Module:
    return torch.nn.Sequential(
        torch.nn.Linear(32, 64),
        torch.nn.ReLU(),
        torch.nn.Linear(64, 1),
        torch.nn.Sigmoid(),
    )


def binary_mlp_keras_api(module):
    return module.Sequential(
        [
            module.Input(shape=(32,)),
            module.layers.Dense(64, activation="relu"),
            module.layers.Dense(1, activation="sigmoid"),
        ]
    )


def run_evaluate(settings: Settings) -> CaseResult:
    """Case 6: `evaluate` of a binary MLP with AUC and Precision metrics.

    The loop updates the same torchkeras `AUC` and `Precision` objects that
    `evaluate` updates, so both sides run identical metric kernels and the
    difference is what `evaluate` adds around them. The loop computes the
    binary crossentropy by hand (clamped probabilities, as Keras clamps
    them), summed on the device and read once at the end.
    """
    from torchkeras import metrics as tk_metrics

    num_samples = 5_000 if settings.quick else 20_000
    rng = np.random.default_rng(0)
    x = rng.standard_normal((num_samples, 32)).astype("float32")
    y = rng.integers(0, 2, (num_samples, 1)).astype("float32")
    result = CaseResult(
        case="6",
        title=f"evaluate AUC+Precision, {num_samples} samples, batch 64",
        unit="ms/call",
        target="tk <= 1.05x loop",
    )
    loop_model = binary_mlp_torch().eval()
    auc = tk_metrics.AUC()
    precision = tk_metrics.Precision()

    def loop_evaluate():
        x_tensor, y_tensor = torch.from_numpy(x), torch.from_numpy(y)
        auc.reset_state()
        precision.reset_state()
        total_loss = torch.zeros(())
        with torch.inference_mode():
            for start in range(0, num_samples, EVALUATE_BATCH_SIZE):
                x_batch = x_tensor[start:start + EVALUATE_BATCH_SIZE]
                y_batch = y_tensor[start:start + EVALUATE_BATCH_SIZE]
                probabilities = loop_model(x_batch)
                loss = torch.nn.functional.binary_cross_entropy(
                    probabilities.clamp(EPSILON, 1 - EPSILON), y_batch
                )
                total_loss += loss * len(x_batch)
                auc.update_state(y_batch, probabilities)
                precision.update_state(y_batch, probabilities)
        return [
            float(total_loss) / num_samples,
            float(auc.result()),
            float(precision.result()),
        ]

    runners = {LOOP: loop_evaluate}
    for name, module in _keras_api_modules(result).items():
        model = binary_mlp_keras_api(module)
        model.compile(
            optimizer="adam",
            loss="binary_crossentropy",
            metrics=[module.metrics.AUC(), module.metrics.Precision()],
        )
        runners[name] = _evaluate_runner(model, x, y)
    seconds = median_seconds(runners, settings.repeats, clock=settings.clock)
    result.values = {name: value * 1e3 for name, value in seconds.items()}
    return result


def _evaluate_runner(model, x, y):
    def run():
        return model.evaluate(
            x, y, batch_size=EVALUATE_BATCH_SIZE, verbose=0
        )

    return run
