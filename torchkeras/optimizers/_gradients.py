"""Gradient clipping with multi-tensor (`torch._foreach_*`) kernels.

Every function returns new tensors and leaves its input lists untouched,
because the gradients often are the `.grad` fields of the caller's weights.
"""

from __future__ import annotations

import torch


def clip_by_norm(
    grads: list[torch.Tensor], clipnorm: float
) -> list[torch.Tensor]:
    """Scale each gradient so that its own L2 norm is at most `clipnorm`.

    Computes `g * clipnorm / max(norm(g), clipnorm)`, so an all-zero
    gradient passes through unchanged.
    """
    scales = torch._foreach_norm(grads)
    torch._foreach_clamp_min_(scales, clipnorm)
    torch._foreach_reciprocal_(scales)
    torch._foreach_mul_(scales, clipnorm)
    return torch._foreach_mul(grads, scales)


def global_norm(grad_lists: list[list[torch.Tensor]]) -> torch.Tensor:
    """Return the L2 norm of all gradients together, as a float32 tensor.

    The lists may live on different devices and have different dtypes. The
    result lives on the device of the first gradient.
    """
    device = grad_lists[0][0].device
    norms = []
    for grads in grad_lists:
        for norm in torch._foreach_norm(grads):
            norms.append(norm.to(device=device, dtype=torch.float32))
    return torch.linalg.vector_norm(torch.stack(norms))


def clip_by_global_norm(
    grad_lists: list[list[torch.Tensor]], global_clipnorm: float
) -> list[list[torch.Tensor]]:
    """Scale all gradients by one factor so their global norm is at most
    `global_clipnorm`.

    A NaN or infinite global norm turns every gradient into NaN, as in
    Keras, so a broken step shows up in the weights instead of being
    silently clipped to zero.
    """
    norm = global_norm(grad_lists)
    scale = global_clipnorm / torch.clamp_min(norm, global_clipnorm)
    # `norm - norm` is 0 for a finite norm and NaN for inf or NaN.
    scale = scale + (norm - norm)
    clipped = []
    for grads in grad_lists:
        group_scale = scale.to(device=grads[0].device, dtype=grads[0].dtype)
        clipped.append(torch._foreach_mul(grads, group_scale))
    return clipped


def clip_by_value(
    grads: list[torch.Tensor], clipvalue: float
) -> list[torch.Tensor]:
    """Clip every gradient element to `[-clipvalue, clipvalue]`."""
    clipped = torch._foreach_clamp_min(grads, -clipvalue)
    torch._foreach_clamp_max_(clipped, clipvalue)
    return clipped
