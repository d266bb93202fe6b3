"""Focal crossentropy losses, which down-weight well-classified examples."""

from __future__ import annotations

import warnings
from typing import Any

import torch

from torchkeras import config
from torchkeras.backend.tensors import convert_to_tensor
from torchkeras.losses._inputs import check_same_shape
from torchkeras.losses.loss import Loss
from torchkeras.losses.losses import LOSS_FUNCTIONS
from torchkeras.losses.losses import LossFunctionWrapper
from torchkeras.losses.losses import _check_axis_type


class BinaryFocalCrossentropy(LossFunctionWrapper):
    """Binary crossentropy scaled by a focal factor `(1 - p_t) ** gamma`.

    `p_t` is the predicted probability of the true label, so confident
    correct predictions contribute little and training concentrates on hard
    examples. With `gamma=0` and no class balancing this is the binary
    crossentropy.

    Args:
        apply_class_balancing: Whether to also weight positives by `alpha`
            and negatives by `1 - alpha`.
        alpha: Weight of the positive class when `apply_class_balancing` is
            True, in `[0, 1]`.
        gamma: Focusing exponent, at least 0. Larger values down-weight easy
            examples more.
        from_logits: Whether `y_pred` contains logits. The default, False,
            means probabilities, which are clipped to
            `[epsilon, 1 - epsilon]` for the logarithm.
        label_smoothing: Float in `[0, 1]`. Targets move toward 0.5:
            `y * (1 - label_smoothing) + 0.5 * label_smoothing`.
        axis: Axis over which the per-element losses are averaged.
        reduction: See `Loss`.
        name: Defaults to `"binary_focal_crossentropy"`.
        dtype: See `Loss`.

    Example:

    >>> loss = BinaryFocalCrossentropy(gamma=2.0)
    >>> loss([[0.0, 1.0]], [[0.4, 0.6]])
    tensor(0.0817)
    """

    def __init__(
        self,
        apply_class_balancing: bool = False,
        alpha: float = 0.25,
        gamma: float = 2.0,
        from_logits: bool = False,
        label_smoothing: float = 0.0,
        axis: int = -1,
        reduction: str | None = "sum_over_batch_size",
        name: str = "binary_focal_crossentropy",
        dtype: Any = None,
    ):
        super().__init__(
            binary_focal_crossentropy,
            name=name,
            reduction=reduction,
            dtype=dtype,
            apply_class_balancing=apply_class_balancing,
            alpha=alpha,
            gamma=gamma,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )
        self.apply_class_balancing = apply_class_balancing
        self.alpha = alpha
        self.gamma = gamma
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis

    def get_config(self) -> dict[str, Any]:
        """Return the name, reduction and focal crossentropy options."""
        return {
            **Loss.get_config(self),
            "from_logits": self.from_logits,
            "label_smoothing": self.label_smoothing,
            "axis": self.axis,
            "apply_class_balancing": self.apply_class_balancing,
            "alpha": self.alpha,
            "gamma": self.gamma,
        }


class CategoricalFocalCrossentropy(LossFunctionWrapper):
    """Categorical crossentropy scaled by `alpha * (1 - p) ** gamma`.

    `p` is the predicted probability of each class, so classes predicted
    with confidence contribute little. `y_true` must be one-hot (or soft)
    with exactly the shape of `y_pred`.

    Args:
        alpha: Constant weight of every class term.
        gamma: Focusing exponent, at least 0. With `gamma=0` and `alpha=1`
            this is the categorical crossentropy.
        from_logits: Whether `y_pred` contains logits. The default, False,
            means probabilities: each row is divided by its sum, then clipped
            to `[epsilon, 1 - epsilon]`.
        label_smoothing: Float in `[0, 1]`. Targets become
            `y * (1 - label_smoothing) + label_smoothing / num_classes`.
        axis: The class axis.
        reduction: See `Loss`.
        name: Defaults to `"categorical_focal_crossentropy"`.
        dtype: See `Loss`.

    Example:

    >>> loss = CategoricalFocalCrossentropy()
    >>> loss([[0.0, 1.0, 0.0]], [[0.2, 0.5, 0.3]])
    tensor(0.0433)
    """

    def __init__(
        self,
        alpha: float = 0.25,
        gamma: float = 2.0,
        from_logits: bool = False,
        label_smoothing: float = 0.0,
        axis: int = -1,
        reduction: str | None = "sum_over_batch_size",
        name: str = "categorical_focal_crossentropy",
        dtype: Any = None,
    ):
        super().__init__(
            categorical_focal_crossentropy,
            name=name,
            reduction=reduction,
            dtype=dtype,
            alpha=alpha,
            gamma=gamma,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )
        self.alpha = alpha
        self.gamma = gamma
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis

    def get_config(self) -> dict[str, Any]:
        """Return the name, reduction and focal crossentropy options."""
        return {
            **Loss.get_config(self),
            "from_logits": self.from_logits,
            "label_smoothing": self.label_smoothing,
            "axis": self.axis,
            "alpha": self.alpha,
            "gamma": self.gamma,
        }


