"""Scalar arithmetic in one float dtype, on Python floats or on tensors.

Keras computes a schedule with 0-d tensors of `floatx()`, so every
intermediate result is rounded to that dtype. The built-in schedules write
their formula once against the small interface below. `FloatMath` runs it
on Python floats and rounds each result to the dtype, which gives Keras's
float32 values exactly for `+ - * /` and within one unit in the last place
for `cos`, `log` and `pow`. It creates no tensor, except at the few steps
described in `FloatMath.cos` and `FloatMath.floor_log_ratio`. `TensorMath`
runs the formula with torch on 0-d tensors, as Keras does.
"""

from __future__ import annotations

import bisect
import math
import struct
from collections.abc import Callable
from collections.abc import Sequence
from typing import Any

import torch

_FLOAT32 = struct.Struct("f")


def round_to_float32(
    value: float,
    _pack: Callable[[float], bytes] = _FLOAT32.pack,
    _unpack: Callable[[bytes], tuple[float]] = _FLOAT32.unpack,
) -> float:
    """Return the float32 value nearest to `value`, as a Python float."""
    # `_pack` and `_unpack` are bound as defaults to save two attribute
    # lookups, because a schedule rounds 10 to 30 values per step.
    try:
        return _unpack(_pack(value))[0]
    except OverflowError:
        # Finite doubles beyond float32's range round to infinity.
        return math.copysign(math.inf, value)


def _keep_float64(value: float) -> float:
    return value


class FloatMath:
    """Arithmetic on Python floats, each result rounded to one dtype."""

    def __init__(
        self, round_to_dtype: Callable[[float], float], dtype: torch.dtype
    ) -> None:
        self.round = round_to_dtype
        self.dtype = dtype

    def constant(self, value: Any) -> float:
        return self.round(float(value))

    def add(self, a: float, b: float) -> float:
        return self.round(a + b)

    def sub(self, a: float, b: float) -> float:
        return self.round(a - b)

    def mul(self, a: float, b: float) -> float:
        return self.round(a * b)

    def div(self, a: float, b: float) -> float:
        try:
            return self.round(a / b)
        except ZeroDivisionError:
            # IEEE division by zero, as tensors compute it.
            if a == 0.0 or math.isnan(a):
                return math.nan
            return math.copysign(math.inf, a) * math.copysign(1.0, b)

    def pow(self, base: float, exponent: float) -> float:
        try:
            return self.round(math.pow(base, exponent))
        except OverflowError:
            return math.inf
        except ValueError:
            # 0 to a negative power, or a negative base to a fractional one.
            return math.inf if base == 0.0 else math.nan

    def floor(self, value: float) -> float:
        return float(math.floor(value)) if math.isfinite(value) else value

    def ceil(self, value: float) -> float:
        return float(math.ceil(value)) if math.isfinite(value) else value

    def cos(self, value: float) -> float:
        result = math.cos(value)
        if result < -0.9:
            # The cosine schedules add 1 to this value, which cancels most
            # of its digits near -1, so there one unit in the last place
            # of torch's float32 cos shows in the learning rate. Use
            # torch's cos there, as Keras does.
            return _torch_function(torch.cos, value, self.dtype)
        return self.round(result)

    def log(self, value: float) -> float:
        if value > 0.0:
            return self.round(math.log(value))
        return -math.inf if value == 0.0 else math.nan

    def floor_log_ratio(self, value: float, base: float) -> float:
        """Return floor(log(value) / log(base)), with logs as torch has them.

        Near an integer ratio, one unit in the last place of a log decides
        the floor. torch's float32 log is not always correctly rounded
        (log(1.5) is one unit high), and Keras's result follows torch's, so
        there the logs are recomputed with torch on the CPU. Elsewhere the
        floor is the same either way and no tensor is created.
        """
        ratio = self.div(self.log(value), self.log(base))
        nearest = round(ratio) if math.isfinite(ratio) else ratio
        if abs(ratio - nearest) <= 1e-4 * max(1.0, abs(nearest)):
            ratio = self.div(
                _torch_function(torch.log, value, self.dtype),
                _torch_function(torch.log, base, self.dtype),
            )
        return self.floor(ratio)

    def minimum(self, a: float, b: float) -> float:
        return min(a, b)

    def where(
        self,
        condition: bool,
        if_true: Callable[[], float],
        if_false: Callable[[], float],
    ) -> float:
        return if_true() if condition else if_false()

    def interval_value(
        self,
        step: float,
        boundaries: Sequence[float],
        values: Sequence[float],
    ) -> float:
        """Return `values[i]`, where `i` counts the boundaries below `step`."""
        return self.constant(values[bisect.bisect_left(boundaries, step)])


class TensorMath:
    """The same arithmetic with torch on 0-d tensors of one dtype and device."""

    def __init__(self, dtype: torch.dtype, device: torch.device) -> None:
        self.dtype = dtype
        self.device = device

    def round(self, value: float) -> float:
        # The tensor is made on the CPU, so `.item()` does not wait for the
        # device that the step tensor lives on.
        return torch.tensor(value, dtype=self.dtype).item()

    def constant(self, value: Any) -> torch.Tensor:
        if isinstance(value, torch.Tensor):
            return value.to(self.dtype)
        return torch.tensor(value, dtype=self.dtype, device=self.device)

    add = staticmethod(torch.add)
    sub = staticmethod(torch.sub)
    mul = staticmethod(torch.mul)
    div = staticmethod(torch.div)
    pow = staticmethod(torch.pow)
    floor = staticmethod(torch.floor)
    ceil = staticmethod(torch.ceil)
    cos = staticmethod(torch.cos)
    log = staticmethod(torch.log)
    minimum = staticmethod(torch.minimum)

    def floor_log_ratio(self, value: torch.Tensor, base: float) -> torch.Tensor:
        return torch.floor(torch.log(value) / torch.log(self.constant(base)))

    def where(
        self,
        condition: torch.Tensor,
        if_true: Callable[[], torch.Tensor],
        if_false: Callable[[], torch.Tensor],
    ) -> torch.Tensor:
        # Both branches run, so the step stays on its device; a branch that
        # is not selected may hold inf or NaN without harm.
        return torch.where(condition, if_true(), if_false())

    def interval_value(
        self,
        step: torch.Tensor,
        boundaries: Sequence[float],
        values: Sequence[float],
    ) -> torch.Tensor:
        """Return `values[i]`, where `i` counts the boundaries below `step`."""
        # As Keras does, compare in the step's dtype.
        boundary_tensor = torch.tensor(boundaries, device=step.device)
        index = torch.bucketize(step, boundary_tensor.to(step.dtype))
        return self.constant(values)[index]


# Rounding for the floatx values that Python floats can represent exactly.
_FLOAT_MATHS = {
    "float32": FloatMath(round_to_float32, torch.float32),
    "float64": FloatMath(_keep_float64, torch.float64),
}


def _torch_function(
    function: Callable[[torch.Tensor], torch.Tensor],
    value: float,
    dtype: torch.dtype,
) -> float:
    """Return `function(value)` computed by torch on a CPU scalar."""
    return function(torch.tensor(value, dtype=dtype)).item()


def float_math(dtype_name: str) -> FloatMath | None:
    """Return the `FloatMath` of a dtype, or None when it has none."""
    return _FLOAT_MATHS.get(dtype_name)
