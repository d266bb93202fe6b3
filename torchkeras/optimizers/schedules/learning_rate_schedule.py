"""The learning-rate schedule base class."""

from __future__ import annotations

import numbers
from typing import Any
from typing import Union

import torch

from torchkeras import config as backend_config
from torchkeras.optimizers.schedules import _dtype_math

# `Union` rather than `|`, which Python 3.9 cannot evaluate at runtime.
Step = Union[int, float, torch.Tensor]  # noqa: UP007


class LearningRateSchedule:
    """Base class of learning-rate schedules: the learning rate at a step.

    Pass a schedule as the `learning_rate` of any optimizer. The optimizer
    calls it once per update with the number of updates done so far (a
    Python int, starting at 0) and uses the result as the learning rate of
    that update. A schedule that returns a Python float costs no device
    work per step, so prefer floats over tensors in `__call__`.

    To write a schedule, subclass this class and override
    `__call__(step)`. To save the schedule with its optimizer, also
    override `get_config()` to return the constructor arguments. The
    default `from_config()` passes them back to the constructor.

    Example:

    >>> class HalvingSchedule(LearningRateSchedule):
    ...     def __init__(self, initial_learning_rate, steps_per_halving):
    ...         self.initial_learning_rate = initial_learning_rate
    ...         self.steps_per_halving = steps_per_halving
    ...     def __call__(self, step):
    ...         return self.initial_learning_rate * 0.5 ** (
    ...             step // self.steps_per_halving
    ...         )
    ...     def get_config(self):
    ...         return {
    ...             "initial_learning_rate": self.initial_learning_rate,
    ...             "steps_per_halving": self.steps_per_halving,
    ...         }
    >>> HalvingSchedule(0.1, steps_per_halving=100)(250)
    0.025
    """

    def __call__(self, step: Step) -> Any:
        """Return the learning rate of update number `step`."""
        raise NotImplementedError(
            f"The learning-rate schedule {type(self).__name__} must "
            "override `__call__(self, step)`, which returns the learning "
            "rate for `step`."
        )

    def get_config(self) -> dict[str, Any]:
        """Return the constructor arguments as a dict."""
        raise NotImplementedError(
            f"The learning-rate schedule {type(self).__name__} must "
            "override `get_config()`, returning its constructor arguments, "
            "before it can be serialized."
        )

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> LearningRateSchedule:
        """Create a schedule from the output of `get_config()`."""
        return cls(**config)


class BuiltinSchedule(LearningRateSchedule):
    """Base of the built-in schedules: floats for numbers, tensors for tensors.

    A Python or numpy number, which is what the optimizer passes every
    step, gives a Python float computed without tensors. Any other step (a
    tensor, an array) gives a 0-d tensor on the step's device. Both follow
    Keras's operations in the `config.floatx()` dtype, with every
    intermediate result rounded to it, so both give Keras's values.
    Subclasses write their formula once, in `_learning_rate(step, ops)`,
    with the operations of `_dtype_math.FloatMath`.
    """

    def __call__(self, step: Step) -> Any:
        dtype_name = backend_config.floatx()
        if type(step) is int or isinstance(step, numbers.Real):
            float_math = _dtype_math.float_math(dtype_name)
            if float_math is not None:
                return self._learning_rate(step, float_math)
            # float16 and bfloat16 have no exact Python float rounding here,
            # so they take the tensor path on the CPU.
            return float(self(torch.tensor(step)))
        if not isinstance(step, torch.Tensor):
            step = torch.as_tensor(step)
        dtype = backend_config.standardize_dtype(dtype_name)
        tensor_math = _dtype_math.TensorMath(dtype, step.device)
        return self._learning_rate(step, tensor_math)

    def _learning_rate(self, step: Any, ops: Any) -> Any:
        raise NotImplementedError
