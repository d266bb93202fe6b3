"""AdamW: Adam with decoupled weight decay on by default."""

from __future__ import annotations

from typing import Any

from torchkeras.optimizers.adam import Adam
from torchkeras.optimizers.optimizer import BASE_ARGUMENTS_DOC
from torchkeras.optimizers.optimizer import WEIGHT_DECAY_DOC
from torchkeras.optimizers.optimizer import LearningRate


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov and Hutter, 2019).

    The update is `Adam`'s. Before it, every step shrinks each weight by
    `weight * weight_decay * learning_rate`, separately from the gradient,
    as every optimizer here does when `weight_decay` is set. AdamW only
    makes it required and sets the default to 0.004 (`torch.optim.AdamW`
    uses 0.01).

    Args:
        learning_rate: Float, or a callable returning the learning rate
            (see `Optimizer`). Defaults to 0.001.
        weight_decay: Float, required. Defaults to 0.004.
        beta_1: Decay rate of the first moment, in [0, 1). Defaults to 0.9.
        beta_2: Decay rate of the second moment, in [0, 1). Defaults to
            0.999.
        epsilon: Small constant for numerical stability, added to
            `sqrt(v)`. Defaults to 1e-7.
        amsgrad: Whether to use the AMSGrad variant. Defaults to False.
        {base_arguments}

    Raises:
        ValueError: if `weight_decay` is None.

    Example:

    >>> import torch
    >>> from torchkeras import optimizers
    >>> weight = torch.nn.Parameter(torch.ones(2))
    >>> optimizer = optimizers.AdamW(learning_rate=0.1, weight_decay=0.5)
    >>> optimizer.apply([torch.zeros(2)], [weight])
    >>> weight.detach()
    tensor([0.9500, 0.9500])
    """

    def __init__(
        self,
        learning_rate: LearningRate = 0.001,
        weight_decay: float = 0.004,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        amsgrad: bool = False,
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
        if weight_decay is None:
            raise ValueError(
                "`weight_decay` must be a float for AdamW. Received: "
                "weight_decay=None. Use Adam for no weight decay."
            )
        super().__init__(
            learning_rate=learning_rate,
            beta_1=beta_1,
            beta_2=beta_2,
            epsilon=epsilon,
            amsgrad=amsgrad,
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


# AdamW documents its own required `weight_decay` above.
AdamW.__doc__ = AdamW.__doc__.replace(
    "{base_arguments}", BASE_ARGUMENTS_DOC.removeprefix(WEIGHT_DECAY_DOC)
)
