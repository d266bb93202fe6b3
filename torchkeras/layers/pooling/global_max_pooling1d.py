"""`GlobalMaxPooling1D`: the maximum over all steps."""

from __future__ import annotations

import torch

from torchkeras.layers.pooling.base_global_pooling import _BaseGlobalPooling


class GlobalMaxPooling1D(_BaseGlobalPooling):
    """Global max pooling for temporal data: the maximum over all steps.

    Args:
        data_format: `"channels_last"`, inputs `(batch, steps, channels)`, or
            `"channels_first"`, inputs `(batch, channels, steps)`. None means
            `config.image_data_format()`.
        keepdims: Whether to keep the reduced axes with size 1.
        **kwargs: Base layer arguments (`name`, `dtype`, `trainable`).

    Input shape:
        3D tensor `(batch, steps, channels)` with channels_last,
        `(batch, channels, steps)` with channels_first.

    Output shape:
        `(batch, channels)`; with `keepdims=True`, `(batch, 1, channels)` with
        channels_last and `(batch, channels, 1)` with channels_first.

    Example:

    >>> import torch
    >>> GlobalMaxPooling1D()(torch.ones(2, 5, 3)).shape
    torch.Size([2, 3])
    """

    _rank = 1

    def call(self, inputs):
        self._check_rank(inputs.dim())
        return torch.amax(inputs, dim=self._spatial_axes, keepdim=self.keepdims)
