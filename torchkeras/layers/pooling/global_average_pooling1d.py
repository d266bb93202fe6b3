"""`GlobalAveragePooling1D`: the mean over all steps."""

from __future__ import annotations

import torch

from torchkeras.layers.pooling.base_global_pooling import _BaseGlobalPooling


class GlobalAveragePooling1D(_BaseGlobalPooling):
    """Global average pooling for temporal data: the mean over all steps.

    Args:
        data_format: `"channels_last"`, inputs `(batch, steps, channels)`, or
            `"channels_first"`, inputs `(batch, channels, steps)`. None means
            `config.image_data_format()`.
        keepdims: Whether to keep the reduced axes with size 1.
        **kwargs: Base layer arguments (`name`, `dtype`, `trainable`).

    Call arguments:
        inputs: A 3D tensor.
        mask: Optional boolean tensor `(batch, steps)`; steps where it is
            False are left out of the mean.

    Input shape:
        3D tensor `(batch, steps, channels)` with channels_last,
        `(batch, channels, steps)` with channels_first.

    Output shape:
        `(batch, channels)`; with `keepdims=True`, `(batch, 1, channels)` with
        channels_last and `(batch, channels, 1)` with channels_first.

    Example:

    >>> import torch
    >>> GlobalAveragePooling1D()(torch.ones(2, 5, 3)).shape
    torch.Size([2, 3])
    """

    _rank = 1

    def __init__(
        self,
        data_format: str | None = None,
        keepdims: bool = False,
        **kwargs,
    ):
        super().__init__(data_format=data_format, keepdims=keepdims, **kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        self._check_rank(inputs.dim())
        steps_axis = self._spatial_axes[0]
        if mask is None:
            return torch.mean(inputs, dim=steps_axis, keepdim=self.keepdims)
        # The mask is (batch, steps); put a size-1 channels axis beside it.
        channel_axis = 2 if steps_axis == 1 else 1
        weights = mask.to(torch.bool).unsqueeze(channel_axis)
        total = torch.where(weights, inputs, 0).sum(
            dim=steps_axis, keepdim=self.keepdims
        )
        count = weights.to(inputs.dtype).sum(
            dim=steps_axis, keepdim=self.keepdims
        )
        return total / count

    def compute_mask(self, inputs, previous_mask=None):
        return None
