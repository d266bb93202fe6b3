"""Built-in losses: a function computing per-sample values, and a class each.

Each function takes `(y_true, y_pred)` and returns one value per sample, the
mean or sum over the last axis. Each class wraps its function in a `Loss`,
which adds `sample_weight` and reduction.
"""

from __future__ import annotations

import warnings
from typing import Any, Callable

import torch
import torch.nn.functional as F

from torchkeras import config
from torchkeras.backend.tensors import convert_to_tensor
from torchkeras.losses.loss import Loss
from torchkeras.losses.loss import set_mask
from torchkeras.losses.loss import squeeze_or_expand_to_same_rank


class LossFunctionWrapper(Loss):
    """A `Loss` that calls a function `fn(y_true, y_pred, **kwargs)`.

    Use it to turn any function returning per-sample losses into a loss with
    `sample_weight` support and a reduction. Before `fn` runs, the ranks of
    `y_true` and `y_pred` are matched with `squeeze_or_expand_to_same_rank`.

    Args:
        fn: The function to wrap.
        reduction: See `Loss`.
        name: See `Loss`.
        dtype: See `Loss`.
        **kwargs: Keyword arguments passed to `fn` on every call.

    Example:

    >>> import torch
    >>> def squared_error(y_true, y_pred):
    ...     return ((y_true - y_pred) ** 2).mean(dim=-1)
    >>> loss = LossFunctionWrapper(squared_error, reduction="sum")
    >>> loss(torch.tensor([[1.0], [2.0]]), torch.tensor([[0.0], [0.0]]))
    tensor(5.)
    """

    def __init__(
        self,
        fn: Callable,
        reduction: str | None = "sum_over_batch_size",
        name: str | None = None,
        dtype: Any = None,
        **kwargs: Any,
    ):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.fn = fn
        self._fn_kwargs = kwargs

    def call(self, y_true: Any, y_pred: Any) -> torch.Tensor:
        """Match the ranks of the inputs, then return `fn`'s output."""
        if isinstance(y_true, torch.Tensor) and isinstance(
            y_pred, torch.Tensor
        ):
            y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self) -> dict[str, Any]:
        """Return the config, with `fn` serialized by name as Keras does."""
        config_dict = super().get_config()
        config_dict["fn"] = serialize_function(self.fn)
        config_dict.update(self._fn_kwargs)
        return config_dict

    @classmethod
    def from_config(cls, config_dict: dict[str, Any]) -> LossFunctionWrapper:
        """Create the wrapper, resolving a serialized `fn` by its name."""
        config_dict = dict(config_dict)
        if "fn" in config_dict:
            config_dict["fn"] = deserialize_function(config_dict["fn"])
        return cls(**config_dict)

    def __repr__(self) -> str:
        if type(self) is not LossFunctionWrapper:
            return super().__repr__()
        fn_name = getattr(self.fn, "__name__", repr(self.fn))
        return f"<LossFunctionWrapper({fn_name}, kwargs={self._fn_kwargs})>"


class MeanSquaredError(LossFunctionWrapper):
    """Mean of the squared differences over the last axis.

    Args:
        reduction: See `Loss`.
        name: Defaults to `"mean_squared_error"`.
        dtype: See `Loss`.

    Example:

    >>> MeanSquaredError()([[0.0, 1.0]], [[1.0, 1.0]])
    tensor(0.5000)
    """

    def __init__(
        self,
        reduction: str | None = "sum_over_batch_size",
        name: str = "mean_squared_error",
        dtype: Any = None,
    ):
        super().__init__(
            mean_squared_error, name=name, reduction=reduction, dtype=dtype
        )

    def get_config(self) -> dict[str, Any]:
        """Return the name and reduction."""
        return Loss.get_config(self)


class MeanAbsoluteError(LossFunctionWrapper):
    """Mean of the absolute differences over the last axis.

    Args:
        reduction: See `Loss`.
        name: Defaults to `"mean_absolute_error"`.
        dtype: See `Loss`.
    """

    def __init__(
        self,
        reduction: str | None = "sum_over_batch_size",
        name: str = "mean_absolute_error",
        dtype: Any = None,
    ):
        super().__init__(
            mean_absolute_error, name=name, reduction=reduction, dtype=dtype
        )

    def get_config(self) -> dict[str, Any]:
        """Return the name and reduction."""
        return Loss.get_config(self)


