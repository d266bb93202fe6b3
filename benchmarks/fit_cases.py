"""Cases 1-3: one epoch of `fit()` against a hand-written torch loop.

Each case trains the same model three ways: a torch loop over
`torch.nn` modules, torchkeras `fit` and Keras 3 `fit`. The loop is what a
careful torch user writes. Each epoch draws a fresh `torch.randperm` order
and gathers batches with `index_select`, as torchkeras shuffles. Each step
runs the forward pass, the clamped log-likelihood that Keras's sparse
categorical crossentropy computes on softmax outputs,
`zero_grad(set_to_none=True)`, backward and `torch.optim.Adam(foreach=True)`
with Keras's epsilon. Loss and accuracy are summed on the device and read
once per epoch.

With `--jit-compile` cases 1 and 2 also run with `torch.compile`: the loop
compiles its model, torchkeras and Keras get `compile(jit_compile=True)`.
"""

from __future__ import annotations

import warnings

import numpy as np
import torch

from _harness import KERAS
from _harness import LOOP
from _harness import TORCHKERAS
from _harness import CaseResult
from _harness import Settings
from _harness import import_keras
from _harness import median_seconds

BATCH_SIZE = 64
NUM_CLASSES = 10
# Keras's epsilon for Adam and for clipping probabilities in the loss.
EPSILON = 1e-7
# Epochs per timed `fit` call, so that fit's per-call set-up is amortized
# as it is in real training.
EPOCHS_PER_RUN = 2


def make_classification_data(shape: tuple[int, ...], num_samples: int):
    """Return random float32 inputs of `shape` per sample and int64 labels."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((num_samples, *shape)).astype("float32")
    y = rng.integers(0, NUM_CLASSES, num_samples).astype("int64")
    return x, y


def make_loop_runner(
    model: torch.nn.Module,
    x,
    y,
    epochs: int,
    device: str = "cpu",
    fused_adam: bool = False,
):
    """Return a function that trains `model` for `epochs` with a torch loop.

    `model` maps a batch to class probabilities (it ends in a softmax, as
    the Keras models do). The model and the data move to `device` once.
    Adam runs on torch's multi-tensor (`foreach`) kernels, as torchkeras's
    Adam does, or on its fused kernel when `fused_adam` is True.
    """
    model.to(device)
    kernel = {"fused": True} if fused_adam else {"foreach": True}
    optimizer = torch.optim.Adam(
        model.parameters(), lr=1e-3, eps=EPSILON, **kernel
    )
    x_tensor = torch.from_numpy(x).to(device)
    y_tensor = torch.from_numpy(y).to(device)
    num_samples = len(x_tensor)

    def train_one_epoch():
        model.train()
        total_loss = torch.zeros((), device=device)
        correct = torch.zeros((), dtype=torch.int64, device=device)
        permutation = torch.randperm(num_samples, device=device)
        for start in range(0, num_samples, BATCH_SIZE):
            index = permutation[start:start + BATCH_SIZE]
            x_batch = x_tensor.index_select(0, index)
            y_batch = y_tensor.index_select(0, index)
            probabilities = model(x_batch)
            log_probabilities = probabilities.clamp(EPSILON, 1 - EPSILON).log()
            loss = torch.nn.functional.nll_loss(log_probabilities, y_batch)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            total_loss += loss.detach() * len(index)
            correct += (probabilities.detach().argmax(-1) == y_batch).sum()
        return float(total_loss) / num_samples, int(correct) / num_samples

    def run():
        for _ in range(epochs):
            train_one_epoch()

    return run


def make_fit_runner(model, x, y, epochs: int, jit_compile: bool = False):
    """Return a function that trains a Keras-API `model` with `fit`."""
    module = _api_module(model)
    compile_kwargs = {"jit_compile": True} if jit_compile else {}
    model.compile(
        optimizer=module.optimizers.Adam(1e-3),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
        **compile_kwargs,
    )

    def run():
        model.fit(x, y, batch_size=BATCH_SIZE, epochs=epochs, verbose=0)

    return run


def _api_module(model):
    """Return `torchkeras` or `keras`, whichever defined `model`'s class."""
    if type(model).__module__.startswith("torchkeras"):
        import torchkeras

        return torchkeras
    import keras

    return keras


