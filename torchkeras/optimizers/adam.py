"""Adam: adaptive moment estimation, in Keras's epsilon-hat form."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from torchkeras.optimizers._adam_family import AdamFamilyOptimizer
from torchkeras.optimizers.optimizer import BASE_ARGUMENTS_DOC
from torchkeras.optimizers.optimizer import LearningRate

# A step count at which `beta**step` underflows to 0.0 for every float64
# beta below 1: even the largest, 1 - 2**-53, gives about exp(-1.1e14).
_SATURATED_STEP = 1e30
_FUSED_DEVICE_TYPES = ("cpu", "cuda")
_FUSED_DTYPES = (torch.float16, torch.bfloat16, torch.float32, torch.float64)


class Adam(AdamFamilyOptimizer):
    """Adam: per-weight step sizes from running moments of the gradient.

    Each step `t` (counting from 1) updates the first moment `m`, the
    second moment `v` and the weight `w`:

    ```
    m = beta_1 * m + (1 - beta_1) * g
    v = beta_2 * v + (1 - beta_2) * g**2
    alpha = learning_rate * sqrt(1 - beta_2**t) / (1 - beta_1**t)
    w -= alpha * m / (sqrt(v) + epsilon)
    ```

    This is Keras's form, where `epsilon` is added after the bias
    correction is folded into `alpha` ("epsilon hat" in the Adam paper,
    Kingma and Ba, 2014). `torch.optim.Adam` adds its `eps` (default 1e-8)
    to the bias-corrected `sqrt(v)`, so the two differ while `v` is small.

    Args:
        learning_rate: Float, or a callable returning the learning rate
            (see `Optimizer`). Defaults to 0.001.
        beta_1: Decay rate of the first moment, in [0, 1). Defaults to 0.9.
        beta_2: Decay rate of the second moment, in [0, 1). Defaults to
            0.999.
        epsilon: Small constant for numerical stability, added to
            `sqrt(v)`. Defaults to 1e-7.
        amsgrad: Whether to divide by the maximum of all second moments so
            far (AMSGrad, Reddi et al., 2018). Defaults to False.
        {base_arguments}

    Example:

    >>> import torch
    >>> from torchkeras import optimizers
    >>> model = torch.nn.Linear(3, 1)
    >>> optimizer = optimizers.Adam(learning_rate=0.01)
    >>> loss = model(torch.ones(4, 3)).pow(2).mean()
    >>> loss.backward()
    >>> params = list(model.parameters())
    >>> optimizer.apply([p.grad for p in params], params)
    >>> int(optimizer.iterations)
    1
    """

    def __init__(
        self,
        learning_rate: LearningRate = 0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        amsgrad: bool = False,
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
        super().__init__(
            learning_rate=learning_rate,
            beta_1=beta_1,
            beta_2=beta_2,
            epsilon=epsilon,
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
        self.amsgrad = amsgrad

    def _build_slots(self, variables: list[torch.Tensor]) -> None:
        self._momentums, self._velocities = self.add_optimizer_variables(
            variables, ["momentum", "velocity"]
        )
        if self.amsgrad:
            self._velocity_hats = self.add_optimizer_variables(
                variables, "velocity_hat"
            )

    def _update_variables(
        self,
        variables: list[torch.Tensor],
        grads: list[torch.Tensor],
        slots: dict[str, list[torch.Tensor]],
        learning_rate: float,
    ) -> None:
        alpha = self._step_size(learning_rate, variables[0].dtype)
        momentums = slots["momentum"]
        velocities = slots["velocity"]
        if self._can_fuse(variables[0], grads):
            torch._fused_adam_(
                variables,
                grads,
                momentums,
                velocities,
                slots.get("velocity_hat", []),
                [self._saturated_step(variables[0].device)] * len(variables),
                lr=alpha,
                beta1=self.beta_1,
                beta2=self.beta_2,
                weight_decay=0.0,
                eps=self.epsilon,
                amsgrad=self.amsgrad,
                maximize=False,
            )
            return

        torch._foreach_lerp_(momentums, grads, 1.0 - self.beta_1)
        torch._foreach_mul_(velocities, self.beta_2)
        torch._foreach_addcmul_(velocities, grads, grads, 1.0 - self.beta_2)
        if self.amsgrad:
            velocity_hats = slots["velocity_hat"]
            torch._foreach_maximum_(velocity_hats, velocities)
            velocities = velocity_hats

        denominators = torch._foreach_sqrt(velocities)
        torch._foreach_add_(denominators, self.epsilon)
        torch._foreach_addcdiv_(variables, momentums, denominators, -alpha)

    def _can_fuse(self, variable: torch.Tensor, grads: list) -> bool:
        """Return whether torch's fused Adam kernel can run this update.

        The kernel divides by its own bias corrections `1 - beta**step`.
        It gets a step count so large that `beta**step` is 0, so both
        corrections are exactly 1, and `lr=alpha` applies Keras's
        correction instead: `var -= alpha * m / (sqrt(v) + epsilon)`.
        """
        return (
            variable.device.type in _FUSED_DEVICE_TYPES
            and variable.dtype in _FUSED_DTYPES
            and not any(grad.is_sparse for grad in grads)
            and self.beta_1**_SATURATED_STEP == 0.0
            and self.beta_2**_SATURATED_STEP == 0.0
        )

    def _saturated_step(self, device: torch.device) -> torch.Tensor:
        steps = self.__dict__.setdefault("_saturated_steps", {})
        step = steps.get(device)
        if step is None:
            step = torch.tensor(_SATURATED_STEP, device=device)
            steps[device] = step
        return step

    def _step_size(self, learning_rate: float, dtype: torch.dtype) -> float:
        """Return `learning_rate * sqrt(1 - beta_2**t) / (1 - beta_1**t)`.

        The step count `t` is a Python int, so this needs no tensor read.
        Below float64 the arithmetic runs in float32, as Keras computes it
        in the weight dtype: in float64, `1 - beta_2**t` loses less to
        cancellation and the first steps would differ from Keras by about
        1e-5 relative.
        """
        step = self._num_updates + 1
        scalar = float if dtype == torch.float64 else np.float32
        beta_1 = scalar(self.beta_1)
        beta_2 = scalar(self.beta_2)
        correction = np.sqrt(scalar(1) - beta_2**step) / (
            scalar(1) - beta_1**step
        )
        return float(scalar(learning_rate) * correction)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config["amsgrad"] = self.amsgrad
        return config


Adam.__doc__ = Adam.__doc__.replace("{base_arguments}", BASE_ARGUMENTS_DOC)
