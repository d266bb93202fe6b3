"""The `Loss` base class and the reduction rules every loss shares."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from torchkeras import config
from torchkeras.backend.tensors import convert_to_tensor
from torchkeras.utils.naming import to_snake_case
from torchkeras.utils.naming import uniquify

REDUCTIONS = (
    "sum_over_batch_size",
    "sum",
    "mean",
    "mean_with_sample_weight",
    "none",
    None,
)

# Attribute that carries a Keras mask on a tensor. Keras 3's torch backend
# uses the same attribute name, so masks set by either library are read here.
_MASK_ATTRIBUTE = "_keras_mask"


class Loss:
    """Base class of all losses: computes per-sample values, then reduces them.

    Subclasses implement `call(y_true, y_pred)`, which returns one loss value
    per sample (or per element). Calling the loss converts both inputs to the
    loss's dtype, runs `call`, applies `sample_weight` and any Keras mask, and
    reduces the result as `reduction` specifies.

    Args:
        name: Name of the loss. Defaults to the snake_case class name, made
            unique with a counter (`loss`, `loss_1`, ...).
        reduction: How the weighted per-sample losses become the output.
            `"sum_over_batch_size"` (the default) and `"mean"` divide the sum
            by the number of elements, which ignores the size of the weights.
            `"mean_with_sample_weight"` divides the sum by the sum of
            `sample_weight` instead. `"sum"` returns the sum. `"none"` and
            `None` return the per-sample losses unreduced.
        dtype: Dtype of the computation, such as `"float32"`. Defaults to
            `config.floatx()`.

    Raises:
        ValueError: if `reduction` is not one of the values above.

    Example:

    >>> import torch
    >>> class AbsoluteError(Loss):
    ...     def call(self, y_true, y_pred):
    ...         return (y_true - y_pred).abs().mean(dim=-1)
    >>> loss = AbsoluteError()
    >>> loss(torch.tensor([[0.0, 1.0]]), torch.tensor([[0.5, 0.5]]))
    tensor(0.5000)
    """

    def __init__(
        self,
        name: str | None = None,
        reduction: str | None = "sum_over_batch_size",
        dtype: Any = None,
    ):
        self.name = name or uniquify(to_snake_case(type(self).__name__))
        self.reduction = standardize_reduction(reduction)
        self._compute_dtype = config.standardize_dtype(dtype)

    @property
    def dtype(self) -> str:
        """Name of the dtype the loss computes in, such as `"float32"`."""
        return config.dtype_name(self._compute_dtype)

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None):
        """Compute the reduced loss.

        Args:
            y_true: Targets, an array-like or a tensor.
            y_pred: Predictions, an array-like or a tensor.
            sample_weight: Optional weights, broadcast against the per-sample
                losses after their ranks are matched.

        Returns:
            A 0-d tensor, or the per-sample losses when `reduction` is
            `"none"` or `None`.
        """
        input_mask = get_mask(y_pred)
        y_pred = _convert_structure(y_pred, self._compute_dtype, None)
        device = y_pred.device if isinstance(y_pred, torch.Tensor) else None
        y_true = _convert_structure(y_true, self._compute_dtype, device)

        losses = self.call(y_true, y_pred)
        mask = _combine_masks(input_mask, get_mask(losses))
        return reduce_weighted_values(
            losses,
            sample_weight=sample_weight,
            mask=mask,
            reduction=self.reduction,
            dtype=self._compute_dtype,
        )

    def call(self, y_true: Any, y_pred: Any) -> torch.Tensor:
        """Return the unreduced losses. Subclasses must implement this."""
        raise NotImplementedError(
            f"{type(self).__name__} must implement `call(y_true, y_pred)`."
        )

    def get_config(self) -> dict[str, Any]:
        """Return the constructor arguments as a dict, as Keras does."""
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config_dict: dict[str, Any]) -> Loss:
        """Create a loss from the output of `get_config()`."""
        return cls(**config_dict)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}>"


def standardize_reduction(reduction: str | None) -> str | None:
    """Return `reduction` unchanged, or raise ValueError if it is unknown."""
    if reduction not in REDUCTIONS:
        raise ValueError(
            f"Invalid `reduction`: expected one of {list(REDUCTIONS)}. "
            f"Received: reduction={reduction!r}"
        )
    return reduction


def get_mask(x: Any) -> torch.Tensor | None:
    """Return the Keras mask attached to tensor `x`, or None."""
    return getattr(x, _MASK_ATTRIBUTE, None)


def set_mask(x: torch.Tensor, mask: torch.Tensor | None) -> None:
    """Attach `mask` (a boolean tensor) to `x` as its Keras mask."""
    setattr(x, _MASK_ATTRIBUTE, mask)


def squeeze_or_expand_to_same_rank(
    x1: torch.Tensor,
    x2: torch.Tensor,
    expand_rank_1: bool = True,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Match the ranks of two tensors whose ranks differ by one.

    When the higher-rank tensor ends in a dimension of size 1, that dimension
    is squeezed, except that a rank-1 partner is expanded instead when
    `expand_rank_1` is True. Any other pair is returned unchanged, so later
    arithmetic may still broadcast. This is Keras's rule: labels of shape
    `(N,)` against predictions of shape `(N, 1)` compare element by element
    instead of broadcasting to `(N, N)`.
    """
    rank1 = x1.dim()
    rank2 = x2.dim()
    if rank1 == rank2 + 1 and x1.shape[-1] == 1:
        if rank2 == 1 and expand_rank_1:
            x2 = x2.unsqueeze(-1)
        else:
            x1 = x1.squeeze(-1)
    elif rank2 == rank1 + 1 and x2.shape[-1] == 1:
        if rank1 == 1 and expand_rank_1:
            x1 = x1.unsqueeze(-1)
        else:
            x2 = x2.squeeze(-1)
    return x1, x2


