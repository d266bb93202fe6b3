"""`Multiply` and `multiply`: the elementwise product of a list of tensors."""

from __future__ import annotations

import torch

from torchkeras.layers.merging.base_merge import _Merge


class Multiply(_Merge):
    """Multiplies a list of tensors elementwise.

    With masks, a masked entry of an input counts as 1 in the product.
    When every input has a mask, entries masked in all inputs are 0 in
    the output, as in Keras.

    Args:
        **kwargs: Base layer arguments (`name`, `dtype`, `trainable`).

    Call arguments:
        inputs: List of tensors with broadcastable shapes.
        mask: Optional list with one `(batch, steps)` mask (or None) per
            input; by default the Keras masks attached to the inputs. The
            output mask is their logical OR, or None when an input has no
            mask.

    Example:

    >>> Multiply()([torch.full((2, 3), 2.0), torch.full((2, 3), 3.0)])[0]
    tensor([6., 6., 6.])
    """

    def _merge_function(self, inputs, masks):
        all_masked = all(mask is not None for mask in masks)
        output = None
        output_mask = None
        for x, mask in zip(inputs, masks):
            if mask is not None:
                mask = self._mask_like(mask, x)
                x = torch.where(mask, x, torch.ones_like(x))
                if all_masked:
                    output_mask = (
                        mask
                        if output_mask is None
                        else torch.logical_or(output_mask, mask)
                    )
            output = x if output is None else output * x
        if all_masked:
            output = torch.where(output_mask, output, torch.zeros_like(output))
        return output


def multiply(inputs, **kwargs) -> torch.Tensor:
    """Multiply a list of tensors elementwise with a new `Multiply` layer.

    Args:
        inputs: List of tensors with broadcastable shapes.
        **kwargs: Base layer arguments passed to `Multiply`.

    Returns:
        The elementwise product of the inputs.
    """
    return Multiply(**kwargs)(inputs)
