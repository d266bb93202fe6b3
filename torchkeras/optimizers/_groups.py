"""Weights grouped by device and dtype, for multi-tensor updates."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from torchkeras.optimizers._checks import describe_variable


class Batch:
    """The weights of one group that received a gradient in this step."""

    __slots__ = ("constrained", "decayed", "grads", "slots", "variables")

    def __init__(self, variables, grads, slots, decayed, constrained):
        self.variables = variables
        self.grads = grads
        self.slots = slots
        self.decayed = decayed
        self.constrained = constrained


class VariableGroup:
    """Weights that share a device and a dtype, with their state lists."""

    def __init__(
        self,
        positions: list[int],
        variables: list[torch.Tensor],
        slots: dict[str, list[torch.Tensor]],
    ) -> None:
        self.positions = positions
        self.variables = variables
        self.slots = slots
        self.device = variables[0].device
        self.dtype = variables[0].dtype
        self.decayed = list(variables)
        self.constrained = [
            variable
            for variable in variables
            if getattr(variable, "constraint", None) is not None
        ]
        # True when this group contains every weight in build order, so the
        # gradients need no reordering.
        self.covers_all = False

    def select(
        self,
        grads_by_position: list[Any],
        uses_weight_decay: Callable[[torch.Tensor], bool],
    ) -> Batch | None:
        """Return this step's batch, or None when no weight has a gradient."""
        if self.covers_all:
            grads = list(grads_by_position)
        else:
            grads = [grads_by_position[position] for position in self.positions]

        complete = True
        device, dtype = self.device, self.dtype
        for index, (grad, variable) in enumerate(zip(grads, self.variables)):
            if grad is None:
                complete = False
            elif (
                type(grad) is not torch.Tensor
                or grad.dtype is not dtype
                or grad.device != device
                or grad.shape != variable.shape
            ):
                grads[index] = convert_gradient(
                    grad, variable, self.positions[index]
                )
        if complete:
            return Batch(
                self.variables,
                grads,
                self.slots,
                self.decayed,
                self.constrained,
            )

        kept_indices = [
            index for index, grad in enumerate(grads) if grad is not None
        ]
        if not kept_indices:
            return None
        variables = [self.variables[index] for index in kept_indices]
        return Batch(
            variables,
            [grads[index] for index in kept_indices],
            {
                name: [states[index] for index in kept_indices]
                for name, states in self.slots.items()
            },
            [variable for variable in variables if uses_weight_decay(variable)],
            [
                variable
                for variable in variables
                if getattr(variable, "constraint", None) is not None
            ],
        )


def make_groups(
    variables: list[torch.Tensor], slots: dict[str, list[torch.Tensor]]
) -> list[VariableGroup]:
    """Split weights and their state lists by (device, dtype), keeping the
    build order inside each group."""
    positions_by_key: dict[tuple[torch.device, torch.dtype], list[int]] = {}
    for position, variable in enumerate(variables):
        key = (variable.device, variable.dtype)
        positions_by_key.setdefault(key, []).append(position)
    groups = []
    for positions in positions_by_key.values():
        groups.append(
            VariableGroup(
                positions,
                [variables[position] for position in positions],
                {
                    name: [states[position] for position in positions]
                    for name, states in slots.items()
                },
            )
        )
    if len(groups) == 1:
        groups[0].covers_all = True
    return groups


def convert_gradient(
    grad: Any, variable: torch.Tensor, position: int
) -> torch.Tensor:
    """Return `grad` as a tensor on the weight's device and dtype."""
    if isinstance(grad, torch.Tensor):
        grad = grad.detach()
    grad = torch.as_tensor(grad, dtype=variable.dtype, device=variable.device)
    if grad.shape != variable.shape:
        raise ValueError(
            f"Received a gradient of shape {tuple(grad.shape)} for "
            f"{describe_variable(variable, position)}. A gradient must "
            "have the shape of its weight, so check that the gradients "
            "are in the same order as the weights."
        )
    return grad
