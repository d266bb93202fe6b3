"""`Rescaling`: multiplies inputs by a scale and adds an offset."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from torchkeras import config
from torchkeras.layers.layer import Layer


class Rescaling(Layer):
    """Computes `inputs * scale + offset`, such as `scale=1/255` for images.

    Integer inputs (such as uint8 images) are cast to the layer's float
    dtype first. `scale` and `offset` may be arrays, broadcast against the
    input's last axis (one value per channel). When the global
    `config.image_data_format()` is "channels_first", an array `scale` of
    rank below 3 gets trailing size-1 axes, so a per-channel scale of
    shape `(channels,)` applies along axis 1 of a `(batch, channels,
    height, width)` input, as in Keras.

    Args:
        scale: Float or array, the factor.
        offset: Float or array, added after scaling.
        **kwargs: Base layer arguments (`name`, `dtype`, `trainable`).

    Input shape:
        Any shape.

    Output shape:
        Same as the input.

    Example:

    >>> import torch
    >>> Rescaling(1 / 127.5, offset=-1.0)(torch.tensor([0, 255]))
    tensor([-1.,  1.])
    """

    def __init__(self, scale: Any, offset: Any = 0.0, **kwargs):
        super().__init__(**kwargs)
        self.scale = scale
        self.offset = offset
        self.supports_masking = True
        self._constants: tuple | None = None

    def call(self, inputs):
        scale, offset = self._scale_and_offset(inputs.device)
        return inputs.to(self._dtype) * scale + offset

    def _scale_and_offset(self, device: torch.device) -> tuple:
        """Return `scale` and `offset` as Python floats or tensors.

        Array values become tensors once per device and stay cached, and
        Python numbers stay numbers, which torch applies without a copy.
        """
        if self._constants is not None and self._constants[0] == device:
            return self._constants[1], self._constants[2]
        scale = _to_number_or_tensor(self.scale, self._dtype, device)
        offset = _to_number_or_tensor(self.offset, self._dtype, device)
        if (
            isinstance(scale, torch.Tensor)
            and scale.dim() > 0
            and config.image_data_format() == "channels_first"
        ):
            scale = scale.reshape(scale.shape + (1,) * (3 - scale.dim()))
        self._constants = (device, scale, offset)
        return scale, offset

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config_dict = super().get_config()
        config_dict.update(
            {
                "scale": _serialize_value(self.scale),
                "offset": _serialize_value(self.offset),
            }
        )
        return config_dict

    @classmethod
    def from_config(cls, config_dict: dict[str, Any]) -> Rescaling:
        config_dict = dict(config_dict)
        config_dict["scale"] = _deserialize_value(config_dict["scale"])
        config_dict["offset"] = _deserialize_value(config_dict["offset"])
        return cls(**config_dict)


def _to_number_or_tensor(value, dtype: torch.dtype, device: torch.device):
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return torch.as_tensor(np.asarray(value), dtype=dtype, device=device)


def _serialize_value(value: Any) -> Any:
    """Return a JSON-ready form of a scale or offset, as Keras writes it.

    Arrays become Keras's `{"class_name": "__numpy__", ...}` record and
    numpy scalars become Python numbers.
    """
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().numpy()
    if isinstance(value, np.ndarray):
        return {
            "class_name": "__numpy__",
            "config": {"value": value.tolist(), "dtype": str(value.dtype)},
        }
    if isinstance(value, np.generic):
        return value.item()
    return value


def _deserialize_value(value: Any) -> Any:
    if isinstance(value, dict) and value.get("class_name") == "__numpy__":
        record = value["config"]
        return np.array(record["value"], dtype=record["dtype"])
    return value
