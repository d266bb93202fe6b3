"""Adadelta: step sizes from running averages of gradients and updates."""

from __future__ import annotations

from typing import Any

import torch
from torch.optim.adadelta import adadelta

from torchkeras.optimizers._checks import check_float_in_range
from torchkeras.optimizers.optimizer import BASE_ARGUMENTS_DOC
from torchkeras.optimizers.optimizer import LearningRate
from torchkeras.optimizers.optimizer import Optimizer


class Adadelta(Optimizer):
    """Adadelta: scales each step by the ratio of two running RMS values.

    Each step updates the mean square of the gradients `a`, the step
    `delta`, the mean square of the steps `d` and the weight `w`:

    ```
    a = rho * a + (1 - rho) * g**2
    delta = -sqrt(d + epsilon) / sqrt(a + epsilon) * g
    d = rho * d + (1 - rho) * delta**2
    w += learning_rate * delta
    ```

    Keras and `torch.optim.Adadelta` (torch 2.13) both write the rule this
    way, so the update runs on
    `torch.optim.adadelta.adadelta` with multi-tensor kernels. Only the
    defaults differ: Keras uses `learning_rate=0.001`, `rho=0.95`,
    `epsilon=1e-7`, torch `lr=1.0`, `rho=0.9`, `eps=1e-6`.

    Args:
        learning_rate: Float, a `LearningRateSchedule`, or a callable
            returning the learning rate (see `Optimizer`). Defaults to
            0.001.
        rho: Decay rate of both running averages, in [0, 1]. Defaults to
            0.95.
        epsilon: Small constant for numerical stability, added under both
            square roots. Defaults to 1e-7.
        {base_arguments}

    Example:

    >>> import torch
    >>> from torchkeras import optimizers
    >>> weight = torch.nn.Parameter(torch.zeros(2))
    >>> optimizer = optimizers.Adadelta(learning_rate=1.0)
    >>> optimizer.apply([torch.tensor([1.0, -1.0])], [weight])
    >>> weight.detach()
    tensor([-0.0014,  0.0014])
    """

    def __init__(
        self,
        learning_rate: LearningRate = 0.001,
        rho: float = 0.95,
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
        check_float_in_range("rho", rho, 0.0, 1.0)
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
        self.epsilon = epsilon

    def _build_slots(self, variables: list[torch.Tensor]) -> None:
        self._accumulated_grads, self._accumulated_delta_vars = (
            self.add_optimizer_variables(
                variables, ["accumulated_grad", "accumulated_delta_var"]
            )
        )
        # torch's kernel counts steps in one tensor per weight. Adadelta's
        # rule never reads the count, so these are left out of `variables`.
        self._slots["torch_step"] = [
            torch.zeros((), dtype=torch.float32) for _ in variables
        ]

    def _update_variables(
        self,
        variables: list[torch.Tensor],
        grads: list[torch.Tensor],
        slots: dict[str, list[torch.Tensor]],
        learning_rate: float,
    ) -> None:
        adadelta(
            variables,
            grads,
            slots["accumulated_grad"],
            slots["accumulated_delta_var"],
            slots["torch_step"],
            foreach=True,
            lr=learning_rate,
            rho=self.rho,
            eps=self.epsilon,
            weight_decay=0.0,
            maximize=False,
        )

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update({"rho": self.rho, "epsilon": self.epsilon})
        return config


Adadelta.__doc__ = Adadelta.__doc__.replace(
    "{base_arguments}", BASE_ARGUMENTS_DOC
)
