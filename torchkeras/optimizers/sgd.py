"""Stochastic gradient descent, with optional momentum and Nesterov."""

from __future__ import annotations

from typing import Any

import torch

from torchkeras.optimizers._checks import check_float_in_range
from torchkeras.optimizers.optimizer import BASE_ARGUMENTS_DOC
from torchkeras.optimizers.optimizer import LearningRate
from torchkeras.optimizers.optimizer import Optimizer


class SGD(Optimizer):
    """Gradient descent, with optional momentum and Nesterov momentum.

    Without momentum each step is `w -= learning_rate * g`. With momentum
    the velocity `v` (zero at first) follows Keras's form:

    ```
    v = momentum * v - learning_rate * g
    w += v                                   # nesterov=False
    w += momentum * v - learning_rate * g    # nesterov=True
    ```

    `torch.optim.SGD` keeps `v = momentum * v + g` and steps
    `w -= learning_rate * v` instead. Both give the same weights while the
    learning rate is constant, and differ once it changes.

    Args:
        learning_rate: Float, or a callable returning the learning rate
            (see `Optimizer`). Defaults to 0.01.
        momentum: Float in [0, 1]. Defaults to 0, plain gradient descent.
        nesterov: Whether to use Nesterov momentum. Defaults to False.
        {base_arguments}

    Example:

    >>> import torch
    >>> from torchkeras import optimizers
    >>> weight = torch.nn.Parameter(torch.tensor([1.0, 2.0]))
    >>> optimizer = optimizers.SGD(learning_rate=0.1)
    >>> optimizer.apply([torch.tensor([1.0, -1.0])], [weight])
    >>> weight.detach()
    tensor([0.9000, 2.1000])
    """

    def __init__(
        self,
        learning_rate: LearningRate = 0.01,
        momentum: float = 0.0,
        nesterov: bool = False,
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
        check_float_in_range("momentum", momentum, 0.0, 1.0)
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
        self.momentum = momentum
        self.nesterov = nesterov

    def _build_slots(self, variables: list[torch.Tensor]) -> None:
        if self.momentum != 0:
            self.momentums = self.add_optimizer_variables(variables, "momentum")
        else:
            self.momentums = []

    def _update_variables(
        self,
        variables: list[torch.Tensor],
        grads: list[torch.Tensor],
        slots: dict[str, list[torch.Tensor]],
        learning_rate: float,
    ) -> None:
        if self.momentum == 0:
            torch._foreach_add_(variables, grads, alpha=-learning_rate)
            return
        velocities = slots["momentum"]
        torch._foreach_mul_(velocities, self.momentum)
        torch._foreach_add_(velocities, grads, alpha=-learning_rate)
        if self.nesterov:
            torch._foreach_add_(variables, grads, alpha=-learning_rate)
            torch._foreach_add_(variables, velocities, alpha=self.momentum)
        else:
            torch._foreach_add_(variables, velocities)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update({"momentum": self.momentum, "nesterov": self.nesterov})
        return config


SGD.__doc__ = SGD.__doc__.replace("{base_arguments}", BASE_ARGUMENTS_DOC)
