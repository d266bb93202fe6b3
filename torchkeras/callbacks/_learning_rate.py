"""Reading and setting the learning rate of a torchkeras or torch optimizer."""

from __future__ import annotations

import torch


def get_learning_rate(optimizer, callback_name: str) -> float:
    """Return the current learning rate of `optimizer` as a float.

    A `torch.optim.Optimizer` reports the rate of its first parameter group.
    """
    if isinstance(optimizer, torch.optim.Optimizer):
        return float(optimizer.param_groups[0]["lr"])
    if optimizer is None or not hasattr(optimizer, "learning_rate"):
        raise ValueError(
            f"{callback_name} needs a model compiled with an optimizer that "
            "has a `learning_rate`. Received: optimizer="
            f"{type(optimizer).__name__}"
        )
    return float(optimizer.learning_rate)


def set_learning_rate(optimizer, learning_rate: float) -> None:
    """Set the learning rate of `optimizer` (every group of a torch one)."""
    if isinstance(optimizer, torch.optim.Optimizer):
        for group in optimizer.param_groups:
            group["lr"] = learning_rate
        return
    optimizer.learning_rate = learning_rate
