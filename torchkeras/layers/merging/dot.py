"""`Dot` and `dot`: per-sample dot products of two tensors."""

from __future__ import annotations

import torch

from torchkeras.layers.merging.base_merge import _check_input_list
from torchkeras.layers.merging.base_merge import _Merge
from torchkeras.layers.merging.base_merge import _shape_list
from torchkeras.ops.nn import normalize as l2_normalize


class Dot(_Merge):
    """Takes the dot product of two tensors along one axis of each, per sample.

    For inputs `x1` of shape `(batch, 3, 5)` and `x2` of shape
    `(batch, 10, 3)`, `axes=(1, 2)` sums over the axes of size 3 and gives
    `(batch, 5, 10)`: the remaining axes of `x1`, then those of `x2`. A
    result with no axis besides the batch axis gets shape `(batch, 1)`.

    Args:
        axes: Integer, the axis of both inputs to sum over, or a pair
            `(axis_of_x1, axis_of_x2)`. Negative values count from the
            end. The batch axis 0 cannot be used.
        normalize: Whether to divide each input by its L2 norm along the
            summed axis first, which makes the output the cosine
            similarity.
        **kwargs: Base layer arguments (`name`, `dtype`, `trainable`).

    Call arguments:
        inputs: List of exactly two tensors of rank 2 or more.

    Raises:
        TypeError: if `axes` is neither an int nor a list or tuple.
        ValueError: if `axes` is a list or tuple other than two ints.

    Example:

    >>> x1 = torch.arange(6.0).reshape(2, 3)
    >>> Dot(axes=1)([x1, torch.ones(2, 3)])
    tensor([[ 3.],
            [12.]])
    """

    def __init__(self, axes, normalize: bool = False, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(axes, int):
            if not isinstance(axes, (list, tuple)):
                raise TypeError(
                    "`axes` must be an int or a list or tuple of two ints. "
                    f"Received: axes={axes!r} of type {type(axes).__name__}"
                )
            if len(axes) != 2:
                raise ValueError(
                    "`axes` must contain exactly two ints, one axis per "
                    f"input. Received: axes={axes!r}"
                )
            if not all(isinstance(axis, int) for axis in axes):
                raise ValueError(
                    f"`axes` must contain ints only. Received: axes={axes!r}"
                )
        self.axes = axes
        self.normalize = normalize

    def _resolve_axes(self, shapes: list[tuple]) -> tuple[int, int]:
        """Return the summed axis of each input as a non-negative index."""
        if len(shapes) != 2:
            raise ValueError(
                f"Layer {self.name!r} (Dot) takes exactly 2 inputs. "
                f"Received {len(shapes)} inputs with input_shape={shapes}"
            )
        pair = (
            (self.axes, self.axes) if isinstance(self.axes, int) else self.axes
        )
        resolved = []
        for axis, shape in zip(pair, shapes):
            rank = len(shape)
            if rank < 2:
                raise ValueError(
                    f"Layer {self.name!r} (Dot) needs inputs of rank 2 or "
                    f"more (a batch axis and a data axis). Received: "
                    f"input_shape={shapes}"
                )
            if not -rank <= axis < rank:
                raise ValueError(
                    f"`axes` of layer {self.name!r} (Dot) is out of range for "
                    f"inputs of rank {rank}. Received: axes={self.axes!r}, "
                    f"input_shape={shapes}"
                )
            resolved.append(axis % rank)
        if 0 in resolved:
            raise ValueError(
                f"Layer {self.name!r} (Dot) cannot sum over the batch axis 0. "
                f"Received: axes={self.axes!r}, input_shape={shapes}. Add a "
                "batch axis to unbatched inputs, for example with "
                "`x[None]`."
            )
        return resolved[0], resolved[1]

    def build(self, input_shape) -> None:
        shapes = _shape_list(self, input_shape)
        axis1, axis2 = self._resolve_axes(shapes)
        size1, size2 = shapes[0][axis1], shapes[1][axis2]
        if size1 is not None and size2 is not None and size1 != size2:
            raise ValueError(
                f"Layer {self.name!r} (Dot) sums over axis {axis1} of the "
                f"first input and axis {axis2} of the second, so their sizes "
                f"must be equal. Received sizes {size1} and {size2}, "
                f"input_shape={shapes}"
            )

    def call(self, inputs, mask=None):
        _check_input_list(self, inputs)
        shapes = [tuple(x.shape) for x in inputs]
        axis1, axis2 = self._resolve_axes(shapes)
        x1, x2 = inputs
        if x1.shape[0] != x2.shape[0]:
            raise ValueError(
                f"Layer {self.name!r} (Dot) needs inputs with the same batch "
                f"size. Received shapes {shapes}"
            )
        if self.normalize:
            x1 = l2_normalize(x1, axis=axis1)
            x2 = l2_normalize(x2, axis=axis2)
        return _batch_dot(x1, x2, axis1, axis2)

    def compute_output_shape(self, input_shape):
        shapes = _shape_list(self, input_shape)
        axis1, axis2 = self._resolve_axes(shapes)
        rest1 = [d for i, d in enumerate(shapes[0]) if i != axis1]
        rest2 = [d for i, d in enumerate(shapes[1]) if i not in (0, axis2)]
        output_shape = rest1 + rest2
        if len(output_shape) == 1:
            output_shape.append(1)
        return tuple(output_shape)

    def compute_mask(self, inputs, previous_mask=None):
        return None

    def get_config(self):
        config = super().get_config()
        config.update({"axes": self.axes, "normalize": self.normalize})
        return config


def _batch_dot(
    x1: torch.Tensor, x2: torch.Tensor, axis1: int, axis2: int
) -> torch.Tensor:
    """Sum `x1 * x2` over `axis1` of `x1` and `axis2` of `x2`, per sample."""
    batch = x1.shape[0]
    # (batch, *rest1, n) and (batch, n, *rest2), then one batched matmul.
    x1 = torch.movedim(x1, axis1, -1)
    x2 = torch.movedim(x2, axis2, 1)
    rest1, rest2 = x1.shape[1:-1], x2.shape[2:]
    size = x1.shape[-1]
    output = torch.matmul(
        x1.reshape(batch, -1, size), x2.reshape(batch, size, -1)
    )
    output = output.reshape((batch,) + tuple(rest1) + tuple(rest2))
    if output.dim() == 1:
        output = output.unsqueeze(-1)
    return output


def dot(inputs, axes=-1, normalize: bool = False, **kwargs) -> torch.Tensor:
    """Take per-sample dot products with a new `Dot` layer.

    Args:
        inputs: List of exactly two tensors.
        axes: Axis, or pair of axes, to sum over (see `Dot`).
        normalize: Whether to L2-normalize both inputs along those axes
            first.
        **kwargs: Base layer arguments passed to `Dot`.

    Returns:
        The per-sample dot products.
    """
    return Dot(axes=axes, normalize=normalize, **kwargs)(inputs)
