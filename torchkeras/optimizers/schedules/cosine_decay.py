"""Cosine decay of the learning rate, with linear warmup or with restarts.

Cosine annealing and warm restarts are from Loshchilov and Hutter, "SGDR:
Stochastic Gradient Descent with Warm Restarts" (ICLR 2017); linear warmup
is from Goyal et al., "Accurate, Large Minibatch SGD" (2017).
"""

from __future__ import annotations

import math
from typing import Any

from torchkeras.optimizers.schedules._checks import check_non_negative
from torchkeras.optimizers.schedules._checks import check_number
from torchkeras.optimizers.schedules._checks import check_positive
from torchkeras.optimizers.schedules.learning_rate_schedule import (
    BuiltinSchedule,
)


class CosineDecay(BuiltinSchedule):
    """Decay the learning rate along a half cosine, after an optional warmup.

    Without warmup (`warmup_target=None`), the learning rate at `step` is

        initial_learning_rate * ((1 - alpha) * cosine + alpha)
        cosine = 0.5 * (1 + cos(pi * min(step, decay_steps) / decay_steps))

    so it falls from `initial_learning_rate` to
    `alpha * initial_learning_rate` in `decay_steps` steps and stays there.

    With `warmup_target` set, the rate first rises linearly from
    `initial_learning_rate` to `warmup_target` over `warmup_steps` steps,
    then decays as above from `warmup_target` to `alpha * warmup_target`
    over the next `decay_steps` steps. `warmup_steps` has no effect while
    `warmup_target` is None, as in Keras.

    Args:
        initial_learning_rate: Float. The learning rate at step 0.
        decay_steps: Positive number. Length of the cosine decay in steps.
        alpha: Float. The final learning rate as a fraction of the rate the
            decay starts from.
        name: String. The schedule's name, stored in its config.
        warmup_target: Float or None. The learning rate at the end of the
            warmup; None turns the warmup off.
        warmup_steps: Number, 0 or greater. Length of the warmup in steps.

    Raises:
        TypeError: if a numeric argument is not a number.
        ValueError: if `decay_steps` is not positive or `warmup_steps` is
            negative.

    Example:

    >>> schedule = CosineDecay(0.0, decay_steps=100, warmup_target=0.1,
    ...                        warmup_steps=10)
    >>> schedule(5), schedule(10), round(schedule(60), 6), schedule(110)
    (0.05, 0.1, 0.05, 0.0)
    """

    def __init__(
        self,
        initial_learning_rate: float,
        decay_steps: int,
        alpha: float = 0.0,
        name: str = "CosineDecay",
        warmup_target: float | None = None,
        warmup_steps: int = 0,
    ) -> None:
        check_number("initial_learning_rate", initial_learning_rate)
        check_positive("decay_steps", decay_steps)
        check_number("alpha", alpha)
        if warmup_target is not None:
            check_number("warmup_target", warmup_target)
        check_non_negative(
            "warmup_steps",
            warmup_steps,
            "it is the number of steps the warmup lasts",
        )
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.alpha = alpha
        self.name = name
        self.warmup_target = warmup_target
        self.warmup_steps = warmup_steps

    def _learning_rate(self, step: Any, ops: Any) -> Any:
        step = ops.constant(step)
        decay_steps = ops.constant(self.decay_steps)
        initial_learning_rate = ops.constant(self.initial_learning_rate)
        if self.warmup_target is None:
            step = ops.minimum(step, decay_steps)
            return self._decayed(step, initial_learning_rate, ops)

        warmup_target = ops.constant(self.warmup_target)
        warmup_steps = ops.constant(self.warmup_steps)
        step = ops.minimum(step, ops.add(decay_steps, warmup_steps))
        return ops.where(
            step < warmup_steps,
            lambda: self._warmed_up(
                step, warmup_steps, warmup_target, initial_learning_rate, ops
            ),
            lambda: self._decayed(
                ops.sub(step, warmup_steps), warmup_target, ops
            ),
        )

    def _warmed_up(
        self,
        step: Any,
        warmup_steps: Any,
        warmup_target: Any,
        initial_learning_rate: Any,
        ops: Any,
    ) -> Any:
        """Return the linear warmup's rate; `step` is below warmup_steps."""
        rise = ops.sub(warmup_target, initial_learning_rate)
        done = ops.div(step, warmup_steps)
        return ops.add(ops.mul(rise, done), initial_learning_rate)

    def _decayed(self, step: Any, start: Any, ops: Any) -> Any:
        """Return the cosine decay's rate `step` steps after it starts."""
        done = ops.div(step, ops.constant(self.decay_steps))
        angle = ops.mul(ops.constant(math.pi), done)
        cosine = ops.mul(
            ops.constant(0.5), ops.add(ops.constant(1.0), ops.cos(angle))
        )
        # Keras subtracts alpha in Python, then rounds 1 - alpha once.
        scaled = ops.mul(ops.constant(1.0 - self.alpha), cosine)
        return ops.mul(start, ops.add(scaled, ops.constant(self.alpha)))

    def get_config(self) -> dict[str, Any]:
        """Return the constructor arguments, with Keras's keys."""
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "alpha": self.alpha,
            "name": self.name,
            "warmup_target": self.warmup_target,
            "warmup_steps": self.warmup_steps,
        }


