"""Dynamic loss scaling for float16 training."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from torchkeras.backend.variable import Variable
from torchkeras.optimizers.optimizer import Optimizer

# Base optimizer arguments that a LossScaleOptimizer does not take, with
# the defaults that older saved configs may still contain.
_INNER_ONLY_ARGUMENTS = {
    "weight_decay": None,
    "clipnorm": None,
    "global_clipnorm": None,
    "clipvalue": None,
    "use_ema": False,
    "ema_momentum": 0.99,
    "ema_overwrite_frequency": None,
    "loss_scale_factor": None,
    "gradient_accumulation_steps": None,
}


class LossScaleOptimizer(Optimizer):
    """An optimizer wrapper that scales the loss against float16 underflow.

    `fit()` multiplies the loss by the current scale (`scale_loss()`) before
    `backward()`, and `apply()` divides the gradients by it before the
    wrapped optimizer updates the weights. The scale changes during
    training:

    - a step whose gradients contain inf or NaN is skipped: the weights and
      the wrapped optimizer's state are not changed, and the scale is
      halved;
    - after `dynamic_growth_steps` consecutive steps with finite gradients,
      the scale is doubled.

    `Model.compile()` wraps the optimizer in this class when the model's
    dtype policy is `"mixed_float16"` and `auto_scale_loss=True`.

    The finiteness check reads one boolean from the device per step (as
    torch's `GradScaler` does), because a skipped step must leave the
    optimizer state untouched.

    Args:
        inner_optimizer: The torchkeras `Optimizer` to wrap. Its
            `loss_scale_factor` is set to None so the loss is not scaled
            twice.
        initial_scale: The first loss scale. A high value is lowered
            quickly by halving, while a low one rises only every
            `dynamic_growth_steps` steps.
        dynamic_growth_steps: The number of consecutive steps with finite
            gradients after which the scale doubles.
        name: Optional name; by default `"loss_scale_optimizer"`, with a
            number added when that name is taken.

    Raises:
        ValueError: for `dynamic=False`, for base optimizer arguments such
            as `clipnorm` (set them on the inner optimizer), or for unknown
            arguments.
        TypeError: if `inner_optimizer` is not a torchkeras `Optimizer`.

    Example:

    >>> from torchkeras import optimizers
    >>> optimizer = LossScaleOptimizer(optimizers.SGD(0.1), initial_scale=8.0)
    >>> float(optimizer.scale_loss(torch.tensor(2.0)))
    16.0
    """

    def __init__(
        self,
        inner_optimizer: Optimizer,
        initial_scale: float = 2.0**15,
        dynamic_growth_steps: int = 2000,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        if not kwargs.pop("dynamic", True):
            raise ValueError(
                "LossScaleOptimizer always scales dynamically, so "
                "`dynamic=False` is not supported. For a fixed scale, set "
                "`loss_scale_factor` on the inner optimizer instead."
            )
        for argument, default in _INNER_ONLY_ARGUMENTS.items():
            if argument in kwargs and kwargs.pop(argument) != default:
                raise ValueError(
                    f"LossScaleOptimizer does not take `{argument}`. Set "
                    f"`{argument}` on the inner optimizer instead."
                )
        if kwargs:
            raise ValueError(
                "LossScaleOptimizer does not take the arguments "
                f"{', '.join(sorted(kwargs))}. Received: {kwargs!r}"
            )

        if not isinstance(inner_optimizer, Optimizer):
            raise TypeError(
                "`inner_optimizer` must be a torchkeras Optimizer, such as "
                "`optimizers.Adam()`. For a `torch.optim` optimizer use "
                "`torch.amp.GradScaler`. Received: inner_optimizer="
                f"{inner_optimizer!r} of type {type(inner_optimizer).__name__}"
            )
        if not initial_scale > 0:
            raise ValueError(
                "`initial_scale` must be a positive number. Received: "
                f"initial_scale={initial_scale!r}"
            )
        if int(dynamic_growth_steps) != dynamic_growth_steps or dynamic_growth_steps < 1:
            raise ValueError(
                "`dynamic_growth_steps` must be a positive integer. "
                f"Received: dynamic_growth_steps={dynamic_growth_steps!r}"
            )

        super().__init__(learning_rate=0.0, name=name)
        self.inner_optimizer = inner_optimizer
        self.initial_scale = initial_scale
        self.dynamic_growth_steps = int(dynamic_growth_steps)
        inner_optimizer.loss_scale_factor = None
        # Kept as Python numbers: reading them costs no device access.
        self._scale = float(initial_scale)
        self._good_steps = 0

    # ------------------------------------------------------------------
    # Scale state

    @property
    def dynamic_scale(self) -> torch.Tensor:
        """The current loss scale, as a new 0-d float32 tensor."""
        return torch.tensor(self._scale, dtype=torch.float32)

    @property
    def step_counter(self) -> torch.Tensor:
        """Consecutive finite steps since the scale last changed (int32)."""
        return torch.tensor(self._good_steps, dtype=torch.int32)

    @property
    def learning_rate(self) -> float:
        """The inner optimizer's learning rate; assigning sets it there."""
        return self.inner_optimizer.learning_rate

    @learning_rate.setter
    def learning_rate(self, learning_rate: Any) -> None:
        # The base constructor assigns 0.0 before `inner_optimizer` exists.
        if "inner_optimizer" not in self.__dict__:
            Optimizer.learning_rate.fset(self, learning_rate)
            return
        self.inner_optimizer.learning_rate = learning_rate

    @property
    def iterations(self) -> torch.Tensor:
        """The inner optimizer's step count; skipped steps do not count."""
        return self.inner_optimizer.iterations

    # ------------------------------------------------------------------
    # Building and stepping

    def build(self, variables) -> None:
        """Build the inner optimizer on `variables`."""
        if self.built:
            return
        variables = list(variables)
        self.inner_optimizer.build(variables)
        super().build(variables)

    def scale_loss(self, loss: torch.Tensor) -> torch.Tensor:
        """Return `loss` multiplied by the current scale."""
        return loss * self._scale

    def apply(
        self,
        grads: Sequence[Any],
        trainable_variables: Sequence[torch.Tensor] | None = None,
    ) -> None:
        """Unscale the gradients and apply them, or skip a non-finite step.

        Args:
            grads: Gradients of the scaled loss, one per weight.
            trainable_variables: The weights, as for `Optimizer.apply()`.
        """
        grads = list(grads)
        if not self.built:
            if trainable_variables is None:
                self._check_grads_match_build(len(grads))
            self.build(trainable_variables)
        present = [g for g in grads if g is not None]
        if present and not _all_finite(present):
            self._scale *= 0.5
            self._good_steps = 0
            return
        if trainable_variables is None:
            variables = self._trainable_variables
        else:
            variables = list(trainable_variables)
        inverse = 1.0 / self._scale
        unscaled = [
            g
            if g is None or getattr(v, "overwrite_with_gradient", False)
            else g * inverse
            for g, v in zip(grads, variables)
        ]
        self.inner_optimizer.apply(unscaled, trainable_variables)
        if self._good_steps == self.dynamic_growth_steps - 1:
            self._scale *= 2.0
            self._good_steps = 0
        else:
            self._good_steps += 1

    def finalize_variable_values(self, var_list: Sequence[torch.Tensor]) -> None:
        """Let the inner optimizer copy its moving averages, if any."""
        self.inner_optimizer.finalize_variable_values(var_list)

    # ------------------------------------------------------------------
    # State and configuration

    @property
    def variables(self) -> list[torch.Tensor]:
        """The state in Keras's order: own counters, then the inner state.

        The own part is the unused `iteration` and `learning_rate`, then
        `step_counter` and `dynamic_scale`. All four are snapshots.
        """
        own = [
            self._snapshot(torch.tensor(0, dtype=torch.int32), "iteration"),
            self._snapshot(torch.tensor(0.0), "learning_rate"),
            self._snapshot(self.step_counter, "step_counter"),
            self._snapshot(self.dynamic_scale, "dynamic_scale"),
        ]
        return own + self.inner_optimizer.variables

    def _snapshot(self, value: torch.Tensor, name: str) -> Variable:
        return Variable(value, trainable=False, name=name, path=f"{self.name}/{name}")

    def set_weights(self, weights: Sequence[Any]) -> None:
        """Restore the state from values ordered like `variables`."""
        weights = list(weights)
        if len(weights) < 4:
            raise ValueError(
                "Expected the 4 loss-scale values followed by the inner "
                f"optimizer's state. Received {len(weights)} values."
            )
        self._good_steps = int(torch.as_tensor(weights[2]))
        self._scale = float(torch.as_tensor(weights[3]))
        self.inner_optimizer.set_weights(weights[4:])

    def get_config(self) -> dict[str, Any]:
        """Return the name, the serialized inner optimizer and the scale settings."""
        from torchkeras import optimizers

        return {
            "name": self.name,
            "inner_optimizer": optimizers.serialize(self.inner_optimizer),
            "initial_scale": self.initial_scale,
            "dynamic_growth_steps": self.dynamic_growth_steps,
        }

    @classmethod
    def from_config(
        cls, config: dict[str, Any], custom_objects: dict | None = None
    ) -> LossScaleOptimizer:
        """Create the optimizer (without state) from `get_config()` output."""
        from torchkeras import optimizers

        config = dict(config)
        inner = config.pop("inner_optimizer")
        if isinstance(inner, dict):
            inner = optimizers.deserialize(inner, custom_objects=custom_objects)
        return cls(inner, **config)


def _all_finite(grads: list[torch.Tensor]) -> bool:
    """Return whether every gradient is free of inf and NaN (one device read)."""
    flags = torch.stack([torch.isfinite(g).all() for g in grads])
    return bool(flags.all())
