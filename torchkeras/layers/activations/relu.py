"""`ReLU`: rectified linear unit with optional slope, cap and threshold."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from torchkeras.layers.layer import Layer


class ReLU(Layer):
    """Rectified linear unit, with Keras's optional slope, cap and threshold.

    The output is `min(x, max_value)` where `x > threshold`, and
    `negative_slope * (x - threshold)` where `x <= threshold`. With the
    defaults it is `max(x, 0)`.

    Args:
        max_value: Float >= 0, the largest output; None means no cap.
        negative_slope: Float >= 0, the slope below the threshold.
        threshold: Float >= 0, the input value below which the output
            follows `negative_slope`.
        **kwargs: Base layer arguments (`name`, `dtype`, `trainable`).

    Input shape:
        Any shape.

    Output shape:
        Same as the input.

    Example:

    >>> import torch
    >>> ReLU(max_value=6.0)(torch.tensor([-1.0, 3.0, 9.0]))
    tensor([0., 3., 6.])
    """

    def __init__(
        self,
        max_value: float | None = None,
        negative_slope: float = 0.0,
        threshold: float = 0.0,
        **kwargs,
    ):
        if max_value is not None and max_value < 0.0:
            raise ValueError(
                "`max_value` of a ReLU layer must be >= 0 or None. "
                f"Received: max_value={max_value!r}"
            )
        if negative_slope is None or negative_slope < 0.0:
            raise ValueError(
                "`negative_slope` of a ReLU layer must be a float >= 0. "
                f"Received: negative_slope={negative_slope!r}"
            )
        if threshold is None or threshold < 0.0:
            raise ValueError(
                "`threshold` of a ReLU layer must be a float >= 0. "
                f"Received: threshold={threshold!r}"
            )
        super().__init__(**kwargs)
        self.max_value = max_value
        self.negative_slope = negative_slope
        self.threshold = threshold
        self.supports_masking = True

    def call(self, inputs):
        slope, threshold = self.negative_slope, self.threshold
        if self.max_value is None and threshold == 0.0:
            if slope == 0.0:
                return torch.relu(inputs)
            return F.leaky_relu(inputs, slope)
        if threshold == 0.0:
            outputs = torch.relu(inputs)
        else:
            # Keras keeps only values strictly above the threshold.
            outputs = torch.where(inputs > threshold, inputs, 0.0)
        if self.max_value is not None:
            outputs = torch.clamp(outputs, max=self.max_value)
        if slope != 0.0:
            outputs = outputs - slope * torch.relu(threshold - inputs)
        return outputs

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "max_value": self.max_value,
                "negative_slope": self.negative_slope,
                "threshold": self.threshold,
            }
        )
        return config
