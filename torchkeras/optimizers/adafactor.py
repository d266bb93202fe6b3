"""Adafactor: Adam-like steps with factored second moments."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch

from torchkeras.optimizers._checks import check_float_in_range
from torchkeras.optimizers._checks import is_real_number
from torchkeras.optimizers.optimizer import BASE_ARGUMENTS_DOC
from torchkeras.optimizers.optimizer import LearningRate
from torchkeras.optimizers.optimizer import Optimizer


class Adafactor(Optimizer):
    """Adafactor: stores row and column statistics instead of `v`.

    For a weight `w` with two or more dimensions, the second moment of its
    last two dimensions is kept as a row vector `r` and a column vector
    `c`, which saves memory compared with Adam. Each step `t` (counting
    from 1) computes, with `lr = learning_rate`:

    ```
    rho = min(lr, 1 / sqrt(t))
    alpha = max(epsilon_2, rms(w)) * rho
    g2 = g**2 + epsilon_1
    decay = 1 - t**beta_2_decay
    r = decay * r + (1 - decay) * mean(g2, axis=-1)
    c = decay * c + (1 - decay) * mean(g2, axis=-2)
    v = (r / mean(r))[..., None] * c[..., None, :]
    v = decay * v + (1 - decay) * g2     # weights with fewer than 2 dims
    u = g / sqrt(v)
    w -= alpha * u / max(1, rms(u) / clip_threshold)
    ```

    where `rms(x) = sqrt(mean(x**2))`. This is the rule as Keras 3.15
    writes it, without first moments. As in Keras,
    `relative_step` changes nothing, because `rho` already caps the
    learning rate at `1 / sqrt(t)`. `torch.optim.Adafactor` (torch 2.13)
    clamps the second-moment estimate at `eps1**2` instead of adding
    `epsilon_1` to `g**2`, so it is not used.

    Args:
        learning_rate: Float, a `LearningRateSchedule`, or a callable
            returning the learning rate (see `Optimizer`). Defaults to
            0.001.
        beta_2_decay: Float, the power of `t` in the second-moment decay.
            Defaults to -0.8.
        epsilon_1: Small constant added to the squared gradients. Defaults
            to 1e-30.
        epsilon_2: Lower bound of `rms(w)` in the step size. Defaults to
            1e-3.
        clip_threshold: Float > 0, the largest RMS of the step `u` before
            it is scaled down. Defaults to 1.0.
        relative_step: Bool, kept for Keras compatibility. Defaults to True.
        {base_arguments}

    Example:

    >>> import torch
    >>> from torchkeras import optimizers
    >>> weight = torch.nn.Parameter(torch.ones(2, 2))
    >>> optimizer = optimizers.Adafactor(learning_rate=0.1)
    >>> optimizer.apply([torch.ones(2, 2)], [weight])
    >>> weight.detach()
    tensor([[0.9000, 0.9000],
            [0.9000, 0.9000]])
    """

    def __init__(
        self,
        learning_rate: LearningRate = 0.001,
        beta_2_decay: float = -0.8,
        epsilon_1: float = 1e-30,
        epsilon_2: float = 1e-3,
        clip_threshold: float = 1.0,
        relative_step: bool = True,
        weight_decay: float | None = None,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
        global_clipnorm: float | None = None,
        use_ema: bool = False,
        ema_momentum: float = 0.99,
        ema_overwrite_frequency: int | None = None,
        loss_scale_factor: float | None = None,
        gradient_accumulation_steps: int | None = None,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        if not is_real_number(beta_2_decay):
            raise ValueError(
                "`beta_2_decay` must be a float. Received: "
                f"beta_2_decay={beta_2_decay!r}"
            )
        check_float_in_range("epsilon_1", epsilon_1, 0.0)
        check_float_in_range("epsilon_2", epsilon_2, 0.0)
        if not (is_real_number(clip_threshold) and clip_threshold > 0):
            raise ValueError(
                "`clip_threshold` must be a float > 0. Received: "
                f"clip_threshold={clip_threshold!r}"
            )
        super().__init__(
            learning_rate=learning_rate,
            weight_decay=weight_decay,
            clipnorm=clipnorm,
            clipvalue=clipvalue,
            global_clipnorm=global_clipnorm,
            use_ema=use_ema,
            ema_momentum=ema_momentum,
            ema_overwrite_frequency=ema_overwrite_frequency,
            loss_scale_factor=loss_scale_factor,
            gradient_accumulation_steps=gradient_accumulation_steps,
            name=name,
            **kwargs,
        )
        self.beta_2_decay = beta_2_decay
        self.epsilon_1 = epsilon_1
        self.epsilon_2 = epsilon_2
        self.clip_threshold = clip_threshold
        self.relative_step = relative_step

    def _build_slots(self, variables: list[torch.Tensor]) -> None:
        # Keras creates `r`, `c` and `v` weight by weight. A weight with
        # fewer than 2 dimensions gets two int32 zeros in place of `r` and
        # `c`, so that every weight has the same number of entries.
        rows, columns, velocities = [], [], []
        for variable in variables:
            name = getattr(variable, "name", None)
            name = name if isinstance(name, str) else "variable"
            if variable.ndim < 2:
                placeholder = {"dtype": torch.int32, "device": variable.device}
                row = torch.zeros((), **placeholder)
                column = torch.zeros((), **placeholder)
            else:
                like = {"dtype": variable.dtype, "device": variable.device}
                shape = tuple(variable.shape)
                row = torch.zeros(shape[:-1], **like)
                column = torch.zeros(shape[:-2] + shape[-1:], **like)
            rows.append(self._track_state(row, name))
            columns.append(self._track_state(column, name))
            velocities.append(
                self.add_variable_from_reference(variable, "velocity")
            )
        self._slots["row"] = rows
        self._slots["column"] = columns
        self._slots["velocity"] = velocities

    def _update_variables(
        self,
        variables: list[torch.Tensor],
        grads: list[torch.Tensor],
        slots: dict[str, list[torch.Tensor]],
        learning_rate: float,
    ) -> None:
        # Keras computes these scalars in the weight dtype.
        scalar = float if variables[0].dtype == torch.float64 else np.float32
        step = scalar(self._num_updates + 1)
        rho = min(scalar(learning_rate), scalar(1) / np.sqrt(step))
        decay = float(scalar(1) - step ** scalar(self.beta_2_decay))

        squares = torch._foreach_mul(grads, grads)
        torch._foreach_add_(squares, self.epsilon_1)
        velocities = slots["velocity"]
        unfactored = [i for i, v in enumerate(variables) if v.ndim < 2]
        if unfactored:
            vectors = [velocities[i] for i in unfactored]
            torch._foreach_mul_(vectors, decay)
            torch._foreach_add_(
                vectors, [squares[i] for i in unfactored], alpha=1.0 - decay
            )
        for index, variable in enumerate(variables):
            if variable.ndim >= 2:
                self._update_factored(
                    slots["row"][index],
                    slots["column"][index],
                    velocities[index],
                    squares[index],
                    decay,
                )

        # alpha * u / max(1, rms(u) / clip_threshold), one factor per weight.
        weight_scales = self._root_mean_squares(variables)
        weight_scales = torch.clamp_min(weight_scales, self.epsilon_2)
        updates = torch._foreach_sqrt(velocities)
        updates = torch._foreach_div(grads, updates)
        update_scales = self._root_mean_squares(updates) / self.clip_threshold
        factors = weight_scales * float(rho) / torch.clamp_min(update_scales, 1)
        torch._foreach_mul_(updates, list(factors.unbind()))
        torch._foreach_sub_(variables, updates)

    @staticmethod
    def _update_factored(
        row: torch.Tensor,
        column: torch.Tensor,
        velocity: torch.Tensor,
        square: torch.Tensor,
        decay: float,
    ) -> None:
        row.mul_(decay).add_(square.mean(dim=-1), alpha=1.0 - decay)
        column.mul_(decay).add_(square.mean(dim=-2), alpha=1.0 - decay)
        normalized_row = row / row.mean(dim=-1, keepdim=True)
        torch.mul(
            normalized_row.unsqueeze(-1), column.unsqueeze(-2), out=velocity
        )

    @staticmethod
    def _root_mean_squares(tensors: list[torch.Tensor]) -> torch.Tensor:
        """Return `sqrt(mean(x**2))` of each tensor, stacked in one tensor."""
        norms = torch._foreach_norm(tensors)
        torch._foreach_div_(
            norms, [math.sqrt(tensor.numel()) for tensor in tensors]
        )
        return torch.stack(norms)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(
            {
                "beta_2_decay": self.beta_2_decay,
                "epsilon_1": self.epsilon_1,
                "epsilon_2": self.epsilon_2,
                "clip_threshold": self.clip_threshold,
                "relative_step": self.relative_step,
            }
        )
        return config


Adafactor.__doc__ = Adafactor.__doc__.replace(
    "{base_arguments}", BASE_ARGUMENTS_DOC
)
