"""Adamax: Adam with the infinity norm in place of the second moment."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from torchkeras.optimizers._checks import check_float_in_range
from torchkeras.optimizers.optimizer import BASE_ARGUMENTS_DOC
from torchkeras.optimizers.optimizer import LearningRate
from torchkeras.optimizers.optimizer import Optimizer


class Adamax(Optimizer):
    """Adamax: Adam's update scaled by a running maximum of `|g|`.

    Each step `t` (counting from 1) updates the first moment `m`, the
    exponentially weighted infinity norm `u` and the weight `w`:

    ```
    m = beta_1 * m + (1 - beta_1) * g
    u = max(beta_2 * u, abs(g))
    w -= learning_rate * m / ((1 - beta_1**t) * (u + epsilon))
    ```

    This is Keras's form.
    `torch.optim.Adamax` adds `eps` inside the maximum and uses a default
    learning rate of 0.002, so the two differ.

    Args:
        learning_rate: Float, a `LearningRateSchedule`, or a callable
            returning the learning rate (see `Optimizer`). Defaults to
            0.001.
        beta_1: Decay rate of the first moment, in [0, 1). Defaults to 0.9.
        beta_2: Decay rate of the infinity norm, in [0, 1). Defaults to
            0.999.
        epsilon: Small constant for numerical stability, added to `u`.
            Defaults to 1e-7.
        {base_arguments}

    Example:

    >>> import torch
    >>> from torchkeras import optimizers
    >>> weight = torch.nn.Parameter(torch.zeros(2))
    >>> optimizer = optimizers.Adamax(learning_rate=0.1)
    >>> optimizer.apply([torch.tensor([1.0, -2.0])], [weight])
    >>> weight.detach()
    tensor([-0.1000,  0.1000])
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
        self._momentums, self._norms = self.add_optimizer_variables(
            variables, ["momentum", "norm"]
        )

    def _update_variables(
        self,
        variables: list[torch.Tensor],
        grads: list[torch.Tensor],
        slots: dict[str, list[torch.Tensor]],
        learning_rate: float,
    ) -> None:
        momentums = slots["momentum"]
        norms = slots["norm"]
        torch._foreach_mul_(momentums, self.beta_1)
        torch._foreach_add_(momentums, grads, alpha=1.0 - self.beta_1)
        torch._foreach_mul_(norms, self.beta_2)
        torch._foreach_maximum_(norms, torch._foreach_abs(grads))

        # Keras computes `beta_1**t` in the weight dtype.
        scalar = float if variables[0].dtype == torch.float64 else np.float32
        step = scalar(self._num_updates + 1)
        correction = float(scalar(1) - scalar(self.beta_1) ** step)
        denominators = torch._foreach_add(norms, self.epsilon)
        torch._foreach_mul_(denominators, correction)
        torch._foreach_addcdiv_(
            variables, momentums, denominators, -learning_rate
        )

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


Adamax.__doc__ = Adamax.__doc__.replace("{base_arguments}", BASE_ARGUMENTS_DOC)
