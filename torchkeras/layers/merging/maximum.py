"""`Maximum` and `maximum`: the elementwise maximum of a list of tensors."""

from __future__ import annotations

import torch

from torchkeras.layers.merging.base_merge import _Merge


class Maximum(_Merge):
    """Takes the elementwise maximum of a list of tensors.

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

    >>> Maximum()([torch.tensor([[1.0, 5.0]]), torch.tensor([[3.0, 2.0]])])
    tensor([[3., 5.]])
    """

    def _merge_function(self, inputs, masks):
        return self._merge_with_masks(torch.maximum, inputs, masks)


def maximum(inputs, **kwargs) -> torch.Tensor:
    """Take the elementwise maximum with a new `Maximum` layer.

    Args:
        inputs: List of tensors with broadcastable shapes.
        **kwargs: Base layer arguments passed to `Maximum`.

    Returns:
        The elementwise maximum of the inputs.
    """
    return Maximum(**kwargs)(inputs)
