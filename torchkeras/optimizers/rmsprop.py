"""RMSprop: gradients divided by a running root mean square."""

from __future__ import annotations

from typing import Any

import torch

from torchkeras.optimizers._checks import check_float_in_range
from torchkeras.optimizers.optimizer import BASE_ARGUMENTS_DOC
from torchkeras.optimizers.optimizer import LearningRate
from torchkeras.optimizers.optimizer import Optimizer


class RMSprop(Optimizer):
    """RMSprop: divides each gradient by a running root mean square.

    Each step updates the mean square `v` and, when `centered`, the mean
    gradient `a`, then the weight `w`:

    ```
    v = rho * v + (1 - rho) * g**2
    a = rho * a + (1 - rho) * g                  # centered only
    step = learning_rate * g / sqrt(v + epsilon)
    step = learning_rate * g / sqrt(v - a**2 + epsilon)   # centered
    w -= step                                    # momentum == 0
    m = momentum * m + step; w -= m              # momentum > 0
    ```

    Keras adds `epsilon` inside the square root and uses `rho=0.9`;
    `torch.optim.RMSprop` adds `eps` outside it and uses `alpha=0.99`.
    This is the optimizer `compile()` uses when none is given.

    Args:
        learning_rate: Float, or a callable returning the learning rate
            (see `Optimizer`). Defaults to 0.001.
        rho: Decay rate of the running averages, in [0, 1]. Defaults to
            0.9.
        momentum: Float >= 0. Defaults to 0, no momentum.
        epsilon: Small constant for numerical stability, added to the mean
            square under the square root. Defaults to 1e-7.
        centered: Whether to divide by the running variance of the
            gradient instead of its mean square. Defaults to False.
        {base_arguments}

    Example:

    >>> import torch
    >>> from torchkeras import optimizers
    >>> weight = torch.nn.Parameter(torch.zeros(2))
    >>> optimizer = optimizers.RMSprop(learning_rate=0.01)
    >>> optimizer.apply([torch.tensor([1.0, -1.0])], [weight])
    >>> weight.detach()
    tensor([-0.0316,  0.0316])
    """

    def __init__(
        self,
        learning_rate: LearningRate = 0.001,
        rho: float = 0.9,
        momentum: float = 0.0,
        epsilon: float = 1e-7,
        centered: bool = False,
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
        check_float_in_range("rho", rho, 0.0, 1.0)
        check_float_in_range("momentum", momentum, 0.0)
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
        self.rho = rho
        self.momentum = momentum
        self.epsilon = epsilon
        self.centered = centered

    def _build_slots(self, variables: list[torch.Tensor]) -> None:
        # Three separate calls, because Keras lists all velocities, then
        # all momentums, then all average gradients.
        self._velocities = self.add_optimizer_variables(variables, "velocity")
        self._momentums = []
        if self.momentum > 0:
            self._momentums = self.add_optimizer_variables(
                variables, "momentum"
            )
        self._average_gradients = []
        if self.centered:
            self._average_gradients = self.add_optimizer_variables(
                variables, "average_gradient"
            )

    def _update_variables(
        self,
        variables: list[torch.Tensor],
        grads: list[torch.Tensor],
        slots: dict[str, list[torch.Tensor]],
        learning_rate: float,
    ) -> None:
        velocities = slots["velocity"]
        torch._foreach_mul_(velocities, self.rho)
        torch._foreach_addcmul_(velocities, grads, grads, 1.0 - self.rho)

        if self.centered:
            average_grads = slots["average_gradient"]
            torch._foreach_lerp_(average_grads, grads, 1.0 - self.rho)
            denominators = torch._foreach_addcmul(
                velocities, average_grads, average_grads, -1.0
            )
            torch._foreach_add_(denominators, self.epsilon)
        else:
            denominators = torch._foreach_add(velocities, self.epsilon)
        torch._foreach_sqrt_(denominators)

        if self.momentum > 0:
            momentums = slots["momentum"]
            torch._foreach_mul_(momentums, self.momentum)
            torch._foreach_addcdiv_(
                momentums, grads, denominators, learning_rate
            )
            torch._foreach_sub_(variables, momentums)
        else:
            torch._foreach_addcdiv_(
                variables, grads, denominators, -learning_rate
            )

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(
            {
                "rho": self.rho,
                "momentum": self.momentum,
                "epsilon": self.epsilon,
                "centered": self.centered,
            }
        )
        return config


RMSprop.__doc__ = RMSprop.__doc__.replace(
    "{base_arguments}", BASE_ARGUMENTS_DOC
)
