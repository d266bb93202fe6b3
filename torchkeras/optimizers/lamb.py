"""Lamb: Adam steps scaled per weight by a trust ratio."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from torchkeras.optimizers._checks import check_float_in_range
from torchkeras.optimizers.optimizer import BASE_ARGUMENTS_DOC
from torchkeras.optimizers.optimizer import LearningRate
from torchkeras.optimizers.optimizer import Optimizer


class Lamb(Optimizer):
    """Lamb: Adam's direction, scaled by `norm(w) / norm(step)` per weight.

    Each step `t` (counting from 1) computes Adam's bias-corrected step
    `r` for each weight `w`, then rescales it by the trust ratio:

    ```
    m = beta_1 * m + (1 - beta_1) * g
    v = beta_2 * v + (1 - beta_2) * g**2
    r = (m / (1 - beta_1**t)) / (sqrt(v / (1 - beta_2**t)) + epsilon)
    ratio = norm(w) / norm(r)      # 1 when either norm is 0
    w -= learning_rate * ratio * r
    ```

    This is Keras's rule, with weight decay applied separately (see
    `weight_decay`). The trust ratio keeps each step proportional to the
    norm of its weight. `torch.optim` has no Lamb. Keras 3.15 has the class
    but no `"lamb"` string, which torchkeras accepts too.

    Args:
        learning_rate: Float, a `LearningRateSchedule`, or a callable
            returning the learning rate (see `Optimizer`). Defaults to
            0.001.
        beta_1: Decay rate of the first moment, in [0, 1). Defaults to 0.9.
        beta_2: Decay rate of the second moment, in [0, 1). Defaults to
            0.999.
        epsilon: Small constant for numerical stability, added to the
            bias-corrected `sqrt(v)`. Defaults to 1e-7.
        {base_arguments}

    Example:

    >>> import torch
    >>> from torchkeras import optimizers
    >>> weight = torch.nn.Parameter(torch.tensor([3.0, 4.0]))
    >>> optimizer = optimizers.Lamb(learning_rate=0.1)
    >>> optimizer.apply([torch.tensor([1.0, 1.0])], [weight])
    >>> weight.detach()
    tensor([2.6464, 3.6464])
    """

    def __init__(
        self,
        learning_rate: LearningRate = 0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
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
        check_float_in_range("beta_1", beta_1, 0.0, 1.0, maximum_included=False)
        check_float_in_range("beta_2", beta_2, 0.0, 1.0, maximum_included=False)
        check_float_in_range("epsilon", epsilon, 0.0)
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
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon

    def _build_slots(self, variables: list[torch.Tensor]) -> None:
        self._momentums, self._velocities = self.add_optimizer_variables(
            variables, ["momentum", "velocity"]
        )

    def _update_variables(
        self,
        variables: list[torch.Tensor],
        grads: list[torch.Tensor],
        slots: dict[str, list[torch.Tensor]],
        learning_rate: float,
    ) -> None:
        momentums = slots["momentum"]
        velocities = slots["velocity"]
        torch._foreach_lerp_(momentums, grads, 1.0 - self.beta_1)
        squares = torch._foreach_mul(grads, grads)
        torch._foreach_lerp_(velocities, squares, 1.0 - self.beta_2)

        # Keras computes the bias corrections in the weight dtype.
        scalar = float if variables[0].dtype == torch.float64 else np.float32
        step = scalar(self._num_updates + 1)
        one = scalar(1)
        m_correction = float(one - scalar(self.beta_1) ** step)
        v_correction = float(one - scalar(self.beta_2) ** step)
        denominators = torch._foreach_div(velocities, v_correction)
        torch._foreach_sqrt_(denominators)
        torch._foreach_add_(denominators, self.epsilon)
        steps = torch._foreach_div(momentums, m_correction)
        torch._foreach_div_(steps, denominators)

        # One trust ratio per weight, computed for all weights at once.
        weight_norms = torch.stack(torch._foreach_norm(variables))
        step_norms = torch.stack(torch._foreach_norm(steps))
        usable = (weight_norms > 0) & (step_norms > 0)
        ratios = torch.where(usable, weight_norms / step_norms, 1.0)
        ratios = ratios * learning_rate
        torch._foreach_mul_(steps, list(ratios.unbind()))
        torch._foreach_sub_(variables, steps)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(
            {
                "beta_1": self.beta_1,
                "beta_2": self.beta_2,
                "epsilon": self.epsilon,
            }
        )
        return config


Lamb.__doc__ = Lamb.__doc__.replace("{base_arguments}", BASE_ARGUMENTS_DOC)
