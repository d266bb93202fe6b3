"""`Conv1D`: 1D convolution over sequences."""

from __future__ import annotations

from torchkeras.layers.convolutional.base_conv import _BaseConv


class Conv1D(_BaseConv):
    """1D convolution layer: slides `filters` kernels along a sequence.

    Computes `activation(conv1d(inputs, kernel) + bias)`. The kernel has
    Keras's layout `(kernel_size, in_channels // groups, filters)`.

    `padding="same"` gives `ceil(steps / stride)` output steps and puts an
    odd extra padding step at the end, as Keras does. `padding="causal"`
    pads `dilation_rate * (kernel_size - 1)` steps at the start only, so
    output step `t` depends on no input after `t` (for autoregressive models).

    Args:
        filters: Positive integer, the number of output channels.
        kernel_size: Integer or tuple of 1 integer, the window length.
        strides: Integer or tuple of 1 integer, the step of the window.
            Values above 1 cannot be combined with `dilation_rate` above 1.
        padding: `"valid"`, `"same"` or `"causal"`; case-insensitive.
        data_format: `"channels_last"` (inputs `(batch, steps, channels)`)
            or `"channels_first"` (`(batch, channels, steps)`). None means
            `config.image_data_format()`.
        dilation_rate: Integer or tuple of 1 integer, the spacing of the
            kernel taps.
        groups: Positive integer dividing both the input channels and
            `filters`.
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
        3D tensor `(batch, steps, channels)` with channels_last,
        `(batch, channels, steps)` with channels_first.

    Output shape:
        3D tensor `(batch, new_steps, filters)` with channels_last,
        `(batch, filters, new_steps)` with channels_first.

    Example:

    >>> import torch
    >>> layer = Conv1D(4, 3, padding="causal")
    >>> layer(torch.ones(2, 10, 3)).shape
    torch.Size([2, 10, 4])
    """

    _rank = 1

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
