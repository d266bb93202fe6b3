"""`Minimum` and `minimum`: the elementwise minimum of a list of tensors."""

from __future__ import annotations

import torch

from torchkeras.layers.merging.base_merge import _Merge


class Minimum(_Merge):
    """Takes the elementwise minimum of a list of tensors.

    With masks, masked entries never win: where one input is masked, the
    output takes the other input's value.

    Args:
        **kwargs: Base layer arguments (`name`, `dtype`, `trainable`).

    Call arguments:
        inputs: List of tensors with broadcastable shapes.
        mask: Optional list with one `(batch, steps)` mask (or None) per
            input; by default the Keras masks attached to the inputs. The
            output mask is their logical OR, or None when an input has no
            mask.

    Example:

    >>> Minimum()([torch.tensor([[1.0, 5.0]]), torch.tensor([[3.0, 2.0]])])
    tensor([[1., 2.]])
    """

    def _merge_function(self, inputs, masks):
        return self._merge_with_masks(torch.minimum, inputs, masks)


def minimum(inputs, **kwargs) -> torch.Tensor:
    """Take the elementwise minimum with a new `Minimum` layer.

    Args:
        inputs: List of tensors with broadcastable shapes.
        **kwargs: Base layer arguments passed to `Minimum`.

    Returns:
        The elementwise minimum of the inputs.
    """
    return Minimum(**kwargs)(inputs)