class CosineDecayRestarts(BuiltinSchedule):
    """Cosine decay that restarts from a high learning rate (SGDR).

    The first period decays the learning rate from `initial_learning_rate`
    to `alpha * initial_learning_rate` along a half cosine over
    `first_decay_steps` steps. Each later period is `t_mul` times as long
    as the one before and starts from `m_mul` times the previous starting
    rate, so period `i` (from 0) lasts `first_decay_steps * t_mul ** i`
    steps and runs from `initial_learning_rate * m_mul ** i`:

        initial_learning_rate * ((1 - alpha) * cosine + alpha)
        cosine = 0.5 * m_mul ** i * (1 + cos(pi * fraction))

    where `fraction` is the part of period `i` done at `step`.

    Note: with `t_mul < 1` the periods shrink and together last only
    `first_decay_steps / (1 - t_mul)` steps. From that step on, the
    schedule returns NaN, as Keras's does.

    Args:
        initial_learning_rate: Float. The learning rate at step 0.
        first_decay_steps: Positive number. Length of the first period in
            steps.
        t_mul: Positive float. Factor by which each period is longer than
            the one before.
        m_mul: Float. Factor applied to the starting rate at each restart.
        alpha: Float. The lowest learning rate of a period, as a fraction
            of `initial_learning_rate`.
        name: String. The schedule's name, stored in its config.

    Raises:
        TypeError: if a numeric argument is not a number.
        ValueError: if `first_decay_steps` or `t_mul` is not positive.

    Example:

    >>> schedule = CosineDecayRestarts(0.1, first_decay_steps=10,
    ...                                m_mul=0.5)
    >>> schedule(0), schedule(10), schedule(30)
    (0.1, 0.05, 0.025)
    """

    def __init__(
        self,
        initial_learning_rate: float,
        first_decay_steps: int,
        t_mul: float = 2.0,
        m_mul: float = 1.0,
        alpha: float = 0.0,
        name: str = "SGDRDecay",
    ) -> None:
        check_number("initial_learning_rate", initial_learning_rate)
        check_positive("first_decay_steps", first_decay_steps)
        # Keras takes any t_mul, but at t_mul <= 0 every step after the
        # first period has no real logarithm and the rate becomes NaN.
        check_positive("t_mul", t_mul)
        check_number("m_mul", m_mul)
        check_number("alpha", alpha)
        self.initial_learning_rate = initial_learning_rate
        self.first_decay_steps = first_decay_steps
        self.t_mul = t_mul
        self.m_mul = m_mul
        self.alpha = alpha
        self.name = name

    def _learning_rate(self, step: Any, ops: Any) -> Any:
        fraction = ops.div(
            ops.constant(step), ops.constant(self.first_decay_steps)
        )
        if ops.round(self.t_mul) == 1.0:
            restart = ops.floor(fraction)
            fraction = ops.sub(fraction, restart)
        else:
            restart, fraction = self._geometric_restart(fraction, ops)

        one = ops.constant(1.0)
        m_factor = ops.pow(ops.constant(self.m_mul), restart)
        cosine = ops.mul(
            ops.mul(ops.constant(0.5), m_factor),
            ops.add(one, ops.cos(ops.mul(ops.constant(math.pi), fraction))),
        )
        alpha = ops.constant(self.alpha)
        decayed = ops.add(ops.mul(ops.sub(one, alpha), cosine), alpha)
        return ops.mul(ops.constant(self.initial_learning_rate), decayed)

    def _geometric_restart(self, fraction: Any, ops: Any) -> tuple[Any, Any]:
        """Return the period index and the fraction of it done, t_mul != 1.

        `fraction` counts first periods since step 0. Periods 0 to i - 1
        last (1 - t_mul ** i) / (1 - t_mul) first periods in total, so i is
        that equation solved for the fraction and rounded down.
        """
        one = ops.constant(1.0)
        t_mul = ops.constant(self.t_mul)
        shrink = ops.sub(one, t_mul)
        argument = ops.sub(one, ops.mul(fraction, shrink))
        restart = ops.floor_log_ratio(argument, self.t_mul)
        growth = ops.pow(t_mul, restart)
        done = ops.div(ops.sub(one, growth), shrink)
        return restart, ops.div(ops.sub(fraction, done), growth)

    def get_config(self) -> dict[str, Any]:
        """Return the constructor arguments, with Keras's keys."""
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "first_decay_steps": self.first_decay_steps,
            "t_mul": self.t_mul,
            "m_mul": self.m_mul,
            "alpha": self.alpha,
            "name": self.name,
        }
