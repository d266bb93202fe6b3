"""`Add` and `add`: the elementwise sum of a list of tensors."""

from __future__ import annotations

import torch

from torchkeras.layers.merging.base_merge import _Merge


class Add(_Merge):
    """Adds a list of tensors elementwise.

    The inputs must have broadcastable shapes. Usually they all have the
    same shape, which is then the output shape. Inputs of lower rank get
    size-1 axes after the batch axis before broadcasting.

    Args:
        **kwargs: Base layer arguments (`name`, `dtype`, `trainable`).

    Call arguments:
        inputs: List of tensors, all with the same batch size.
        mask: Optional list with one mask (or None) per input. The output
            mask is their logical OR, or None when an input has no mask.

    Example:

    >>> Add()([torch.ones(2, 3), torch.full((2, 3), 2.0)])[0]
    tensor([3., 3., 3.])
    """

    def _merge_function(self, inputs, masks):
        output = inputs[0]
        for x in inputs[1:]:
            output = output + x
        return output


def add(inputs, **kwargs) -> torch.Tensor:
    """Add a list of tensors elementwise with a new `Add` layer.

    Args:
        inputs: List of tensors with broadcastable shapes.
        **kwargs: Base layer arguments passed to `Add`.

    Returns:
        The elementwise sum of the inputs.
    """
    return Add(**kwargs)(inputs)
