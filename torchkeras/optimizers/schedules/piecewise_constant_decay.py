"""A learning rate that is constant between step boundaries."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from torchkeras.optimizers.schedules._checks import check_number
from torchkeras.optimizers.schedules.learning_rate_schedule import (
    BuiltinSchedule,
)


class PiecewiseConstantDecay(BuiltinSchedule):
    """Use `values[i]` as the learning rate between two step boundaries.

    The rate is `values[0]` while `step <= boundaries[0]`, `values[i]`
    while `boundaries[i - 1] < step <= boundaries[i]`, and `values[-1]`
    once `step > boundaries[-1]`.

    Args:
        boundaries: List of numbers in strictly increasing order: the last
            step of each interval but the final one.
        values: List of numbers, one more than `boundaries`: the learning
            rate of each interval.
        name: String. The schedule's name, stored in its config.

    Raises:
        TypeError: if `boundaries` or `values` is not a list or tuple of
            numbers.
        ValueError: if `boundaries` is empty or not strictly increasing,
            or `values` does not have one more element than `boundaries`.

    Example:

    >>> schedule = PiecewiseConstantDecay([100, 200], [0.1, 0.01, 0.001])
    >>> schedule(100), schedule(101), schedule(500)
    (0.1, 0.01, 0.001)
    """

    def __init__(
        self,
        boundaries: Sequence[float],
        values: Sequence[float],
        name: str = "PiecewiseConstant",
    ) -> None:
        _check_number_list("boundaries", boundaries)
        _check_number_list("values", values)
        if len(values) != len(boundaries) + 1:
            raise ValueError(
                "`values` must have one more element than `boundaries`, "
                "one learning rate for each interval. Received: "
                f"boundaries={boundaries!r} ({len(boundaries)} elements) "
                f"and values={values!r} ({len(values)} elements)"
            )
        if not boundaries:
            raise ValueError(
                "`boundaries` must contain at least one step. For a "
                "constant learning rate, pass a float as `learning_rate`. "
                f"Received: boundaries={boundaries!r}"
            )
        # zip rather than itertools.pairwise, which needs Python 3.10.
        for earlier, later in zip(boundaries, boundaries[1:]):  # noqa: RUF007
            if not earlier < later:
                raise ValueError(
                    "`boundaries` must be strictly increasing. Received: "
                    f"boundaries={boundaries!r}, where {later!r} follows "
                    f"{earlier!r}"
                )
        self.boundaries = boundaries
        self.values = values
        self.name = name

    def _learning_rate(self, step: Any, ops: Any) -> Any:
        return ops.interval_value(step, self.boundaries, self.values)

    def get_config(self) -> dict[str, Any]:
        """Return the constructor arguments, with Keras's keys."""
        return {
            "boundaries": self.boundaries,
            "values": self.values,
            "name": self.name,
        }


def _check_number_list(name: str, value: Any) -> None:
    if not isinstance(value, (list, tuple)):
        raise TypeError(
            f"`{name}` must be a list or tuple of numbers. Received: "
            f"{name}={value!r} of type {type(value).__name__}"
        )
    for index, item in enumerate(value):
        check_number(f"{name}[{index}]", item)
