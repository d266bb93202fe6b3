"""`compile`, `fit`, `evaluate` and `predict`: the Keras training loop on torch.

One training step is the hand-written torch loop: forward, loss, backward,
optimizer step. The framework adds little per step. Metric states
accumulate on the device, and logs are read from them only when a callback
or the progress bar needs them. Data arrive as slices of tensors that were
moved to the device once.
"""

from __future__ import annotations

import contextlib
import inspect
import warnings
from typing import Any

import numpy as np
import torch
import torch.distributed as dist

from torchkeras import config
from torchkeras.callbacks.callback_list import CallbackList
from torchkeras.layers import layer as _layer_module
from torchkeras.layers.layer import Layer
from torchkeras.metrics.metric import Metric
from torchkeras.trainers import compile_step
from torchkeras.trainers import data_adapters
from torchkeras.trainers.compile_utils import CompileLoss
from torchkeras.trainers.compile_utils import CompileMetrics
from torchkeras.utils.tree import flatten
from torchkeras.utils.tree import map_structure


def _pythonify_logs(logs: dict[str, Any]) -> dict[str, float]:
    """Convert tensor log values to floats, with keys sorted as Keras does."""
    flat: dict[str, Any] = {}
    for key, value in logs.items():
        if isinstance(value, dict):
            flat.update(value)
        else:
            flat[key] = value
    logs = flat
    result = {}
    for key in sorted(logs):
        value = logs[key]
        if isinstance(value, torch.Tensor):
            value = value.detach()
            value = float(value) if value.numel() == 1 else value.cpu().numpy()
        result[key] = value
    return result


class _LossTracker(Metric):
    """The running mean of the loss, weighted by batch size, as Keras reports it.

    A light version of `metrics.Mean` for the one update made every step:
    one in-place add on the device. The count is a Python number until
    `result()` adds it to the `count` state, so it costs no tensor operation
    per step.
    """

    def __init__(self, name: str = "loss"):
        super().__init__(name=name)
        self.total = self.add_variable((), "zeros", name="total")
        self.count = self.add_variable((), "zeros", name="count")
        # Set with object.__setattr__, which skips the state bookkeeping of
        # `Metric.__setattr__` on every step.
        object.__setattr__(self, "_uncounted", 0)

    def update_state(self, values, sample_weight=None) -> None:
        """Add a scalar loss counted `sample_weight` times (the batch size)."""
        weight = 1 if sample_weight is None else sample_weight
        if isinstance(weight, torch.Tensor):
            # Kept on the device: a Python count would need a host sync.
            with torch.no_grad():
                self.to(values.device)
                self.total.add_(values * weight)
                self.count.add_(weight)
            return
        self.add_batch(values, weight)

    def add_batch(self, values: torch.Tensor, count: int) -> None:
        """Add a scalar loss counted `count` times, a Python int."""
        # `detach` instead of a no_grad region: the same effect, cheaper.
        values = values.detach()
        try:
            # The buffer dict directly: `self.total` goes through
            # `Module.__getattr__`, which costs more than the add itself.
            self._buffers["total"].add_(values, alpha=count)
        except RuntimeError:
            # The loss is on another device: move the state once.
            self.to(values.device)
            self._buffers["total"].add_(values, alpha=count)
        self.__dict__["_uncounted"] += count

    def result(self) -> torch.Tensor:
        """Return the mean loss, or 0 before any update."""
        self._add_uncounted()
        return self.total / self.count.clamp(min=1)

    def synced_states(self):
        """Combine the states of all processes, counting every update."""
        self._add_uncounted()
        return super().synced_states()

    def _add_uncounted(self) -> None:
        if self._uncounted:
            with torch.no_grad():
                self.count.add_(self._uncounted)
            object.__setattr__(self, "_uncounted", 0)

    def reset_state(self) -> None:
        """Set the total and the count to zero."""
        super().reset_state()
        object.__setattr__(self, "_uncounted", 0)


class _CompileMetricsTracker(Metric):
    """The compiled metrics as one Metric named `compile_metrics`, as Keras has.

    `model.metrics` lists it, so a custom `train_step` written as in Keras's
    guide (`metric.update_state(y, y_pred)` for each metric) updates every
    compiled metric, and `result()` returns their values as a dict.
    """

    def __init__(self, container: CompileMetrics):
        super().__init__(name="compile_metrics")
        object.__setattr__(self, "container", container)

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        """Update every compiled metric."""
        self.container.update_state(y_true, y_pred, sample_weight)

    def result(self) -> dict[str, torch.Tensor]:
        """Return the compiled metrics' values keyed by log name."""
        return self.container.result() if self.container.built else {}

    def reset_state(self) -> None:
        """Reset every compiled metric."""
        if self.container.built:
            for metric in self.container.metrics + self.container.weighted_metrics:
                metric.reset_state()


def _is_overridden(model, method: str) -> bool:
    """Return whether `model` replaces the default `method` (class or instance)."""
    return method in vars(model) or getattr(type(model), method) is not getattr(
        Trainer, method
    )


def _validate_positive_int(name: str, value, allow_none: bool = True) -> None:
    if value is None and allow_none:
        return
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(
            f"`{name}` must be a positive integer. Received: {name}={value!r}"
        )


def _batch_size_of(x) -> int:
    if type(x) is torch.Tensor:
        return x.shape[0]
    leaves = flatten(x)
    return int(leaves[0].shape[0]) if leaves else 0


