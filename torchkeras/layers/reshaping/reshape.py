"""`Reshape`: gives each sample a new shape."""

from __future__ import annotations

import math
import numbers
from typing import Any

from torchkeras.layers.layer import Layer


class Reshape(Layer):
    """Reshapes each sample to `target_shape`; the batch axis is kept.

    Args:
        target_shape: Tuple of integers, the new shape of one sample
            (without the batch axis). One entry may be -1; its size is
            inferred from the others.
        **kwargs: Base layer arguments (`name`, `dtype`, `trainable`).

    Input shape:
        Any shape whose sample size equals the product of `target_shape`.

    Output shape:
        `(batch, *target_shape)`.

    Example:

    >>> import torch
    >>> Reshape((3, -1))(torch.ones(2, 12)).shape
    torch.Size([2, 3, 4])
    """

    def __init__(self, target_shape: Any, **kwargs):
        target_shape = _validate_target_shape(target_shape)
        super().__init__(**kwargs)
        self.target_shape = target_shape

    def call(self, inputs):
        sample_shape = tuple(inputs.shape[1:])
        new_shape = self._resolve(sample_shape)
        return inputs.reshape((inputs.shape[0],) + new_shape)

    def _resolve(self, sample_shape: tuple) -> tuple:
        """Return `target_shape` with -1 replaced by its size.

        Raises:
            ValueError: if the sample size does not fit `target_shape`.
        """
        target = self.target_shape
        if any(size is None for size in sample_shape):
            return tuple(None if size == -1 else size for size in target)
        total = math.prod(sample_shape)
        # A loop rather than math.prod over a generator, which
        # torch.compile cannot trace.
        known = 1
        for size in target:
            if size != -1:
                known *= size
        if -1 not in target:
            fits = known == total
        else:
            fits = known != 0 and total % known == 0
        if not fits:
            raise ValueError(
                f"Layer {self.name!r} cannot reshape a sample of shape "
                f"{sample_shape} ({total} values) to target_shape="
                f"{target}. The product of `target_shape` must equal the "
                "sample size; use -1 for one axis to infer it."
            )
        if -1 not in target:
            return target
        return tuple(total // known if size == -1 else size for size in target)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        return (input_shape[0],) + self._resolve(input_shape[1:])

    def get_config(self):
        config = super().get_config()
        config["target_shape"] = self.target_shape
        return config


def _validate_target_shape(target_shape: Any) -> tuple[int, ...]:
    """Return `target_shape` as a tuple of ints, at most one of them -1.

    Raises:
        ValueError: for a non-sequence, a non-integer entry, an entry
            below -1, or more than one -1.
    """
    try:
        shape = tuple(target_shape)
    except TypeError:
        raise ValueError(
            "`target_shape` must be a tuple of integers. "
            f"Received: target_shape={target_shape!r}"
        ) from None
    for size in shape:
        is_integer = isinstance(size, numbers.Integral)
        if isinstance(size, bool) or not is_integer or size < -1:
            raise ValueError(
                "Each entry of `target_shape` must be a non-negative "
                "integer, or -1 for one inferred axis. "
                f"Received: target_shape={target_shape!r}"
            )
    shape = tuple(int(size) for size in shape)
    if shape.count(-1) > 1:
        raise ValueError(
            "`target_shape` can contain at most one -1 (inferred axis). "
            f"Received: target_shape={target_shape!r}"
        )
    return shape
