"""Argument and weight checks shared by all optimizers."""

from __future__ import annotations

import difflib
import inspect
import math
import warnings
from typing import Any

import numpy as np
import torch


def describe_variable(
    variable: torch.Tensor, position: int | None = None
) -> str:
    """Name a weight in messages, such as `weight 'dense/kernel' of shape
    (3, 4)`, or `weight 1 of shape (4,)` when it has no Keras path."""
    shape = tuple(variable.shape)
    path = getattr(variable, "path", None)
    if isinstance(path, str):
        return f"weight {path!r} of shape {shape}"
    if position is None:
        return f"a weight of shape {shape}"
    return f"weight {position} of shape {shape}"


def check_keyword_arguments(
    optimizer_class: type, kwargs: dict[str, Any]
) -> None:
    """Raise ValueError for keyword arguments no optimizer accepts.

    `decay=` is dropped with a warning, because Keras 3 ignores it too.
    """
    if "decay" in kwargs:
        kwargs = dict(kwargs)
        if kwargs.pop("decay") is not None:
            # Keras 3 ignores `decay` with a warning too.
            warnings.warn(
                "The `decay` argument is no longer supported and is ignored. "
                "Use a learning-rate schedule instead.",
                UserWarning,
                stacklevel=4,
            )
    if not kwargs:
        return
    known = [
        name
        for name in inspect.signature(optimizer_class.__init__).parameters
        if name not in ("self", "kwargs")
    ]
    hints = []
    for key in kwargs:
        if key == "lr":
            hints.append("Use `learning_rate` instead of `lr`.")
            continue
        close = difflib.get_close_matches(key, known, n=1)
        if close:
            hints.append(f"Did you mean `{close[0]}` instead of `{key}`?")
    # Keras words this message the same way, so code that matches on it
    # keeps working.
    message = f"Argument(s) not recognized: {kwargs}"
    raise ValueError(" ".join([message, *hints]))


def is_real_number(value: Any) -> bool:
    """Return whether `value` is a Python or numpy int or float, not a bool."""
    return not isinstance(value, bool) and isinstance(
        value, (int, float, np.integer, np.floating)
    )


def check_optional_number(argument: str, value: Any) -> None:
    """Raise ValueError unless `value` is None or a real number."""
    if value is not None and not is_real_number(value):
        raise ValueError(
            f"`{argument}` must be a float or None. Received: "
            f"{argument}={value!r} of type {type(value).__name__}"
        )


def check_float_in_range(
    argument: str,
    value: Any,
    minimum: float,
    maximum: float | None = None,
    maximum_included: bool = True,
) -> None:
    """Raise ValueError unless `value` is a real number in the interval.

    The interval is `[minimum, maximum]`, or `[minimum, maximum)` when
    `maximum_included` is False, or `[minimum, inf)` without a maximum.
    """
    valid = is_real_number(value) and value >= minimum
    if maximum is None:
        interval = f">= {minimum}"
    elif maximum_included:
        interval = f"in [{minimum}, {maximum}]"
        valid = valid and value <= maximum
    else:
        interval = f"in [{minimum}, {maximum})"
        valid = valid and value < maximum
    if not valid:
        raise ValueError(
            f"`{argument}` must be a float {interval}. Received: "
            f"{argument}={value!r}"
        )


def check_clipping_arguments(
    clipnorm: Any, clipvalue: Any, global_clipnorm: Any
) -> None:
    """Raise ValueError for a negative value or more than one clipping mode."""
    values = {
        "clipnorm": clipnorm,
        "clipvalue": clipvalue,
        "global_clipnorm": global_clipnorm,
    }
    for argument, value in values.items():
        check_optional_number(argument, value)
        if value is not None and value < 0:
            raise ValueError(
                f"`{argument}` must be a float >= 0 or None. Received: "
                f"{argument}={value!r}"
            )
    if sum(value is not None for value in values.values()) > 1:
        raise ValueError(
            "Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can "
            f"be set. Received: clipnorm={clipnorm}, clipvalue={clipvalue}, "
            f"global_clipnorm={global_clipnorm}"
        )


