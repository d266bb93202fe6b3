"""FTRL-Proximal: follow the regularized leader, for sparse linear models."""

from __future__ import annotations

from typing import Any

import torch

from torchkeras.optimizers._checks import check_float_in_range
from torchkeras.optimizers._checks import is_real_number
from torchkeras.optimizers.optimizer import BASE_ARGUMENTS_DOC
from torchkeras.optimizers.optimizer import LearningRate
from torchkeras.optimizers.optimizer import Optimizer


class Ftrl(Optimizer):
    """FTRL-Proximal: solves for each weight in closed form every step.

    Each step updates the sum of squared gradients `n`, the linear term
    `z` and then sets the weight `w` directly, with `p =
    -learning_rate_power`, `lr = learning_rate`,
    `l2 = l2_regularization_strength + beta / (2 * lr)`:

    ```
    g_shrunk = g + 2 * l2_shrinkage_regularization_strength * w
    n_new = n + g**2
    z += g_shrunk - (n_new**p - n**p) / lr * w
    w = (clip(z, -l1, l1) - z) / (n_new**p / lr + 2 * l2)
    n = n_new
    ```

    where `l1 = l1_regularization_strength`. This is the rule as Keras 3.15
    writes it, so a weight is exactly 0 while
    `abs(z) <= l1`. `torch.optim` has no FTRL.

    Args:
        learning_rate: Float, a `LearningRateSchedule`, or a callable
            returning the learning rate (see `Optimizer`). Defaults to
            0.001.
        learning_rate_power: Float <= 0, the power of `n` in the per-weight
            learning rate. Defaults to -0.5.
        initial_accumulator_value: Float >= 0, the start value of `n`.
            Defaults to 0.1.
        l1_regularization_strength: Float >= 0. Defaults to 0.
        l2_regularization_strength: Float >= 0, L2 strength on the
            weights. Defaults to 0.
        l2_shrinkage_regularization_strength: Float >= 0, L2 strength
            added to the gradient (a magnitude penalty). Defaults to 0.
        beta: Float, added to the L2 strength as `beta / (2 *
            learning_rate)`. Defaults to 0.
        {base_arguments}

    Example:

    >>> import torch
    >>> from torchkeras import optimizers
    >>> weight = torch.nn.Parameter(torch.zeros(2))
    >>> optimizer = optimizers.Ftrl(
    ...     learning_rate=0.1, l1_regularization_strength=0.5
    ... )
    >>> optimizer.apply([torch.tensor([1.0, -0.2])], [weight])
    >>> weight.detach()
    tensor([-0.0477,  0.0000])
    """

    def __init__(
        self,
        learning_rate: LearningRate = 0.001,
        learning_rate_power: float = -0.5,
        initial_accumulator_value: float = 0.1,
        l1_regularization_strength: float = 0.0,
        l2_regularization_strength: float = 0.0,
        l2_shrinkage_regularization_strength: float = 0.0,
        beta: float = 0.0,
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
        if not (
            is_real_number(learning_rate_power) and learning_rate_power <= 0
        ):
            raise ValueError(
                "`learning_rate_power` must be a float <= 0. Received: "
                f"learning_rate_power={learning_rate_power!r}"
            )
        check_float_in_range(
            "initial_accumulator_value", initial_accumulator_value, 0.0
        )
        check_float_in_range(
            "l1_regularization_strength", l1_regularization_strength, 0.0
        )
        check_float_in_range(
            "l2_regularization_strength", l2_regularization_strength, 0.0
        )
        check_float_in_range(
            "l2_shrinkage_regularization_strength",
            l2_shrinkage_regularization_strength,
            0.0,
        )
        if not is_real_number(beta):
            raise ValueError(f"`beta` must be a float. Received: beta={beta!r}")
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
        self.learning_rate_power = learning_rate_power
        self.initial_accumulator_value = initial_accumulator_value
        self.l1_regularization_strength = l1_regularization_strength
        self.l2_regularization_strength = l2_regularization_strength
        self.l2_shrinkage_regularization_strength = (
            l2_shrinkage_regularization_strength
        )
        self.beta = beta

    def _build_slots(self, variables: list[torch.Tensor]) -> None:
        self._accumulators, self._linears = self.add_optimizer_variables(
            variables,
            ["accumulator", "linear"],
            initializer=[float(self.initial_accumulator_value), "zeros"],
        )

    def _update_variables(
        self,
        variables: list[torch.Tensor],
        grads: list[torch.Tensor],
        slots: dict[str, list[torch.Tensor]],
        learning_rate: float,
    ) -> None:
        accumulators = slots["accumulator"]
        linears = slots["linear"]
        power = -self.learning_rate_power
        l1 = self.l1_regularization_strength
        l2 = self.l2_regularization_strength + self.beta / (2.0 * learning_rate)

        # The accumulator sums the raw gradients, the linear term the
        # shrunk ones.
        new_accumulators = torch._foreach_add(
            accumulators, torch._foreach_mul(grads, grads)
        )
        shrinkage = self.l2_shrinkage_regularization_strength
        if shrinkage:
            grads = torch._foreach_add(grads, variables, alpha=2 * shrinkage)
        exponents = [self._exponent(power, variables[0])] * len(variables)
        new_powers = torch._foreach_pow(new_accumulators, exponents)
        # z += g - (n_new**p - n**p) / lr * w
        power_changes = torch._foreach_sub(
            new_powers, torch._foreach_pow(accumulators, exponents)
        )
        torch._foreach_div_(power_changes, learning_rate)
        torch._foreach_mul_(power_changes, variables)
        torch._foreach_add_(linears, torch._foreach_sub(grads, power_changes))

        quadratics = torch._foreach_div(new_powers, learning_rate)
        torch._foreach_add_(quadratics, 2 * l2)
        clipped = torch._foreach_clamp_min(linears, -l1)
        torch._foreach_clamp_max_(clipped, l1)
        torch._foreach_sub_(clipped, linears)
        torch._foreach_div_(clipped, quadratics)
        torch._foreach_copy_(variables, clipped)
        torch._foreach_copy_(accumulators, new_accumulators)

    def _exponent(self, power: float, like: torch.Tensor) -> torch.Tensor:
        """Return `power` as a 0-d tensor on the device and dtype of `like`.

        Keras raises to a tensor power, which torch computes with `pow`.
        A Python float 0.5 would take torch's `sqrt` shortcut, whose
        results differ from `pow` in the last bit and, after the division
        by the learning rate, visibly in the weights.
        """
        key = (power, like.device, like.dtype)
        cache = self.__dict__.setdefault("_exponents", {})
        if key not in cache:
            cache[key] = torch.tensor(
                power, dtype=like.dtype, device=like.device
            )
        return cache[key]

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(
            {
                "learning_rate_power": self.learning_rate_power,
                "initial_accumulator_value": self.initial_accumulator_value,
                "l1_regularization_strength": self.l1_regularization_strength,
                "l2_regularization_strength": self.l2_regularization_strength,
                "l2_shrinkage_regularization_strength": (
                    self.l2_shrinkage_regularization_strength
                ),
                "beta": self.beta,
            }
        )
        return config


Ftrl.__doc__ = Ftrl.__doc__.replace("{base_arguments}", BASE_ARGUMENTS_DOC)
