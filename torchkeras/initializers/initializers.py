"""Weight initializers with Keras's names, defaults and distributions."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch

from torchkeras import config

# Keras divides the truncated-normal stddev by the stddev of a standard
# normal truncated to [-2, 2], so the samples keep the requested variance.
_TRUNCATION_STDDEV = 0.87962566103423978


def compute_fans(
    shape: tuple[int, ...],
    input_axes: list[int] | None = None,
    output_axes: list[int] | None = None,
) -> tuple[int, int]:
    """Return `(fan_in, fan_out)` of a weight in Keras layout.

    Keras layout puts input features second to last and outputs last, so a
    Conv2D kernel `(kh, kw, in, out)` has `fan_in = kh * kw * in`. When both
    `input_axes` and `output_axes` are given, the fans are instead the
    products of the sizes of those axes, as in Keras.
    """
    shape = tuple(shape)
    if input_axes is not None and output_axes is not None:
        fan_in = math.prod(shape[axis] for axis in input_axes)
        fan_out = math.prod(shape[axis] for axis in output_axes)
        return int(fan_in), int(fan_out)
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive_field = math.prod(shape[:-2])
    return shape[-2] * receptive_field, shape[-1] * receptive_field


class Initializer:
    """Base class: called as `initializer(shape, dtype=None)`, returns a tensor.

    Subclasses implement `__call__` and `get_config`.
    """

    def __call__(self, shape, dtype=None) -> torch.Tensor:
        raise NotImplementedError(
            f"{type(self).__name__} must implement `__call__(shape, dtype)`."
        )

    def get_config(self) -> dict[str, Any]:
        """Return the constructor arguments as a dict."""
        return {}

    @classmethod
    def from_config(cls, config_dict: dict[str, Any]) -> Initializer:
        """Create an initializer from the output of `get_config()`."""
        return cls(**config_dict)

    def clone(self) -> Initializer:
        """Return a new initializer with the same configuration."""
        return type(self).from_config(self.get_config())


class _RandomInitializer(Initializer):
    """An initializer whose samples come from an optional integer seed.

    With a seed, every call gives the same values; without one, values come
    from torch's global generator (see `utils.set_random_seed`).
    """

    def __init__(self, seed: int | None = None):
        if seed is not None and not isinstance(seed, int):
            raise ValueError(
                "`seed` must be an integer or None. "
                f"Received: seed={seed!r}"
            )
        self.seed = seed

    def _generator(self) -> torch.Generator | None:
        if self.seed is None:
            return None
        return torch.Generator().manual_seed(self.seed)

    def get_config(self) -> dict[str, Any]:
        return {"seed": self.seed}


class Zeros(Initializer):
    """Fills the weight with zeros."""

    def __call__(self, shape, dtype=None) -> torch.Tensor:
        return torch.zeros(tuple(shape), dtype=config.standardize_dtype(dtype))


class Ones(Initializer):
    """Fills the weight with ones."""

    def __call__(self, shape, dtype=None) -> torch.Tensor:
        return torch.ones(tuple(shape), dtype=config.standardize_dtype(dtype))


class Constant(Initializer):
    """Fills the weight with `value`, a scalar or an array that broadcasts."""

    def __init__(self, value: float = 0.0):
        self.value = value

    def __call__(self, shape, dtype=None) -> torch.Tensor:
        dtype = config.standardize_dtype(dtype)
        value = torch.as_tensor(np.asarray(self.value)).to(dtype)
        return torch.broadcast_to(value, tuple(shape)).clone()

    def get_config(self) -> dict[str, Any]:
        return {"value": self.value}


class RandomNormal(_RandomInitializer):
    """Samples from a normal distribution `N(mean, stddev**2)`."""

    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed=None):
        super().__init__(seed)
        self.mean = mean
        self.stddev = stddev

    def __call__(self, shape, dtype=None) -> torch.Tensor:
        tensor = torch.empty(tuple(shape), dtype=config.standardize_dtype(dtype))
        return tensor.normal_(self.mean, self.stddev, generator=self._generator())

    def get_config(self) -> dict[str, Any]:
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class TruncatedNormal(_RandomInitializer):
    """Samples from a normal distribution cut at two standard deviations."""

    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed=None):
        super().__init__(seed)
        self.mean = mean
        self.stddev = stddev

    def __call__(self, shape, dtype=None) -> torch.Tensor:
        tensor = torch.empty(tuple(shape), dtype=config.standardize_dtype(dtype))
        return _truncated_normal_(tensor, self.mean, self.stddev, self._generator())

    def get_config(self) -> dict[str, Any]:
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class RandomUniform(_RandomInitializer):
    """Samples from a uniform distribution on `[minval, maxval)`."""

    def __init__(self, minval: float = -0.05, maxval: float = 0.05, seed=None):
        super().__init__(seed)
        self.minval = minval
        self.maxval = maxval

    def __call__(self, shape, dtype=None) -> torch.Tensor:
        tensor = torch.empty(tuple(shape), dtype=config.standardize_dtype(dtype))
        return tensor.uniform_(self.minval, self.maxval, generator=self._generator())

    def get_config(self) -> dict[str, Any]:
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}


class VarianceScaling(_RandomInitializer):
    """Samples with a variance of `scale / n`, where `n` depends on `mode`.

    Args:
        scale: Positive scaling factor.
        mode: `"fan_in"`, `"fan_out"` or `"fan_avg"`.
        distribution: `"truncated_normal"`, `"untruncated_normal"` or
            `"uniform"`.
        seed: Optional integer seed.
    """

    def __init__(
        self,
        scale: float = 1.0,
        mode: str = "fan_in",
        distribution: str = "truncated_normal",
        seed=None,
        input_axes: list[int] | None = None,
        output_axes: list[int] | None = None,
    ):
        super().__init__(seed)
        if scale <= 0.0:
            raise ValueError(
                f"`scale` must be positive. Received: scale={scale!r}"
            )
        if mode not in ("fan_in", "fan_out", "fan_avg"):
            raise ValueError(
                "`mode` must be one of 'fan_in', 'fan_out', 'fan_avg'. "
                f"Received: mode={mode!r}"
            )
        distribution = distribution.lower()
        if distribution == "normal":
            distribution = "truncated_normal"
        if distribution not in ("truncated_normal", "untruncated_normal", "uniform"):
            raise ValueError(
                "`distribution` must be one of 'truncated_normal', "
                "'untruncated_normal', 'uniform'. "
                f"Received: distribution={distribution!r}"
            )
        self.scale = scale
        self.mode = mode
        self.distribution = distribution
        self.input_axes = input_axes
        self.output_axes = output_axes

    def __call__(self, shape, dtype=None) -> torch.Tensor:
        fan_in, fan_out = compute_fans(shape, self.input_axes, self.output_axes)
        fan = {"fan_in": fan_in, "fan_out": fan_out}.get(
            self.mode, (fan_in + fan_out) / 2.0
        )
        variance = self.scale / max(1.0, fan)
        tensor = torch.empty(tuple(shape), dtype=config.standardize_dtype(dtype))
        generator = self._generator()
        if self.distribution == "truncated_normal":
            stddev = math.sqrt(variance) / _TRUNCATION_STDDEV
            return _truncated_normal_(tensor, 0.0, stddev, generator)
        if self.distribution == "untruncated_normal":
            return tensor.normal_(0.0, math.sqrt(variance), generator=generator)
        limit = math.sqrt(3.0 * variance)
        return tensor.uniform_(-limit, limit, generator=generator)

    def get_config(self) -> dict[str, Any]:
        return {
            "scale": self.scale,
            "mode": self.mode,
            "distribution": self.distribution,
            "seed": self.seed,
            "input_axes": self.input_axes,
            "output_axes": self.output_axes,
        }


def _variance_scaling_subclass(name, scale, mode, distribution, summary):
    """Create a fixed-argument VarianceScaling subclass such as GlorotUniform."""

    def __init__(self, seed=None, input_axes=None, output_axes=None):
        VarianceScaling.__init__(
            self,
            scale=scale,
            mode=mode,
            distribution=distribution,
            seed=seed,
            input_axes=input_axes,
            output_axes=output_axes,
        )

    def get_config(self):
        return {
            "seed": self.seed,
            "input_axes": self.input_axes,
            "output_axes": self.output_axes,
        }

    return type(
        name,
        (VarianceScaling,),
        {"__init__": __init__, "get_config": get_config, "__doc__": summary},
    )


GlorotUniform = _variance_scaling_subclass(
    "GlorotUniform", 1.0, "fan_avg", "uniform",
    "Uniform on `[-l, l]` with `l = sqrt(6 / (fan_in + fan_out))`.",
)
GlorotNormal = _variance_scaling_subclass(
    "GlorotNormal", 1.0, "fan_avg", "truncated_normal",
    "Truncated normal with `stddev = sqrt(2 / (fan_in + fan_out))`.",
)
HeUniform = _variance_scaling_subclass(
    "HeUniform", 2.0, "fan_in", "uniform",
    "Uniform on `[-l, l]` with `l = sqrt(6 / fan_in)`.",
)
HeNormal = _variance_scaling_subclass(
    "HeNormal", 2.0, "fan_in", "truncated_normal",
    "Truncated normal with `stddev = sqrt(2 / fan_in)`.",
)
LecunUniform = _variance_scaling_subclass(
    "LecunUniform", 1.0, "fan_in", "uniform",
    "Uniform on `[-l, l]` with `l = sqrt(3 / fan_in)`.",
)
LecunNormal = _variance_scaling_subclass(
    "LecunNormal", 1.0, "fan_in", "truncated_normal",
    "Truncated normal with `stddev = sqrt(1 / fan_in)`.",
)
for _cls in (GlorotUniform, GlorotNormal, HeUniform, HeNormal, LecunUniform, LecunNormal):
    _cls.__module__ = __name__


class Orthogonal(_RandomInitializer):
    """A random orthogonal matrix, flattened to `(prod(shape[:-1]), shape[-1])`.

    Args:
        gain: Multiplicative factor applied to the matrix.
        seed: Optional integer seed.
    """

    def __init__(self, gain: float = 1.0, seed=None):
        super().__init__(seed)
        self.gain = gain

    def __call__(self, shape, dtype=None) -> torch.Tensor:
        shape = tuple(shape)
        if len(shape) < 2:
            raise ValueError(
                "The Orthogonal initializer needs a shape of rank 2 or more. "
                f"Received: shape={shape}"
            )
        rows, cols = math.prod(shape[:-1]), shape[-1]
        flat = torch.randn(
            (max(rows, cols), min(rows, cols)),
            generator=self._generator(),
            dtype=torch.float64,
        )
        q, r = torch.linalg.qr(flat)
        q = q * torch.sign(torch.diagonal(r))
        if rows < cols:
            q = q.T
        q = self.gain * q[:rows, :cols]
        return q.reshape(shape).to(config.standardize_dtype(dtype))

    def get_config(self) -> dict[str, Any]:
        return {"gain": self.gain, "seed": self.seed}


class Identity(Initializer):
    """The identity matrix times `gain`, for 2D weights."""

    def __init__(self, gain: float = 1.0):
        self.gain = gain

    def __call__(self, shape, dtype=None) -> torch.Tensor:
        shape = tuple(shape)
        if len(shape) != 2:
            raise ValueError(
                "The Identity initializer needs a 2D shape. "
                f"Received: shape={shape}"
            )
        eye = torch.eye(*shape, dtype=config.standardize_dtype(dtype))
        return self.gain * eye

    def get_config(self) -> dict[str, Any]:
        return {"gain": self.gain}


def _truncated_normal_(tensor, mean, stddev, generator):
    """Fill `tensor` from N(mean, stddev) resampled inside two stddevs."""
    tensor.normal_(0.0, 1.0, generator=generator)
    outside = tensor.abs() > 2.0
    while bool(outside.any()):
        redraw = torch.empty(int(outside.sum()), dtype=tensor.dtype)
        tensor[outside] = redraw.normal_(0.0, 1.0, generator=generator)
        outside = tensor.abs() > 2.0
    return tensor.mul_(stddev).add_(mean)
