"""`Masking`: mark timesteps that hold only a padding value as masked."""

from __future__ import annotations

import torch

from torchkeras.layers.layer import Layer


class Masking(Layer):
    """Masks the timesteps whose features all equal `mask_value`.

    For an input of shape `(batch, steps, features)`, a timestep is
    masked when every one of its features equals `mask_value`. The layer
    sets such timesteps to 0 and leaves the others unchanged, and
    `compute_mask` returns the `(batch, steps)` boolean mask, True for the
    timesteps to keep, for the layers that follow. The comparison runs
    over the last axis, so inputs of any rank of 2 or more work.

    Args:
        mask_value: The padding value, a number.
        **kwargs: Base layer arguments (`name`, `dtype`, `trainable`).

    Raises:
        NotImplementedError: if `mask_value` is a serialized tensor (a
            config dict), which this layer cannot read yet.

    Input shape:
        N-D tensor `(batch, ..., features)`.

    Output shape:
        Same as the input.

    Example:

    >>> x = torch.tensor([[[1.0, 2.0], [0.0, 0.0], [0.0, 3.0]]])
    >>> layer = Masking(mask_value=0.0)
    >>> layer.compute_mask(x)
    tensor([[ True, False,  True]])
    """

    def __init__(self, mask_value=0.0, **kwargs):
        if isinstance(mask_value, dict):
            raise NotImplementedError(
                "Masking does not support a serialized tensor as "
                "`mask_value` yet. Pass a number. "
                f"Received: mask_value={mask_value!r}"
            )
        super().__init__(**kwargs)
        self.mask_value = mask_value
        self.supports_masking = True

    def call(self, inputs):
        keep = torch.any(inputs != self.mask_value, dim=-1, keepdim=True)
        return inputs.masked_fill(~keep, 0)

    def compute_mask(self, inputs, previous_mask=None):
        return torch.any(inputs != self.mask_value, dim=-1)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config["mask_value"] = self.mask_value
        return config