def binary_focal_crossentropy(
    y_true: Any,
    y_pred: Any,
    apply_class_balancing: bool = False,
    alpha: float = 0.25,
    gamma: float = 2.0,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
    axis: int = -1,
) -> torch.Tensor:
    """Compute the binary focal crossentropy averaged over `axis`.

    See `BinaryFocalCrossentropy` for the arguments.

    Raises:
        ValueError: if `y_true` and `y_pred` have different shapes.
    """
    y_true, y_pred = _convert_inputs(y_true, y_pred)
    check_same_shape("binary_focal_crossentropy", y_true, y_pred)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        y_pred = torch.sigmoid(y_pred)

    eps = config.epsilon()
    prob = torch.clamp(y_pred, eps, 1.0 - eps)
    bce = -(y_true * torch.log(prob) + (1.0 - y_true) * torch.log1p(-prob))
    # As in Keras, the focal factor uses the unclipped probability.
    p_true = y_true * y_pred + (1.0 - y_true) * (1.0 - y_pred)
    focal_bce = torch.pow(1.0 - p_true, gamma) * bce
    if apply_class_balancing:
        focal_bce = focal_bce * (y_true * alpha + (1.0 - y_true) * (1 - alpha))
    return focal_bce.mean(dim=axis)


def categorical_focal_crossentropy(
    y_true: Any,
    y_pred: Any,
    alpha: float = 0.25,
    gamma: float = 2.0,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
    axis: int = -1,
) -> torch.Tensor:
    """Compute the categorical focal crossentropy, summed over `axis`.

    See `CategoricalFocalCrossentropy` for the arguments.

    Raises:
        ValueError: if `y_true` does not have the shape of `y_pred`.
        TypeError: if `axis` is not an int.
    """
    _check_axis_type(axis)
    y_true, y_pred = _convert_inputs(y_true, y_pred)
    check_same_shape("categorical_focal_crossentropy", y_true, y_pred)
    if y_pred.dim() == 0 or y_pred.shape[axis] == 1:
        warnings.warn(
            "Loss `categorical_focal_crossentropy` expects `y_pred` of shape "
            "(batch_size, num_classes) with num_classes > 1. Received: "
            f"y_pred.shape={tuple(y_pred.shape)}. With one class the loss is "
            "always close to 0. Use 'binary_focal_crossentropy' for two "
            "classes.",
            UserWarning,
            stacklevel=2,
        )
    if label_smoothing:
        # Keras 3.15 divides by the size of the last axis even when `axis`
        # names another one, but the class axis is used here.
        num_classes = y_true.shape[axis]
        y_true = (
            y_true * (1.0 - label_smoothing) + label_smoothing / num_classes
        )
    if from_logits:
        y_pred = torch.softmax(y_pred, dim=axis)

    eps = config.epsilon()
    prob = y_pred / y_pred.sum(dim=axis, keepdim=True)
    prob = torch.clamp(prob, eps, 1.0 - eps)
    crossentropy = -y_true * torch.log(prob)
    focal_weight = alpha * torch.pow(1.0 - prob, gamma)
    return (focal_weight * crossentropy).sum(dim=axis)


def _convert_inputs(
    y_true: Any,
    y_pred: Any,
) -> tuple[torch.Tensor, torch.Tensor]:
    y_pred = convert_to_tensor(y_pred)
    if not y_pred.is_floating_point():
        y_pred = y_pred.to(config.standardize_dtype(None))
    y_true = convert_to_tensor(y_true, dtype=y_pred.dtype, device=y_pred.device)
    return y_true, y_pred


# Registered by name so that `losses.get`, `LossFunctionWrapper.from_config`
# and metrics given a loss name find these functions too.
LOSS_FUNCTIONS.update(
    {
        fn.__name__: fn
        for fn in (
            binary_focal_crossentropy,
            categorical_focal_crossentropy,
        )
    }
)
