"""`LeakyReLU`: rectified linear unit with a small negative slope."""

from __future__ import annotations

import warnings

import torch.nn.functional as F

from torchkeras.layers.layer import Layer


class LeakyReLU(Layer):
    """Leaky rectified linear unit: `x` if `x >= 0`, else `slope * x`.

    The layer's default slope is 0.3, as in Keras; the function
    `activations.leaky_relu` defaults to 0.2 and torch's `LeakyReLU` to
    0.01.

    Args:
        negative_slope: Float >= 0, the slope for negative inputs. The
            Keras 2 name `alpha` is accepted with a warning.
        **kwargs: Base layer arguments (`name`, `dtype`, `trainable`).

    Input shape:
        Any shape.

    Output shape:
        Same as the input.

    Example:

    >>> import torch
    >>> LeakyReLU(negative_slope=0.5)(torch.tensor([-2.0, 3.0]))
    tensor([-1.,  3.])
    """

    def __init__(self, negative_slope: float = 0.3, **kwargs):
        if "alpha" in kwargs:
            negative_slope = kwargs.pop("alpha")
            warnings.warn(
                "Argument `alpha` of LeakyReLU is deprecated. Use "
                "`negative_slope` instead.",
                UserWarning,
                stacklevel=2,
            )
        if negative_slope is None or negative_slope < 0:
            raise ValueError(
                "`negative_slope` of a LeakyReLU layer must be a float >= 0. "
                f"Received: negative_slope={negative_slope!r}"
            )
        super().__init__(**kwargs)
        self.negative_slope = negative_slope
        self.supports_masking = True

    def call(self, inputs):
        return F.leaky_relu(inputs, self.negative_slope)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config["negative_slope"] = self.negative_slope
        return config
