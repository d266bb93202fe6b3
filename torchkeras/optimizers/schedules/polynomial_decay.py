"""Polynomial decay of the learning rate towards an end value."""

from __future__ import annotations

from typing import Any

from torchkeras.optimizers.schedules._checks import check_non_negative
from torchkeras.optimizers.schedules._checks import check_number
from torchkeras.optimizers.schedules._checks import check_positive
from torchkeras.optimizers.schedules.learning_rate_schedule import (
    BuiltinSchedule,
)


class PolynomialDecay(BuiltinSchedule):
    """Decay the learning rate polynomially to `end_learning_rate`.

    The learning rate at `step` is

        (initial_learning_rate - end_learning_rate)
        * (1 - min(step, decay_steps) / decay_steps) ** power
        + end_learning_rate

    so it reaches `end_learning_rate` after `decay_steps` steps and stays
    there. With `cycle=True` the decay restarts instead: `decay_steps` is
    replaced by its smallest multiple that is at least `step` (for step 0,
    `decay_steps` itself), so each cycle decays more slowly than the one
    before.

    Args:
        initial_learning_rate: Float. The learning rate at step 0.
        decay_steps: Positive number. Steps until `end_learning_rate`.
        end_learning_rate: Float. The final learning rate.
        power: Float, 0 or greater. The exponent of the polynomial;
            1.0 decays linearly.
        cycle: Bool. Whether to restart the decay after `decay_steps`.
        name: String. The schedule's name, stored in its config.

    Raises:
        TypeError: if a numeric argument is not a number.
        ValueError: if `decay_steps` is not positive or `power` is
            negative.

    Example:

    >>> schedule = PolynomialDecay(0.1, decay_steps=100,
    ...                            end_learning_rate=0.01)
    >>> round(schedule(50), 6), schedule(100), schedule(1000)
    (0.055, 0.01, 0.01)
    """

    def __init__(
        self,
        initial_learning_rate: float,
        decay_steps: int,
        end_learning_rate: float = 0.0001,
        power: float = 1.0,
        cycle: bool = False,
        name: str = "PolynomialDecay",
    ) -> None:
        check_number("initial_learning_rate", initial_learning_rate)
        check_positive("decay_steps", decay_steps)
        check_number("end_learning_rate", end_learning_rate)
        check_non_negative(
            "power",
            power,
            "a negative power makes the learning rate infinite at the end "
            "of the decay",
        )
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.end_learning_rate = end_learning_rate
        self.power = power
        self.cycle = cycle
        self.name = name

    def _learning_rate(self, step: Any, ops: Any) -> Any:
        step = ops.constant(step)
        decay_steps = ops.constant(self.decay_steps)
        if self.cycle:
            # The first multiple of decay_steps at or after step, or
            # decay_steps itself at step 0.
            multiplier = ops.where(
                step == 0,
                lambda: ops.constant(1.0),
                lambda: ops.ceil(ops.div(step, decay_steps)),
            )
            decay_steps = ops.mul(decay_steps, multiplier)
        else:
            step = ops.minimum(step, decay_steps)
        remaining = ops.sub(ops.constant(1.0), ops.div(step, decay_steps))
        end_learning_rate = ops.constant(self.end_learning_rate)
        span = ops.sub(
            ops.constant(self.initial_learning_rate), end_learning_rate
        )
        decayed = ops.mul(span, ops.pow(remaining, ops.constant(self.power)))
        return ops.add(decayed, end_learning_rate)

    def get_config(self) -> dict[str, Any]:
        """Return the constructor arguments, with Keras's keys."""
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "end_learning_rate": self.end_learning_rate,
            "power": self.power,
            "cycle": self.cycle,
            "name": self.name,
        }
