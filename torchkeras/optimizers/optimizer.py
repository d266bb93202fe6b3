"""The optimizer base class: argument checks, state, clipping, weight decay."""

from __future__ import annotations

import inspect
import operator
import re
import warnings
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Sequence
from typing import Any
from typing import Union

import numpy as np
import torch

from torchkeras import initializers
from torchkeras.backend.variable import Variable
from torchkeras.optimizers import _gradients
from torchkeras.optimizers._checks import check_accumulation_steps
from torchkeras.optimizers._checks import check_clipping_arguments
from torchkeras.optimizers._checks import check_ema_arguments
from torchkeras.optimizers._checks import check_float_in_range
from torchkeras.optimizers._checks import check_keyword_arguments
from torchkeras.optimizers._checks import check_learning_rate
from torchkeras.optimizers._checks import check_loss_scale_factor
from torchkeras.optimizers._checks import check_trainable_variables
from torchkeras.optimizers._checks import describe_variable
from torchkeras.optimizers._groups import Batch
from torchkeras.optimizers._groups import VariableGroup
from torchkeras.optimizers._groups import make_groups
from torchkeras.utils.naming import to_snake_case
from torchkeras.utils.naming import uniquify

# `Union` rather than `|`, which Python 3.9 cannot evaluate at runtime.
LearningRate = Union[float, Callable[..., Any]]  # noqa: UP007

# Shared by every optimizer docstring, so the common arguments read the same
# everywhere. Subclasses put `{base_arguments}` where this text belongs.
WEIGHT_DECAY_DOC = """weight_decay: Float or None. If set, every step first shrinks each
            weight by `weight * weight_decay * learning_rate` (decoupled
            weight decay, applied after clipping and before the update).
        """
BASE_ARGUMENTS_DOC = (
    WEIGHT_DECAY_DOC
    + """clipnorm: Float or None. If set, each weight's gradient is scaled
            so that its own L2 norm is at most this value.
        clipvalue: Float or None. If set, every gradient element is
            clipped to `[-clipvalue, clipvalue]`.
        global_clipnorm: Float or None. If set, all gradients are scaled by
            one factor so that their joint L2 norm is at most this value.
            At most one of `clipnorm`, `clipvalue` and `global_clipnorm`
            may be set.
        use_ema: Bool. If True, the optimizer keeps an exponential moving
            average (EMA) of every trained weight. `fit()` copies the
            averages into the weights when training ends (through
            `finalize_variable_values()`), and `swap_ema_weights()`
            exchanges weights and averages, for example to evaluate with
            the averages. Defaults to False.
        ema_momentum: Float in [0, 1], used when `use_ema` is True. Each
            step sets `average = ema_momentum * average + (1 -
            ema_momentum) * weight`. Until the first weight update, the
            average is set to the weight. Defaults to 0.99.
        ema_overwrite_frequency: Integer >= 1 or None, used when `use_ema`
            is True. If set, the weights are overwritten with their
            averages every `ema_overwrite_frequency` steps. Defaults to
            None, which overwrites only at the end of `fit()`.
        loss_scale_factor: Float > 0 or None. If set, `scale_loss()` (which
            `fit()` calls before `backward()`) multiplies the loss by this
            factor and every step divides the gradients by it, which keeps
            small float16 gradients from underflowing.
        gradient_accumulation_steps: Integer >= 2 or None. If set, the
            weights change only every `gradient_accumulation_steps` calls
            of `apply()`, using the mean of the gradients given since the
            last change. `iterations` then counts these weight updates,
            while learning-rate schedules receive the number of `apply()`
            calls.
        name: String. The optimizer's name, by default the snake_case class
            name made unique (`"adam"`, `"adam_1"`, ...)."""
)


class LearningRateValue(float):
    """The value of `optimizer.learning_rate`: a float with Keras's variable methods.

    Keras returns a variable here, so Keras code calls
    `optimizer.learning_rate.assign(0.01)` or `.numpy()`. This float
    supports both; `assign` sets the optimizer's learning rate as assigning
    `optimizer.learning_rate = 0.01` does.
    """

    def __new__(cls, value: float, optimizer: Optimizer):
        instance = super().__new__(cls, value)
        instance._optimizer = optimizer
        return instance

    def assign(self, value: Any) -> None:
        """Set the optimizer's learning rate to `value`."""
        self._optimizer.learning_rate = value

    def numpy(self) -> np.float32:
        """Return the value as a numpy float32, as Keras's variable does."""
        return np.float32(self)

    def __reduce__(self):
        # Pickle as a plain float, without the optimizer.
        return (float, (float(self),))