class MeanAbsolutePercentageError(LossFunctionWrapper):
    """Mean of `100 * |y_true - y_pred| / |y_true|` over the last axis.

    The denominator is at least `config.epsilon()`, so zero targets give a
    large finite loss.

    Args:
        reduction: See `Loss`.
        name: Defaults to `"mean_absolute_percentage_error"`.
        dtype: See `Loss`.
    """

    def __init__(
        self,
        reduction: str | None = "sum_over_batch_size",
        name: str = "mean_absolute_percentage_error",
        dtype: Any = None,
    ):
        super().__init__(
            mean_absolute_percentage_error,
            name=name,
            reduction=reduction,
            dtype=dtype,
        )

    def get_config(self) -> dict[str, Any]:
        """Return the name and reduction."""
        return Loss.get_config(self)


class MeanSquaredLogarithmicError(LossFunctionWrapper):
    """Mean of `(log(1 + y_pred) - log(1 + y_true)) ** 2` over the last axis.

    Values below `config.epsilon()` are raised to it before the logarithm.

    Args:
        reduction: See `Loss`.
        name: Defaults to `"mean_squared_logarithmic_error"`.
        dtype: See `Loss`.
    """

    def __init__(
        self,
        reduction: str | None = "sum_over_batch_size",
        name: str = "mean_squared_logarithmic_error",
        dtype: Any = None,
    ):
        super().__init__(
            mean_squared_logarithmic_error,
            name=name,
            reduction=reduction,
            dtype=dtype,
        )

    def get_config(self) -> dict[str, Any]:
        """Return the name and reduction."""
        return Loss.get_config(self)


class Huber(LossFunctionWrapper):
    """Huber loss: squared error near zero, absolute error beyond `delta`.

    Each element contributes `0.5 * e**2` when `|e| <= delta` and
    `delta * |e| - 0.5 * delta**2` otherwise, where `e = y_pred - y_true`.
    The contributions are averaged over the last axis.

    Args:
        delta: Error size at which the loss turns from quadratic to linear.
        reduction: See `Loss`.
        name: Defaults to `"huber_loss"`.
        dtype: See `Loss`.
    """

    def __init__(
        self,
        delta: float = 1.0,
        reduction: str | None = "sum_over_batch_size",
        name: str = "huber_loss",
        dtype: Any = None,
    ):
        super().__init__(
            huber, name=name, reduction=reduction, dtype=dtype, delta=delta
        )
        self.delta = delta

    def get_config(self) -> dict[str, Any]:
        """Return the name, reduction and delta."""
        # Keras 3.15 leaves `delta` out of the config, so a round trip resets
        # it to 1.0. It is kept here.
        return {**Loss.get_config(self), "delta": self.delta}