# ----------------------------------------------------------------------
# Models: the torch version and the Keras-API version of each case
# ----------------------------------------------------------------------


def mlp_torch() -> torch.nn.Module:
    return torch.nn.Sequential(
        torch.nn.Linear(32, 64),
        torch.nn.ReLU(),
        torch.nn.Linear(64, NUM_CLASSES),
        torch.nn.Softmax(dim=-1),
    )


def mlp_keras_api(module):
    return module.Sequential(
        [
            module.Input(shape=(32,)),
            module.layers.Dense(64, activation="relu"),
            module.layers.Dense(NUM_CLASSES, activation="softmax"),
        ]
    )


def convnet_torch() -> torch.nn.Module:
    # Channels-first, as a torch user stores images.
    return torch.nn.Sequential(
        torch.nn.Conv2d(1, 16, 3, padding=1),
        torch.nn.ReLU(),
        torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(16, 32, 3, padding=1),
        torch.nn.ReLU(),
        torch.nn.MaxPool2d(2),
        torch.nn.Flatten(),
        torch.nn.Linear(32 * 2 * 2, NUM_CLASSES),
        torch.nn.Softmax(dim=-1),
    )


def convnet_keras_api(module):
    # Channels-last, Keras's default image layout.
    layers = module.layers
    return module.Sequential(
        [
            module.Input(shape=(8, 8, 1)),
            layers.Conv2D(16, 3, padding="same", activation="relu"),
            layers.MaxPooling2D(),
            layers.Conv2D(32, 3, padding="same", activation="relu"),
            layers.MaxPooling2D(),
            layers.Flatten(),
            layers.Dense(NUM_CLASSES, activation="softmax"),
        ]
    )


class _LSTMClassifier(torch.nn.Module):
    """An LSTM(32) whose last output feeds a softmax classifier."""

    def __init__(self, num_features: int):
        super().__init__()
        self.lstm = torch.nn.LSTM(num_features, 32, batch_first=True)
        self.dense = torch.nn.Linear(32, NUM_CLASSES)

    def forward(self, inputs):
        _, (last_hidden, _) = self.lstm(inputs)  # (1, batch, 32)
        return torch.softmax(self.dense(last_hidden[0]), dim=-1)


def lstm_keras_api(module):
    return module.Sequential(
        [
            module.Input(shape=(50, 8)),
            module.layers.LSTM(32),
            module.layers.Dense(NUM_CLASSES, activation="softmax"),
        ]
    )


# ----------------------------------------------------------------------
# Cases
# ----------------------------------------------------------------------


def _fit_case(
    settings: Settings,
    result: CaseResult,
    torch_model: torch.nn.Module,
    build_keras_api,
    x,
    y,
    loop_x=None,
    jit_compile: bool = False,
) -> CaseResult:
    """Time the three runners of one fit case and fill `result`.

    `loop_x` is the loop's copy of the inputs when its layout differs
    (channels-first images).
    """
    import torchkeras

    epochs = 1 if settings.quick else EPOCHS_PER_RUN
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        tk_runner = make_fit_runner(
            build_keras_api(torchkeras), x, y, epochs, jit_compile
        )
    if jit_compile and caught:
        # A torchkeras that does not apply torch.compile warns and runs
        # eagerly, so a compiled loop and Keras would have no counterpart.
        first_line = str(caught[0].message).splitlines()[0]
        result.skipped = f"compile(jit_compile=True) warns: {first_line}"
        return result
    loop_model = torch.compile(torch_model) if jit_compile else torch_model
    runners = {
        LOOP: make_loop_runner(
            loop_model,
            x if loop_x is None else loop_x,
            y,
            epochs,
            fused_adam=settings.fused_adam,
        ),
        TORCHKERAS: tk_runner,
    }
    keras = import_keras()
    if keras is not None:
        runners[KERAS] = make_fit_runner(
            build_keras_api(keras), x, y, epochs, jit_compile
        )
        if jit_compile:
            _drop_failing_runner(runners, KERAS, result)
    else:
        result.notes.append("Keras 3 on the torch backend is not installed.")
    if settings.fused_adam:
        result.notes.append("the loop steps torch.optim.Adam(fused=True).")
    seconds = median_seconds(
        runners, settings.repeats, units_per_run=epochs, clock=settings.clock
    )
    result.values = {name: value * 1e3 for name, value in seconds.items()}
    return result


