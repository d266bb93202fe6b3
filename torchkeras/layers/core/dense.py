"""`Dense`: the densely connected layer."""

from __future__ import annotations

import torch

from torchkeras import activations
from torchkeras import constraints
from torchkeras import initializers
from torchkeras import regularizers
from torchkeras.layers.layer import InputSpec
from torchkeras.layers.layer import Layer
from torchkeras.saving.serialization import serialize_keras_object


class Dense(Layer):
    """A densely connected layer: `activation(inputs @ kernel + bias)`.

    It acts on the last axis of its input, so a `(batch, steps, features)`
    input gives `(batch, steps, units)`. The kernel is stored in Keras's
    layout `(input_dim, units)`.

    Args:
        units: Positive integer, the size of the output.
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

    Input shape:
        N-D tensor `(batch, ..., input_dim)`.

    Output shape:
        N-D tensor `(batch, ..., units)`.

    Example:

    >>> layer = Dense(4, activation="relu")
    >>> layer(torch.ones(2, 3)).shape
    torch.Size([2, 4])
    """

    def __init__(
        self,
        units: int,
        activation=None,
        use_bias: bool = True,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        lora_rank=None,
        lora_alpha=None,
        quantization_config=None,
        **kwargs,
    ):
        if not isinstance(units, int) or isinstance(units, bool) or units <= 0:
            raise ValueError(
                "`units` must be a positive integer. "
                f"Received: units={units!r}"
            )
        if lora_rank is not None:
            raise NotImplementedError(
                "Dense does not support `lora_rank` yet. Pass lora_rank=None."
            )
        if quantization_config is not None:
            raise NotImplementedError(
                "Dense does not support `quantization_config` yet."
            )
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.units = units
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.lora_alpha = lora_alpha
        self.input_spec = InputSpec(min_ndim=2)
        self.supports_masking = True
        self._linear_activation = self.activation is activations.linear

    def build(self, input_shape):
        input_dim = input_shape[-1]
        if input_dim is None:
            raise ValueError(
                f"The last axis of the input of Dense layer {self.name!r} "
                f"must be known. Received: input_shape={input_shape}"
            )
        self.kernel = self.add_weight(
            shape=(input_dim, self.units),
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
            name="kernel",
        )
        if self.use_bias:
            self.bias = self.add_weight(
                shape=(self.units,),
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
                name="bias",
            )
        else:
            self.bias = None
        self.input_spec = InputSpec(min_ndim=2, axes={-1: input_dim})

    def call(self, inputs):
        bias = self.bias
        if bias is None:
            outputs = torch.matmul(inputs, self.kernel)
        elif inputs.dim() == 2:
            outputs = torch.addmm(bias, inputs, self.kernel)
        else:
            outputs = torch.matmul(inputs, self.kernel) + bias
        if self._linear_activation:
            return outputs
        return self.activation(outputs)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "units": self.units,
                "activation": serialize_keras_object(self.activation),
                "use_bias": self.use_bias,
                "kernel_initializer": serialize_keras_object(self.kernel_initializer),
                "bias_initializer": serialize_keras_object(self.bias_initializer),
                "kernel_regularizer": serialize_keras_object(self.kernel_regularizer),
                "bias_regularizer": serialize_keras_object(self.bias_regularizer),
                "kernel_constraint": serialize_keras_object(self.kernel_constraint),
                "bias_constraint": serialize_keras_object(self.bias_constraint),
                "quantization_config": None,
            }
        )
        return config

