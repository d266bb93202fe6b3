"""The constructor, config and argument docs shared by Adam, Adamax, Lamb and Nadam."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from torchkeras.optimizers._checks import check_float_in_range
from torchkeras.optimizers.optimizer import BASE_ARGUMENTS_DOC
from torchkeras.optimizers.optimizer import LearningRate
from torchkeras.optimizers.optimizer import Optimizer

# The first two entries of `Args:` in each subclass docstring, which puts
# `{learning_rate_and_beta_1}` where this text belongs.
LEARNING_RATE_AND_BETA_1_DOC = """learning_rate: Float, a `LearningRateSchedule`, or a callable
            returning the learning rate (see `Optimizer`). Defaults to
            0.001.
        beta_1: Decay rate of the first moment, in [0, 1). Defaults to 0.9."""


def fill_argument_docs(docstring: str) -> str:
    """Replace the argument placeholders of an Adam-family docstring."""
    docstring = docstring.replace(
        "{learning_rate_and_beta_1}", LEARNING_RATE_AND_BETA_1_DOC
    )
    return docstring.replace("{base_arguments}", BASE_ARGUMENTS_DOC)


class AdamFamilyOptimizer(Optimizer):
    """Base of the optimizers configured by `beta_1`, `beta_2` and `epsilon`.

    It checks and stores the three arguments and adds them to the config.
    Subclasses implement the update rule.
    """

    def __init__(
        self,
        learning_rate: LearningRate = 0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
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
        check_float_in_range("beta_1", beta_1, 0.0, 1.0, maximum_included=False)
        check_float_in_range("beta_2", beta_2, 0.0, 1.0, maximum_included=False)
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
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon

    def _bias_correction(self, beta: float, dtype: torch.dtype) -> float:
        """Return `1 - beta**t` for the coming step `t` (counting from 1).

        Below float64 the arithmetic runs in float32, because Keras computes
        it in the weight dtype.
        """
        scalar = float if dtype == torch.float64 else np.float32
        step = scalar(self._num_updates + 1)
        return float(scalar(1) - scalar(beta) ** step)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(
            {
                "beta_1": self.beta_1,
                "beta_2": self.beta_2,
                "epsilon": self.epsilon,
            }
        )
        return config
