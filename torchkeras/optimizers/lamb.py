"""Lamb: Adam steps scaled per weight by a trust ratio."""

from __future__ import annotations

import torch

from torchkeras.optimizers._adam_family import AdamFamilyOptimizer
from torchkeras.optimizers._adam_family import fill_argument_docs


class Lamb(AdamFamilyOptimizer):
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
        {learning_rate_and_beta_1}
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

        dtype = variables[0].dtype
        m_correction = self._bias_correction(self.beta_1, dtype)
        v_correction = self._bias_correction(self.beta_2, dtype)
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


Lamb.__doc__ = fill_argument_docs(Lamb.__doc__)
