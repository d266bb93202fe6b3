"""Lion: sign-based updates from an interpolated momentum."""

from __future__ import annotations

from typing import Any

import torch

from torchkeras.optimizers._checks import check_float_in_range
from torchkeras.optimizers._checks import is_real_number
from torchkeras.optimizers.optimizer import BASE_ARGUMENTS_DOC
from torchkeras.optimizers.optimizer import LearningRate
from torchkeras.optimizers.optimizer import Optimizer


class Lion(Optimizer):
    """Lion: moves every weight element by exactly `learning_rate`.

    Each step updates the weight `w` from the sign of an interpolation
    between the momentum `m` and the gradient, then updates `m`:

    ```
    w -= learning_rate * sign(beta_1 * m + (1 - beta_1) * g)
    m = beta_2 * m + (1 - beta_2) * g
    ```

    This is Keras's rule. Because each step
    has the size of the learning rate, Lion usually needs a learning rate
    3 to 10 times smaller than Adam's. `torch.optim` has no Lion.

    Args:
        learning_rate: Float, a `LearningRateSchedule`, or a callable
            returning the learning rate (see `Optimizer`). Defaults to
            0.001.
        beta_1: Weight of the momentum in the update direction, in (0, 1].
            Defaults to 0.9.
        beta_2: Decay rate of the momentum, in [0, 1]. Defaults to 0.99.
        {base_arguments}

    Raises:
        ValueError: if `beta_1` is not in (0, 1], where Lion would reduce
            to the sign of the gradient.

    Example:

    >>> import torch
    >>> from torchkeras import optimizers
    >>> weight = torch.nn.Parameter(torch.zeros(2))
    >>> optimizer = optimizers.Lion(learning_rate=0.1)
    >>> optimizer.apply([torch.tensor([3.0, -0.5])], [weight])
    >>> weight.detach()
    tensor([-0.1000,  0.1000])
    """

    def __init__(
        self,
        learning_rate: LearningRate = 0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.99,
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
        if not (is_real_number(beta_1) and 0 < beta_1 <= 1):
            raise ValueError(
                "`beta_1` must be a float in (0, 1]. At 0, Lion reduces to "
                f"the sign of the gradient. Received: beta_1={beta_1!r}"
            )
        check_float_in_range("beta_2", beta_2, 0.0, 1.0)
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

    def _build_slots(self, variables: list[torch.Tensor]) -> None:
        self._momentums = self.add_optimizer_variables(variables, "momentum")

    def _update_variables(
        self,
        variables: list[torch.Tensor],
        grads: list[torch.Tensor],
        slots: dict[str, list[torch.Tensor]],
        learning_rate: float,
    ) -> None:
        momentums = slots["momentum"]
        directions = torch._foreach_mul(momentums, self.beta_1)
        torch._foreach_add_(directions, grads, alpha=1.0 - self.beta_1)
        torch._foreach_sign_(directions)
        torch._foreach_add_(variables, directions, alpha=-learning_rate)
        torch._foreach_mul_(momentums, self.beta_2)
        torch._foreach_add_(momentums, grads, alpha=1.0 - self.beta_2)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2})
        return config


Lion.__doc__ = Lion.__doc__.replace("{base_arguments}", BASE_ARGUMENTS_DOC)
