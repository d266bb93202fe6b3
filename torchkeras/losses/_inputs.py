"""Input conversion and shape checks for the divergence, hinge, focal and
segmentation losses."""

from __future__ import annotations

from typing import Any

import torch

from torchkeras import config
from torchkeras.backend.tensors import convert_to_tensor
from torchkeras.losses.loss import squeeze_or_expand_to_same_rank


def prepare_inputs(
    loss_name: str,
    y_true: Any,
    y_pred: Any,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Convert both inputs to `y_pred`'s float dtype and match their ranks.

    Raises:
        ValueError: if the shapes cannot be broadcast together after the
            ranks are matched.
    """
    y_pred = convert_to_tensor(y_pred)
    if not y_pred.is_floating_point():
        y_pred = y_pred.to(config.standardize_dtype(None))
    y_true = convert_to_tensor(y_true, dtype=y_pred.dtype, device=y_pred.device)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    check_broadcastable(loss_name, y_true, y_pred)
    return y_true, y_pred


def check_broadcastable(
    loss_name: str,
    y_true: torch.Tensor,
    y_pred: torch.Tensor,
) -> None:
    """Raise ValueError naming the loss if the shapes do not broadcast."""
    try:
        torch.broadcast_shapes(y_true.shape, y_pred.shape)
    except RuntimeError:
        raise ValueError(
            f"Invalid shapes for loss `{loss_name}`: `y_true` and `y_pred` "
            "must have the same shape or shapes that broadcast together. "
            f"Received: y_true.shape={tuple(y_true.shape)}, "
            f"y_pred.shape={tuple(y_pred.shape)}."
        ) from None


def check_same_shape(
    loss_name: str,
    y_true: torch.Tensor,
    y_pred: torch.Tensor,
) -> None:
    """Raise ValueError naming the loss if the shapes differ."""
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"Invalid shapes for loss `{loss_name}`: `y_true` and `y_pred` "
            "must have the same shape. Received: "
            f"y_true.shape={tuple(y_true.shape)}, "
            f"y_pred.shape={tuple(y_pred.shape)}."
        )