class BinaryCrossentropy(LossFunctionWrapper):
    """Cross-entropy between binary (or soft) targets and predictions.

    Use it for two-class problems and for multi-label problems, where each
    output unit is an independent yes/no prediction.

    Args:
        from_logits: Whether `y_pred` contains logits. The default, False,
            means probabilities, which are clipped to
            `[epsilon, 1 - epsilon]`. Logits are more stable numerically.
        label_smoothing: Float in `[0, 1]`. Targets move toward 0.5:
            `y * (1 - label_smoothing) + 0.5 * label_smoothing`.
        axis: Axis over which the per-element losses are averaged.
        reduction: See `Loss`.
        name: Defaults to `"binary_crossentropy"`.
        dtype: See `Loss`.

    Example:

    >>> loss = BinaryCrossentropy(from_logits=True)
    >>> loss([[0.0, 1.0]], [[-2.0, 3.0]])
    tensor(0.0878)
    """

    def __init__(
        self,
        from_logits: bool = False,
        label_smoothing: float = 0.0,
        axis: int = -1,
        reduction: str | None = "sum_over_batch_size",
        name: str = "binary_crossentropy",
        dtype: Any = None,
    ):
        super().__init__(
            binary_crossentropy,
            name=name,
            reduction=reduction,
            dtype=dtype,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis

    def get_config(self) -> dict[str, Any]:
        """Return the name, reduction and crossentropy options."""
        return {
            **Loss.get_config(self),
            "from_logits": self.from_logits,
            "label_smoothing": self.label_smoothing,
            "axis": self.axis,
        }


class CategoricalCrossentropy(LossFunctionWrapper):
    """Cross-entropy between one-hot targets and class predictions.

    `y_true` must have exactly the shape of `y_pred`, with the classes on
    `axis`. For integer class labels use `SparseCategoricalCrossentropy`.

    Args:
        from_logits: Whether `y_pred` contains logits. The default, False,
            means probabilities: each row is divided by its sum, then clipped
            to `[epsilon, 1 - epsilon]`.
        label_smoothing: Float in `[0, 1]`. Targets become
            `y * (1 - label_smoothing) + label_smoothing / num_classes`.
        axis: The class axis.
        reduction: See `Loss`.
        name: Defaults to `"categorical_crossentropy"`.
        dtype: See `Loss`.

    Example:

    >>> loss = CategoricalCrossentropy()
    >>> loss([[0.0, 1.0, 0.0]], [[0.5, 0.5, 0.5]])
    tensor(1.0986)
    """

    def __init__(
        self,
        from_logits: bool = False,
        label_smoothing: float = 0.0,
        axis: int = -1,
        reduction: str | None = "sum_over_batch_size",
        name: str = "categorical_crossentropy",
        dtype: Any = None,
    ):
        super().__init__(
            categorical_crossentropy,
            name=name,
            reduction=reduction,
            dtype=dtype,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis

    def get_config(self) -> dict[str, Any]:
        """Return the name, reduction and crossentropy options."""
        return {
            **Loss.get_config(self),
            "from_logits": self.from_logits,
            "label_smoothing": self.label_smoothing,
            "axis": self.axis,
        }


class SparseCategoricalCrossentropy(LossFunctionWrapper):
    """Cross-entropy between integer class labels and class predictions.

    `y_true` contains class indices, shaped like `y_pred` without the class
    axis, or with a class axis of size 1: `(N,)` and `(N, 1)` both work
    against `y_pred` of shape `(N, C)`. Integer and float labels are
    accepted.

    Args:
        from_logits: Whether `y_pred` contains logits. The default, False,
            means probabilities: each row is divided by its sum, then clipped
            to `[epsilon, 1 - epsilon]`.
        ignore_class: Optional class index whose entries contribute no loss,
            such as a padding or "void" label. With the default reduction
            the loss is then averaged over the other entries only.
        axis: The class axis of `y_pred`.
        reduction: See `Loss`.
        name: Defaults to `"sparse_categorical_crossentropy"`.
        dtype: See `Loss`.

    Example:

    >>> loss = SparseCategoricalCrossentropy(from_logits=True)
    >>> loss([1], [[0.0, 0.0]])
    tensor(0.6931)
    """

    def __init__(
        self,
        from_logits: bool = False,
        ignore_class: int | None = None,
        axis: int = -1,
        reduction: str | None = "sum_over_batch_size",
        name: str = "sparse_categorical_crossentropy",
        dtype: Any = None,
    ):
        super().__init__(
            sparse_categorical_crossentropy,
            name=name,
            reduction=reduction,
            dtype=dtype,
            from_logits=from_logits,
            ignore_class=ignore_class,
            axis=axis,
        )
        self.from_logits = from_logits
        self.ignore_class = ignore_class
        self.axis = axis

    def get_config(self) -> dict[str, Any]:
        """Return the name, reduction and crossentropy options."""
        # Keras 3.15 leaves `axis` out of this config, but it is kept here.
        return {
            **Loss.get_config(self),
            "from_logits": self.from_logits,
            "ignore_class": self.ignore_class,
            "axis": self.axis,
        }


def mean_squared_error(y_true: Any, y_pred: Any) -> torch.Tensor:
    """Return `mean((y_true - y_pred) ** 2)` over the last axis.

    Example:

    >>> mean_squared_error([[0.0, 2.0]], [[1.0, 1.0]])
    tensor([1.])
    """
    y_true, y_pred = _prepare_regression_inputs(y_true, y_pred)
    return torch.square(y_true - y_pred).mean(dim=-1)


def mean_absolute_error(y_true: Any, y_pred: Any) -> torch.Tensor:
    """Return `mean(|y_true - y_pred|)` over the last axis."""
    y_true, y_pred = _prepare_regression_inputs(y_true, y_pred)
    return torch.abs(y_true - y_pred).mean(dim=-1)


def mean_absolute_percentage_error(y_true: Any, y_pred: Any) -> torch.Tensor:
    """Return `100 * mean(|y_true - y_pred| / max(|y_true|, eps))`.

    The mean runs over the last axis and `eps` is `config.epsilon()`.
    """
    y_true, y_pred = _prepare_regression_inputs(y_true, y_pred)
    denominator = torch.clamp(torch.abs(y_true), min=config.epsilon())
    return 100.0 * torch.abs((y_true - y_pred) / denominator).mean(dim=-1)


def mean_squared_logarithmic_error(y_true: Any, y_pred: Any) -> torch.Tensor:
    """Return the mean squared difference of `log(1 + max(x, eps))`.

    The mean runs over the last axis and `eps` is `config.epsilon()`.
    """
    y_true, y_pred = _prepare_regression_inputs(y_true, y_pred)
    eps = config.epsilon()
    log_pred = torch.log(torch.clamp(y_pred, min=eps) + 1.0)
    log_true = torch.log(torch.clamp(y_true, min=eps) + 1.0)
    return torch.square(log_pred - log_true).mean(dim=-1)


def huber(y_true: Any, y_pred: Any, delta: float = 1.0) -> torch.Tensor:
    """Return the Huber loss averaged over the last axis (see `Huber`)."""
    y_true, y_pred = _prepare_regression_inputs(y_true, y_pred)
    error = y_pred - y_true
    abs_error = torch.abs(error)
    quadratic = 0.5 * torch.square(error)
    linear = delta * abs_error - 0.5 * delta**2
    return torch.where(abs_error <= delta, quadratic, linear).mean(dim=-1)


def binary_crossentropy(
    y_true: Any,
    y_pred: Any,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
    axis: int = -1,
) -> torch.Tensor:
    """Return the binary cross-entropy averaged over `axis`.

    Args:
        y_true: Targets in `[0, 1]`, with the shape of `y_pred`.
        y_pred: Probabilities, or logits when `from_logits=True`.
        from_logits: Whether `y_pred` contains logits.
        label_smoothing: Moves targets toward 0.5 (see `BinaryCrossentropy`).
        axis: Axis over which the per-element losses are averaged.

    Raises:
        ValueError: if `y_true` and `y_pred` have different shapes.
    """
    y_pred = _to_float_tensor(y_pred)
    y_true = convert_to_tensor(y_true, dtype=y_pred.dtype, device=y_pred.device)
    if y_true.shape != y_pred.shape:
        raise ValueError(
            "Invalid shapes for loss `binary_crossentropy`: `y_true` and "
            "`y_pred` must have the same shape. Received: "
            f"y_true.shape={tuple(y_true.shape)}, "
            f"y_pred.shape={tuple(y_pred.shape)}."
        )
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing

    if from_logits:
        losses = F.binary_cross_entropy_with_logits(
            y_pred, y_true, reduction="none"
        )
    else:
        eps = config.epsilon()
        prob = torch.clamp(y_pred, eps, 1.0 - eps)
        losses = _clipped_binary_crossentropy(prob, y_true)
    if -losses.dim() <= axis < losses.dim() and losses.shape[axis] == 1:
        # The mean over one value is that value: a view instead of a kernel.
        return losses.squeeze(axis)
    return losses.mean(dim=axis)


def _clipped_binary_crossentropy(
    prob: torch.Tensor, y_true: torch.Tensor
) -> torch.Tensor:
    """Return `-(y log(p) + (1 - y) log(1 - p))` for `p` already clipped.

    On the CPU, torch's fused kernel computes it in one pass. That kernel
    raises on a NaN prediction, which must give a NaN loss instead so that
    TerminateOnNaN can stop training, so the written-out form takes over
    then. The written-out form also serves CUDA, where the kernel's check
    is a device assert and autocast refuses it, `torch.compile`, which
    cannot trace the exception, and targets that need a gradient, which
    the kernel does not compute. After clipping, both logs are finite.
    """
    if (
        prob.is_cpu
        and prob.dtype in (torch.float32, torch.float64)
        and not y_true.requires_grad
        and not torch.compiler.is_compiling()
    ):
        try:
            return F.binary_cross_entropy(prob, y_true, reduction="none")
        except RuntimeError:
            pass
    # `lerp(log(1 - p), log(p), y)` is `y log(p) + (1 - y) log(1 - p)` in
    # three kernels instead of six.
    return torch.neg(torch.lerp(torch.log1p(-prob), torch.log(prob), y_true))


def categorical_crossentropy(
    y_true: Any,
    y_pred: Any,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
    axis: int = -1,
) -> torch.Tensor:
    """Return the categorical cross-entropy, summed over the class `axis`.

    Args:
        y_true: One-hot (or soft) targets with the shape of `y_pred`.
        y_pred: Class probabilities, or logits when `from_logits=True`.
        from_logits: Whether `y_pred` contains logits.
        label_smoothing: Mixes targets with the uniform distribution (see
            `CategoricalCrossentropy`).
        axis: The class axis.

    Raises:
        ValueError: if `y_true` does not have the shape of `y_pred`.
        TypeError: if `axis` is not an int.
    """
    _check_axis_type(axis)
    y_pred = _to_float_tensor(y_pred)
    y_true = convert_to_tensor(y_true, dtype=y_pred.dtype, device=y_pred.device)
    _check_categorical_shapes(y_true, y_pred)
    if y_pred.shape[axis] == 1:
        warnings.warn(
            "Loss `categorical_crossentropy` expects `y_pred` of shape "
            "(batch_size, num_classes) with num_classes > 1. Received: "
            f"y_pred.shape={tuple(y_pred.shape)}. With one class the loss is "
            "always close to 0. Use 'binary_crossentropy' for two classes.",
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
        log_prob = F.log_softmax(y_pred, dim=axis)
    else:
        log_prob = _clipped_log_probabilities(y_pred, axis)
    return -(y_true * log_prob).sum(dim=axis)


def sparse_categorical_crossentropy(
    y_true: Any,
    y_pred: Any,
    from_logits: bool = False,
    ignore_class: int | None = None,
    axis: int = -1,
) -> torch.Tensor:
    """Return the cross-entropy of integer labels against class scores.

    Args:
        y_true: Class indices shaped like `y_pred` without `axis`, or with a
            size-1 `axis`. Float labels are truncated to integers.
        y_pred: Class probabilities, or logits when `from_logits=True`.
        from_logits: Whether `y_pred` contains logits.
        ignore_class: Optional label whose entries get a loss of 0. The
            result then carries a Keras mask, so a `Loss` averages over the
            other entries only.
        axis: The class axis of `y_pred`.

    Raises:
        ValueError: if the shape of `y_true` does not fit `y_pred`, or, for
            CPU tensors, if a class id is outside `[0, y_pred.shape[axis])`.
        TypeError: if `axis` is not an int.
    """
    _check_axis_type(axis)
    y_pred = _to_float_tensor(y_pred)
    y_true = convert_to_tensor(y_true, device=y_pred.device)
    if y_pred.dim() < 1:
        raise ValueError(
            "Loss `sparse_categorical_crossentropy` expects `y_pred` of rank "
            f"1 or more. Received: y_pred.shape={tuple(y_pred.shape)}."
        )
    class_axis = axis % y_pred.dim()
    if y_true.dim() == y_pred.dim() and y_true.shape[class_axis] == 1:
        y_true = y_true.squeeze(class_axis)
    _check_sparse_shapes(y_true, y_pred, class_axis)
    labels = y_true if y_true.dtype == torch.int64 else y_true.long()

    if ignore_class is not None:
        valid = labels != ignore_class
        if not from_logits:
            # Ignored rows may contain zeros. Ones in their place keep the
            # log, and its gradient, finite.
            valid_rows = valid.unsqueeze(class_axis)
            y_pred = torch.where(valid_rows, y_pred, torch.ones_like(y_pred))

    # Kept for the error message before the class axis moves.
    pred_shape = tuple(y_pred.shape)
    num_classes = y_pred.shape[class_axis]

    # torch's kernels want the class axis at dim 1 and a batch dim.
    unbatched = y_pred.dim() == 1
    if unbatched:
        y_pred = y_pred.unsqueeze(0)
        labels = labels.unsqueeze(0)
    elif class_axis != 1:
        y_pred = y_pred.movedim(class_axis, 1)

    ignore_index = -100 if ignore_class is None else int(ignore_class)
    if not from_logits:
        y_pred = _clipped_log_probabilities(y_pred, 1)
    # A range check here would copy the class ids to the host, while
    # catching torch's own IndexError costs nothing when they are valid.
    # NOTE: on CUDA, torch raises a device-side assert instead, so this
    # ValueError appears only for CPU tensors.
    try:
        if from_logits:
            losses = F.cross_entropy(
                y_pred, labels, reduction="none", ignore_index=ignore_index
            )
        else:
            losses = F.nll_loss(
                y_pred, labels, reduction="none", ignore_index=ignore_index
            )
    except IndexError as error:
        raise ValueError(
            "Invalid class id in `y_true` for loss "
            "`sparse_categorical_crossentropy`: class ids must be in "
            f"[0, {num_classes}) because y_pred.shape[axis]={num_classes}. "
            f"Received: y_pred.shape={pred_shape}, and torch reported "
            f"'{error}' Check that the labels start at 0 and that the model "
            "outputs one score per class."
        ) from error
    if unbatched:
        losses = losses.squeeze(0)
    if ignore_class is not None:
        set_mask(losses, valid)
    return losses


def serialize_function(fn: Callable) -> Any:
    """Return Keras's config for a plain function: a dict naming it."""
    return {
        "module": "builtins",
        "class_name": "function",
        "config": getattr(fn, "__name__", repr(fn)),
        "registered_name": "function",
    }


def deserialize_function(value: Any) -> Callable:
    """Return the loss function named by `serialize_function()`'s output.

    A callable is returned unchanged.

    Raises:
        ValueError: if the name is not a built-in loss function.
    """
    from torchkeras.utils.lookup import lookup

    if callable(value):
        return value
    name = value["config"] if isinstance(value, dict) else value
    return lookup(name, LOSS_FUNCTIONS, "loss function")


def _to_float_tensor(x: Any) -> torch.Tensor:
    x = convert_to_tensor(x)
    if not x.is_floating_point():
        x = x.to(config.standardize_dtype(None))
    return x


def _prepare_regression_inputs(
    y_true: Any,
    y_pred: Any,
) -> tuple[torch.Tensor, torch.Tensor]:
    y_pred = _to_float_tensor(y_pred)
    y_true = convert_to_tensor(y_true, dtype=y_pred.dtype, device=y_pred.device)
    return squeeze_or_expand_to_same_rank(y_true, y_pred)


def _clipped_log_probabilities(y_pred: torch.Tensor, axis: int) -> torch.Tensor:
    # Keras renormalizes each row to sum to 1 before clipping, so outputs of
    # a layer that is not a softmax still give a bounded loss.
    eps = config.epsilon()
    prob = y_pred / y_pred.sum(dim=axis, keepdim=True)
    return torch.log(torch.clamp(prob, eps, 1.0 - eps))


def _check_axis_type(axis: Any) -> None:
    if isinstance(axis, bool) or not isinstance(axis, int):
        raise TypeError(
            f"`axis` must be an int. Received: axis={axis!r} of type "
            f"{type(axis).__name__}."
        )


def _check_categorical_shapes(y_true: torch.Tensor, y_pred: torch.Tensor):
    if y_true.shape == y_pred.shape and y_pred.dim() >= 1:
        return
    true_shape = tuple(y_true.shape)
    pred_shape = tuple(y_pred.shape)
    hint = " `y_true` must be one-hot encoded with the shape of `y_pred`."
    looks_sparse = true_shape == pred_shape[:-1] or (
        true_shape == pred_shape[:-1] + (1,)
    )
    if looks_sparse:
        hint = (
            " `y_true` looks like integer class labels: use "
            "'sparse_categorical_crossentropy' for integer labels, or "
            "one-hot encode them."
        )
    raise ValueError(
        "Invalid shapes for loss `categorical_crossentropy`: `y_true` must "
        "have the same shape as `y_pred`. Received: "
        f"y_true.shape={true_shape}, y_pred.shape={pred_shape}.{hint}"
    )


def _check_sparse_shapes(
    y_true: torch.Tensor,
    y_pred: torch.Tensor,
    class_axis: int,
) -> None:
    expected = tuple(d for i, d in enumerate(y_pred.shape) if i != class_axis)
    if tuple(y_true.shape) == expected:
        return
    hint = ""
    if y_true.shape == y_pred.shape:
        hint = (
            " `y_true` looks one-hot encoded: use 'categorical_crossentropy' "
            "for one-hot labels, or pass class indices."
        )
    raise ValueError(
        "Invalid shapes for loss `sparse_categorical_crossentropy`: "
        f"`y_true` must hold one class index per sample, with shape "
        f"{expected} or {expected + (1,)}. Received: "
        f"y_true.shape={tuple(y_true.shape)}, "
        f"y_pred.shape={tuple(y_pred.shape)}.{hint}"
    )


LOSS_FUNCTIONS: dict[str, Callable] = {
    fn.__name__: fn
    for fn in (
        binary_crossentropy,
        categorical_crossentropy,
        huber,
        mean_absolute_error,
        mean_absolute_percentage_error,
        mean_squared_error,
        mean_squared_logarithmic_error,
        sparse_categorical_crossentropy,
    )
}