class Trainer:
    """Mixin giving `Model` Keras's compile/fit/evaluate/predict API."""

    def _init_trainer(self) -> None:
        object.__setattr__(self, "compiled", False)
        object.__setattr__(self, "optimizer", None)
        object.__setattr__(self, "loss", None)
        object.__setattr__(self, "stop_training", False)
        object.__setattr__(self, "stop_evaluating", False)
        object.__setattr__(self, "stop_predicting", False)
        # Set by BackupAndRestore in on_train_begin to resume a run.
        object.__setattr__(self, "_initial_epoch", None)
        object.__setattr__(self, "history", None)
        object.__setattr__(self, "_compile_loss", None)
        object.__setattr__(self, "_compile_metrics", None)
        object.__setattr__(self, "_loss_tracker", None)
        object.__setattr__(self, "_train_variables", None)
        object.__setattr__(self, "_constrained_variables", None)
        object.__setattr__(self, "_regularized_variables", None)
        object.__setattr__(self, "_evaluation_regularized_variables", None)
        object.__setattr__(self, "_device_set_by_user", False)
        object.__setattr__(self, "_compile_config", None)
        object.__setattr__(self, "_last_step_logs", {})
        object.__setattr__(self, "_compile_metrics_tracker", None)
        object.__setattr__(self, "_compiled_trainable_state", None)
        object.__setattr__(self, "_trainable_change_warned", False)
        object.__setattr__(self, "_run_eagerly", False)
        # A StepCompiler when the steps run under torch.compile, else None.
        object.__setattr__(self, "_compiled_steps", None)

    # ------------------------------------------------------------------
    # Device placement
    # ------------------------------------------------------------------

    def to(self, *args, **kwargs):
        object.__setattr__(self, "_device_set_by_user", True)
        return super().to(*args, **kwargs)

    def cuda(self, device=None):
        object.__setattr__(self, "_device_set_by_user", True)
        return super().cuda(device)

    def cpu(self):
        object.__setattr__(self, "_device_set_by_user", True)
        return super().cpu()

    def _training_device(self) -> torch.device:
        """Return the device to run on, moving the model to CUDA if due.

        A model the user placed with `.to()` stays where it is; otherwise it
        runs on CUDA when available, else on the CPU.
        """
        for parameter in self.parameters():
            device = parameter.device
            break
        else:
            return torch.device("cpu") if self._device_set_by_user else config.default_device()
        if not self._device_set_by_user and device.type == "cpu":
            default = config.default_device()
            if default.type != "cpu":
                torch.nn.Module.to(self, default)
                return default
        return device

    # ------------------------------------------------------------------
    # compile
    # ------------------------------------------------------------------

    def compile(
        self,
        optimizer="rmsprop",
        loss=None,
        loss_weights=None,
        metrics=None,
        weighted_metrics=None,
        run_eagerly=False,
        steps_per_execution=1,
        jit_compile="auto",
        auto_scale_loss=True,
    ):
        """Configure the model for training.

        Args:
            optimizer: Optimizer name (`"adam"`), instance, or a
                `torch.optim.Optimizer` built on the model's parameters.
            loss: Loss name, Loss object or function `fn(y_true, y_pred)`.
                For a model with several outputs, one loss for every
                output, a list with one per output or a dict keyed by
                output name (`None` entries train nothing).
            loss_weights: Optional number multiplying the loss, or a list
                or dict with one number per output.
            metrics: List of metrics (names, objects or functions) updated
                without sample weights. `"accuracy"` picks binary,
                categorical or sparse categorical accuracy from the data.
                For several outputs, a list with one entry per output (a
                metric, a list of metrics or None) or a dict keyed by
                output name.
            weighted_metrics: Metrics updated with sample weights, in the
                same forms as `metrics`.
            run_eagerly: True turns `jit_compile` off. Without compilation
                every step runs eagerly anyway.
            steps_per_execution: Must be 1 for now.
            jit_compile: True runs the forward pass and loss of the
                train, test and predict steps under `torch.compile`, with
                the optimizer update eager. A model that cannot compile
                runs eagerly after one warning. `"auto"` compiles only when
                the model runs on CUDA.
            auto_scale_loss: If True and the model's dtype policy is
                `"mixed_float16"`, a torchkeras optimizer is wrapped in a
                `LossScaleOptimizer`, which scales the loss dynamically so
                float16 gradients do not underflow. A `torch.optim`
                optimizer is not wrapped.
        """
        from torchkeras import optimizers

        if steps_per_execution != 1:
            raise NotImplementedError(
                "`steps_per_execution` other than 1 is not supported yet. "
                f"Received: steps_per_execution={steps_per_execution!r}"
            )
        use_jit = compile_step.resolve_jit_compile(self, jit_compile, run_eagerly)
        if isinstance(optimizer, torch.optim.Optimizer):
            # A torch optimizer steps on the `.grad` of its own parameters.
            object.__setattr__(self, "optimizer", optimizer)
        else:
            object.__setattr__(self, "optimizer", optimizers.get(optimizer))
            if auto_scale_loss and self.dtype_policy.name == "mixed_float16":
                self._wrap_optimizer_for_loss_scaling()
                # Saved files name the wrapper, so a reloaded model gets
                # the same optimizer, and its loss scale and state, even
                # when the global policy is no longer mixed_float16.
                optimizer = self.optimizer
        object.__setattr__(self, "loss", loss)
        # Functional models name their outputs; subclassed ones have none.
        output_names = getattr(self, "output_names", None)
        compile_loss = None
        if loss is not None:
            compile_loss = CompileLoss(loss, loss_weights, output_names=output_names)
        object.__setattr__(self, "_compile_loss", compile_loss)
        object.__setattr__(
            self,
            "_compile_metrics",
            CompileMetrics(
                metrics,
                weighted_metrics,
                output_names=output_names,
                compile_loss=compile_loss,
            ),
        )
        object.__setattr__(self, "_loss_tracker", _LossTracker(name="loss"))
        has_metrics = bool(metrics) or bool(weighted_metrics)
        object.__setattr__(
            self,
            "_compile_metrics_tracker",
            _CompileMetricsTracker(self._compile_metrics) if has_metrics else None,
        )
        object.__setattr__(self, "_train_variables", None)
        object.__setattr__(self, "_compiled_trainable_state", self._trainable_state())
        object.__setattr__(self, "_trainable_change_warned", False)
        object.__setattr__(self, "compiled", True)
        object.__setattr__(self, "_run_eagerly", bool(run_eagerly))
        self.jit_compile = use_jit
        object.__setattr__(
            self,
            "_compile_config",
            {
                "optimizer": optimizer,
                "loss": loss,
                "loss_weights": loss_weights,
                "metrics": metrics,
                "weighted_metrics": weighted_metrics,
                "run_eagerly": run_eagerly,
                "steps_per_execution": steps_per_execution,
                "jit_compile": jit_compile,
            },
        )

    def _wrap_optimizer_for_loss_scaling(self) -> None:
        from torchkeras.optimizers.loss_scale_optimizer import LossScaleOptimizer

        if self.optimizer is not None and not isinstance(
            self.optimizer, LossScaleOptimizer
        ):
            wrapped = LossScaleOptimizer(self.optimizer, name="loss_scale_optimizer")
            object.__setattr__(self, "optimizer", wrapped)

    # ------------------------------------------------------------------
    # Trainable state recorded by compile()
    # ------------------------------------------------------------------

    def _trainable_state(self) -> list[tuple[Layer, bool]]:
        """Return `(layer, trainable)` for this model and every layer below it.

        Parents come before their children, so the state can be applied in
        this order (a parent's setter also sets its children).
        """
        return [(m, m.trainable) for m in self.modules() if isinstance(m, Layer)]

    @staticmethod
    def _apply_trainable_state(state) -> None:
        for layer, trainable in state:
            if layer.trainable != trainable:
                layer.trainable = trainable

    def _changed_trainable_layers(self) -> list[str]:
        recorded = {id(layer): flag for layer, flag in self._compiled_trainable_state or []}
        return [
            layer.name
            for layer, flag in self._trainable_state()
            if recorded.get(id(layer), flag) != flag
        ]

    def _warn_if_trainable_state_changed(self) -> bool:
        """Warn once per compile if `trainable` changed since then.

        Returns:
            Whether the current state differs from the compiled one.
        """
        changed = self._changed_trainable_layers()
        if changed and not self._trainable_change_warned:
            warnings.warn(
                "A layer's `trainable` state has changed since the model was "
                "compiled. `fit()` keeps training the weights that were "
                "trainable at `compile()`, so the change takes effect only "
                "after you recompile the model (e.g. `model.compile(...)`). "
                f"Changed layers: {changed}",
                UserWarning,
                stacklevel=3,
            )
            object.__setattr__(self, "_trainable_change_warned", True)
        return bool(changed)

    def _assert_compile_called(self, method_name: str) -> None:
        if not self.compiled:
            raise ValueError(
                f"You must call `compile()` before calling `{method_name}()`. "
                "For example: model.compile(optimizer='adam', loss='mse')."
            )

    def get_compile_config(self) -> dict[str, Any] | None:
        """Return the arguments `compile()` was called with."""
        return self._compile_config

    def compile_from_config(self, config: dict[str, Any]) -> None:
        """Compile the model from a config written by `get_compile_config()`.

        Optimizer, loss and metric configs are created again (custom ones
        are found through `custom_objects` scopes and the registry), and
        arguments `compile()` does not take are left out with a warning.
        """
        from torchkeras.saving import serialization

        safe_mode = serialization.in_safe_mode()
        accepted = inspect.signature(self.compile).parameters
        arguments = {}
        for key, item in config.items():
            if key not in accepted:
                warnings.warn(
                    f"The compile argument {key!r} in the config of model "
                    f"{self.name!r} is not supported by torchkeras's "
                    "`compile()` and is left out.",
                    UserWarning,
                    stacklevel=2,
                )
                continue
            arguments[key] = serialization.deserialize_keras_object(
                item, safe_mode=safe_mode is not False
            )
        self.compile(**arguments)

    @property
    def run_eagerly(self) -> bool:
        """Whether the steps must run eagerly, which turns off `jit_compile`."""
        return self._run_eagerly

    @run_eagerly.setter
    def run_eagerly(self, value: bool) -> None:
        object.__setattr__(self, "_run_eagerly", bool(value))
        if value:
            object.__setattr__(self, "_compiled_steps", None)

    @property
    def jit_compile(self) -> bool:
        """Whether the built-in steps run under `torch.compile`.

        False after a model that could not compile fell back to eager.
        """
        return self._compiled_steps is not None

    @jit_compile.setter
    def jit_compile(self, value: bool) -> None:
        steps = compile_step.StepCompiler(self) if value else None
        object.__setattr__(self, "_compiled_steps", steps)

    # ------------------------------------------------------------------
    # Loss and metrics
    # ------------------------------------------------------------------

    def compute_loss(
        self,
        x=None,
        y=None,
        y_pred=None,
        sample_weight=None,
        training=True,
    ) -> torch.Tensor:
        """Return the total loss: compiled loss plus `self.losses`.

        Override it to define a loss that needs more than `(y, y_pred)`.
        """
        total = None
        if self._compile_loss is not None and y is not None:
            total = self._compile_loss(y, y_pred, sample_weight)
        extra = self._collect_losses()
        if extra:
            penalty = torch.stack([torch.as_tensor(v).reshape(()) for v in extra]).sum()
            total = penalty if total is None else total + penalty
        if total is None:
            if self._compile_loss is not None and y is None:
                raise ValueError(
                    "The model was compiled with a loss, but no targets `y` "
                    "were given. Pass `y` to `fit` or yield `(x, y)` batches."
                )
            raise ValueError(
                "No loss to compute. Pass a loss to `compile()`, for example "
                "model.compile(optimizer='adam', loss='mse')."
            )
        return total

    def _collect_losses(self) -> list[torch.Tensor]:
        """Return `self.losses` without walking every module on each step.

        The weights with regularizers are found once per `fit`, together
        with the trainable variables, or once per `evaluate` outside `fit`.
        Losses from `add_loss` are kept in a registry that each top-level
        call resets.
        """
        regularized = self._step_regularized_variables()
        if regularized is None:
            return self.losses
        if not regularized and not _layer_module._LAYERS_WITH_LOSSES:
            return []
        extra = [variable.regularizer(variable) for variable in regularized]
        for layer in list(_layer_module._LAYERS_WITH_LOSSES):
            extra.extend(layer._losses)
        return extra

    def _step_regularized_variables(self) -> list | None:
        """Return the penalized weights found for this `fit` or `evaluate`.

        None outside both, where `self.losses` must walk every module.
        """
        if self._train_variables is not None:
            return self._regularized_variables
        return self._evaluation_regularized_variables

    def compute_metrics(self, x, y, y_pred, sample_weight=None) -> dict[str, Any]:
        """Update the compiled metrics and return all metric results."""
        if self._compile_metrics is not None and y is not None:
            self._compile_metrics.update_state(y, y_pred, sample_weight)
        return self.get_metrics_result()

    def _update_metrics(self, y, y_pred, sample_weight) -> None:
        if self._compile_metrics is not None and y is not None:
            self._compile_metrics.update_state(y, y_pred, sample_weight)

    def get_metrics_result(self) -> dict[str, torch.Tensor]:
        """Return the current value of every metric, keyed by log name.

        The order is Keras's: the loss, the compiled metrics, each output's
        loss (for several losses), then other metrics. A later value wins
        when two share a name.
        """
        results: dict[str, Any] = {}
        compiled = self._compile_metrics
        if self._loss_tracker is not None:
            results["loss"] = self._loss_tracker.result()
        if compiled is not None and compiled.built:
            results.update(compiled.result())
        loss_means = self._compile_loss.metrics if self._compile_loss is not None else []
        for metric in loss_means:
            results[metric.name] = metric.result()
        for metric in self.metrics:
            if (
                metric is self._loss_tracker
                or metric is getattr(self, "_compile_metrics_tracker", None)
                or metric in loss_means
            ):
                continue
            value = metric.result()
            if isinstance(value, dict):
                results.update(value)
            else:
                results[metric.name] = value
        return results

    @property
    def metrics(self) -> list:
        """The metrics `fit` tracks, in Keras's order.

        The loss tracker, then `compile_metrics` (all compiled metrics as
        one, when `compile` was given any), then each output's loss tracker
        for several losses, then metrics assigned as attributes of the
        model.
        """
        result = []
        if self._loss_tracker is not None:
            result.append(self._loss_tracker)
        if getattr(self, "_compile_metrics_tracker", None) is not None:
            result.append(self._compile_metrics_tracker)
        if self._compile_loss is not None:
            result.extend(self._compile_loss.metrics)
        for value in list(vars(self).values()) + list(self._modules.values()):
            if isinstance(value, Metric) and value not in result:
                result.append(value)
        return result

    @property
    def metrics_names(self) -> list[str]:
        """Names of `metrics`, such as `["loss", "compile_metrics"]`."""
        return [metric.name for metric in self.metrics]

    def _metric_objects(self) -> list[Metric]:
        """Every metric object whose state `fit` updates."""
        objects = [m for m in self.metrics if m is not self._compile_metrics_tracker]
        if self._compile_metrics is not None and self._compile_metrics.built:
            objects += [m for m in self._compile_metrics.all_metrics if m not in objects]
        return objects

    def _final_logs(self, step_logs=None) -> dict[str, Any]:
        """Return the logs of an epoch or evaluation as Python numbers.

        Under `torch.distributed` the metric states of all processes are
        combined first, so every rank reports the metrics of all the data.
        """
        with contextlib.ExitStack() as stack:
            if dist.is_available() and dist.is_initialized():
                for metric in self._metric_objects():
                    stack.enter_context(metric.synced_states())
            logs = step_logs if step_logs is not None else self.get_metrics_result()
            return _pythonify_logs(logs)

    def reset_metrics(self) -> None:
        """Reset the state of every metric, the loss tracker included."""
        for metric in self.metrics:
            metric.reset_state()

    def _flatten_logs_in_order(self, logs: dict[str, Any]):
        values = [logs[name] for name in self._ordered_log_names(logs)]
        return values[0] if len(values) == 1 else values

    def _ordered_log_names(self, logs: dict[str, Any]) -> list[str]:
        """Order log keys as Keras orders the list `evaluate()` returns.

        Keras walks its metrics (the loss, the compiled metrics under their
        own names, each output's loss, then other metrics) and takes the
        logs with those names, then the remaining logs in sorted order.
        Keras 3.15 repeats a value when two metrics share a name; each log
        appears once here.
        """
        order = ["loss"]
        compiled = self._compile_metrics
        if compiled is not None and compiled.built:
            order.extend(m.name for m in compiled.metrics + compiled.weighted_metrics)
        if self._compile_loss is not None:
            order.extend(m.name for m in self._compile_loss.metrics)
        order.extend(m.name for m in self.metrics if m.name != "compile_metrics")
        names = [name for name in dict.fromkeys(order) if name in logs]
        return names + [key for key in sorted(logs) if key not in names]

    # ------------------------------------------------------------------
    # Steps
    # ------------------------------------------------------------------

    def train_step(self, data):
        """Run one training step on a batch and return the metric results.

        `data` is `(x, y, sample_weight)` (y and sample_weight may be None).
        Override it to customize training; `fit` reports what it returns.
        """
        self._run_train_step(data)
        return self.get_metrics_result()

    def _run_train_step(self, data) -> None:
        x, y, sample_weight = data_adapters.unpack_x_y_sample_weight(data)
        if self._compiled_steps is None:
            y_pred = self(x)
            loss = self.compute_loss(x, y, y_pred, sample_weight, training=True)
        else:
            y_pred, loss = self._compiled_steps.train(x, y, sample_weight)
        self._loss_tracker.update_state(loss, sample_weight=_batch_size_of(x))
        variables = self._train_variables
        if variables is None:
            variables = self._snapshot_train_variables()
        for variable in variables:
            variable.grad = None
        if hasattr(self.optimizer, "scale_loss"):
            # After the loss tracker: logs show the unscaled loss, as Keras.
            loss = self.optimizer.scale_loss(loss)
        if loss.requires_grad:
            loss.backward()
        if isinstance(self.optimizer, torch.optim.Optimizer):
            self.optimizer.step()
            if self._constrained_variables:
                self._apply_constraints()
        elif variables:
            # The optimizer applies weight constraints itself, as Keras's does.
            self.optimizer.apply([v.grad for v in variables], variables)
        if y is not None:
            if isinstance(y_pred, torch.Tensor):
                y_pred = y_pred.detach()
            else:
                y_pred = map_structure(torch.Tensor.detach, y_pred)
            self._update_metrics(y, y_pred, sample_weight)

    def _snapshot_train_variables(self) -> list[torch.Tensor]:
        variables = list(self.trainable_weights)
        if not variables:
            warnings.warn(
                "The model does not have any trainable weights.",
                UserWarning,
                stacklevel=4,
            )
        constrained = [
            v for v in variables if getattr(v, "constraint", None) is not None
        ]
        # Keras penalizes trainable weights only.
        regularized = [
            v for v in variables if getattr(v, "regularizer", None) is not None
        ]
        object.__setattr__(self, "_train_variables", variables)
        object.__setattr__(self, "_constrained_variables", constrained)
        object.__setattr__(self, "_regularized_variables", regularized)
        return variables

    def _apply_constraints(self) -> None:
        with torch.no_grad():
            for variable in self._constrained_variables:
                variable.copy_(variable.constraint(variable))

    def test_step(self, data):
        """Run one evaluation step on a batch and return the metric results."""
        self._run_test_step(data)
        return self.get_metrics_result()

    def _run_test_step(self, data) -> None:
        x, y, sample_weight = data_adapters.unpack_x_y_sample_weight(data)
        if self._compiled_steps is None:
            y_pred = self(x, training=False)
            loss = self.compute_loss(x, y, y_pred, sample_weight, training=False)
        else:
            y_pred, loss = self._compiled_steps.test(x, y, sample_weight)
        self._loss_tracker.update_state(loss, sample_weight=_batch_size_of(x))
        if y is not None:
            self._update_metrics(y, y_pred, sample_weight)

    def _short_test_step(self):
        """Return a shorter `_run_test_step` for the common case, or None.

        It serves a model with the built-in `test_step` and `compute_loss`,
        run eagerly, with one output, one built-in averaged loss and no
        weight penalties. The batches of `evaluate` then go straight to the
        loss function, the loss tracker and each metric, which saves a few
        microseconds of Python per batch. A batch that is not an `(x, y)`
        pair of tensors, or whose step adds losses, takes the generic path.
        """
        compile_loss = self._compile_loss
        metrics = self._compile_metrics
        regularized = self._step_regularized_variables()
        if (
            _is_overridden(self, "compute_loss")
            or self._compiled_steps is not None
            or regularized is None
            or regularized
            or compile_loss is None
            or not compile_loss.built
            or compile_loss.layout is not None
            or not compile_loss._averages_builtin
            or compile_loss.weight is not None
            or metrics is None
            or not metrics.built
            or metrics.layout is not None
        ):
            return None
        mean_loss = compile_loss._mean_loss
        updates = [m.update_state for m in metrics.metrics + metrics.weighted_metrics]
        track = self._loss_tracker.add_batch
        generic = self._run_test_step

        def step(batch) -> None:
            if type(batch) is not tuple or len(batch) != 2:
                return generic(batch)
            x, y = batch
            if type(x) is not torch.Tensor or type(y) is not torch.Tensor:
                return generic(batch)
            y_pred = self(x, training=False)
            if type(y_pred) is not torch.Tensor or _layer_module._LAYERS_WITH_LOSSES:
                loss = self.compute_loss(x, y, y_pred, None, training=False)
                track(loss, x.shape[0])
                self._update_metrics(y, y_pred, None)
                return None
            track(mean_loss(y, y_pred), x.shape[0])
            for update in updates:
                update(y, y_pred)
            return None

        return step

    def predict_step(self, data):
        """Return the model's outputs for one batch."""
        x, _, _ = data_adapters.unpack_x_y_sample_weight(data)
        if self._compiled_steps is not None:
            return self._compiled_steps.predict(x)
        return self(x, training=False)

    # ------------------------------------------------------------------
    # Mode handling
    # ------------------------------------------------------------------

    def _save_modes(self) -> list[tuple[torch.nn.Module, bool]]:
        return [(module, module.training) for module in self.modules()]

    @staticmethod
    def _restore_modes(modes) -> None:
        for module, training in modes:
            module.training = training

    def _build_for_data(self, batch) -> None:
        """Build a lazily built model from its first batch, with grad on."""
        if self.built:
            return
        x, _, _ = data_adapters.unpack_x_y_sample_weight(batch)
        with torch.inference_mode(False), torch.no_grad():
            modes = self._save_modes()
            self.eval()
            try:
                self(x)
            finally:
                self._restore_modes(modes)

    # ------------------------------------------------------------------
    # fit
    # ------------------------------------------------------------------

    def fit(
        self,
        x=None,
        y=None,
        batch_size=None,
        epochs=1,
        verbose="auto",
        callbacks=None,
        validation_split=0.0,
        validation_data=None,
        shuffle=True,
        class_weight=None,
        sample_weight=None,
        initial_epoch=0,
        steps_per_epoch=None,
        validation_steps=None,
        validation_batch_size=None,
        validation_freq=1,
    ):
        """Train the model for a number of epochs.

        Args:
            x: Inputs: numpy arrays or tensors (or lists/dicts of them), a
                `DataLoader`, a `Dataset`, a `utils.PyDataset` or a
                generator yielding `(x, y)` or `(x, y, sample_weight)`.
            y: Targets, for array inputs only.
            batch_size: Samples per step for array inputs; default 32.
            epochs: Index of the last epoch to train.
            verbose: `"auto"` or 1 (progress bar), 2 (one line per epoch),
                0 (silent).
            callbacks: List of `callbacks.Callback`.
            validation_split: Fraction in [0, 1) of array data (the last
                samples, before shuffling) held out for validation.
            validation_data: `(x, y)`, `(x, y, sample_weight)` or a data
                source, evaluated at the end of each epoch.
            shuffle: Reshuffle array data every epoch (`"batch"` shuffles
                batch order only).
            class_weight: Mapping from class index to loss weight.
            sample_weight: Per-sample loss weights, for array inputs.
            initial_epoch: Epoch to start from (for resuming).
            steps_per_epoch: Batches per epoch; default all of them.
            validation_steps: Batches per validation run.
            validation_batch_size: Batch size for validation arrays.
            validation_freq: Validate every N epochs, or at the listed
                epochs (1-based).

        Returns:
            A `callbacks.History` whose `history` maps each log name to its
            per-epoch values.
        """
        self._assert_compile_called("fit")
        _validate_positive_int("batch_size", batch_size)
        _validate_positive_int("epochs", epochs, allow_none=False)
        _validate_positive_int("steps_per_epoch", steps_per_epoch)
        _validate_positive_int("validation_steps", validation_steps)
        _validate_positive_int("validation_batch_size", validation_batch_size)
        if not 0.0 <= validation_split < 1.0:
            raise ValueError(
                "`validation_split` must be a float in [0, 1). "
                f"Received: validation_split={validation_split!r}"
            )
        if class_weight is not None and sample_weight is not None:
            raise ValueError(
                "Arguments `sample_weight` and `class_weight` cannot be "
                f"specified at the same time. Received: sample_weight="
                f"{type(sample_weight).__name__}, class_weight={class_weight}"
            )
        verbose = 1 if verbose == "auto" else int(verbose)

        if validation_split and validation_data is None:
            (x, y, sample_weight), validation_data = data_adapters.split_validation(
                x, y, sample_weight, validation_split
            )
        device = self._training_device()
        adapter = data_adapters.get_data_adapter(
            x,
            y,
            sample_weight,
            batch_size=batch_size,
            steps_per_epoch=steps_per_epoch,
            shuffle=shuffle,
            class_weight=class_weight,
            device=device,
        )
        validation_adapter = None
        if validation_data is not None:
            validation_adapter = self._validation_adapter(
                validation_data, validation_batch_size or batch_size, validation_steps, device
            )

        steps = steps_per_epoch or adapter.num_batches
        callback_list = CallbackList(
            callbacks,
            add_history=True,
            add_progbar=verbose != 0,
            model=self,
            verbose=verbose,
            epochs=epochs,
            steps=steps,
        )
        custom_step = _is_overridden(self, "train_step")
        object.__setattr__(self, "_train_variables", None)
        object.__setattr__(self, "stop_training", False)
        modes = self._save_modes()
        training_logs: dict[str, Any] = {}
        current_state = None
        if self._warn_if_trainable_state_changed():
            # Train exactly what was trainable at compile(), as Keras
            # documents; the user's newer settings return after fit.
            current_state = self._trainable_state()
            self._apply_trainable_state(self._compiled_trainable_state)
        object.__setattr__(self, "_initial_epoch", None)
        try:
            callback_list.on_train_begin()
            initial_epoch = getattr(self, "_initial_epoch", None) or initial_epoch
            for epoch in range(initial_epoch, epochs):
                self.reset_metrics()
                self.train()
                callback_list.on_epoch_begin(epoch)
                seen = self._fit_one_epoch(adapter, steps_per_epoch, callback_list, custom_step)
                callback_list.record_steps(seen)
                epoch_logs = self._final_logs(self._last_step_logs if custom_step else None)
                if validation_adapter is not None and self._should_validate(epoch, validation_freq):
                    validation_logs = self._evaluate_adapter(
                        validation_adapter, callback_list, validation_steps
                    )
                    epoch_logs.update({f"val_{k}": v for k, v in validation_logs.items()})
                    epoch_logs = dict(sorted(epoch_logs.items()))
                callback_list.on_epoch_end(epoch, epoch_logs)
                training_logs = epoch_logs
                adapter.on_epoch_end()
                if self.stop_training or getattr(adapter, "exhausted", False):
                    break
            if hasattr(self.optimizer, "finalize_variable_values") and epochs > 0:
                # Copies the moving averages into the weights when `use_ema`.
                self.optimizer.finalize_variable_values(self.trainable_weights)
            callback_list.on_train_end(training_logs)
        finally:
            self._restore_modes(modes)
            if current_state is not None:
                self._apply_trainable_state(current_state)
                object.__setattr__(self, "_train_variables", None)
        return self.history

    def _fit_one_epoch(self, adapter, steps_per_epoch, callback_list, custom_step) -> int:
        begin_listeners = callback_list.has_batch_listeners("on_train_batch_begin")
        step = 0
        for batch in adapter.batches():
            if steps_per_epoch is not None and step >= steps_per_epoch:
                break
            if not self.built:
                self._build_for_data(batch)
                self.train()
            if begin_listeners:
                callback_list.on_train_batch_begin(step)
            if custom_step:
                logs = self.train_step(batch)
                object.__setattr__(self, "_last_step_logs", logs)
            else:
                self._run_train_step(batch)
                logs = None
            step += 1
            if callback_list.wants_batch_logs("on_train_batch_end", step):
                if logs is None:
                    logs = self.get_metrics_result()
                callback_list.on_train_batch_end(step - 1, logs)
            if self.stop_training:
                break
        if steps_per_epoch is not None and step < steps_per_epoch and isinstance(
            adapter, data_adapters.GeneratorAdapter
        ):
            data_adapters.warn_exhausted(step)
        return step

    @staticmethod
    def _should_validate(epoch: int, validation_freq) -> bool:
        if isinstance(validation_freq, int):
            if validation_freq < 1:
                raise ValueError(
                    "`validation_freq` must be a positive integer or a list "
                    f"of epochs. Received: validation_freq={validation_freq!r}"
                )
            return (epoch + 1) % validation_freq == 0
        return (epoch + 1) in validation_freq

    def _validation_adapter(self, validation_data, batch_size, steps, device):
        if isinstance(validation_data, (tuple, list)):
            if len(validation_data) not in (2, 3):
                raise ValueError(
                    "`validation_data` must be `(x, y)` or "
                    "`(x, y, sample_weight)`, or a data source. Received a "
                    f"{type(validation_data).__name__} of "
                    f"{len(validation_data)} elements."
                )
            x_val, y_val, sw_val = data_adapters.unpack_x_y_sample_weight(
                tuple(validation_data)
            )
            return data_adapters.get_data_adapter(
                x_val, y_val, sw_val, batch_size=batch_size, device=device
            )
        return data_adapters.get_data_adapter(
            validation_data, batch_size=batch_size, steps_per_epoch=steps, device=device
        )

    # ------------------------------------------------------------------
    # evaluate
    # ------------------------------------------------------------------

    def evaluate(
        self,
        x=None,
        y=None,
        batch_size=None,
        verbose="auto",
        sample_weight=None,
        steps=None,
        callbacks=None,
        return_dict=False,
        **kwargs,
    ):
        """Return the loss and metric values of the model on data.

        Returns:
            A float when the model has only a loss, else a list ordered as
            `metrics_names`; a dict if `return_dict=True`.
        """
        self._assert_compile_called("evaluate")
        self._warn_if_trainable_state_changed()
        if kwargs:
            raise TypeError(f"Invalid keyword arguments: {list(kwargs)}")
        _validate_positive_int("batch_size", batch_size)
        _validate_positive_int("steps", steps)
        verbose = 1 if verbose == "auto" else int(verbose)
        device = self._training_device()
        adapter = data_adapters.get_data_adapter(
            x, y, sample_weight, batch_size=batch_size, steps_per_epoch=steps, device=device
        )
        callback_list = CallbackList(
            callbacks,
            add_progbar=verbose != 0,
            model=self,
            verbose=verbose,
            epochs=1,
            steps=steps or adapter.num_batches,
        )
        logs = self._evaluate_adapter(adapter, callback_list, steps)
        if return_dict:
            return logs
        return self._flatten_logs_in_order(logs)

    def _evaluate_adapter(self, adapter, callback_list, steps) -> dict[str, float]:
        custom_step = _is_overridden(self, "test_step")
        modes = self._save_modes()
        self.reset_metrics()
        logs: dict[str, Any] = {}
        object.__setattr__(self, "stop_evaluating", False)
        # Batches sliced from tensors can be taken inside inference mode, so
        # the whole loop runs in one inference-mode region and callbacks step
        # out of it. Batches from user code are taken outside, because a
        # tensor made in inference mode can never be used for training.
        whole_loop = isinstance(adapter, data_adapters.ArrayAdapter)
        run_step = self.test_step if custom_step else self._run_test_step
        outer = torch.inference_mode() if whole_loop else contextlib.nullcontext()
        try:
            callback_list.on_test_begin()
            begin_listeners = callback_list.has_batch_listeners("on_test_batch_begin")
            # Without the progress bar or a listener, no batch reads logs.
            end_logs = callback_list.progbar is not None or (
                callback_list.has_batch_listeners("on_test_batch_end")
            )
            step = 0
            ready = False
            with outer:
                for batch in adapter.batches():
                    if steps is not None and step >= steps:
                        break
                    if begin_listeners:
                        with torch.inference_mode(False):
                            callback_list.on_test_batch_begin(step)
                    if not ready:
                        self._ensure_metrics_built(batch)
                        if step == 0 and self._train_variables is None:
                            self._snapshot_evaluation_regularized_variables()
                        compiled = self._compile_metrics
                        ready = self.built and (compiled is None or compiled.built)
                        if ready and not custom_step:
                            run_step = self._short_test_step() or run_step
                    if step == 0 or begin_listeners:
                        # Walking every module costs microseconds per batch, so
                        # modes are set again only after a callback could
                        # change them.
                        self.eval()
                    if whole_loop:
                        logs = run_step(batch)
                    else:
                        with torch.inference_mode():
                            logs = run_step(batch)
                    step += 1
                    if end_logs and callback_list.wants_batch_logs(
                        "on_test_batch_end", step
                    ):
                        with torch.inference_mode(False):
                            callback_list.on_test_batch_end(
                                step - 1,
                                logs if custom_step else self.get_metrics_result(),
                            )
                    if self.stop_evaluating:
                        break
            callback_list.record_steps(step)
            logs = self._final_logs(logs if custom_step else None)
            callback_list.on_test_end(logs)
        finally:
            self._restore_modes(modes)
            object.__setattr__(self, "_evaluation_regularized_variables", None)
        return logs

    def _snapshot_evaluation_regularized_variables(self) -> None:
        # The weights that `self.losses` penalizes, found once per call.
        regularized = [
            variable
            for layer in self._layers_recursive()
            for variable in layer._variables
            if variable.regularizer is not None and variable.requires_grad
        ]
        object.__setattr__(self, "_evaluation_regularized_variables", regularized)

    def _ensure_metrics_built(self, batch) -> None:
        """Build the model and metric states outside inference mode.

        Tensors created under `torch.inference_mode()` can never take part
        in training later, so weights and metric states are created here.
        """
        if not self.built:
            self._build_for_data(batch)
        metrics = self._compile_metrics
        if metrics is not None and not metrics.built:
            x, y, _ = data_adapters.unpack_x_y_sample_weight(batch)
            if y is not None:
                with torch.inference_mode(False), torch.no_grad():
                    modes = self._save_modes()
                    self.eval()
                    try:
                        y_pred = self(x)
                    finally:
                        self._restore_modes(modes)
                    metrics.build(y, y_pred)

    # ------------------------------------------------------------------
    # predict
    # ------------------------------------------------------------------

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        """Return the model's outputs for `x` as numpy arrays.

        Outputs stay on the device until the end, so there is one transfer
        to the host, not one per batch.
        """
        _validate_positive_int("batch_size", batch_size)
        _validate_positive_int("steps", steps)
        verbose = 1 if verbose == "auto" else int(verbose)
        device = self._training_device()
        if isinstance(x, tuple) and len(x) in (1, 2, 3) and not isinstance(
            x[0], (int, float)
        ):
            x, _, _ = data_adapters.unpack_x_y_sample_weight(x)
        adapter = data_adapters.get_data_adapter(
            x, batch_size=batch_size, steps_per_epoch=steps, device=device
        )
        callback_list = CallbackList(
            callbacks,
            add_progbar=verbose != 0,
            model=self,
            verbose=verbose,
            epochs=1,
            steps=steps or adapter.num_batches,
        )
        modes = self._save_modes()
        outputs = []
        object.__setattr__(self, "stop_predicting", False)
        try:
            callback_list.on_predict_begin()
            begin_listeners = callback_list.has_batch_listeners("on_predict_batch_begin")
            step = 0
            for batch in adapter.batches():
                if steps is not None and step >= steps:
                    break
                if begin_listeners:
                    callback_list.on_predict_batch_begin(step)
                if not self.built:
                    self._build_for_data(batch)
                if step == 0 or begin_listeners:
                    self.eval()
                with torch.inference_mode():
                    batch_outputs = self.predict_step(batch)
                outputs.append(batch_outputs)
                step += 1
                if callback_list.has_batch_listeners("on_predict_batch_end") or (
                    callback_list.wants_batch_logs("on_predict_batch_end", step)
                ):
                    callback_list.on_predict_batch_end(step - 1, {"outputs": batch_outputs})
                if getattr(self, "stop_predicting", False):
                    break
            callback_list.record_steps(step)
            callback_list.on_predict_end()
        finally:
            self._restore_modes(modes)
        return _concatenate_outputs(outputs)

    # ------------------------------------------------------------------
    # Single batches
    # ------------------------------------------------------------------

    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, return_dict=False):
        """Run one training step on one batch and return its loss and metrics."""
        self._assert_compile_called("train_on_batch")
        if class_weight is not None and sample_weight is not None:
            raise ValueError(
                "Arguments `sample_weight` and `class_weight` cannot be "
                "specified at the same time."
            )
        batch = self._single_batch(x, y, sample_weight, class_weight)
        modes = self._save_modes()
        try:
            if not self.built:
                self._build_for_data(batch)
            self.reset_metrics()
            self.train()
            logs = self.train_step(batch)
        finally:
            self._restore_modes(modes)
        logs = _pythonify_logs(logs)
        return logs if return_dict else self._flatten_logs_in_order(logs)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        """Return the loss and metrics of the model on one batch."""
        self._assert_compile_called("test_on_batch")
        batch = self._single_batch(x, y, sample_weight, None)
        modes = self._save_modes()
        try:
            self._ensure_metrics_built(batch)
            self.reset_metrics()
            self.eval()
            with torch.inference_mode():
                logs = self.test_step(batch)
        finally:
            self._restore_modes(modes)
        logs = _pythonify_logs(logs)
        return logs if return_dict else self._flatten_logs_in_order(logs)

    def predict_on_batch(self, x):
        """Return the model's outputs for one batch, as numpy arrays."""
        batch = self._single_batch(x, None, None, None)
        modes = self._save_modes()
        try:
            if not self.built:
                self._build_for_data(batch)
            self.eval()
            with torch.inference_mode():
                outputs = self.predict_step(batch)
        finally:
            self._restore_modes(modes)
        return _concatenate_outputs([outputs])

    def _single_batch(self, x, y, sample_weight, class_weight) -> tuple:
        adapter = data_adapters.ArrayAdapter(
            x,
            y,
            sample_weight,
            batch_size=max(_batch_size_of(x), 1),
            device=self._training_device(),
            class_weight=class_weight,
        )
        return next(iter(adapter.batches()))


def _concatenate_outputs(outputs: list) -> Any:
    """Concatenate per-batch outputs (tensors or nests) into numpy arrays."""
    if not outputs:
        return np.zeros((0,), dtype=np.float32)
    first = outputs[0]
    if isinstance(first, dict):
        return {k: _concatenate_outputs([o[k] for o in outputs]) for k in first}
    if isinstance(first, (list, tuple)):
        joined = [
            _concatenate_outputs([o[i] for o in outputs]) for i in range(len(first))
        ]
        return tuple(joined) if isinstance(first, tuple) else joined
    joined = torch.cat([o.detach() for o in outputs], dim=0)
    if joined.dtype == torch.bfloat16:
        joined = joined.float()
    return joined.cpu().numpy()
