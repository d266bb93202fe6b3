"""`_BasePooling`: the code shared by the max and average pooling layers."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from torchkeras.config import standardize_data_format
from torchkeras.layers.convolutional._conv_utils import same_padding
from torchkeras.layers.convolutional._conv_utils import spatial_output_shape
from torchkeras.layers.convolutional._conv_utils import standardize_padding
from torchkeras.layers.convolutional._conv_utils import standardize_tuple
from torchkeras.layers.layer import InputSpec
from torchkeras.layers.layer import Layer

_MAX_POOL = {1: F.max_pool1d, 2: F.max_pool2d, 3: F.max_pool3d}
_AVG_POOL = {1: F.avg_pool1d, 2: F.avg_pool2d, 3: F.avg_pool3d}


class _BasePooling(Layer):
    """Private base of the windowed max and average pooling layers.

    With `padding="same"` the output has `ceil(size / stride)` steps per
    axis and an odd total padding puts the extra step after the data, as
    in Keras. Padded positions never win a max (they count as -inf) and
    are left out of an average's divisor.

    NOTE: Keras 3.15.1 on its torch backend fills odd ('same') padding by
    repeating the edge values, so its average over such a window counts
    the last row or column twice. This layer follows Keras's documented
    rule (and its TensorFlow and JAX backends) and excludes the padding.
    """

    _rank = 0
    _mode = ""

    def __init__(
        self,
        pool_size,
        strides=None,
        padding: str = "valid",
        data_format: str | None = None,
        name: str | None = None,
        **kwargs,
    ):
        rank = self._rank
        pool_size = standardize_tuple(pool_size, rank, "pool_size")
        if strides is None:
            strides = pool_size
        strides = standardize_tuple(strides, rank, "strides")
        padding = standardize_padding(padding, ("valid", "same"))
        super().__init__(name=name, **kwargs)
        self.pool_size = pool_size
        self.strides = strides
        self.padding = padding
        self.data_format = standardize_data_format(data_format)
        self.input_spec = InputSpec(ndim=rank + 2)
        self._channels_last = self.data_format == "channels_last"
        self._to_channels_first = (0, rank + 1) + tuple(range(1, rank + 1))
        self._to_channels_last = (0,) + tuple(range(2, rank + 2)) + (1,)

    def build(self, input_shape):
        # Raises for inputs smaller than a 'valid' window.
        self.compute_output_shape(input_shape)

    def call(self, inputs):
        if self._channels_last:
            inputs = inputs.permute(self._to_channels_first)
        pads = self._same_pads(inputs) if self.padding == "same" else None
        if self._mode == "max":
            outputs = self._max_pool(inputs, pads)
        else:
            outputs = self._average_pool(inputs, pads)
        if self._channels_last:
            outputs = outputs.permute(self._to_channels_last)
        return outputs

    def _same_pads(self, inputs: torch.Tensor) -> list[tuple[int, int]]:
        sizes = inputs.shape[2:]
        return [
            same_padding(size, k, s)
            for size, k, s in zip(sizes, self.pool_size, self.strides)
        ]

    def _max_pool(self, inputs, pads):
        pool = _MAX_POOL[self._rank]
        if pads is None:
            return pool(inputs, self.pool_size, self.strides)
        if _symmetric(pads):
            # Torch's own padding is -inf for max pooling.
            padding = tuple(before for before, _ in pads)
            return pool(inputs, self.pool_size, self.strides, padding)
        padded = F.pad(inputs, _flat(pads), value=float("-inf"))
        return pool(padded, self.pool_size, self.strides)

    def _average_pool(self, inputs, pads):
        pool = _AVG_POOL[self._rank]
        if pads is None:
            return pool(inputs, self.pool_size, self.strides)
        if _symmetric(pads):
            padding = tuple(before for before, _ in pads)
            return pool(
                inputs,
                self.pool_size,
                self.strides,
                padding,
                count_include_pad=False,
            )
        # Torch's pooling pads both sides equally. So pad with zeros, then
        # divide by the average of a padded all-ones map, which is the
        # fraction of each window that contains data.
        pads = _flat(pads)
        zero_padded_means = pool(
            F.pad(inputs, pads), self.pool_size, self.strides
        )
        ones = inputs.new_ones((1, 1) + tuple(inputs.shape[2:]))
        fractions = pool(F.pad(ones, pads), self.pool_size, self.strides)
        return zero_padded_means / fractions

    def compute_output_shape(self, input_shape):
        channel_axis = -1 if self._channels_last else 1
        return spatial_output_shape(
            input_shape,
            self.pool_size,
            self.strides,
            self.padding,
            self.data_format,
            tuple(input_shape)[channel_axis],
            layer_name=self.name,
        )

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "pool_size": self.pool_size,
                "padding": self.padding,
                "strides": self.strides,
                "data_format": self.data_format,
            }
        )
        return config


def _symmetric(pads: list[tuple[int, int]]) -> bool:
    return all(before == after for before, after in pads)


def _flat(pads: list[tuple[int, int]]) -> list[int]:
    """Return `F.pad`'s argument, which lists the last axis first."""
    return [p for pair in reversed(pads) for p in pair]
