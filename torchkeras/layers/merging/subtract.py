"""`Subtract` and `subtract`: the difference of two tensors."""

from __future__ import annotations

import torch

from torchkeras.layers.merging.base_merge import _Merge


class Subtract(_Merge):
    """Subtracts the second of two tensors from the first, elementwise.

    Args:
        **kwargs: Base layer arguments (`name`, `dtype`, `trainable`).

    Call arguments:
        inputs: List of exactly two tensors `[x1, x2]` with broadcastable
            shapes; the output is `x1 - x2`.
        mask: Optional list with one mask (or None) per input. The output
            mask is their logical OR, or None when an input has no mask.

    Raises:
        ValueError: if the layer does not receive exactly two inputs.

    Example:

    >>> Subtract()([torch.full((2, 3), 5.0), torch.ones(2, 3)])[0]
    tensor([4., 4., 4.])
    """

    def build(self, input_shape) -> None:
        super().build(input_shape)
        if len(input_shape) != 2:
            raise ValueError(
                f"Layer {self.name!r} (Subtract) takes exactly 2 inputs. "
                f"Received {len(input_shape)} inputs with "
                f"input_shape={list(input_shape)}"
            )

    def _merge_function(self, inputs, masks):
        if len(inputs) != 2:
            raise ValueError(
                f"Layer {self.name!r} (Subtract) takes exactly 2 inputs. "
                f"Received {len(inputs)} inputs."
            )
        return inputs[0] - inputs[1]


def subtract(inputs, **kwargs) -> torch.Tensor:
    """Subtract two tensors elementwise with a new `Subtract` layer.

    Args:
        inputs: List of exactly two tensors `[x1, x2]`.
        **kwargs: Base layer arguments passed to `Subtract`.

    Returns:
        `x1 - x2`.
    """
    return Subtract(**kwargs)(inputs)
