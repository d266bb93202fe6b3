"""`MonitorCallback`: the shared base of callbacks that watch one log value."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import torch

from torchkeras.callbacks.callback import Callback

_MODES = ("auto", "min", "max")

# Metrics whose value improves as it grows, by class name. The others that
# Keras gives a direction (hinge, crossentropy and error metrics) improve
# as they shrink. A metric may also declare `_direction = "up"` or "down".
_INCREASING_METRICS = frozenset(
    {
        "Accuracy",
        "AUC",
        "BinaryAccuracy",
        "BinaryIoU",
        "CategoricalAccuracy",
        "ConcordanceCorrelation",
        "CosineSimilarity",
        "F1Score",
        "FBetaScore",
        "IoU",
        "MeanIoU",
        "OneHotIoU",
        "OneHotMeanIoU",
        "PearsonCorrelation",
        "Precision",
        "PrecisionAtRecall",
        "R2Score",
        "Recall",
        "RecallAtPrecision",
        "SensitivityAtSpecificity",
        "SparseCategoricalAccuracy",
        "SparseTopKCategoricalAccuracy",
        "SpecificityAtSensitivity",
        "TopKCategoricalAccuracy",
    }
)
_DECREASING_METRICS = frozenset(
    {
        "BinaryCrossentropy",
        "CategoricalCrossentropy",
        "CategoricalHinge",
        "Hinge",
        "KLDivergence",
        "LogCoshError",
        "MeanAbsoluteError",
        "MeanAbsolutePercentageError",
        "MeanSquaredError",
        "MeanSquaredLogarithmicError",
        "Poisson",
        "RootMeanSquaredError",
        "SparseCategoricalCrossentropy",
        "SquaredHinge",
    }
)


def check_mode(callback_name: str, mode: str) -> None:
    """Raise ValueError unless `mode` is "auto", "min" or "max"."""
    if mode not in _MODES:
        raise ValueError(
            f"{callback_name}: `mode` must be one of {list(_MODES)}. "
            f"Received: mode={mode!r}"
        )


def check_non_negative_int(callback_name: str, name: str, value) -> None:
    """Raise ValueError unless `value` is an int >= 0."""
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, np.integer))
        or value < 0
    ):
        raise ValueError(
            f"{callback_name}: `{name}` must be a non-negative integer. "
            f"Received: {name}={value!r}"
        )


def check_save_freq(callback_name: str, save_freq) -> None:
    """Raise ValueError unless `save_freq` is "epoch" or a positive int."""
    if save_freq == "epoch":
        return
    if (
        isinstance(save_freq, bool)
        or not isinstance(save_freq, (int, np.integer))
        or save_freq <= 0
    ):
        raise ValueError(
            f"{callback_name}: `save_freq` must be 'epoch' or a positive "
            f"integer number of batches. Received: save_freq={save_freq!r}"
        )


def to_float(value: Any) -> Any:
    """Convert a 0-d tensor or numpy scalar log value to a Python float."""
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        return float(value.detach())
    if isinstance(value, np.ndarray) and value.size == 1:
        return float(value)
    if isinstance(value, np.generic):
        return float(value)
    return value


def metric_direction(model, metric_name: str) -> str | None:
    """Return "up" or "down" for the metric named `metric_name`, or None."""
    if metric_name == "loss" or metric_name.endswith("_loss"):
        return "down"
    for metric in _compiled_metrics(model):
        if getattr(metric, "name", None) != metric_name:
            continue
        direction = getattr(metric, "_direction", None)
        if direction in ("up", "down"):
            return direction
        for cls in type(metric).__mro__:
            if cls.__name__ in _INCREASING_METRICS:
                return "up"
            if cls.__name__ in _DECREASING_METRICS:
                return "down"
    return None


def _compiled_metrics(model) -> list:
    container = getattr(model, "_compile_metrics", None)
    metrics = []
    if container is not None and getattr(container, "built", False):
        metrics.extend(container.metrics + container.weighted_metrics)
    metrics.extend(getattr(model, "metrics", []) if model is not None else [])
    return metrics


class MonitorCallback(Callback):
    """Base class of callbacks that act when a monitored log value improves.

    Subclasses call `_monitor_value(logs)` to read the value (it warns once
    per `fit` when the name is not in the logs) and `_is_improvement` to
    compare it with a reference such as the best value so far.

    Args:
        monitor: Name of the log value to watch, such as `"val_loss"`.
        mode: `"min"`, `"max"`, or `"auto"` to take the direction from the
            metric: losses decrease, accuracy-like metrics increase.
        baseline: Initial best value, or None.
        min_delta: Smallest change that counts as an improvement; its sign
            is ignored.

    Raises:
        ValueError: if `mode` is not "auto", "min" or "max".
    """

    def __init__(self, monitor="val_loss", mode="auto", baseline=None, min_delta=0):
        super().__init__()
        check_mode(type(self).__name__, mode)
        self.monitor = monitor
        self.mode = mode
        self.best = baseline
        self.min_delta = abs(min_delta)
        self.monitor_op = None
        self._missing_monitor_warned = False

    def _reset_monitor_warning(self) -> None:
        self._missing_monitor_warned = False

    def _set_monitor_op(self) -> None:
        """Pick `np.less` or `np.greater` from `mode` or the metric."""
        if self.mode == "min":
            direction = "down"
        elif self.mode == "max":
            direction = "up"
        else:
            direction = metric_direction(
                self.model, self.monitor.removeprefix("val_")
            )
        if direction is None:
            raise ValueError(
                f"{type(self).__name__} cannot tell whether "
                f"monitor={self.monitor!r} should decrease or increase. "
                "Pass mode='min' to treat lower values as better, or "
                "mode='max' to treat higher values as better."
            )
        self.monitor_op = np.less if direction == "down" else np.greater

    def _is_improvement(self, current, reference) -> bool:
        """Return whether `current` beats `reference` by more than `min_delta`."""
        if reference is None:
            return True
        if self.monitor_op is None:
            self._set_monitor_op()
        if self.monitor_op is np.less:
            return bool(np.less(current + self.min_delta, reference))
        return bool(np.greater(current - self.min_delta, reference))

    def _monitor_value(self, logs, action: str):
        """Return the monitored value from `logs`, or None after one warning."""
        logs = logs or {}
        value = logs.get(self.monitor)
        if value is None:
            if not self._missing_monitor_warned:
                self._missing_monitor_warned = True
                available = ", ".join(sorted(logs)) or "none"
                warnings.warn(
                    f"{type(self).__name__}: {action} is conditioned on "
                    f"metric `{self.monitor}`, which is not in the logs. "
                    f"Available metrics are: {available}. Check the "
                    "`monitor` name, and pass validation data for `val_` "
                    "metrics.",
                    UserWarning,
                    stacklevel=3,
                )
            return None
        return to_float(value)
