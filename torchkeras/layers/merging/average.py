"""`Average` and `average`: the elementwise mean of a list of tensors."""

from __future__ import annotations

import torch

from torchkeras.layers.merging.base_merge import _Merge


class Average(_Merge):
    """Averages a list of tensors elementwise.

    The output is the sum of the inputs divided by their number, so
    integer inputs give a float output.

    Args:
        **kwargs: Base layer arguments (`name`, `dtype`, `trainable`).

    Call arguments:
        inputs: List of tensors with broadcastable shapes.
        mask: Optional list with one mask (or None) per input. The output
            mask is their logical OR, or None when an input has no mask.

    Example:

    >>> Average()([torch.ones(2, 3), torch.full((2, 3), 3.0)])[0]
    tensor([2., 2., 2.])
    """

    def _merge_function(self, inputs, masks):
        output = inputs[0]
        for x in inputs[1:]:
            output = output + x
        return output / len(inputs)


def average(inputs, **kwargs) -> torch.Tensor:
    """Average a list of tensors elementwise with a new `Average` layer.

    Args:
        inputs: List of tensors with broadcastable shapes.
        **kwargs: Base layer arguments passed to `Average`.

    Returns:
        The elementwise mean of the inputs.
    """
    return Average(**kwargs)(inputs)
