"""`Concatenate` and `concatenate`: join a list of tensors along an axis."""

from __future__ import annotations

import torch

from torchkeras.layers.merging.base_merge import _check_input_list
from torchkeras.layers.merging.base_merge import _check_mask_list
from torchkeras.layers.merging.base_merge import _Merge
from torchkeras.layers.merging.base_merge import _shape_list


class Concatenate(_Merge):
    """Joins a list of tensors along one axis.

    All inputs must have the same rank and the same size on every axis
    except `axis`. Unknown sizes (None) match any size.

    Args:
        axis: Axis to join along. Negative values count from the end.
        **kwargs: Base layer arguments (`name`, `dtype`, `trainable`).

    Call arguments:
        inputs: List of tensors of the same rank.
        mask: Optional list with one mask (or None) per input, used by
            `compute_mask`.

    Raises:
        TypeError: if `axis` is not an int.

    Output shape:
        The common input shape, with the sizes along `axis` summed.

    Example:

    >>> Concatenate()([torch.zeros(2, 3), torch.ones(2, 4)]).shape
    torch.Size([2, 7])
    """

    def __init__(self, axis: int = -1, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, bool) or not isinstance(axis, int):
            raise TypeError(
                "`axis` must be an int. "
                f"Received: axis={axis!r} of type {type(axis).__name__}"
            )
        self.axis = axis

    def build(self, input_shape) -> None:
        shapes = _shape_list(self, input_shape)
        ranks = {len(shape) for shape in shapes}
        if len(ranks) > 1:
            self._raise_mismatch(shapes)
        rank = ranks.pop()
        if not -rank <= self.axis < rank:
            raise ValueError(
                f"`axis` of layer {self.name!r} (Concatenate) is out of range "
                f"for inputs of rank {rank}. Received: axis={self.axis}, "
                f"input_shape={shapes}"
            )
        concat_axis = self.axis % rank
        for axis in range(rank):
            sizes = {shape[axis] for shape in shapes} - {None}
            if axis != concat_axis and len(sizes) > 1:
                self._raise_mismatch(shapes)

    def _raise_mismatch(self, shapes: list[tuple]) -> None:
        raise ValueError(
            f"Layer {self.name!r} (Concatenate) needs inputs of the same "
            "rank whose shapes match on every axis except the concatenation "
            f"axis (axis={self.axis}). Received: input_shape={shapes}"
        )

    def call(self, inputs, mask=None):
        _check_input_list(self, inputs)
        return torch.cat(list(inputs), dim=self.axis)

    def compute_output_shape(self, input_shape):
        shapes = _shape_list(self, input_shape)
        output_shape = list(shapes[0])
        for shape in shapes[1:]:
            if output_shape[self.axis] is None or shape[self.axis] is None:
                output_shape[self.axis] = None
                break
            output_shape[self.axis] += shape[self.axis]
        return tuple(output_shape)

    def compute_mask(self, inputs, previous_mask=None):
        if previous_mask is None:
            return None
        masks = _check_mask_list(self, inputs, previous_mask)
        if all(mask is None for mask in masks):
            return None
        # Give every input a mask of its own full shape (all True when it
        # has none), join them like the inputs, then reduce the last axis.
        full_masks = []
        for x, mask in zip(inputs, masks):
            if mask is None:
                mask = torch.ones_like(x, dtype=torch.bool)
            elif mask.dim() < x.dim():
                mask = self._mask_like(mask, x)
            full_masks.append(mask.to(torch.bool))
        return torch.cat(full_masks, dim=self.axis).any(dim=-1)

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis
        return config


def concatenate(inputs, axis: int = -1, **kwargs) -> torch.Tensor:
    """Join a list of tensors along `axis` with a new `Concatenate` layer.

    Args:
        inputs: List of tensors of the same rank.
        axis: Axis to join along.
        **kwargs: Base layer arguments passed to `Concatenate`.

    Returns:
        The joined tensor.
    """
    return Concatenate(axis=axis, **kwargs)(inputs)
