"""Inverse time decay of the learning rate."""

from __future__ import annotations

from typing import Any

from torchkeras.optimizers.schedules._checks import check_non_negative
from torchkeras.optimizers.schedules._checks import check_number
from torchkeras.optimizers.schedules._checks import check_positive
from torchkeras.optimizers.schedules.learning_rate_schedule import (
    BuiltinSchedule,
)


class InverseTimeDecay(BuiltinSchedule):
    """Decay the learning rate in proportion to 1 / (1 + decay_rate * t).

    The learning rate at `step` is

        initial_learning_rate / (1 + decay_rate * step / decay_steps)

    With `staircase=True`, `step / decay_steps` is rounded down to an
    integer, so the rate changes once every `decay_steps` steps.

    Args:
        initial_learning_rate: Float. The learning rate at step 0.
        decay_steps: Positive number. The step count that makes one unit
            of time in the formula above.
        decay_rate: Float, 0 or greater. How fast the rate decays.
        staircase: Bool. Whether to decay at discrete intervals.
        name: String. The schedule's name, stored in its config.

    Raises:
        TypeError: if a numeric argument is not a number.
        ValueError: if `decay_steps` is not positive or `decay_rate` is
            negative.

    Example:

    >>> schedule = InverseTimeDecay(0.1, decay_steps=10, decay_rate=1.0)
    >>> schedule(10), schedule(30)
    (0.05, 0.025)
    """

    def __init__(
        self,
        initial_learning_rate: float,
        decay_steps: int,
        decay_rate: float,
        staircase: bool = False,
        name: str = "InverseTimeDecay",
    ) -> None:
        check_number("initial_learning_rate", initial_learning_rate)
        check_positive("decay_steps", decay_steps)
        check_non_negative(
            "decay_rate",
            decay_rate,
            "a negative rate divides by zero once 1 + decay_rate * t reaches 0",
        )
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name

    def _learning_rate(self, step: Any, ops: Any) -> Any:
        time = ops.div(ops.constant(step), ops.constant(self.decay_steps))
        if self.staircase:
            time = ops.floor(time)
        denominator = ops.add(
            ops.constant(1.0), ops.mul(ops.constant(self.decay_rate), time)
        )
        return ops.div(ops.constant(self.initial_learning_rate), denominator)

    def get_config(self) -> dict[str, Any]:
        """Return the constructor arguments, with Keras's keys."""
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "decay_rate": self.decay_rate,
            "staircase": self.staircase,
            "name": self.name,
        }
