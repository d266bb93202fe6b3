"""`compile(jit_compile=True)`: the built-in steps under `torch.compile`.

What is compiled is the forward pass plus the loss of the train step, and
the forward pass (plus the loss for `evaluate`) of the test and predict
steps. AOTAutograd compiles the matching backward pass, so `loss.backward()`
runs compiled kernels too. The optimizer update and the metric updates stay
eager. The built-in optimizers already run on multi-tensor (`foreach`)
kernels, and their update reads Python state (the step count, a learning
rate schedule) that a traced graph would have to guard on.

Rules:

- Each step function is traced with `fullgraph=True`. A model whose step
  does not trace as one graph (a layer calling `.item()`, a data-dependent
  Python branch) warns once, naming the reason, and runs eagerly until
  `compile()` is called again. A step cut into pieces gains little and
  pays the compile time of every piece.
- The first batch of each step kind runs eagerly. It builds what is built
  lazily (weights, the loss and metric containers), so the traced graph
  matches the state of every later step and is not traced twice.
- Shapes are static (`dynamic=False`): each batch size compiles its own
  graph, so a `fit` with a partial last batch compiles two train graphs,
  once. Graphs with a symbolic batch size would compile once, but inductor
  2.13 on the CPU fails to compile a `Conv2D` model that way.
- `jit_compile="auto"` compiles when the model runs on CUDA and stays eager
  on the CPU, where the small benchmark models run slower compiled (rows 1j
  and 2j of `docs/benchmarks.md`). NOTE: the CUDA side of this rule has not
  been measured on this project's machines.
"""

from __future__ import annotations

import types
import warnings
from typing import Any
from typing import Callable

import torch

from torchkeras import config

# The `torch.compile` backend. Tests replace it with a counting backend that
# skips code generation.
BACKEND: Any = "inductor"


def resolve_jit_compile(model, jit_compile, run_eagerly: bool) -> bool:
    """Return whether `compile()` should compile the model's steps.

    Raises:
        ValueError: `jit_compile` is not a bool or `"auto"`.
    """
    if jit_compile != "auto" and not isinstance(jit_compile, bool):
        raise ValueError(
            "`jit_compile` must be True, False or 'auto'. "
            f"Received: jit_compile={jit_compile!r}"
        )
    if run_eagerly:
        if jit_compile is True:
            warnings.warn(
                "`run_eagerly=True` turns `jit_compile` off: the model runs "
                "eagerly. Pass run_eagerly=False to compile its steps.",
                UserWarning,
                stacklevel=3,
            )
        return False
    if jit_compile == "auto":
        return _model_device(model).type == "cuda"
    return jit_compile


def _model_device(model) -> torch.device:
    """Return the device the model will train on, without moving it."""
    for parameter in model.parameters():
        if model._device_set_by_user or parameter.device.type != "cpu":
            return parameter.device
        break
    return config.default_device()


class StepCompiler:
    """Compiled forward passes of a model's built-in train, test and predict steps.

    `train`, `test` and `predict` run the step eagerly on their first call
    and compiled afterwards. When compiling fails and the eager step
    succeeds on the same batch, the model warns once and runs eagerly from
    then on (`model.jit_compile` becomes False).

    Args:
        model: The `Model` whose steps are compiled.
    """

    def __init__(self, model):
        self._model = model
        self._train_function = None
        self._test_function = None
        self._predict_function = None

    def train(self, x, y, sample_weight) -> tuple[Any, torch.Tensor]:
        """Return `(y_pred, loss)` of the training forward pass."""
        model = self._model
        if model._train_variables is None:
            # compute_loss reads the regularized weights from this list;
            # filling it first keeps the traced graph valid for later steps.
            model._snapshot_train_variables()
        if self._train_function is None:
            self._train_function = self._compile(_train_forward)
            return _train_forward(model, x, y, sample_weight)
        return self._run(
            self._train_function, _train_forward, x, y, sample_weight
        )

    def test(self, x, y, sample_weight) -> tuple[Any, torch.Tensor]:
        """Return `(y_pred, loss)` of the evaluation forward pass."""
        if self._test_function is None:
            self._test_function = self._compile(_test_forward)
            return _test_forward(self._model, x, y, sample_weight)
        return self._run(self._test_function, _test_forward, x, y, sample_weight)

    def predict(self, x) -> Any:
        """Return the model's outputs for a batch, in inference mode."""
        if self._predict_function is None:
            self._predict_function = self._compile(_predict_forward)
            return _predict_forward(self._model, x)
        return self._run(self._predict_function, _predict_forward, x)

    @staticmethod
    def _compile(function: Callable) -> Callable:
        # torch.compile keeps its cache of graphs on the code object, and
        # stops compiling a code object after `recompile_limit` (8) graphs.
        # A copy of the code per model gives each model its own cache, so
        # the ninth architecture trained in a process still compiles, and
        # the graphs are freed with the model.
        code = function.__code__.replace()
        copy = types.FunctionType(code, function.__globals__, function.__name__)
        return torch.compile(
            copy, fullgraph=True, dynamic=False, backend=BACKEND
        )

    def _run(self, compiled: Callable, eager: Callable, *tensors) -> Any:
        """Run `compiled`; when it fails, fall back to `eager` if that works.

        An error that the eager step raises as well (a wrong input shape)
        is the user's error, so it propagates without a warning.
        """
        try:
            return compiled(self._model, *tensors)
        except Exception as error:  # noqa: BLE001 (any tracing failure)
            result = eager(self._model, *tensors)
            self._fall_back(error)
            return result

    def _fall_back(self, error: Exception) -> None:
        warnings.warn(
            "jit_compile: torch.compile could not compile the model's "
            "steps, so the model runs eagerly. Reason: "
            f"{_describe_failure(error)}",
            UserWarning,
            stacklevel=5,
        )
        object.__setattr__(self._model, "_compiled_steps", None)


def _describe_failure(error: Exception) -> str:
    """Return the first line of a compile error and the user code it names.

    torch._dynamo errors end with the stack of the traced code, whose last
    frame is the line that could not be compiled.
    """
    lines = [line.strip() for line in str(error).strip().splitlines()]
    description = f"{type(error).__name__}: {lines[0] if lines else ''}"
    frames = [i for i, line in enumerate(lines) if line.startswith('File "')]
    if frames:
        last = frames[-1]
        source = lines[last + 1] if last + 1 < len(lines) else ""
        description += f" ({lines[last]}: {source})"
    return description


def _train_forward(model, x, y, sample_weight):
    y_pred = model(x)
    loss = model.compute_loss(x, y, y_pred, sample_weight, training=True)
    return y_pred, loss


def _test_forward(model, x, y, sample_weight):
    y_pred = model(x, training=False)
    loss = model.compute_loss(x, y, y_pred, sample_weight, training=False)
    return y_pred, loss


def _predict_forward(model, x):
    return model(x, training=False)
