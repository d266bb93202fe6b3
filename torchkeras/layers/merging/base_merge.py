"""`_Merge`: the private base of the layers that merge a list of tensors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from torchkeras.layers.layer import Layer
from torchkeras.losses.loss import get_mask


class _Merge(Layer):
    """Base of the merge layers, which combine a list of tensors into one.

    Elementwise subclasses implement `_merge_function(inputs, masks)`,
    while `Concatenate` and `Dot` override `call`. The elementwise layers
    accept inputs of different ranks as Keras does: size-1 axes are
    inserted right after the batch axis of the lower-rank inputs, so the
    shapes without the batch axis broadcast like NumPy shapes aligned on
    their last axes.

    Masks come from the `mask` call argument (one entry per input, None
    for an unmasked input) or else from a Keras mask attached to each
    input tensor. By default the output mask is the logical OR of the
    input masks, or None when any input has none.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def build(self, input_shape) -> None:
        shapes = _shape_list(self, input_shape)
        _check_batch_sizes(self, shapes)
        _broadcast_all(self, shapes)

    def call(self, inputs, mask=None):
        _check_input_list(self, inputs)
        masks = _input_masks(self, inputs, mask)
        ranks = {x.dim() for x in inputs}
        if len(ranks) > 1:
            rank = max(ranks)
            inputs = [_expand_after_batch(x, rank) for x in inputs]
            # Keras reads masks from the tensors it merges, and the expanded
            # tensors carry none, so masks do not change the values here.
            masks = [None] * len(inputs)
        return self._merge_function(list(inputs), masks)

    def _merge_function(self, inputs: list[torch.Tensor], masks: list):
        raise NotImplementedError

    @staticmethod
    def _mask_like(mask: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """Broadcast a `(batch, steps)` mask to the shape of `x`."""
        return torch.broadcast_to(mask.to(torch.bool).unsqueeze(-1), x.shape)

    def _merge_with_masks(
        self,
        op: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
        inputs: list[torch.Tensor],
        masks: list[Any],
    ) -> torch.Tensor:
        """Fold `op` over `inputs` so that masked entries never win.

        Used by `Maximum` and `Minimum`, whose operations have no identity
        value. Where the next input is masked it is replaced by the running
        output, and where the running output is masked it is replaced by
        the input, so `op` receives two equal values there. Entries masked in
        every input keep the first input's value.
        """
        output = inputs[0]
        output_mask = None
        if masks[0] is not None:
            output_mask = self._mask_like(masks[0], output)
        for x, mask in zip(inputs[1:], masks[1:]):
            if mask is not None:
                mask = self._mask_like(mask, x)
                x = torch.where(mask, x, output)
            if output_mask is not None:
                output = torch.where(output_mask, output, x)
            if mask is not None and output_mask is not None:
                output_mask = torch.logical_or(output_mask, mask)
            else:
                output_mask = None
            output = op(output, x)
        return output

    def compute_output_shape(self, input_shape):
        shapes = _shape_list(self, input_shape)
        output_shape = _broadcast_all(self, shapes)
        batch_sizes = {s[0] for s in shapes if s} - {None}
        batch = batch_sizes.pop() if len(batch_sizes) == 1 else None
        return (batch,) + output_shape

    def compute_mask(self, inputs, previous_mask=None):
        if previous_mask is None:
            return None
        masks = _check_mask_list(self, inputs, previous_mask)
        if any(m is None for m in masks):
            return None
        output_mask = masks[0]
        for m in masks[1:]:
            output_mask = torch.logical_or(output_mask, m)
        return output_mask


def _shape_list(layer: Layer, input_shape) -> list[tuple]:
    """Return `input_shape` as a list of shape tuples, or raise."""
    is_list = isinstance(input_shape, (list, tuple)) and all(
        isinstance(s, (list, tuple)) for s in input_shape
    )
    if not is_list:
        raise ValueError(
            f"Layer {layer.name!r} ({type(layer).__name__}) must be called "
            f"on a list of tensors. Received: input_shape={input_shape}, "
            "which is not a list of shapes. Pass the inputs as a list, such "
            "as `layer([x1, x2])`."
        )
    if not input_shape:
        raise ValueError(
            f"Layer {layer.name!r} ({type(layer).__name__}) needs at least "
            "one input. Received an empty list."
        )
    return [tuple(s) for s in input_shape]


def _check_input_list(layer: Layer, inputs) -> None:
    # ValueError rather than TypeError for a wrong input type, as in Keras.
    if not isinstance(inputs, (list, tuple)):
        raise ValueError(  # noqa: TRY004
            f"Layer {layer.name!r} ({type(layer).__name__}) must be called "
            "on a list of tensors. Received: inputs of type "
            f"{type(inputs).__name__}. Pass the inputs as a list, such as "
            "`layer([x1, x2])`."
        )


def _check_batch_sizes(layer: Layer, shapes: list[tuple]) -> None:
    batch_sizes = {s[0] for s in shapes if s} - {None}
    if len(batch_sizes) > 1:
        raise ValueError(
            f"Layer {layer.name!r} ({type(layer).__name__}) cannot merge "
            "tensors with different batch sizes. Received: "
            f"input_shape={shapes}"
        )


def _broadcast_all(layer: Layer, shapes: list[tuple]) -> tuple:
    """Broadcast the shapes without their batch axis, or raise if impossible."""
    output_shape = shapes[0][1:]
    for shape in shapes[1:]:
        output_shape = _broadcast_pair(layer, output_shape, shape[1:])
    return output_shape


def _broadcast_pair(layer: Layer, shape1: tuple, shape2: tuple) -> tuple:
    """Broadcast two shapes aligned on their last axes. None is unknown."""
    if len(shape1) < len(shape2):
        shape1, shape2 = shape2, shape1
    if not shape2:
        return shape1
    leading = shape1[: len(shape1) - len(shape2)]
    trailing = []
    for size1, size2 in zip(shape1[len(leading) :], shape2):
        if size1 is None or size2 is None:
            trailing.append(None)
        elif size1 == 1 or size2 == 1 or size1 == size2:
            trailing.append(size2 if size1 == 1 else size1)
        else:
            raise ValueError(
                f"Inputs of layer {layer.name!r} ({type(layer).__name__}) "
                f"have incompatible shapes {shape1} and {shape2} (batch axis "
                "left out). Aligned on their last axes, the sizes of each "
                "axis must be equal, or one of them must be 1."
            )
    return tuple(leading) + tuple(trailing)


def _expand_after_batch(x: torch.Tensor, rank: int) -> torch.Tensor:
    """Insert size-1 axes after the batch axis until `x` has `rank` axes."""
    missing = rank - x.dim()
    if missing == 0:
        return x
    return x.reshape(x.shape[:1] + (1,) * missing + x.shape[1:])


def _input_masks(layer: Layer, inputs, mask) -> list:
    """Return one mask (or None) per input, from `mask` or the tensors."""
    if mask is None:
        return [get_mask(x) for x in inputs]
    return list(_check_mask_list(layer, inputs, mask))


def _check_mask_list(layer: Layer, inputs, mask) -> list:
    # ValueError rather than TypeError for wrong types, as in Keras.
    if not isinstance(mask, (list, tuple)):
        raise ValueError(  # noqa: TRY004
            f"The mask of layer {layer.name!r} ({type(layer).__name__}) must "
            "be a list with one entry (a mask or None) per input. Received: "
            f"mask of type {type(mask).__name__}"
        )
    if not isinstance(inputs, (list, tuple)):
        raise ValueError(  # noqa: TRY004
            f"Layer {layer.name!r} ({type(layer).__name__}) needs its inputs "
            "as a list to compute a mask. Received: inputs of type "
            f"{type(inputs).__name__}"
        )
    if len(mask) != len(inputs):
        raise ValueError(
            f"Layer {layer.name!r} ({type(layer).__name__}) received "
            f"{len(inputs)} inputs but {len(mask)} masks. Pass one mask (or "
            "None) per input."
        )
    return list(mask)
