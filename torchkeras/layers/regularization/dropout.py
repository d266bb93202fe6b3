"""`Dropout`: randomly zeroes inputs during training."""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F

from torchkeras.layers.layer import Layer


class Dropout(Layer):
    """Sets a random fraction `rate` of inputs to 0 during training.

    This is inverted dropout: kept values are scaled by `1 / (1 - rate)`,
    so the expected sum is unchanged and inference needs no rescaling. In
    inference (`training=False`, the default outside `fit`) the layer
    returns its input unchanged.

    Args:
        rate: Float in [0, 1], the fraction of inputs to drop.
        noise_shape: Optional shape of the keep/drop mask, broadcast
            against the input, such as `(batch, 1, features)` to drop the
            same features at every time step. None entries take the
            input's size.
        seed: Optional integer. With a seed, the sequence of masks is
            reproducible: a new layer with the same seed draws the same
            masks. Masks are not bitwise equal to Keras's.
        **kwargs: Base layer arguments (`name`, `dtype`, `trainable`).

    Call arguments:
        inputs: Input tensor of any shape.
        training: Whether to drop values (True) or pass the input through.

    Input shape:
        Any shape.

    Output shape:
        Same as the input.

    Example:

    >>> import torch
    >>> layer = Dropout(0.5)
    >>> layer(torch.ones(2, 3))
    tensor([[1., 1., 1.],
            [1., 1., 1.]])
    """

    def __init__(
        self,
        rate: float,
        noise_shape: Any = None,
        seed: int | None = None,
        **kwargs,
    ):
        if (
            isinstance(rate, bool)
            or not isinstance(rate, (int, float))
            or not 0 <= rate <= 1
        ):
            raise ValueError(
                "`rate` must be a float in [0, 1], the fraction of inputs "
                f"to drop. Received: rate={rate!r}"
            )
        if seed is not None and (
            isinstance(seed, bool) or not isinstance(seed, int)
        ):
            raise ValueError(
                f"`seed` must be an integer or None. Received: seed={seed!r}"
            )
        noise_shape = _standardize_noise_shape(noise_shape)
        super().__init__(**kwargs)
        self.rate = rate
        self.noise_shape = noise_shape
        self.seed = seed
        self.supports_masking = True
        # One generator per device, created on first use.
        self._generators: dict[torch.device, torch.Generator] = {}

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        if self.noise_shape is None and self.seed is None:
            return F.dropout(inputs, self.rate, training=True)
        keep = 1.0 - self.rate
        probabilities = torch.full(
            self._mask_shape(inputs),
            keep,
            dtype=inputs.dtype,
            device=inputs.device,
        )
        mask = torch.bernoulli(
            probabilities, generator=self._generator(inputs.device)
        ).to(torch.bool)
        # `where` rather than a product, so rate=1 gives zeros, not NaN.
        return torch.where(mask, inputs / keep if keep else inputs, 0.0)

    def _mask_shape(self, inputs: torch.Tensor) -> tuple[int, ...]:
        if self.noise_shape is None:
            return tuple(inputs.shape)
        if len(self.noise_shape) != inputs.dim():
            raise ValueError(
                f"`noise_shape` of layer {self.name!r} must have one entry "
                "per input axis. Received: "
                f"noise_shape={self.noise_shape}, "
                f"inputs.shape={tuple(inputs.shape)}"
            )
        return tuple(
            size if noise is None else noise
            for noise, size in zip(self.noise_shape, inputs.shape)
        )

    def _generator(self, device: torch.device) -> torch.Generator | None:
        if self.seed is None:
            return None
        generator = self._generators.get(device)
        if generator is None:
            generator = torch.Generator(device=device)
            generator.manual_seed(self.seed)
            self._generators[device] = generator
        return generator

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "rate": self.rate,
                "seed": self.seed,
                "noise_shape": self.noise_shape,
            }
        )
        return config


def _standardize_noise_shape(noise_shape: Any) -> tuple | None:
    """Return `noise_shape` as a tuple of positive ints and Nones.

    Raises:
        ValueError: for a string, a non-iterable, or an entry that is not
            a positive integer or None.
    """
    if noise_shape is None:
        return None
    if isinstance(noise_shape, str):
        raise ValueError(
            "`noise_shape` must be a tuple or list of integers or None. "
            f"Received: noise_shape={noise_shape!r}"
        )
    try:
        noise_shape = tuple(noise_shape)
    except TypeError:
        raise ValueError(
            "`noise_shape` must be a tuple or list of integers or None. "
            f"Received: noise_shape={noise_shape!r}"
        ) from None
    for size in noise_shape:
        if size is None:
            continue
        if isinstance(size, bool) or not isinstance(size, int) or size <= 0:
            raise ValueError(
                "Each entry of `noise_shape` must be a positive integer or "
                f"None. Received: noise_shape={noise_shape!r}"
            )
    return noise_shape