def _drop_failing_runner(runners: dict, name: str, result: CaseResult) -> None:
    """Run `runners[name]` once and drop it, with a note, if it raises.

    Keras 3.15 compiles with dynamic batch sizes, and inductor 2.13 fails
    on the ConvNet that way; the other runners are still timed.
    """
    try:
        runners[name]()
    except Exception as error:  # noqa: BLE001 (any compile failure)
        del runners[name]
        first_line = str(error).strip().splitlines()[0]
        result.notes.append(
            f"{name} failed, so it is not timed: "
            f"{type(error).__name__}: {first_line}"
        )


def _jit_title(title: str, jit_compile: bool) -> str:
    return f"{title}, jit_compile" if jit_compile else title


def run_mlp_fit(settings: Settings, jit_compile: bool = False) -> CaseResult:
    """Case 1: MLP 32-64-10 on 20,000 samples, batch 64, Adam, accuracy."""
    num_samples = 5_000 if settings.quick else 20_000
    x, y = make_classification_data((32,), num_samples)
    result = CaseResult(
        case="1j" if jit_compile else "1",
        title=_jit_title(f"fit MLP 32-64-10, {num_samples} samples", jit_compile),
        unit="ms/epoch",
        target="tk <= 1.05x loop",
    )
    return _fit_case(
        settings,
        result,
        mlp_torch(),
        mlp_keras_api,
        x,
        y,
        jit_compile=jit_compile,
    )


def run_convnet_fit(settings: Settings, jit_compile: bool = False) -> CaseResult:
    """Case 2: a small ConvNet on 8x8x1 images, batch 64."""
    num_samples = 1_024 if settings.quick else 4_096
    x, y = make_classification_data((8, 8, 1), num_samples)
    loop_x = np.ascontiguousarray(x.transpose(0, 3, 1, 2))
    result = CaseResult(
        case="2j" if jit_compile else "2",
        title=_jit_title(f"fit ConvNet 8x8x1, {num_samples} samples", jit_compile),
        unit="ms/epoch",
        target="tk <= 1.05x loop",
    )
    return _fit_case(
        settings,
        result,
        convnet_torch(),
        convnet_keras_api,
        x,
        y,
        loop_x=loop_x,
        jit_compile=jit_compile,
    )


def run_lstm_fit(settings: Settings) -> CaseResult:
    """Case 3: LSTM(32) over sequences of 50 steps, batch 64."""
    import torchkeras

    num_samples = 512 if settings.quick else 2_048
    result = CaseResult(
        case="3",
        title=f"fit LSTM(32), 50 steps, {num_samples} samples",
        unit="ms/epoch",
        target="tk <= 1.10x loop",
    )
    if not hasattr(torchkeras.layers, "LSTM"):
        result.skipped = "torchkeras.layers.LSTM does not exist yet."
        return result
    x, y = make_classification_data((50, 8), num_samples)
    return _fit_case(
        settings, result, _LSTMClassifier(8), lstm_keras_api, x, y
    )
