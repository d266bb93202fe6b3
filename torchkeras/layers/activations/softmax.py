"""`Softmax`: softmax over one or more axes, with an optional mask."""

from __future__ import annotations

import torch

from torchkeras.layers.layer import Layer


class Softmax(Layer):
    """Softmax over `axis`: `exp(x) / sum(exp(x))` along that axis.

    Positions where the mask is False are excluded: they get probability
    0 and the remaining positions share the whole mass. A slice that is
    masked out entirely gives zeros.

    Args:
        axis: Integer, or tuple or list of integers, the axes to normalize
            over. Defaults to the last axis (torch has no default).
        **kwargs: Base layer arguments (`name`, `dtype`, `trainable`).

    Call arguments:
        inputs: The logits.
        mask: Optional boolean tensor broadcastable to `inputs` (each axis
            of size 1 or equal to the input's); False or values <= 0.5
            mark positions to exclude.

    Input shape:
        Any shape.

    Output shape:
        Same as the input.

    Example:

    >>> import torch
    >>> Softmax()(torch.tensor([[0.0, 0.0]]))
    tensor([[0.5000, 0.5000]])
    """

    def __init__(self, axis: int | tuple[int, ...] | list[int] = -1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is not None:
            mask = self._boolean_mask(inputs, mask)
            # Keras fills masked logits with -1e9 (-3e4 in float16).
            fill = -3e4 if inputs.dtype == torch.float16 else -1e9
            inputs = torch.where(mask, inputs, fill)
        if isinstance(self.axis, (tuple, list)):
            axes = tuple(self.axis)
            log_total = torch.logsumexp(inputs, dim=axes, keepdim=True)
            outputs = torch.exp(inputs - log_total)
        else:
            outputs = torch.softmax(inputs, dim=self.axis)
        if mask is not None:
            outputs = torch.where(mask, outputs, 0.0)
        return outputs

    def _boolean_mask(self, inputs, mask) -> torch.Tensor:
        """Return `mask` as booleans, after checking that it broadcasts."""
        fits = mask.dim() <= inputs.dim() and all(
            m in (1, i) for m, i in zip(mask.shape[::-1], inputs.shape[::-1])
        )
        if not fits:
            raise ValueError(
                f"The mask of layer {self.name!r} must broadcast to the "
                "inputs: each mask axis must be 1 or equal to the input's. "
                f"Received: inputs.shape={tuple(inputs.shape)}, "
                f"mask.shape={tuple(mask.shape)}"
            )
        if mask.dtype != torch.bool:
            mask = mask > 0.5
        return mask

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis
        return config
