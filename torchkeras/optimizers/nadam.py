"""Nadam: Adam with Nesterov momentum and a momentum schedule."""

from __future__ import annotations

import numpy as np
import torch

from torchkeras.backend.variable import Variable
from torchkeras.optimizers._adam_family import AdamFamilyOptimizer
from torchkeras.optimizers._adam_family import fill_argument_docs
from torchkeras.optimizers._groups import Batch

# Decay of the momentum schedule, a constant in Keras's Nadam.
_SCHEDULE_DECAY = 0.96


class Nadam(AdamFamilyOptimizer):
    """Nadam: Adam whose first moment looks one step ahead (Nesterov).

    Each step `t` (counting from 1) uses the momentum schedule
    `mu_t = beta_1 * (1 - 0.5 * 0.96**t)` and the product `P_t` of
    `mu_1 ... mu_t`, which the optimizer stores (`u_product`):

    ```
    m = beta_1 * m + (1 - beta_1) * g
    v = beta_2 * v + (1 - beta_2) * g**2
    m_hat = mu_{t+1} * m / (1 - P_t * mu_{t+1}) + (1 - mu_t) * g / (1 - P_t)
    v_hat = v / (1 - beta_2**t)
    w -= learning_rate * m_hat / (sqrt(v_hat) + epsilon)
    ```

    This is Keras's form. `torch.optim.NAdam` (torch 2.13)
    raises 0.96 to the power `0.004 * t` in its schedule instead of `t`
    and defaults to a learning rate of 0.002, so the two differ.

    Args:
        {learning_rate_and_beta_1}
        beta_2: Decay rate of the second moment, in [0, 1). Defaults to
            0.999.
        epsilon: Small constant for numerical stability, added to
            `sqrt(v_hat)`. Defaults to 1e-7.
        {base_arguments}

    Example:

    >>> import torch
    >>> from torchkeras import optimizers
    >>> weight = torch.nn.Parameter(torch.zeros(2))
    >>> optimizer = optimizers.Nadam(learning_rate=0.1)
    >>> optimizer.apply([torch.tensor([1.0, -1.0])], [weight])
    >>> weight.detach()
    tensor([-0.1063,  0.1063])
    """

    # Class-level defaults, so that Nadam needs no `__init__` of its own.
    # `_build_slots()` creates `_u_product`. `_u_product_cache` stores the
    # (number of updates, value) of `_u_product`, so that a step needs no
    # read from the device. See `_current_u_product()`.
    _u_product: Variable | None = None
    _u_product_cache: tuple[int, float] = (0, 1.0)

    def _build_slots(self, variables: list[torch.Tensor]) -> None:
        self._momentums, self._velocities = self.add_optimizer_variables(
            variables, ["momentum", "velocity"]
        )
        dtype = variables[0].dtype if variables else torch.float32
        device = variables[0].device if variables else None
        # Keras lists this product after the per-weight state.
        self._u_product = self._track_state(
            torch.ones((), dtype=dtype, device=device), "variable"
        )

    def _current_u_product(self) -> float:
        """Return the stored product, reading the tensor only when stale.

        The cached value is stale only after `set_weights()` or loading
        changed the step count, so a training step reads nothing.
        """
        steps, value = self._u_product_cache
        if steps != self._num_updates:
            value = float(self._u_product)
        return value

    def _update_batches(self, batches: list[Batch]) -> None:
        # Keras computes the schedule in the dtype of the first weight.
        dtype = self._trainable_variables[0].dtype
        scalar = float if dtype == torch.float64 else np.float32
        step = self._num_updates + 1
        beta_1 = scalar(self.beta_1)
        decay = scalar(_SCHEDULE_DECAY)
        half = scalar(0.5)
        one = scalar(1)
        mu = beta_1 * (one - half * decay ** scalar(step))
        next_mu = beta_1 * (one - half * decay ** scalar(step + 1))
        u_product = scalar(self._current_u_product()) * mu
        next_u_product = u_product * next_mu

        self._u_product.fill_(float(u_product))
        self._u_product_cache = (step, float(u_product))
        self._step_constants = (
            float(next_mu),
            float(one - next_u_product),
            float(one - mu),
            float(one - u_product),
            self._bias_correction(self.beta_2, dtype),
        )
        super()._update_batches(batches)

    def _update_variables(
        self,
        variables: list[torch.Tensor],
        grads: list[torch.Tensor],
        slots: dict[str, list[torch.Tensor]],
        learning_rate: float,
    ) -> None:
        next_mu, next_denominator, grad_weight, denominator, v_correction = (
            self._step_constants
        )
        momentums = slots["momentum"]
        velocities = slots["velocity"]
        torch._foreach_mul_(momentums, self.beta_1)
        torch._foreach_add_(momentums, grads, alpha=1.0 - self.beta_1)
        torch._foreach_mul_(velocities, self.beta_2)
        torch._foreach_addcmul_(velocities, grads, grads, 1.0 - self.beta_2)

        m_hats = torch._foreach_mul(momentums, next_mu / next_denominator)
        torch._foreach_add_(m_hats, grads, alpha=grad_weight / denominator)
        denominators = torch._foreach_div(velocities, v_correction)
        torch._foreach_sqrt_(denominators)
        torch._foreach_add_(denominators, self.epsilon)
        torch._foreach_addcdiv_(variables, m_hats, denominators, -learning_rate)


Nadam.__doc__ = fill_argument_docs(Nadam.__doc__)
