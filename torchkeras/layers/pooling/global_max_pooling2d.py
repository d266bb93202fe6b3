"""`GlobalMaxPooling2D`: the maximum over all pixels."""

from __future__ import annotations

import torch

from torchkeras.layers.pooling.base_global_pooling import _BaseGlobalPooling


class GlobalMaxPooling2D(_BaseGlobalPooling):
    """Global max pooling for spatial data: the maximum over all pixels.

    Args:
        data_format: `"channels_last"`, inputs
            `(batch, height, width, channels)`, or `"channels_first"`,
            inputs `(batch, channels, height, width)`. None means
            `config.image_data_format()`.
        keepdims: Whether to keep the reduced axes with size 1.
        **kwargs: Base layer arguments (`name`, `dtype`, `trainable`).

    Input shape:
        4D tensor `(batch, height, width, channels)` with channels_last,
        `(batch, channels, height, width)` with channels_first.

    Output shape:
        `(batch, channels)`; with `keepdims=True`,
        `(batch, 1, 1, channels)` with channels_last and
        `(batch, channels, 1, 1)` with channels_first.

    Example:

    >>> import torch
    >>> GlobalMaxPooling2D()(torch.ones(2, 4, 5, 3)).shape
    torch.Size([2, 3])
    """

    _rank = 2

    def call(self, inputs):
        self._check_rank(inputs.dim())
        return torch.amax(inputs, dim=self._spatial_axes, keepdim=self.keepdims)
