"""Activation functions with Keras's names and defaults, on torch tensors."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from torchkeras.ops import nn as nn_ops


def relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """Rectified linear unit, with Keras's optional slope, cap and threshold.

    With the defaults this is `max(x, 0)`. Otherwise, as in Keras, values
    above `threshold` pass through (a value equal to it gives 0), the
    result is clipped to `[0, max_value]` when `max_value` is set, and
    `negative_slope * (threshold - x)` is subtracted below `threshold`.
    """
    if max_value is None and threshold == 0.0:
        if negative_slope == 0.0:
            return torch.relu(x)
        return F.leaky_relu(x, negative_slope)
    if threshold != 0.0:
        result = torch.where(x > threshold, x, torch.zeros_like(x))
    else:
        result = torch.relu(x)
    if max_value is not None:
        result = torch.clamp(result, 0.0, max_value)
    if negative_slope != 0.0:
        result = result - negative_slope * torch.relu(threshold - x)
    return result


def relu6(x):
    """`min(max(x, 0), 6)`."""
    return F.relu6(x)


def sigmoid(x):
    """`1 / (1 + exp(-x))`."""
    return torch.sigmoid(x)


def tanh(x):
    """Hyperbolic tangent."""
    return torch.tanh(x)


def softmax(x, axis=-1):
    """Softmax over `axis` (the last axis by default)."""
    return torch.softmax(x, dim=axis)


def log_softmax(x, axis=-1):
    """Log of the softmax over `axis`."""
    return torch.log_softmax(x, dim=axis)


def linear(x):
    """The identity."""
    return x


def exponential(x):
    """`exp(x)`."""
    return torch.exp(x)


def elu(x, alpha=1.0):
    """Exponential linear unit: `x` if `x > 0` else `alpha * (exp(x) - 1)`."""
    return F.elu(x, alpha=alpha)


def selu(x):
    """Scaled exponential linear unit (self-normalizing)."""
    return torch.selu(x)


def softplus(x):
    """`log(exp(x) + 1)`."""
    return F.softplus(x)


def softsign(x):
    """`x / (abs(x) + 1)`."""
    return F.softsign(x)


def silu(x):
    """Sigmoid linear unit, also called swish: `x * sigmoid(x)`."""
    return F.silu(x)


swish = silu


def gelu(x, approximate=False):
    """Gaussian error linear unit; exact unless `approximate=True` (tanh)."""
    return F.gelu(x, approximate="tanh" if approximate else "none")


def leaky_relu(x, negative_slope=0.2):
    """Leaky ReLU; the function's default slope is 0.2, as in Keras."""
    return F.leaky_relu(x, negative_slope)


def hard_sigmoid(x):
    """`relu6(x + 3) / 6`, the Keras 3 definition."""
    return F.hardsigmoid(x)


def hard_silu(x):
    """`x * hard_sigmoid(x)`, also called hard swish."""
    return F.hardswish(x)


hard_swish = hard_silu


def mish(x):
    """`x * tanh(softplus(x))`."""
    return F.mish(x)


def log_sigmoid(x):
    """`log(sigmoid(x))`, computed stably."""
    return F.logsigmoid(x)


def hard_tanh(x):
    """`clip(x, -1, 1)`."""
    return F.hardtanh(x)


def celu(x, alpha=1.0):
    """Continuously differentiable ELU."""
    return F.celu(x, alpha=alpha)


def glu(x, axis=-1):
    """Gated linear unit: the first half of `axis` times sigmoid of the second."""
    return F.glu(x, dim=axis)


def tanh_shrink(x):
    """`x - tanh(x)`."""
    return F.tanhshrink(x)


def soft_shrink(x, threshold=0.5):
    """Moves values towards zero by `threshold`, zeroing those within it."""
    return F.softshrink(x, threshold)


def hard_shrink(x, threshold=0.5):
    """Zeroes values whose absolute value is at most `threshold`."""
    return F.hardshrink(x, threshold)


def squareplus(x, b=4):
    """`(x + sqrt(x**2 + b)) / 2`, a smooth ReLU."""
    return (x + torch.sqrt(x * x + b)) / 2


def sparse_plus(x):
    """0 below -1, `x` above 1, and `(x + 1)**2 / 4` in between."""
    middle = (x + 1) ** 2 / 4
    return torch.where(x <= -1, torch.zeros_like(x), torch.where(x >= 1, x, middle))


def sparse_sigmoid(x):
    """0 below -1, 1 above 1, and `(x + 1) / 2` in between."""
    return torch.clamp((x + 1) / 2, 0.0, 1.0)


def sparsemax(x, axis=-1):
    """Projection onto the probability simplex: a softmax with exact zeros."""
    return nn_ops.sparsemax(x, axis=axis)


def threshold(x, threshold, default_value):
    """Keep `x` where it is above `threshold`, else use `default_value`."""
    return torch.where(x > threshold, x, torch.full_like(x, default_value))

