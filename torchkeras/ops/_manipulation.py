"""Shape and layout ops of `torchkeras.ops.numpy`, with numpy's semantics.

Three of them differ from the torch calls of the same name. `split` takes a
number of equal sections or a list of split indices, not chunk sizes.
`repeat` repeats each element (`torch.repeat_interleave`, not
`Tensor.repeat`). `squeeze` raises on an axis whose size is not 1 instead
of ignoring it.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from torchkeras.ops.core import canonicalize_axes
from torchkeras.ops.core import canonicalize_axis
from torchkeras.ops.core import convert_all
from torchkeras.ops.core import convert_to_tensor


def reshape(x: Any, newshape: Any) -> torch.Tensor:
    """Return `x` with shape `newshape`, where one dimension may be -1.

    Raises:
        ValueError: if the number of elements does not match.
    """
    x = convert_to_tensor(x)
    if isinstance(newshape, (int, np.integer)):
        newshape = (newshape,)
    newshape = tuple(int(d) for d in newshape)
    try:
        return torch.reshape(x, newshape)
    except RuntimeError as error:
        raise ValueError(
            f"Cannot reshape a tensor of shape {tuple(x.shape)} "
            f"({x.numel()} elements) to `newshape`. "
            f"Received: newshape={newshape}"
        ) from error


def transpose(x: Any, axes: Sequence[int] | None = None) -> torch.Tensor:
    """Permute the axes of `x`, reversing them when `axes` is None.

    Raises:
        ValueError: if `axes` is not a permutation of the axes of `x`.
    """
    x = convert_to_tensor(x)
    if axes is None:
        return x.permute(*reversed(range(x.ndim)))
    permutation = canonicalize_axes(tuple(axes), x.ndim)
    if len(permutation) != x.ndim:
        raise ValueError(
            f"`axes` must list each of the {x.ndim} axes of `x` once. "
            f"Received: axes={axes}"
        )
    return x.permute(*permutation)


def expand_dims(x: Any, axis: int | Sequence[int]) -> torch.Tensor:
    """Insert size-1 axes at the positions `axis` of the output."""
    x = convert_to_tensor(x)
    axes = axis if isinstance(axis, (list, tuple)) else (axis,)
    out_ndim = x.ndim + len(axes)
    for position in sorted(canonicalize_axes(axes, out_ndim)):
        x = x.unsqueeze(position)
    return x


def squeeze(x: Any, axis: int | Sequence[int] | None = None) -> torch.Tensor:
    """Remove size-1 axes: all of them, or those listed in `axis`.

    Raises:
        ValueError: if an axis in `axis` does not have size 1.
    """
    x = convert_to_tensor(x)
    if axis is None:
        return x.squeeze()
    axes = canonicalize_axes(axis, x.ndim)
    for position in axes:
        if x.shape[position] != 1:
            raise ValueError(
                "Cannot squeeze an axis whose size is not 1: axis "
                f"{position} of shape {tuple(x.shape)} has size "
                f"{x.shape[position]}. Received: axis={axis}"
            )
    return x.squeeze(axes)


def concatenate(xs: Sequence[Any], axis: int | None = 0) -> torch.Tensor:
    """Join a sequence of tensors along an existing axis.

    With `axis=None` the inputs are flattened first, as in numpy.
    """
    tensors = _convert_sequence(xs, "xs")
    if axis is None:
        return torch.cat([t.reshape(-1) for t in tensors])
    axis = canonicalize_axis(axis, tensors[0].ndim)
    return torch.cat(tensors, dim=axis)


def stack(x: Sequence[Any], axis: int = 0) -> torch.Tensor:
    """Join a sequence of same-shape tensors along a new axis."""
    tensors = _convert_sequence(x, "x")
    axis = canonicalize_axis(axis, tensors[0].ndim + 1)
    return torch.stack(tensors, dim=axis)


def _convert_sequence(xs: Any, name: str) -> tuple[torch.Tensor, ...]:
    if isinstance(xs, (torch.Tensor, np.ndarray)):
        xs = list(xs)
    if not isinstance(xs, (list, tuple)) or len(xs) == 0:
        raise ValueError(
            f"`{name}` must be a non-empty list or tuple of tensors. "
            f"Received: {name}={xs!r}"
        )
    return convert_all(*xs)


def split(
    x: Any,
    indices_or_sections: int | Sequence[int],
    axis: int = 0,
) -> list[torch.Tensor]:
    """Split `x` along `axis` as `numpy.split` does.

    An int `n` gives `n` equal sections. A list of indices gives the pieces
    between them, so `[2, 5]` returns `x[:2]`, `x[2:5]` and `x[5:]`. This
    differs from `torch.split`, which takes chunk sizes.

    Raises:
        ValueError: if `n` is not positive or does not divide the axis.
    """
    x = convert_to_tensor(x)
    axis = canonicalize_axis(axis, x.ndim)
    size = x.shape[axis]
    if isinstance(indices_or_sections, (int, np.integer)):
        sections = int(indices_or_sections)
        if sections <= 0 or size % sections != 0:
            raise ValueError(
                f"`indices_or_sections` as an int must be a positive number "
                f"that divides the axis size {size} (axis={axis}, shape "
                f"{tuple(x.shape)}). "
                f"Received: indices_or_sections={indices_or_sections}"
            )
        return list(torch.split(x, size // sections, dim=axis))
    if isinstance(indices_or_sections, torch.Tensor):
        indices_or_sections = indices_or_sections.tolist()
    indices = [int(i) for i in indices_or_sections]
    bounds = [0] + indices + [size]
    return [
        x.narrow(axis, *_slice_bounds(start, stop, size))
        for start, stop in itertools.pairwise(bounds)
    ]


def _slice_bounds(start: int, stop: int, size: int) -> tuple[int, int]:
    """Return `(start, length)` of the Python slice `start:stop` on `size`."""
    begin, end, _ = slice(start, stop).indices(size)
    return begin, max(end - begin, 0)


def repeat(
    x: Any,
    repeats: int | Sequence[int],
    axis: int | None = None,
) -> torch.Tensor:
    """Repeat each element of `x`, as `numpy.repeat` does.

    `repeat([1, 2], 2)` is `[1, 1, 2, 2]`, as `torch.repeat_interleave`
    gives, while `Tensor.repeat` would tile to `[1, 2, 1, 2]`. With
    `axis=None` the input is flattened first.

    Raises:
        ValueError: if a repeat count is negative.
    """
    x = convert_to_tensor(x)
    if axis is None:
        x = x.reshape(-1)
        axis = 0
    axis = canonicalize_axis(axis, x.ndim)
    counts = convert_to_tensor(repeats, dtype="int64").to(x.device)
    if bool((counts < 0).any()):
        raise ValueError(
            f"`repeats` must be non-negative. Received: repeats={repeats!r}"
        )
    if counts.ndim == 0:
        return torch.repeat_interleave(x, int(counts), dim=axis)
    return torch.repeat_interleave(x, counts, dim=axis)


def tile(x: Any, repeats: int | Sequence[int]) -> torch.Tensor:
    """Repeat the whole of `x` `repeats` times along each axis."""
    x = convert_to_tensor(x)
    if isinstance(repeats, torch.Tensor):
        repeats = repeats.tolist()
    if isinstance(repeats, (int, np.integer)):
        repeats = (repeats,)
    return torch.tile(x, tuple(int(r) for r in repeats))


def flip(x: Any, axis: int | Sequence[int] | None = None) -> torch.Tensor:
    """Reverse the order of elements along `axis` (default: every axis)."""
    x = convert_to_tensor(x)
    axes = canonicalize_axes(axis, x.ndim)
    return torch.flip(x, tuple(range(x.ndim)) if axes is None else axes)


def sort(x: Any, axis: int | None = -1) -> torch.Tensor:
    """Return the values of `x` sorted along `axis` (None: flattened)."""
    x = convert_to_tensor(x)
    if axis is None:
        x, axis = x.reshape(-1), 0
    return torch.sort(x, dim=canonicalize_axis(axis, x.ndim)).values


def argsort(x: Any, axis: int | None = -1) -> torch.Tensor:
    """Return the int32 indices that sort `x` along `axis`, as Keras does."""
    x = convert_to_tensor(x)
    if axis is None:
        x, axis = x.reshape(-1), 0
    axis = canonicalize_axis(axis, x.ndim)
    return torch.argsort(x, dim=axis, stable=True).to(torch.int32)


def broadcast_to(x: Any, shape: Sequence[int]) -> torch.Tensor:
    """Broadcast `x` to `shape` (a view, as numpy returns)."""
    return torch.broadcast_to(convert_to_tensor(x), tuple(shape))


def take(x: Any, indices: Any, axis: int | None = None) -> torch.Tensor:
    """Gather `x[indices]` along `axis` (None: from the flattened input)."""
    x, indices = convert_all(x, indices)
    if axis is None:
        x, axis = x.reshape(-1), 0
    axis = canonicalize_axis(axis, x.ndim)
    indices = indices.long()
    indices = torch.where(indices < 0, indices + x.shape[axis], indices)
    flat = torch.index_select(x, axis, indices.reshape(-1))
    out_shape = x.shape[:axis] + indices.shape + x.shape[axis + 1 :]
    return flat.reshape(out_shape)


def take_along_axis(x: Any, indices: Any, axis: int | None = None):
    """Gather values of `x` at `indices` matched along `axis`."""
    x, indices = convert_all(x, indices)
    if axis is None:
        x, axis = x.reshape(-1), 0
    axis = canonicalize_axis(axis, x.ndim)
    indices = indices.long()
    indices = torch.where(indices < 0, indices + x.shape[axis], indices)
    shape = list(torch.broadcast_shapes(x.shape, indices.shape))
    shape[axis] = x.shape[axis]
    x = x.broadcast_to(shape)
    shape[axis] = indices.shape[axis]
    return torch.gather(x, axis, indices.broadcast_to(shape))


def where(condition: Any, x1: Any = None, x2: Any = None) -> torch.Tensor:
    """Choose `x1` where `condition` is true, else `x2`.

    With only `condition`, return the indices of its true elements as an
    int64 tensor of shape `(condition.ndim, count)`, as Keras 3 on torch
    does (numpy returns a tuple of its rows).

    Raises:
        ValueError: if only one of `x1` and `x2` is given.
    """
    if (x1 is None) != (x2 is None):
        raise ValueError(
            "`x1` and `x2` must be given together, or both left out. "
            f"Received: x1={x1!r}, x2={x2!r}"
        )
    if x1 is None:
        condition = convert_to_tensor(condition, dtype="bool")
        return torch.stack(torch.where(condition), dim=0)
    condition, x1, x2 = convert_all(condition, x1, x2)
    return torch.where(condition.bool(), x1, x2)


def roll(
    x: Any,
    shift: int | Sequence[int],
    axis: int | Sequence[int] | None = None,
) -> torch.Tensor:
    """Shift elements along `axis`, wrapping those pushed past the end.

    With `axis=None` the input is rolled as if flattened, then reshaped
    back. A sequence of shifts pairs with a sequence of axes.
    """
    x = convert_to_tensor(x)
    shift = _as_int_or_tuple(shift)
    if axis is None:
        return torch.roll(x, shift)
    return torch.roll(x, shift, dims=_as_int_or_tuple(axis))


def _as_int_or_tuple(value: Any) -> int | tuple[int, ...]:
    """Return an int, or a tuple of ints for a list (as a JSON config holds)."""
    if isinstance(value, (list, tuple)):
        return tuple(int(item) for item in value)
    return int(value)


def swapaxes(x: Any, axis1: int, axis2: int) -> torch.Tensor:
    """Exchange two axes of `x`."""
    x = convert_to_tensor(x)
    return torch.swapaxes(x, axis1, axis2)


def moveaxis(
    x: Any,
    source: int | Sequence[int],
    destination: int | Sequence[int],
) -> torch.Tensor:
    """Move the axes `source` to the positions `destination`.

    The other axes keep their relative order.
    """
    x = convert_to_tensor(x)
    source = _as_int_or_tuple(source)
    destination = _as_int_or_tuple(destination)
    return torch.moveaxis(x, source, destination)


def diagonal(
    x: Any,
    offset: int = 0,
    axis1: int = 0,
    axis2: int = 1,
) -> torch.Tensor:
    """Return the diagonal of the 2D slices over `axis1` and `axis2`.

    Those two axes are removed and the diagonal becomes the last axis. A
    positive `offset` takes a diagonal above the main one.
    """
    x = convert_to_tensor(x)
    return torch.diagonal(x, offset=offset, dim1=axis1, dim2=axis2)


def ravel(x: Any) -> torch.Tensor:
    """Return `x` flattened to one axis, in row-major order."""
    return torch.ravel(convert_to_tensor(x))


def fliplr(x: Any) -> torch.Tensor:
    """Reverse the order of columns (axis 1) of a tensor of rank 2 or more."""
    return torch.fliplr(convert_to_tensor(x))


def flipud(x: Any) -> torch.Tensor:
    """Reverse the order of rows (axis 0)."""
    return torch.flipud(convert_to_tensor(x))


def diff(a: Any, n: int = 1, axis: int = -1) -> torch.Tensor:
    """Return the `n`-th discrete difference `a[i + 1] - a[i]` along `axis`."""
    a = convert_to_tensor(a)
    return torch.diff(a, n=n, dim=axis)
