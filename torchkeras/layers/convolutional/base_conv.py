"""`_BaseConv`: the code shared by `Conv1D` and `Conv2D`."""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F

from torchkeras import activations
from torchkeras import constraints
from torchkeras import initializers
from torchkeras import regularizers
from torchkeras.config import standardize_data_format
from torchkeras.layers.convolutional._conv_utils import same_padding
from torchkeras.layers.convolutional._conv_utils import spatial_output_shape
from torchkeras.layers.convolutional._conv_utils import standardize_padding
from torchkeras.layers.convolutional._conv_utils import standardize_tuple
from torchkeras.layers.layer import InputSpec
from torchkeras.layers.layer import Layer
from torchkeras.saving.serialization import serialize_keras_object

_CONV_FUNCTIONS = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}


class _BaseConv(Layer):
    """Private base of the convolution layers of any rank.

    The kernel is stored in Keras's layout
    `(*kernel_size, in_channels // groups, filters)`, so weights exchange
    with Keras unchanged. `call` hands torch a permuted view in its
    `(filters, in_channels // groups, *kernel_size)` layout. Channels-last
    inputs are also passed as a permuted view: torch's `channels_last`
    memory format, which its 2D convolution reads and writes without a
    copy. Channels-last sequences take the same path as images one row
    high.
    """

    _rank = 0

    def __init__(
        self,
        filters: int,
        kernel_size,
        strides=1,
        padding: str = "valid",
        data_format: str | None = None,
        dilation_rate=1,
        groups: int = 1,
        activation=None,
        use_bias: bool = True,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        lora_rank: int | None = None,
        lora_alpha: float | None = None,
        **kwargs,
    ):
        rank = self._rank
        name = type(self).__name__
        if not _is_positive_int(filters):
            raise ValueError(
                "`filters` must be a positive integer. "
                f"Received: filters={filters!r}"
            )
        if not _is_positive_int(groups):
            raise ValueError(
                "`groups` must be a positive integer. "
                f"Received: groups={groups!r}"
            )
        if filters % groups != 0:
            raise ValueError(
                "`filters` must be divisible by `groups`. "
                f"Received: filters={filters}, groups={groups}"
            )

        kernel_size = standardize_tuple(kernel_size, rank, "kernel_size")
        strides = standardize_tuple(strides, rank, "strides")
        dilation_rate = standardize_tuple(dilation_rate, rank, "dilation_rate")
        allowed = ("valid", "same")
        if rank == 1:
            allowed += ("causal",)
        padding = standardize_padding(padding, allowed)
        if max(strides) > 1 and max(dilation_rate) > 1:
            raise ValueError(
                f"{name} does not support `strides` > 1 together with "
                "`dilation_rate` > 1, as in Keras. "
                f"Received: strides={strides}, dilation_rate={dilation_rate}"
            )
        if lora_rank is not None:
            raise NotImplementedError(
                f"{name} does not support `lora_rank` yet. "
                f"Received: lora_rank={lora_rank!r}. Supported: None."
            )

        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.filters = filters
        self.kernel_size = kernel_size
        self.strides = strides
        self.padding = padding
        self.data_format = standardize_data_format(data_format)
        self.dilation_rate = dilation_rate
        self.groups = groups
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.lora_rank = lora_rank
        self.lora_alpha = lora_alpha
        self.input_spec = InputSpec(min_ndim=rank + 2)

        self._channels_last = self.data_format == "channels_last"
        self._linear_activation = self.activation is activations.linear
        self._conv = _CONV_FUNCTIONS[rank]
        # Torch's layout of the kernel, from Keras's (*kernel_size, in, out).
        self._kernel_permutation = (rank + 1, rank) + tuple(range(rank))
        # Moves the channels axis between position 1 and the end.
        self._to_channels_first = (0, rank + 1) + tuple(range(1, rank + 1))
        self._to_channels_last = (0,) + tuple(range(2, rank + 2)) + (1,)

    def build(self, input_shape):
        channel_axis = -1 if self._channels_last else 1
        in_channels = input_shape[channel_axis]
        if in_channels is None:
            raise ValueError(
                f"The channels axis of the input of layer {self.name!r} must "
                f"be known. Received: input_shape={input_shape}, "
                f"data_format={self.data_format!r}"
            )
        if in_channels % self.groups != 0:
            raise ValueError(
                f"The input channels of layer {self.name!r} must be "
                f"divisible by `groups`. Received: groups={self.groups}, "
                f"input_shape={tuple(input_shape)} with {in_channels} channels"
            )
        # Raises for inputs too small for a 'valid' window.
        self.compute_output_shape(input_shape)
        self.kernel = self.add_weight(
            shape=self.kernel_size + (in_channels // self.groups, self.filters),
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
            name="kernel",
        )
        if self.use_bias:
            self.bias = self.add_weight(
                shape=(self.filters,),
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
                name="bias",
            )
        else:
            self.bias = None
        self.input_spec = InputSpec(
            min_ndim=self._rank + 2, axes={channel_axis: in_channels}
        )

    def call(self, inputs):
        if self._rank == 1 and self._channels_last:
            return self._call_steps_last(inputs)
        if self._channels_last:
            inputs = inputs.permute(self._to_channels_first)
        inputs, padding = self._pad(inputs)
        outputs = self._conv(
            inputs,
            self.kernel.permute(self._kernel_permutation),
            self.bias,
            self.strides,
            padding,
            self.dilation_rate,
            self.groups,
        )
        if self._channels_last:
            outputs = outputs.permute(self._to_channels_last)
        if self._linear_activation:
            return outputs
        return self.activation(outputs)

    def _call_steps_last(self, inputs: torch.Tensor) -> torch.Tensor:
        """Convolve `(batch, steps, channels)` inputs without copying them.

        Torch's 1D convolution needs channels-first memory, so a
        channels-last sequence would be copied on the way in and come out
        strided. Seen as a `(batch, channels, 1, steps)` image it is
        already in torch's `channels_last` memory format, which the 2D
        convolution reads and writes directly.
        """
        inputs, padding = self._pad(inputs, channels_last=True)
        image = inputs.unsqueeze(1).permute(0, 3, 1, 2)
        kernel = self.kernel.permute(2, 1, 0).unsqueeze(2)
        outputs = F.conv2d(
            image,
            kernel,
            self.bias,
            (1, self.strides[0]),
            0 if padding == 0 else (0, padding[0]),
            (1, self.dilation_rate[0]),
            self.groups,
        )
        outputs = outputs.squeeze(2).permute(0, 2, 1)
        if self._linear_activation:
            return outputs
        return self.activation(outputs)

    def _pad(
        self, inputs: torch.Tensor, channels_last: bool = False
    ) -> tuple[torch.Tensor, Any]:
        """Return the padded inputs and torch's `padding` argument.

        The inputs are channels-first unless `channels_last` is True.
        Symmetric padding is left to the convolution. Only causal padding
        and an odd 'same' total (from an even effective kernel or a
        stride) need an explicit `F.pad` copy.
        """
        if self.padding == "valid":
            return inputs, 0
        if self.padding == "causal":
            pads = [(self.dilation_rate[0] * (self.kernel_size[0] - 1), 0)]
        else:
            spatial = inputs.shape[1:-1] if channels_last else inputs.shape[2:]
            pads = [
                same_padding(size, k, s, d)
                for size, k, s, d in zip(
                    spatial, self.kernel_size, self.strides, self.dilation_rate
                )
            ]
            if all(before == after for before, after in pads):
                return inputs, tuple(before for before, _ in pads)
        # F.pad lists the last axis first.
        flat = [p for pair in reversed(pads) for p in pair]
        if channels_last:
            flat = [0, 0] + flat
        return F.pad(inputs, flat), 0

    def compute_output_shape(self, input_shape):
        return spatial_output_shape(
            input_shape,
            self.kernel_size,
            self.strides,
            self.padding,
            self.data_format,
            self.filters,
            self.dilation_rate,
            layer_name=self.name,
        )

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "filters": self.filters,
                "kernel_size": self.kernel_size,
                "strides": self.strides,
                "padding": self.padding,
                "data_format": self.data_format,
                "dilation_rate": self.dilation_rate,
                "groups": self.groups,
                "activation": serialize_keras_object(self.activation),
                "use_bias": self.use_bias,
                "kernel_initializer": serialize_keras_object(
                    self.kernel_initializer
                ),
                "bias_initializer": serialize_keras_object(
                    self.bias_initializer
                ),
                "kernel_regularizer": serialize_keras_object(
                    self.kernel_regularizer
                ),
                "bias_regularizer": serialize_keras_object(
                    self.bias_regularizer
                ),
                "activity_regularizer": serialize_keras_object(
                    self.activity_regularizer
                ),
                "kernel_constraint": serialize_keras_object(
                    self.kernel_constraint
                ),
                "bias_constraint": serialize_keras_object(
                    self.bias_constraint
                ),
            }
        )
        return config


def _is_positive_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0
