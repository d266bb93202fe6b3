"""`Conv2D`: 2D convolution over images."""

from __future__ import annotations

from torchkeras.layers.convolutional.base_conv import _BaseConv


class Conv2D(_BaseConv):
    """2D convolution layer: slides `filters` kernels over an image.

    Computes `activation(conv2d(inputs, kernel) + bias)`. The kernel has
    Keras's layout `(kernel_h, kernel_w, in_channels // groups, filters)`,
    so `set_weights(keras_layer.get_weights())` copies a Keras layer as is.

    `padding="same"` pads as Keras (and TensorFlow) do: the output has
    `ceil(size / stride)` rows and columns, and when the total padding of
    an axis is odd the extra row or column goes at the bottom or right.
    Torch's symmetric padding would shift such outputs by one pixel.

    Args:
        filters: Positive integer, the number of output channels.
        kernel_size: Integer or tuple of 2 integers, the window size.
        strides: Integer or tuple of 2 integers, the step of the window.
            Values above 1 cannot be combined with `dilation_rate` above 1.
        padding: `"valid"` (no padding) or `"same"` (see above);
            case-insensitive.
        data_format: `"channels_last"` (inputs `(batch, height, width,
            channels)`) or `"channels_first"` (`(batch, channels, height,
            width)`). None means `config.image_data_format()`.
        dilation_rate: Integer or tuple of 2 integers, the spacing of the
            kernel taps.
        groups: Positive integer dividing both the input channels and
            `filters`; each group of input channels is convolved with its
            own `filters // groups` kernels.
        activation: Activation function or name; None means linear.
        use_bias: Whether to add a bias vector.
        kernel_initializer: Initializer of the kernel.
        bias_initializer: Initializer of the bias.
        kernel_regularizer: Optional penalty on the kernel.
        bias_regularizer: Optional penalty on the bias.
        activity_regularizer: Optional penalty on the output.
        kernel_constraint: Optional projection of the kernel after updates.
        bias_constraint: Optional projection of the bias after updates.
        **kwargs: Base layer arguments (`name`, `dtype`, `trainable`).
            `lora_rank` other than None raises NotImplementedError.

    Input shape:
        4D tensor `(batch, height, width, channels)` with channels_last,
        `(batch, channels, height, width)` with channels_first.

    Output shape:
        4D tensor `(batch, new_height, new_width, filters)` with
        channels_last, `(batch, filters, new_height, new_width)` with
        channels_first.

    Example:

    >>> import torch
    >>> layer = Conv2D(8, 3, strides=2, padding="same")
    >>> layer(torch.ones(2, 7, 7, 3)).shape
    torch.Size([2, 4, 4, 8])
    """

    _rank = 2

    def __init__(
        self,
        filters: int,
        kernel_size,
        strides=(1, 1),
        padding: str = "valid",
        data_format: str | None = None,
        dilation_rate=(1, 1),
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
        **kwargs,
    ):
        super().__init__(
            filters=filters,
            kernel_size=kernel_size,
            strides=strides,
            padding=padding,
            data_format=data_format,
            dilation_rate=dilation_rate,
            groups=groups,
            activation=activation,
            use_bias=use_bias,
            kernel_initializer=kernel_initializer,
            bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer,
            bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer,
            kernel_constraint=kernel_constraint,
            bias_constraint=bias_constraint,
            **kwargs,
        )
