"""Adagrad: step sizes shrinking with the sum of squared gradients."""

from __future__ import annotations

from typing import Any

import torch

from torchkeras.optimizers._checks import check_float_in_range
from torchkeras.optimizers.optimizer import BASE_ARGUMENTS_DOC
from torchkeras.optimizers.optimizer import LearningRate
from torchkeras.optimizers.optimizer import Optimizer


class Adagrad(Optimizer):
    """Adagrad: per-weight step sizes from the sum of squared gradients.

    Weights with large past gradients take smaller steps. Each step:

    ```
    accumulator += g**2
    w -= learning_rate * g / sqrt(accumulator + epsilon)
    ```

    Keras starts the accumulator at 0.1 and adds `epsilon` under the
    square root; `torch.optim.Adagrad` starts at 0 and adds `eps` (1e-10)
    outside it.

    Args:
        learning_rate: Float, or a callable returning the learning rate
            (see `Optimizer`). Defaults to 0.001.
        initial_accumulator_value: Starting value of the accumulators,
            >= 0. Defaults to 0.1.
        epsilon: Small constant for numerical stability. Defaults to 1e-7.
        {base_arguments}

    Example:

    >>> import torch
    >>> from torchkeras import optimizers
    >>> weight = torch.nn.Parameter(torch.zeros(1))
    >>> optimizer = optimizers.Adagrad(learning_rate=0.1)
    >>> optimizer.apply([torch.tensor([0.3])], [weight])
    >>> weight.detach()
    tensor([-0.0688])
    """

    def __init__(
        self,
        learning_rate: LearningRate = 0.001,
        initial_accumulator_value: float = 0.1,
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
        check_float_in_range(
            "initial_accumulator_value", initial_accumulator_value, 0.0
        )
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
        self.initial_accumulator_value = initial_accumulator_value
        self.epsilon = epsilon

    def _build_slots(self, variables: list[torch.Tensor]) -> None:
        self._accumulators = self.add_optimizer_variables(
            variables,
            "accumulator",
            initializer=float(self.initial_accumulator_value),
        )

    def _update_variables(
        self,
        variables: list[torch.Tensor],
        grads: list[torch.Tensor],
        slots: dict[str, list[torch.Tensor]],
        learning_rate: float,
    ) -> None:
        accumulators = slots["accumulator"]
        torch._foreach_addcmul_(accumulators, grads, grads)
        denominators = torch._foreach_add(accumulators, self.epsilon)
        torch._foreach_sqrt_(denominators)
        torch._foreach_addcdiv_(variables, grads, denominators, -learning_rate)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(
            {
                "initial_accumulator_value": self.initial_accumulator_value,
                "epsilon": self.epsilon,
            }
        )
        return config


Adagrad.__doc__ = Adagrad.__doc__.replace(
    "{base_arguments}", BASE_ARGUMENTS_DOC
)