def apply_mask(
    sample_weight: torch.Tensor | None,
    mask: torch.Tensor | None,
    dtype: torch.dtype,
    reduction: str | None,
) -> torch.Tensor | None:
    """Merge a Keras mask into the sample weights.

    For `"sum_over_batch_size"` and `"mean"`, valid entries are weighted by
    `total / valid` so that dividing by the element count gives the mean over
    the valid entries only. Other reductions weight valid entries by 1.
    """
    if mask is None:
        return sample_weight
    if reduction in ("sum_over_batch_size", "mean"):
        total = mask.numel()
        valid = mask.to(dtype).sum()
        scale = _divide_no_nan(torch.full_like(valid, total), valid)
        float_mask = torch.where(mask.bool(), scale, torch.zeros_like(scale))
    else:
        float_mask = mask.to(dtype)
    if sample_weight is None:
        return float_mask
    sample_weight = sample_weight.to(dtype)
    float_mask, sample_weight = squeeze_or_expand_to_same_rank(
        float_mask, sample_weight
    )
    return sample_weight * float_mask


def reduce_values(
    values: torch.Tensor,
    sample_weight: torch.Tensor | None = None,
    reduction: str | None = "sum_over_batch_size",
) -> torch.Tensor:
    """Reduce already weighted losses as `reduction` specifies.

    A 0-d or empty 1-d `values` is returned as it is, as in Keras.
    """
    if reduction in (None, "none") or values.shape in ((), (0,)):
        return values
    loss = values.sum()
    if reduction == "sum":
        return loss
    if reduction == "mean_with_sample_weight" and sample_weight is not None:
        return _divide_no_nan(loss, sample_weight.sum().to(loss.dtype))
    # "sum_over_batch_size" and "mean" divide by the element count, which is
    # known on the host, so this costs no device synchronization.
    count = values.numel()
    return loss / count if count else torch.zeros_like(loss)


def reduce_weighted_values(
    values: torch.Tensor,
    sample_weight: Any = None,
    mask: torch.Tensor | None = None,
    reduction: str | None = "sum_over_batch_size",
    dtype: Any = None,
) -> torch.Tensor:
    """Weight per-sample losses by `sample_weight` and `mask`, then reduce.

    The weights are first brought to the rank of `values` with
    `squeeze_or_expand_to_same_rank`, then multiplied with broadcasting.
    """
    reduction = standardize_reduction(reduction)
    dtype = config.standardize_dtype(dtype)
    values = convert_to_tensor(values, dtype=dtype)
    if sample_weight is not None:
        sample_weight = convert_to_tensor(
            sample_weight, dtype=dtype, device=values.device
        )
    sample_weight = apply_mask(sample_weight, mask, values.dtype, reduction)

    if sample_weight is not None:
        values, sample_weight = squeeze_or_expand_to_same_rank(
            values, sample_weight
        )
        values = values * sample_weight
    return reduce_values(values, sample_weight, reduction)


def _divide_no_nan(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    # A safe denominator keeps the gradient finite where `y` is zero.
    zero = y == 0
    safe_y = torch.where(zero, torch.ones_like(y), y)
    return torch.where(zero, torch.zeros_like(x), x / safe_y)


def _combine_masks(
    first: torch.Tensor | None,
    second: torch.Tensor | None,
) -> torch.Tensor | None:
    if first is None:
        return second
    if second is None:
        return first
    return first.bool() & second.bool()


def _convert_structure(x: Any, dtype: torch.dtype, device: Any) -> Any:
    """Convert `x` to a tensor, or each tensor of a list, tuple or dict."""
    if isinstance(x, dict):
        return {k: _convert_structure(v, dtype, device) for k, v in x.items()}
    if isinstance(x, (list, tuple)) and x and _is_array(x[0]):
        return type(x)(_convert_structure(v, dtype, device) for v in x)
    return convert_to_tensor(x, dtype=dtype, device=device)


def _is_array(x: Any) -> bool:
    return isinstance(x, (torch.Tensor, np.ndarray, dict))
