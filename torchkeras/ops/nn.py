"""Neural network ops: activations, `one_hot`, `normalize`, `moments`.

These are the `keras.ops` versions, which accept arrays and scalars as well
as tensors. Their defaults are Keras's: `gelu` uses the tanh approximation
(`approximate=True`, where `keras.activations.gelu` is exact) and
`leaky_relu` has a slope of 0.2 (torch's is 0.01).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import torch
import torch.nn.functional as F

from torchkeras import config
from torchkeras.ops import _dtypes
from torchkeras.ops._unary import to_float
from torchkeras.ops.core import canonicalize_axes
from torchkeras.ops.core import canonicalize_axis
from torchkeras.ops.core import convert_to_tensor

__all__ = [
    "celu",
    "elu",
    "gelu",
    "glu",
    "hard_shrink",
    "hard_sigmoid",
    "hard_silu",
    "hard_swish",
    "hard_tanh",
    "leaky_relu",
    "log_sigmoid",
    "log_softmax",
    "moments",
    "normalize",
    "one_hot",
    "relu",
    "relu6",
    "selu",
    "sigmoid",
    "silu",
    "soft_shrink",
    "softmax",
    "softplus",
    "softsign",
    "sparse_plus",
    "sparse_sigmoid",
    "sparsemax",
    "squareplus",
    "swish",
    "tanh_shrink",
    "threshold",
]


def relu(x: Any) -> torch.Tensor:
    """Return `max(x, 0)`. Integer inputs keep their dtype."""
    x = convert_to_tensor(x)
    if x.dtype == torch.bool:
        return x.clone()
    return torch.relu(x)


def relu6(x: Any) -> torch.Tensor:
    """Return `min(max(x, 0), 6)`."""
    return F.relu6(to_float(x))


def sigmoid(x: Any) -> torch.Tensor:
    """Return `1 / (1 + exp(-x))`."""
    return torch.sigmoid(to_float(x))


def sparse_sigmoid(x: Any) -> torch.Tensor:
    """Return 0 below -1, 1 above 1, and `(x + 1) / 2` in between."""
    return torch.clamp((to_float(x) + 1) / 2, 0.0, 1.0)


def log_sigmoid(x: Any) -> torch.Tensor:
    """Return `log(sigmoid(x))`, computed without overflow."""
    return F.logsigmoid(to_float(x))


def softplus(x: Any) -> torch.Tensor:
    """Return `log(1 + exp(x))`."""
    return F.softplus(to_float(x))


def softsign(x: Any) -> torch.Tensor:
    """Return `x / (1 + |x|)`."""
    return F.softsign(to_float(x))


def silu(x: Any) -> torch.Tensor:
    """Return `x * sigmoid(x)` (also called swish)."""
    return F.silu(to_float(x))


swish = silu


def hard_sigmoid(x: Any) -> torch.Tensor:
    """Return `relu6(x + 3) / 6`, the Keras 3 definition."""
    return F.hardsigmoid(to_float(x))


def hard_silu(x: Any) -> torch.Tensor:
    """Return `x * hard_sigmoid(x)` (also called hard swish)."""
    return F.hardswish(to_float(x))


hard_swish = hard_silu


def hard_tanh(x: Any) -> torch.Tensor:
    """Return `clip(x, -1, 1)`."""
    return F.hardtanh(to_float(x))


def tanh_shrink(x: Any) -> torch.Tensor:
    """Return `x - tanh(x)`."""
    return F.tanhshrink(to_float(x))


def soft_shrink(x: Any, threshold: float = 0.5) -> torch.Tensor:
    """Move values toward zero by `threshold`, zeroing those within it."""
    return F.softshrink(to_float(x), threshold)


def hard_shrink(x: Any, threshold: float = 0.5) -> torch.Tensor:
    """Set values whose magnitude is at most `threshold` to 0."""
    return F.hardshrink(to_float(x), threshold)


def threshold(x: Any, threshold: float, default_value: float):
    """Keep `x` where it is above `threshold`, else use `default_value`."""
    return F.threshold(to_float(x), threshold, default_value)


def sparse_plus(x: Any) -> torch.Tensor:
    """Return 0 below -1, `x` above 1, and `(x + 1)**2 / 4` in between."""
    x = to_float(x)
    middle = (x + 1) ** 2 / 4
    return torch.where(
        x <= -1, torch.zeros_like(x), torch.where(x < 1, middle, x)
    )


def squareplus(x: Any, b: float = 4) -> torch.Tensor:
    """Return `(x + sqrt(x**2 + b)) / 2`, a smooth ReLU."""
    x = to_float(x)
    return (x + torch.sqrt(x * x + b)) / 2


def leaky_relu(x: Any, negative_slope: float = 0.2) -> torch.Tensor:
    """Return `x` for positive inputs, else `negative_slope * x`.

    The default slope is Keras's 0.2, where torch's default is 0.01.
    """
    return F.leaky_relu(to_float(x), negative_slope)


def elu(x: Any, alpha: float = 1.0) -> torch.Tensor:
    """Return `x` for positive inputs, else `alpha * (exp(x) - 1)`."""
    return F.elu(to_float(x), alpha)


def selu(x: Any) -> torch.Tensor:
    """Return the self-normalizing scaled ELU."""
    return torch.selu(to_float(x))


def celu(x: Any, alpha: float = 1.0) -> torch.Tensor:
    """Return the continuously differentiable ELU with scale `alpha`."""
    return F.celu(to_float(x), alpha)


def gelu(x: Any, approximate: bool = True) -> torch.Tensor:
    """Return the Gaussian error linear unit.

    `keras.ops.gelu` uses the tanh approximation by default (gelu(1) is
    0.841192). Pass `approximate=False` for the exact form (0.841345),
    which is the default of `keras.activations.gelu` and torch.
    """
    return F.gelu(to_float(x), approximate="tanh" if approximate else "none")


def glu(x: Any, axis: int = -1) -> torch.Tensor:
    """Return `a * sigmoid(b)`, where `a` and `b` are the halves of `axis`.

    Raises:
        ValueError: if the size of `axis` is odd.
    """
    x = to_float(x)
    axis = canonicalize_axis(axis, x.ndim)
    if x.shape[axis] % 2 != 0:
        raise ValueError(
            "glu splits `axis` into two halves, so its size must be even. "
            f"Received: axis={axis} of size {x.shape[axis]} "
            f"(shape {tuple(x.shape)})"
        )
    return F.glu(x, dim=axis)


def softmax(x: Any, axis: int | Sequence[int] | None = -1) -> torch.Tensor:
    """Return `exp(x) / sum(exp(x))` over `axis`.

    `axis` may be an int, a tuple of ints (one softmax over all of them) or
    None (over every element). Half-float inputs are computed in float32.
    A softmax over an axis of size 1 always gives 1, so it warns.
    """
    return _softmax(F.softmax, x, axis)


def log_softmax(x: Any, axis: int | Sequence[int] | None = -1):
    """Return `log(softmax(x))` over `axis`, computed stably."""
    return _softmax(F.log_softmax, x, axis)


def _softmax(fn, x: Any, axis: Any) -> torch.Tensor:
    x = to_float(x)
    axes = canonicalize_axes(axis, x.ndim)
    if axes is None:
        axes = tuple(range(x.ndim))
    if len(axes) == 1 and x.ndim > 0 and x.shape[axes[0]] == 1:
        warnings.warn(
            f"softmax over axis {axis} of a tensor of shape "
            f"{tuple(x.shape)}: this axis has size 1, so the result is "
            "always 1. Use a sigmoid for a single output.",
            UserWarning,
            stacklevel=3,
        )
    dtype = x.dtype
    if dtype in (torch.float16, torch.bfloat16):
        x = x.float()
    if len(axes) == 1:
        return fn(x, dim=axes[0]).to(dtype)
    # Move the softmax axes to the end, flatten them into one, and undo.
    kept = [i for i in range(x.ndim) if i not in axes]
    order = kept + list(axes)
    moved = x.permute(order)
    flat = moved.reshape(moved.shape[: len(kept)] + (-1,))
    result = fn(flat, dim=-1).reshape(moved.shape)
    inverse = sorted(range(x.ndim), key=order.__getitem__)
    return result.permute(inverse).to(dtype)


def sparsemax(x: Any, axis: int = -1) -> torch.Tensor:
    """Project `x` onto the probability simplex along `axis`.

    Like softmax the outputs sum to 1, but small inputs get exactly 0
    (Martins and Astudillo, 2016, "From Softmax to Sparsemax").
    """
    x = to_float(x)
    axis = canonicalize_axis(axis, x.ndim)
    ordered = torch.sort(x, dim=axis, descending=True).values
    running = torch.cumsum(ordered, dim=axis)
    ranks = torch.arange(1, x.shape[axis] + 1, dtype=x.dtype, device=x.device)
    ranks = ranks.reshape([-1 if i == axis else 1 for i in range(x.ndim)])
    in_support = ordered * ranks > running - 1
    support_size = in_support.sum(dim=axis, keepdim=True)
    support_sum = torch.where(in_support, ordered, 0).sum(
        dim=axis, keepdim=True
    )
    tau = (support_sum - 1) / support_size
    return torch.clamp(x - tau, min=0)


def one_hot(
    x: Any,
    num_classes: int,
    axis: int = -1,
    dtype: Any = None,
    sparse: bool = False,
) -> torch.Tensor:
    """Encode integer class indices as one-hot vectors.

    Indices outside `[0, num_classes)`, negative ones included, give rows
    of zeros. Float inputs are truncated to integers first.

    Args:
        x: Tensor of class indices.
        num_classes: Number of classes (size of the new axis).
        axis: Position of the new axis in the output. -1 appends it.
        dtype: Output dtype. None gives `floatx()`.
        sparse: Must be False: torch sparse outputs are not supported.

    Raises:
        ValueError: if `num_classes` is not a positive int or `sparse` is
            True.
    """
    if sparse:
        raise ValueError(
            f"`sparse=True` is not supported by torchkeras. "
            f"Received: sparse={sparse!r}"
        )
    if (
        isinstance(num_classes, bool)
        or not isinstance(num_classes, int)
        or (num_classes < 1)
    ):
        raise ValueError(
            "`num_classes` must be a positive int. "
            f"Received: num_classes={num_classes!r}"
        )
    x = convert_to_tensor(x).long()
    classes = torch.arange(num_classes, device=x.device)
    encoded = (x.unsqueeze(-1) == classes).to(_dtypes.to_torch_dtype(dtype))
    axis = canonicalize_axis(axis, encoded.ndim)
    return torch.movedim(encoded, -1, axis)


def normalize(
    x: Any,
    axis: int | Sequence[int] = -1,
    order: int = 2,
    epsilon: float | None = None,
) -> torch.Tensor:
    """Divide `x` by its `order`-norm over `axis`, as `x / max(norm, eps)`.

    Args:
        x: Input tensor.
        axis: Axis or axes of the norm.
        order: Norm order, an int >= 1 (2 is the Euclidean norm).
        epsilon: Lower bound on the norm. None gives `config.epsilon()`.

    Raises:
        ValueError: if `order` is not an int >= 1.
    """
    if isinstance(order, bool) or not isinstance(order, int) or order < 1:
        raise ValueError(
            f"`order` must be an int >= 1. Received: order={order!r}"
        )
    x = to_float(x)
    if x.ndim == 0:
        x = x.unsqueeze(0)
    if epsilon is None:
        epsilon = config.epsilon()
    axes = canonicalize_axes(axis, x.ndim)
    if order == 2:
        squared = torch.sum(x * x, dim=axes, keepdim=True)
        return x * torch.clamp(torch.rsqrt(squared), max=1.0 / epsilon)
    norm = torch.linalg.vector_norm(x, ord=order, dim=axes, keepdim=True)
    return x / torch.clamp(norm, min=epsilon)


def moments(
    x: Any,
    axes: int | Sequence[int],
    keepdims: bool = False,
    synchronized: bool = False,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Return the mean and population variance of `x` over `axes`.

    Half-float inputs are computed in float32 and cast back.

    Raises:
        NotImplementedError: if `synchronized=True` (statistics synced
            across devices in distributed training).
    """
    if synchronized:
        raise NotImplementedError(
            "moments does not support synchronized=True yet. Supported "
            "values: synchronized=False."
        )
    x = to_float(x)
    axes = canonicalize_axes(axes, x.ndim)
    dtype = x.dtype
    if dtype in (torch.float16, torch.bfloat16):
        x = x.float()
    variance, mean = torch.var_mean(x, dim=axes, keepdim=keepdims, correction=0)
    return mean.to(dtype), variance.to(dtype)
