"""Adamax: Adam with the infinity norm in place of the second moment."""

from __future__ import annotations

import torch

from torchkeras.optimizers._adam_family import AdamFamilyOptimizer
from torchkeras.optimizers._adam_family import fill_argument_docs


class Adamax(AdamFamilyOptimizer):
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
        {learning_rate_and_beta_1}
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

        correction = self._bias_correction(self.beta_1, variables[0].dtype)
        denominators = torch._foreach_add(norms, self.epsilon)
        torch._foreach_mul_(denominators, correction)
        torch._foreach_addcdiv_(
            variables, momentums, denominators, -learning_rate
        )


Adamax.__doc__ = fill_argument_docs(Adamax.__doc__)
