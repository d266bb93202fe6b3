"""`Flatten`: collapses all non-batch axes into one."""

from __future__ import annotations

import math

from torchkeras.config import standardize_data_format
from torchkeras.layers.layer import InputSpec
from torchkeras.layers.layer import Layer


class Flatten(Layer):
    """Flattens each sample to one axis, in Keras's (channels-last) order.

    With `data_format="channels_first"` the channels axis is first moved
    to the end, so a `(batch, channels, height, width)` input flattens in
    the same order as its channels_last twin. A Dense layer after Flatten
    then takes weights ported from Keras unchanged; torch's `Flatten`
    would order the values channel by channel instead.

    Args:
        data_format: `"channels_last"` or `"channels_first"`, the layout
            of inputs of rank 3 and more. None means
            `config.image_data_format()`.
        **kwargs: Base layer arguments (`name`, `dtype`, `trainable`).

    Input shape:
        `(batch, ...)`, at least rank 1.

    Output shape:
        `(batch, product of the other axes)`; `(batch, 1)` for rank 1.

    Example:

    >>> import torch
    >>> Flatten()(torch.ones(2, 3, 4)).shape
    torch.Size([2, 12])
    """

    def __init__(self, data_format: str | None = None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(data_format)
        self.input_spec = InputSpec(min_ndim=1)
        self._channels_first = self.data_format == "channels_first"

    def call(self, inputs):
        rank = inputs.dim()
        if rank == 1:
            return inputs.unsqueeze(1)
        if self._channels_first and rank > 2:
            inputs = inputs.permute(0, *range(2, rank), 1)
        return inputs.flatten(1)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        features = input_shape[1:]
        if any(size is None for size in features):
            return (input_shape[0], None)
        return (input_shape[0], math.prod(features))

    def get_config(self):
        config = super().get_config()
        config["data_format"] = self.data_format
        return config
