"""Exponential decay of the learning rate."""

from __future__ import annotations

from typing import Any

from torchkeras.optimizers.schedules._checks import check_non_negative
from torchkeras.optimizers.schedules._checks import check_number
from torchkeras.optimizers.schedules._checks import check_positive
from torchkeras.optimizers.schedules.learning_rate_schedule import (
    BuiltinSchedule,
)


class ExponentialDecay(BuiltinSchedule):
    """Multiply the learning rate by `decay_rate` every `decay_steps` steps.

    The learning rate at `step` is

        initial_learning_rate * decay_rate ** (step / decay_steps)

    With `staircase=True` the exponent is rounded down to an integer, so
    the rate drops once every `decay_steps` steps instead of a little at
    every step.

    Args:
        initial_learning_rate: Float. The learning rate at step 0.
        decay_steps: Positive number. Steps over which the rate is
            multiplied by `decay_rate` once.
        decay_rate: Float, 0 or greater. The factor per `decay_steps`.
        staircase: Bool. Whether to decay at discrete intervals.
        name: String. The schedule's name, stored in its config.

    Raises:
        TypeError: if a numeric argument is not a number.
        ValueError: if `decay_steps` is not positive or `decay_rate` is
            negative.

    Example:

    >>> schedule = ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)
    >>> schedule(20)
    0.025
    >>> from torchkeras import optimizers
    >>> optimizer = optimizers.SGD(learning_rate=schedule)
    """

    def __init__(
        self,
        initial_learning_rate: float,
        decay_steps: int,
        decay_rate: float,
        staircase: bool = False,
        name: str = "ExponentialDecay",
    ) -> None:
        check_number("initial_learning_rate", initial_learning_rate)
        check_positive("decay_steps", decay_steps)
        check_non_negative(
            "decay_rate",
            decay_rate,
            "a negative base has no real power at fractional exponents",
        )
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name

    def _learning_rate(self, step: Any, ops: Any) -> Any:
        exponent = ops.div(ops.constant(step), ops.constant(self.decay_steps))
        if self.staircase:
            exponent = ops.floor(exponent)
        decay = ops.pow(ops.constant(self.decay_rate), exponent)
        return ops.mul(ops.constant(self.initial_learning_rate), decay)

    def get_config(self) -> dict[str, Any]:
        """Return the constructor arguments, with Keras's keys."""
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "decay_rate": self.decay_rate,
            "staircase": self.staircase,
            "name": self.name,
        }