def check_learning_rate(learning_rate: Any) -> None:
    """Raise unless `learning_rate` is a finite real number >= 0."""
    if not is_real_number(learning_rate):
        raise TypeError(
            "`learning_rate` must be a float, a `LearningRateSchedule` or a "
            "callable that returns the learning rate. Received: "
            f"learning_rate={learning_rate!r} of type "
            f"{type(learning_rate).__name__}"
        )
    if not (math.isfinite(learning_rate) and learning_rate >= 0):
        raise ValueError(
            "`learning_rate` must be a finite float >= 0. Received: "
            f"learning_rate={learning_rate!r}"
        )


def check_ema_arguments(
    use_ema: Any, ema_momentum: Any, ema_overwrite_frequency: Any
) -> None:
    """Raise ValueError for invalid moving-average settings.

    As in Keras, `ema_momentum` and `ema_overwrite_frequency` are checked
    only when `use_ema` is on, and a frequency of 0 means never.
    """
    if not use_ema:
        return
    if not (is_real_number(ema_momentum) and 0 <= ema_momentum <= 1):
        raise ValueError(
            "`ema_momentum` must be a float in [0, 1]. Received: "
            f"ema_momentum={ema_momentum!r}"
        )
    frequency = ema_overwrite_frequency
    if frequency and not (
        isinstance(frequency, (int, np.integer))
        and not isinstance(frequency, bool)
        and frequency >= 1
    ):
        raise ValueError(
            "`ema_overwrite_frequency` must be an integer >= 1 or None. "
            f"Received: ema_overwrite_frequency={frequency!r}"
        )


def check_accumulation_steps(steps: Any) -> None:
    """Raise ValueError unless `steps` is None or an integer >= 2."""
    if steps is None:
        return
    if (
        isinstance(steps, bool)
        or not isinstance(steps, (int, np.integer))
        or steps < 2
    ):
        raise ValueError(
            "`gradient_accumulation_steps` must be an integer >= 2 or None. "
            f"Received: gradient_accumulation_steps={steps!r}"
        )


def check_loss_scale_factor(loss_scale_factor: Any) -> None:
    """Raise ValueError unless the factor is None or a finite float > 0."""
    if loss_scale_factor is None:
        return
    if not (
        is_real_number(loss_scale_factor)
        and math.isfinite(loss_scale_factor)
        and loss_scale_factor > 0
    ):
        raise ValueError(
            "`loss_scale_factor` must be a finite float > 0 or None. "
            f"Received: loss_scale_factor={loss_scale_factor!r}"
        )


def check_trainable_variables(variables: list[Any]) -> None:
    """Raise unless every entry is a distinct floating-point leaf tensor."""
    seen: set[int] = set()
    for position, variable in enumerate(variables):
        if not isinstance(variable, torch.Tensor):
            raise TypeError(
                "Optimizers train tensors, such as `model.parameters()`. "
                f"Received an object of type {type(variable).__name__} at "
                f"position {position}."
            )
        if not variable.is_floating_point():
            raise ValueError(
                "Only floating-point weights can be trained. Received "
                f"{describe_variable(variable, position)} with dtype "
                f"{variable.dtype}."
            )
        if not variable.is_leaf:
            raise ValueError(
                "Expected leaf tensors, such as `model.parameters()`. "
                f"Received {describe_variable(variable, position)}, which "
                "was computed from other tensors, so updating it in place "
                "would change no weight. Pass the weights themselves."
            )
        if getattr(variable, "overwrite_with_gradient", False):
            raise NotImplementedError(
                "Optimizers do not support `overwrite_with_gradient=True` "
                f"yet. Received {describe_variable(variable, position)} "
                "with `overwrite_with_gradient=True`."
            )
        if id(variable) in seen:
            raise ValueError(
                "Each weight may appear only once. Received "
                f"{describe_variable(variable, position)} a second time."
            )
        seen.add(id(variable))
