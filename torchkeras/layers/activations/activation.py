"""`Activation`: applies an activation function."""

from __future__ import annotations

from torchkeras import activations
from torchkeras.layers.layer import Layer
from torchkeras.saving.serialization import serialize_keras_object


class Activation(Layer):
    """Applies an activation function, given by name or as a callable.

    Args:
        activation: Name of a function in `torchkeras.activations` (such
            as `"relu"`), or any callable on tensors.
        **kwargs: Base layer arguments (`name`, `dtype`, `trainable`).

    Input shape:
        Any shape.

    Output shape:
        Same as the input.

    Example:

    >>> import torch
    >>> Activation("relu")(torch.tensor([-1.0, 2.0]))
    tensor([0., 2.])
    """

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations.get(activation)
        self.supports_masking = True

    def call(self, inputs):
        return self.activation(inputs)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config["activation"] = serialize_keras_object(self.activation)
        return config