class Optimizer:
    """Base class of all optimizers: updates weights from their gradients.

    An optimizer works on any list of floating-point leaf tensors: the
    `Variable`s of torchkeras layers, the parameters of any
    `torch.nn.Module`, or plain tensors. `apply(grads, variables)` builds the
    optimizer on its first call, which creates the per-weight state (such
    as Adam's moments), then updates the weights in place. Later calls may
    leave out `variables` and pass the gradients in the same order.

    Weights are grouped by device and dtype, and each group is updated with
    multi-tensor `torch._foreach_*` kernels. The step count is kept as a
    Python int, so a step reads no tensor value back to the host.

    To write a new optimizer, override `build(variables)` (call
    `super().build(variables)` first, then create state with
    `add_variable_from_reference()`) and `update_step(gradient, variable,
    learning_rate)`, which updates one weight in place. `get_config()` adds
    the new hyperparameters.

    Args:
        learning_rate: Float >= 0, a `LearningRateSchedule`, or a callable
            returning the learning rate. A schedule, or any callable that
            takes one argument, receives the number of `apply()` calls
            done so far (a Python int) and is called once per step. A
            callable without parameters is called with none, as in Keras.
        {base_arguments}

    Raises:
        ValueError: for unknown keyword arguments, more than one clipping
            argument, or invalid values such as a negative learning rate.
        TypeError: if `learning_rate` is not a number or callable.
    """

    def __init__(
        self,
        learning_rate: LearningRate,
        weight_decay: float | None = None,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
        global_clipnorm: float | None = None,
        use_ema: bool = False,
        ema_momentum: float = 0.99,
        ema_overwrite_frequency: int | None = None,
        loss_scale_factor: float | None = None,
        gradient_accumulation_steps: int | None = None,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        check_keyword_arguments(type(self), kwargs)
        if weight_decay is not None:
            check_float_in_range("weight_decay", weight_decay, 0.0)
        check_clipping_arguments(clipnorm, clipvalue, global_clipnorm)
        check_ema_arguments(use_ema, ema_momentum, ema_overwrite_frequency)
        check_loss_scale_factor(loss_scale_factor)
        check_accumulation_steps(gradient_accumulation_steps)

        if name is None:
            name = uniquify(to_snake_case(type(self).__name__))
        self.name = name
        self.weight_decay = weight_decay
        self.clipnorm = clipnorm
        self.clipvalue = clipvalue
        self.global_clipnorm = global_clipnorm
        self.use_ema = bool(use_ema)
        self.ema_momentum = ema_momentum
        self.ema_overwrite_frequency = ema_overwrite_frequency
        self.loss_scale_factor = loss_scale_factor
        self.gradient_accumulation_steps = gradient_accumulation_steps

        self._iterations = 0
        self._learning_rate: LearningRate = 0.0
        self._schedule_takes_step = False
        self.learning_rate = learning_rate

        self.built = False
        self._trainable_variables: list[torch.Tensor] = []
        self._variable_positions: dict[int, int] = {}
        self._optimizer_variables: list[torch.Tensor] = []
        self._slots: dict[str, list[torch.Tensor]] = {}
        self._groups: list[VariableGroup] = []
        self._excluded_from_decay: set[int] = set()
        self._excluded_variables: list[torch.Tensor] = []
        self._excluded_name_pattern: re.Pattern | None = None
        self._moving_averages: list[torch.Tensor] = []

    def __getstate__(self) -> dict[str, Any]:
        # Lookups keyed by `id()` go stale when pickle or deepcopy makes new
        # tensors, so `__setstate__` rebuilds them from the copied tensors.
        state = self.__dict__.copy()
        state.pop("_variable_positions", None)
        state.pop("_excluded_from_decay", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._variable_positions = {
            id(variable): position
            for position, variable in enumerate(self._trainable_variables)
        }
        self._excluded_from_decay = {
            id(variable) for variable in self._excluded_variables
        }

    # ------------------------------------------------------------------
    # Learning rate and step count

    @property
    def learning_rate(self) -> float:
        """The learning rate of the next step, as a float.

        Assign a float to change it, for example from a callback during
        `fit()`, or a schedule or callable to replace it. As in Keras, a
        float cannot replace a `LearningRateSchedule`.

        Raises:
            TypeError: if the assigned value is not a number or callable,
                or if a float is assigned while the learning rate is a
                `LearningRateSchedule`.
            ValueError: if the assigned number is negative or not finite.
        """
        return LearningRateValue(self._current_learning_rate(), self)

    @learning_rate.setter
    def learning_rate(self, learning_rate: LearningRate) -> None:
        if callable(learning_rate):
            self._schedule_takes_step = _accepts_one_argument(learning_rate)
            self._learning_rate = learning_rate
            return
        if (
            isinstance(learning_rate, torch.Tensor)
            and learning_rate.numel() == 1
        ):
            # One read from the device here, none per step.
            learning_rate = learning_rate.item()
        check_learning_rate(learning_rate)
        if _is_schedule(self._learning_rate):
            raise TypeError(
                "The learning rate of this optimizer is the schedule "
                f"{self._learning_rate!r}, so a float cannot be assigned. "
                "Create the optimizer with a float `learning_rate` to change "
                "it during training, or assign a new schedule."
            )
        self._learning_rate = float(learning_rate)

    def _current_learning_rate(self) -> float:
        learning_rate = self._learning_rate
        if isinstance(learning_rate, float):
            return learning_rate
        if self._schedule_takes_step:
            learning_rate = learning_rate(self._iterations)
        else:
            learning_rate = learning_rate()
        # NOTE: a schedule that returns a tensor costs one read from the
        # device per step here. Return a Python float to avoid it.
        return float(learning_rate)

    @property
    def iterations(self) -> torch.Tensor:
        """The number of steps done so far, as a new 0-d int32 tensor (as Keras).

        With `gradient_accumulation_steps`, this counts weight updates, that
        is `apply()` calls divided by `gradient_accumulation_steps` and
        rounded down, as in Keras. The count itself is a Python int inside
        the optimizer, so changing the returned tensor does not change it.
        Use `set_weights()` to restore a saved count.
        """
        return torch.tensor(self._num_updates, dtype=torch.int32)

    @property
    def _num_updates(self) -> int:
        """The number of weight updates so far, as a Python int.

        Bias corrections and `iterations` use this count. It equals the
        number of `apply()` calls unless gradients are accumulated.
        """
        steps = self.gradient_accumulation_steps
        if steps:
            return self._iterations // steps
        return self._iterations

    # ------------------------------------------------------------------
    # Building and optimizer state

    def build(self, variables: Iterable[torch.Tensor]) -> None:
        """Record the weights to train and create their optimizer state.

        `apply()` calls this on its first call. Calling it again after the
        optimizer is built does nothing.

        Args:
            variables: The weights to train: floating-point leaf tensors,
                such as `model.parameters()`.

        Raises:
            TypeError: if an element is not a tensor.
            ValueError: if a weight is not a floating-point leaf tensor,
                appears twice, or has `overwrite_with_gradient=True`.
        """
        if self.built:
            return
        variables = list(variables)
        check_trainable_variables(variables)
        self._trainable_variables = variables
        self._variable_positions = {
            id(variable): position
            for position, variable in enumerate(variables)
        }
        # Keras creates the moving averages and gradient accumulators first,
        # then the optimizer's own state, and lists them in that order.
        if self.use_ema:
            self._moving_averages = self.add_optimizer_variables(
                variables, "average"
            )
        if self.gradient_accumulation_steps:
            self.add_optimizer_variables(variables, "gradient_accumulator")
        self._build_slots(variables)
        self._groups = make_groups(variables, self._slots)
        self._refresh_weight_decay_lists()
        self.built = True

    def _build_slots(self, variables: list[torch.Tensor]) -> None:
        """Create the built-in optimizers' per-weight state.

        Subclasses call `add_optimizer_variables()` here. State created
        here is grouped with its weights and reaches
        `_update_variables()`, unlike state that a subclass creates in an
        overridden `build()`.
        """

    def add_variable(
        self,
        shape: Sequence[int],
        initializer: Any = "zeros",
        dtype: Any = None,
        name: str | None = None,
    ) -> torch.Tensor:
        """Create a state tensor of the optimizer and track it in `variables`.

        Args:
            shape: Shape of the tensor.
            initializer: Initializer name, instance or callable
                `(shape, dtype) -> tensor`, `"zeros"` by default.
            dtype: dtype of the tensor, `floatx()` by default.
            name: Name of the state, `"variable"` by default. Its `path`
                is `"<optimizer name>/<name>"`, as in Keras.

        Returns:
            A non-trainable `Variable`.
        """
        value = initializers.get(initializer)(tuple(shape), dtype=dtype)
        return self._track_state(value, name or "variable")

    def _track_state(self, value: torch.Tensor, name: str) -> Variable:
        """Wrap `value` as a named, non-trainable `Variable` and list it."""
        state = Variable(
            value.detach(),
            trainable=False,
            name=name,
            path=f"{self.name}/{name}",
        )
        self._optimizer_variables.append(state)
        return state

    def add_variable_from_reference(
        self,
        reference_variable: torch.Tensor,
        name: str | None = None,
        initializer: Any = "zeros",
    ) -> torch.Tensor:
        """Create a state tensor shaped like a weight, on its device and dtype.

        Args:
            reference_variable: The weight the state belongs to.
            name: Name of the state, such as `"momentum"`. As in Keras, the
                state is named `<weight path>_<name>` with `/` replaced by
                `_` (`"dense_kernel_momentum"`), or `variable_<name>` for
                a weight without a Keras path.
            initializer: `"zeros"`, a float constant, an initializer name or
                instance.

        Returns:
            A non-trainable `Variable` on the weight's device and dtype.
        """
        path = getattr(reference_variable, "path", None)
        prefix = path.replace("/", "_") if isinstance(path, str) else "variable"
        reference = reference_variable.detach()
        if isinstance(initializer, str) and initializer == "zeros":
            value = torch.zeros_like(
                reference, memory_format=torch.preserve_format
            )
        elif isinstance(initializer, (int, float)):
            value = torch.full_like(
                reference,
                float(initializer),
                memory_format=torch.preserve_format,
            )
        else:
            value = initializers.get(initializer)(
                tuple(reference.shape), dtype=reference.dtype
            ).to(reference.device)
        return self._track_state(value, f"{prefix}_{name or 'var'}")

    def add_optimizer_variables(
        self,
        trainable_variables: list[torch.Tensor],
        name: str | list[str],
        initializer: Any = "zeros",
    ) -> list[torch.Tensor] | tuple[list[torch.Tensor], ...]:
        """Create one state tensor per weight for each name in `name`.

        With several names, the tensors are created weight by weight (the
        first weight's tensors for every name, then the second weight's),
        which is the order Keras lists in `variables`.

        Args:
            trainable_variables: The weights.
            name: A state name, or a list of them.
            initializer: One initializer for all names, or a list with one
                per name (see `add_variable_from_reference()`).

        Returns:
            A list of tensors for a single name, or a tuple of such lists.
        """
        names = [name] if isinstance(name, str) else list(name)
        if isinstance(initializer, (list, tuple)):
            initializer_list = list(initializer)
        else:
            initializer_list = [initializer] * len(names)
        if len(initializer_list) != len(names):
            raise ValueError(
                "`initializer` must be one initializer or a list with one "
                f"per name. Received: name={name!r}, initializer="
                f"{initializer!r}"
            )

        created: tuple[list[torch.Tensor], ...] = tuple([] for _ in names)
        for variable in trainable_variables:
            for state_list, state_name, state_initializer in zip(
                created, names, initializer_list
            ):
                state_list.append(
                    self.add_variable_from_reference(
                        variable, state_name, state_initializer
                    )
                )
        for state_name, state_list in zip(names, created):
            self._slots[state_name] = state_list
        return created[0] if isinstance(name, str) else created

    @property
    def variables(self) -> list[torch.Tensor]:
        """The optimizer state in Keras's order.

        First the number of `apply()` calls (int32, named `iteration`),
        then the learning rate (float32, only while it is a float and not a
        schedule), then the state created in `build()`: the moving
        averages when `use_ema` is on, the gradient accumulators when
        `gradient_accumulation_steps` is set, and the optimizer's own
        state. The first two are snapshots, so assigning to them changes
        nothing. The others are the live state.
        """
        snapshot = [
            Variable(
                torch.tensor(self._iterations, dtype=torch.int32),
                trainable=False,
                name="iteration",
                path=f"{self.name}/iteration",
            )
        ]
        if isinstance(self._learning_rate, float):
            snapshot.append(
                Variable(
                    torch.tensor(self._learning_rate, dtype=torch.float32),
                    trainable=False,
                    name="learning_rate",
                    path=f"{self.name}/learning_rate",
                )
            )
        return snapshot + self._optimizer_variables

    def set_weights(self, weights: Sequence[Any]) -> None:
        """Restore the optimizer state from values ordered like `variables`.

        Raises:
            ValueError: if the optimizer is not built, or if the number or
                shapes of `weights` do not match `variables`.
        """
        if not self.built:
            raise ValueError(
                "The optimizer must be built before `set_weights()`. Call "
                "`optimizer.build(trainable_variables)` first."
            )
        targets = self.variables
        if len(weights) != len(targets):
            raise ValueError(
                f"Expected {len(targets)} values, one per entry of "
                f"`optimizer.variables`. Received {len(weights)} values."
            )
        with torch.no_grad():
            for position, (target, weight) in enumerate(zip(targets, weights)):
                weight = torch.as_tensor(weight)
                if tuple(weight.shape) != tuple(target.shape):
                    raise ValueError(
                        f"Optimizer variable {position} has shape "
                        f"{tuple(target.shape)}. Received a value of shape "
                        f"{tuple(weight.shape)}."
                    )
                if position == 0:
                    self._iterations = int(weight)
                elif position == 1 and isinstance(self._learning_rate, float):
                    self._learning_rate = float(weight)
                else:
                    target.copy_(weight)

    def save_own_variables(self, store: dict[str, Any]) -> None:
        """Write the optimizer state into `store` under keys "0", "1", ..."""
        for position, variable in enumerate(self.variables):
            store[str(position)] = variable.detach().cpu().numpy()

    def load_own_variables(self, store: dict[str, Any]) -> None:
        """Restore the state written by `save_own_variables()`.

        Warns and loads nothing when the number of entries differs, for
        example because the optimizer was not built yet.
        """
        if len(store) != len(self.variables):
            warnings.warn(
                f"Skipped loading the state of optimizer {self.name!r}: it "
                f"has {len(self.variables)} variables and the saved state "
                f"has {len(store)}. Build the optimizer on the model's "
                "trainable variables before loading.",
                UserWarning,
                stacklevel=2,
            )
            return
        self.set_weights([store[str(i)] for i in range(len(store))])

    # ------------------------------------------------------------------
    # Applying gradients

    def apply_gradients(
        self, grads_and_vars: Iterable[tuple[Any, torch.Tensor]]
    ) -> torch.Tensor:
        """Apply `(gradient, variable)` pairs, and return `iterations`."""
        pairs = list(grads_and_vars)
        grads = [grad for grad, _ in pairs]
        variables = [variable for _, variable in pairs]
        self.apply(grads, variables)
        return self.iterations

    def apply(
        self,
        grads: Sequence[Any],
        trainable_variables: Sequence[torch.Tensor] | None = None,
    ) -> None:
        """Update the weights in place from their gradients: one step.

        The step clips the gradients, applies weight decay, runs the
        optimizer's update, applies each weight's `constraint` if it has
        one, and adds one to `iterations`. A None gradient leaves its
        weight and state untouched (with a warning).

        Args:
            grads: One gradient per weight (tensor, array or None).
            trainable_variables: The weights. Required on the first call,
                which builds the optimizer; later calls may leave it out to
                mean all weights in build order.

        Raises:
            ValueError: if the optimizer is not built and no variables are
                given, if the lengths differ, if a weight is unknown, if a
                gradient's shape does not match, or if every gradient is
                None.
        """
        grads = list(grads)
        if not grads:
            return
        if trainable_variables is None:
            self._check_grads_match_build(len(grads))
            positions = None
        else:
            variables = list(trainable_variables)
            if len(variables) != len(grads):
                raise ValueError(
                    "`grads` and `trainable_variables` must have the same "
                    f"length. Received {len(grads)} gradients and "
                    f"{len(variables)} variables."
                )
            if not self.built:
                self.build(variables)
            positions = self._positions_of(variables)

        with torch.no_grad():
            missing = self._apply_step(grads, positions)
        if missing:
            warnings.warn(
                f"No gradient was given for {', '.join(missing)}, so they "
                "were not updated. Check that the loss depends on them, or "
                "leave them out of the trainable variables.",
                UserWarning,
                stacklevel=2,
            )
        self._iterations += 1

    def _check_grads_match_build(self, num_grads: int) -> None:
        if not self.built:
            raise ValueError(
                "`trainable_variables` is required until the optimizer is "
                "built. Pass the weights with the gradients, or call "
                "`optimizer.build(trainable_variables)` first."
            )
        if num_grads != len(self._trainable_variables):
            raise ValueError(
                "Without `trainable_variables`, `grads` must have one "
                "gradient per weight the optimizer was built with. Received "
                f"{num_grads} gradients for "
                f"{len(self._trainable_variables)} weights."
            )

    def _positions_of(self, variables: list[torch.Tensor]) -> list[int] | None:
        """Return the build position of each weight, or None for build order."""
        known = self._trainable_variables
        if len(variables) == len(known) and all(
            map(operator.is_, variables, known)
        ):
            return None
        positions = []
        for variable in variables:
            position = self._variable_positions.get(id(variable))
            if position is None:
                raise ValueError(
                    f"Unknown variable: {describe_variable(variable)} is not "
                    "one of the weights this optimizer was built with. "
                    "Create a new optimizer to train a different set of "
                    "weights."
                )
            positions.append(position)
        return positions

    def _apply_step(
        self, grads: list[Any], positions: list[int] | None
    ) -> list[str]:
        """Run one update and return the names of weights without gradient."""
        if positions is None:
            grads_by_position = grads
        else:
            grads_by_position = [None] * len(self._trainable_variables)
            for position, grad in zip(positions, grads):
                grads_by_position[position] = grad

        batches = [
            batch
            for group in self._groups
            if (
                batch := group.select(
                    grads_by_position, self._uses_weight_decay
                )
            )
        ]
        missing = [
            describe_variable(self._trainable_variables[position], position)
            for position, grad in zip(positions or range(len(grads)), grads)
            if grad is None
        ]
        if not batches:
            raise ValueError(
                f"No gradients were given for any weight. Received: {grads!r}"
            )

        if self.loss_scale_factor is not None:
            # `scale_loss()` multiplied the loss, so the gradients are
            # divided by the same factor before anything else.
            for batch in batches:
                batch.grads = torch._foreach_div(
                    batch.grads, self.loss_scale_factor
                )
        if self.gradient_accumulation_steps:
            self._accumulate_or_update(batches)
        else:
            self._update_batches(batches)
        if self.use_ema:
            self._update_moving_averages()
        # As in Keras, constraints run after every call, also on calls
        # that only accumulate gradients.
        for batch in batches:
            for variable in batch.constrained:
                variable.copy_(variable.constraint(variable))
        return missing

    def _update_batches(self, batches: list[Batch]) -> None:
        """Clip the gradients, decay the weights and run the update rule."""
        self._clip_gradients(batches)
        learning_rate = self._current_learning_rate()
        if self.weight_decay:
            decay_factor = 1.0 - self.weight_decay * learning_rate
            for batch in batches:
                if batch.decayed:
                    torch._foreach_mul_(batch.decayed, decay_factor)
        for batch in batches:
            self._update_variables(
                batch.variables, batch.grads, batch.slots, learning_rate
            )

    def _accumulate_or_update(self, batches: list[Batch]) -> None:
        """Add the gradients to the accumulators, or update the weights.

        Every `gradient_accumulation_steps`-th call updates the weights
        with the mean of the accumulated gradients and this call's, then
        zeroes every accumulator. A weight without a gradient in that call
        is not updated, as in Keras.
        """
        steps = self.gradient_accumulation_steps
        if (self._iterations + 1) % steps != 0:
            for batch in batches:
                torch._foreach_add_(
                    batch.slots["gradient_accumulator"], batch.grads
                )
            return
        for batch in batches:
            grads = torch._foreach_add(
                batch.grads, batch.slots["gradient_accumulator"]
            )
            torch._foreach_div_(grads, float(steps))
            batch.grads = grads
        self._update_batches(batches)
        for group in self._groups:
            torch._foreach_zero_(group.slots["gradient_accumulator"])

    def _update_moving_averages(self) -> None:
        """Move each weight's average toward the weight, as Keras does.

        Every `apply()` call updates every average, also for weights without
        a gradient and on calls that only accumulate gradients. While no
        weight update has happened yet, the average is set to the weight.
        """
        momentum = self.ema_momentum if self._num_updates != 0 else 0.0
        for group in self._groups:
            averages = group.slots["average"]
            torch._foreach_mul_(averages, momentum)
            torch._foreach_add_(averages, group.variables, alpha=1.0 - momentum)
        frequency = self.ema_overwrite_frequency
        if frequency and (self._num_updates + 1) % frequency == 0:
            for group in self._groups:
                torch._foreach_copy_(group.variables, group.slots["average"])

    def _clip_gradients(self, batches: list[Batch]) -> None:
        if self.clipnorm and self.clipnorm > 0:
            for batch in batches:
                batch.grads = _gradients.clip_by_norm(
                    batch.grads, self.clipnorm
                )
        elif self.global_clipnorm and self.global_clipnorm > 0:
            clipped = _gradients.clip_by_global_norm(
                [batch.grads for batch in batches], self.global_clipnorm
            )
            for batch, grads in zip(batches, clipped):
                batch.grads = grads
        elif self.clipvalue and self.clipvalue > 0:
            for batch in batches:
                batch.grads = _gradients.clip_by_value(
                    batch.grads, self.clipvalue
                )

    def _update_variables(
        self,
        variables: list[torch.Tensor],
        grads: list[torch.Tensor],
        slots: dict[str, list[torch.Tensor]],
        learning_rate: float,
    ) -> None:
        """Update weights of one device and dtype, all at once.

        Built-in optimizers override this with `torch._foreach_*` kernels.
        `slots` maps each state name given to `add_optimizer_variables()`
        in `_build_slots()` to the state tensors of `variables`, in the same
        order. The default calls `update_step()` once per weight.
        """
        del slots
        for grad, variable in zip(grads, variables):
            self.update_step(grad, variable, learning_rate)

    def update_step(
        self,
        gradient: torch.Tensor,
        variable: torch.Tensor,
        learning_rate: float,
    ) -> None:
        """Update one weight in place. Custom optimizers override this."""
        raise NotImplementedError(
            f"{type(self).__name__} must implement `update_step(gradient, "
            "variable, learning_rate)`, which updates one weight in place."
        )

    def _get_variable_index(self, variable: torch.Tensor) -> int:
        """Return the position of `variable` in the build order."""
        return self._variable_positions[id(variable)]

    def assign(self, variable: torch.Tensor, value: Any) -> None:
        """Copy `value` into `variable` in place."""
        with torch.no_grad():
            variable.copy_(value)

    def assign_add(self, variable: torch.Tensor, value: Any) -> None:
        """Add `value` to `variable` in place."""
        with torch.no_grad():
            variable.add_(value)

    def assign_sub(self, variable: torch.Tensor, value: Any) -> None:
        """Subtract `value` from `variable` in place."""
        with torch.no_grad():
            variable.sub_(value)

    # ------------------------------------------------------------------
    # Weight decay

    def exclude_from_weight_decay(
        self,
        var_list: Iterable[torch.Tensor] | None = None,
        var_names: Iterable[str] | None = None,
    ) -> None:
        """Exempt weights from `weight_decay`.

        Args:
            var_list: Weights to exempt.
            var_names: Substrings (regular expressions) of weight names.
                A weight whose `name` contains any of them is exempt.
                Weights without a `name` attribute, such as plain
                `torch.nn.Parameter`s, are matched only through `var_list`.
        """
        self._excluded_variables = list(var_list or ())
        self._excluded_from_decay = {
            id(variable) for variable in self._excluded_variables
        }
        names = list(var_names or ())
        self._excluded_name_pattern = (
            re.compile("|".join(names)) if names else None
        )
        self._refresh_weight_decay_lists()

    def _uses_weight_decay(self, variable: torch.Tensor) -> bool:
        if id(variable) in self._excluded_from_decay:
            return False
        name = getattr(variable, "name", None)
        pattern = self._excluded_name_pattern
        return not (
            pattern is not None
            and isinstance(name, str)
            and pattern.search(name) is not None
        )

    def _refresh_weight_decay_lists(self) -> None:
        for group in self._groups:
            group.decayed = [
                variable
                for variable in group.variables
                if self._uses_weight_decay(variable)
            ]

    # ------------------------------------------------------------------
    # Keras training-loop hooks

    def scale_loss(self, loss: torch.Tensor) -> torch.Tensor:
        """Multiply `loss` by `loss_scale_factor`, or return it unchanged.

        `fit()` calls this before `backward()`. A custom training loop that
        sets `loss_scale_factor` calls it too, because `apply()` divides
        the gradients by the factor.
        """
        if self.loss_scale_factor is not None:
            return loss * self.loss_scale_factor
        return loss

    def finalize_variable_values(
        self, var_list: Sequence[torch.Tensor]
    ) -> None:
        """Copy the moving averages into the weights when `use_ema` is on.

        `fit()` calls this after its last epoch, as Keras's does. Weights in
        `var_list` that this optimizer does not train are left unchanged.
        Without `use_ema`, or before the optimizer is built, this does
        nothing.

        Args:
            var_list: The model's trainable weights.
        """
        if not (self.use_ema and self.built):
            return
        with torch.no_grad():
            for variable in var_list:
                position = self._variable_positions.get(id(variable))
                if position is not None:
                    variable.copy_(self._moving_averages[position])

    def swap_ema_weights(self) -> None:
        """Exchange the trained weights with their moving averages, in place.

        After one call the weights contain the averages and the optimizer
        contains the trained values. A second call restores both, so a
        callback can evaluate with the averages and then continue
        training (Keras's `SwapEMAWeights` does this).

        Raises:
            ValueError: if `use_ema` is False or the optimizer is not built.
        """
        self._check_moving_averages("swap_ema_weights")
        with torch.no_grad():
            for group in self._groups:
                averages = group.slots["average"]
                trained = [variable.clone() for variable in group.variables]
                torch._foreach_copy_(group.variables, averages)
                torch._foreach_copy_(averages, trained)

    def copy_weights_to_ema(self) -> None:
        """Set every moving average to its weight's current value.

        Keras's `SwapEMAWeights` does this after the last epoch once the
        averages are in the weights, so that the final weights are what
        `finalize_variable_values()` writes at the end of `fit()`.

        Raises:
            ValueError: if `use_ema` is False or the optimizer is not built.
        """
        self._check_moving_averages("copy_weights_to_ema")
        with torch.no_grad():
            for group in self._groups:
                torch._foreach_copy_(group.slots["average"], group.variables)

    def _check_moving_averages(self, method: str) -> None:
        if not self.use_ema:
            raise ValueError(
                f"`{method}()` needs moving averages of the weights. Create "
                f"the optimizer with `use_ema=True`. Received: use_ema="
                f"{self.use_ema}"
            )
        if not self.built:
            raise ValueError(
                f"`{method}()` needs a built optimizer. Train at least one "
                "step, or call `optimizer.build(trainable_variables)` "
                "first."
            )

    # ------------------------------------------------------------------
    # Serialization

    def get_config(self) -> dict[str, Any]:
        """Return the constructor arguments, with Keras's keys.

        A `LearningRateSchedule` is stored as its `schedules.serialize()`
        dict, under Keras's module name for built-in schedules, as in
        Keras. Another callable with `get_config()` is stored as its
        `serialize_keras_object()` dict.
        """
        learning_rate = self._learning_rate
        if _is_schedule(learning_rate):
            from torchkeras.optimizers import schedules

            learning_rate = schedules.serialize(learning_rate)
        elif callable(learning_rate) and hasattr(learning_rate, "get_config"):
            # Imported here because the saving package imports optimizers.
            from torchkeras.saving.serialization import serialize_keras_object

            learning_rate = serialize_keras_object(learning_rate)
        # NOTE: Keras also serializes a plain function here, into a dict
        # that a lambda cannot be restored from. A callable without
        # `get_config()` is stored as itself, so the config round-trips in
        # Python but is not JSON.
        return {
            "name": self.name,
            "learning_rate": learning_rate,
            "weight_decay": self.weight_decay,
            "clipnorm": self.clipnorm,
            "global_clipnorm": self.global_clipnorm,
            "clipvalue": self.clipvalue,
            "use_ema": self.use_ema,
            "ema_momentum": self.ema_momentum,
            "ema_overwrite_frequency": self.ema_overwrite_frequency,
            "loss_scale_factor": self.loss_scale_factor,
            "gradient_accumulation_steps": self.gradient_accumulation_steps,
        }

    @classmethod
    def from_config(
        cls, config: dict[str, Any], custom_objects: dict | None = None
    ) -> Optimizer:
        """Create an optimizer (without state) from `get_config()` output.

        A `learning_rate` given as a dict is deserialized into a schedule
        with `schedules.deserialize()`, which also finds custom schedules
        in `custom_objects` and the registry, as Keras does.

        Args:
            config: The constructor arguments. The dict is not modified.
            custom_objects: Optional dict mapping names to custom classes,
                such as a schedule defined outside torchkeras.
        """
        config = dict(config)
        if isinstance(config.get("learning_rate"), dict):
            from torchkeras.optimizers import schedules

            config["learning_rate"] = schedules.deserialize(
                config["learning_rate"], custom_objects=custom_objects
            )
        return cls(**config)

    def stateless_apply(self, *args: Any, **kwargs: Any) -> None:
        """Raise NotImplementedError, because the state lives in tensors
        that `apply()` updates in place."""
        raise NotImplementedError(
            f"{type(self).__name__}.stateless_apply() is not supported. "
            "Call `apply(grads, trainable_variables)`, which updates the "
            "weights and the optimizer state in place."
        )

    def __repr__(self) -> str:
        return (
            f"<{type(self).__name__} name={self.name!r}, "
            f"learning_rate={self._learning_rate!r}, "
            f"iterations={self._iterations}>"
        )


Optimizer.__doc__ = Optimizer.__doc__.replace(
    "{base_arguments}", BASE_ARGUMENTS_DOC
)


def _is_schedule(learning_rate: Any) -> bool:
    """Return whether `learning_rate` is a `LearningRateSchedule`."""
    if not callable(learning_rate):
        return False
    try:
        from torchkeras.optimizers.schedules import LearningRateSchedule
    except ModuleNotFoundError:
        return False
    return isinstance(learning_rate, LearningRateSchedule)


def _accepts_one_argument(function: Callable[..., Any]) -> bool:
    """Return whether `function` can be called with one positional argument."""
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):
        # Builtins without a signature: assume the schedule form.
        return True
    try:
        signature.bind(0)
    except TypeError:
        return False
    return True
