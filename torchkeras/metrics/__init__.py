"""Metrics, by class, by function or by Keras's string names."""

from __future__ import annotations

from typing import Any

from torchkeras.losses.losses import binary_crossentropy
from torchkeras.losses.losses import categorical_crossentropy
from torchkeras.losses.losses import huber
from torchkeras.losses.losses import mean_absolute_error
from torchkeras.losses.losses import mean_absolute_percentage_error
from torchkeras.losses.losses import mean_squared_error
from torchkeras.losses.losses import mean_squared_logarithmic_error
from torchkeras.losses.losses import sparse_categorical_crossentropy
from torchkeras.metrics.accuracy_metrics import Accuracy
from torchkeras.metrics.accuracy_metrics import BinaryAccuracy
from torchkeras.metrics.accuracy_metrics import CategoricalAccuracy
from torchkeras.metrics.accuracy_metrics import SparseCategoricalAccuracy
from torchkeras.metrics.accuracy_metrics import SparseTopKCategoricalAccuracy
from torchkeras.metrics.accuracy_metrics import TopKCategoricalAccuracy
from torchkeras.metrics.accuracy_metrics import binary_accuracy
from torchkeras.metrics.accuracy_metrics import categorical_accuracy
from torchkeras.metrics.accuracy_metrics import sparse_categorical_accuracy
from torchkeras.metrics.accuracy_metrics import (
    sparse_top_k_categorical_accuracy,
)
from torchkeras.metrics.accuracy_metrics import top_k_categorical_accuracy
from torchkeras.metrics.confusion_metrics import AUC
from torchkeras.metrics.confusion_metrics import FalseNegatives
from torchkeras.metrics.confusion_metrics import FalsePositives
from torchkeras.metrics.confusion_metrics import Precision
from torchkeras.metrics.confusion_metrics import PrecisionAtRecall
from torchkeras.metrics.confusion_metrics import Recall
from torchkeras.metrics.confusion_metrics import RecallAtPrecision
from torchkeras.metrics.confusion_metrics import SensitivityAtSpecificity
from torchkeras.metrics.confusion_metrics import SpecificityAtSensitivity
from torchkeras.metrics.confusion_metrics import TrueNegatives
from torchkeras.metrics.confusion_metrics import TruePositives
from torchkeras.metrics.f_score_metrics import F1Score
from torchkeras.metrics.f_score_metrics import FBetaScore
from torchkeras.metrics.hinge_metrics import CategoricalHinge
from torchkeras.metrics.hinge_metrics import CosineSimilarity
from torchkeras.metrics.hinge_metrics import Hinge
from torchkeras.metrics.hinge_metrics import KLDivergence
from torchkeras.metrics.hinge_metrics import LogCoshError
from torchkeras.metrics.hinge_metrics import Poisson
from torchkeras.metrics.hinge_metrics import SquaredHinge
from torchkeras.metrics.iou_metrics import BinaryIoU
from torchkeras.metrics.iou_metrics import IoU
from torchkeras.metrics.iou_metrics import MeanIoU
from torchkeras.metrics.iou_metrics import OneHotIoU
from torchkeras.metrics.iou_metrics import OneHotMeanIoU
from torchkeras.metrics.metric import Metric
from torchkeras.metrics.probabilistic_metrics import BinaryCrossentropy
from torchkeras.metrics.probabilistic_metrics import CategoricalCrossentropy
from torchkeras.metrics.probabilistic_metrics import (
    SparseCategoricalCrossentropy,
)
from torchkeras.metrics.r2_score import R2Score
from torchkeras.metrics.reduction_metrics import Mean
from torchkeras.metrics.reduction_metrics import MeanMetricWrapper
from torchkeras.metrics.reduction_metrics import Sum
from torchkeras.metrics.regression_metrics import MeanAbsoluteError
from torchkeras.metrics.regression_metrics import MeanAbsolutePercentageError
from torchkeras.metrics.regression_metrics import MeanSquaredError
from torchkeras.metrics.regression_metrics import MeanSquaredLogarithmicError
from torchkeras.metrics.regression_metrics import RootMeanSquaredError
from torchkeras.utils.lookup import lookup
from torchkeras.utils.naming import to_snake_case

__all__ = [
    "AUC",
    "Accuracy",
    "BinaryAccuracy",
    "BinaryCrossentropy",
    "BinaryIoU",
    "CategoricalAccuracy",
    "CategoricalCrossentropy",
    "CategoricalHinge",
    "CosineSimilarity",
    "F1Score",
    "FBetaScore",
    "FalseNegatives",
    "FalsePositives",
    "Hinge",
    "IoU",
    "KLDivergence",
    "LogCoshError",
    "Mean",
    "MeanAbsoluteError",
    "MeanAbsolutePercentageError",
    "MeanIoU",
    "MeanMetricWrapper",
    "MeanSquaredError",
    "MeanSquaredLogarithmicError",
    "Metric",
    "OneHotIoU",
    "OneHotMeanIoU",
    "Poisson",
    "Precision",
    "PrecisionAtRecall",
    "R2Score",
    "Recall",
    "RecallAtPrecision",
    "RootMeanSquaredError",
    "SensitivityAtSpecificity",
    "SparseCategoricalAccuracy",
    "SparseCategoricalCrossentropy",
    "SparseTopKCategoricalAccuracy",
    "SpecificityAtSensitivity",
    "SquaredHinge",
    "Sum",
    "TopKCategoricalAccuracy",
    "TrueNegatives",
    "TruePositives",
    "binary_accuracy",
    "binary_crossentropy",
    "categorical_accuracy",
    "categorical_crossentropy",
    "deserialize",
    "get",
    "huber",
    "mean_absolute_error",
    "mean_absolute_percentage_error",
    "mean_squared_error",
    "mean_squared_logarithmic_error",
    "serialize",
    "sparse_categorical_accuracy",
    "sparse_categorical_crossentropy",
    "sparse_top_k_categorical_accuracy",
    "top_k_categorical_accuracy",
]

_CLASSES = {
    cls.__name__: cls
    for cls in (
        AUC,
        Accuracy,
        BinaryAccuracy,
        BinaryCrossentropy,
        BinaryIoU,
        CategoricalAccuracy,
        CategoricalCrossentropy,
        CategoricalHinge,
        CosineSimilarity,
        F1Score,
        FBetaScore,
        FalseNegatives,
        FalsePositives,
        Hinge,
        IoU,
        KLDivergence,
        LogCoshError,
        Mean,
        MeanAbsoluteError,
        MeanAbsolutePercentageError,
        MeanIoU,
        MeanMetricWrapper,
        MeanSquaredError,
        MeanSquaredLogarithmicError,
        Metric,
        OneHotIoU,
        OneHotMeanIoU,
        Poisson,
        Precision,
        PrecisionAtRecall,
        R2Score,
        Recall,
        RecallAtPrecision,
        RootMeanSquaredError,
        SensitivityAtSpecificity,
        SparseCategoricalAccuracy,
        SparseCategoricalCrossentropy,
        SparseTopKCategoricalAccuracy,
        SpecificityAtSensitivity,
        SquaredHinge,
        Sum,
        TopKCategoricalAccuracy,
        TrueNegatives,
        TruePositives,
    )
}
# Names `get()` accepts: every class name and its snake_case form, as in
# Keras, except the two base classes, which a bare name cannot build.
_NAMED_CLASSES = {
    name: cls
    for cls in _CLASSES.values()
    if cls not in (Metric, MeanMetricWrapper)
    for name in (cls.__name__, to_snake_case(cls.__name__))
}
# Keras's short names. "acc" is an addition: Keras resolves it only inside
# `compile()`, and here it gives `Accuracy` like "accuracy".
_ALIASES = {
    "acc": Accuracy,
    "bce": BinaryCrossentropy,
    "BCE": BinaryCrossentropy,
    "mae": MeanAbsoluteError,
    "MAE": MeanAbsoluteError,
    "mape": MeanAbsolutePercentageError,
    "MAPE": MeanAbsolutePercentageError,
    "mse": MeanSquaredError,
    "MSE": MeanSquaredError,
    "msle": MeanSquaredLogarithmicError,
    "MSLE": MeanSquaredLogarithmicError,
}
_ALL_OBJECTS = {**_NAMED_CLASSES, **_ALIASES}


def serialize(metric: Metric) -> dict[str, Any]:
    """Return a Keras-style config dict for `metric`."""
    return {
        "module": "keras.metrics",
        "class_name": type(metric).__name__,
        "config": metric.get_config(),
        "registered_name": None,
    }


def deserialize(config: dict[str, Any] | str) -> Metric:
    """Create a metric from the output of `serialize()`, or from a name.

    Raises:
        ValueError: if the config names no built-in metric.
    """
    if isinstance(config, str):
        return get(config)
    cls = lookup(config["class_name"], _CLASSES, "metric")
    return cls.from_config(config.get("config", {}))


def get(identifier: Any) -> Metric | None:
    """Return a metric from a name, config dict, class, instance or callable.

    A string is a class name (`"BinaryAccuracy"`), its snake_case form
    (`"binary_accuracy"`) or a short alias (`"mse"`, `"acc"`), and gives a
    new instance. `"accuracy"` gives `Accuracy`, which counts exact matches,
    and choosing an accuracy from the shapes of labels and predictions is left
    to `compile()`. A plain function `fn(y_true, y_pred)` is wrapped in a
    `MeanMetricWrapper` named after it.

    Raises:
        ValueError: if a string names no known metric. The message lists the
            closest names.
        TypeError: if `identifier` is not one of the accepted types.

    Example:

    >>> get("mse").name
    'mean_squared_error'
    >>> type(get("acc")).__name__
    'Accuracy'
    """
    if identifier is None:
        return None
    if isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        return lookup(identifier, _ALL_OBJECTS, "metric")()
    if isinstance(identifier, type) and issubclass(identifier, Metric):
        return identifier()
    if callable(identifier):
        name = getattr(identifier, "__name__", None)
        return MeanMetricWrapper(identifier, name=name)
    raise TypeError(
        f"Could not interpret metric identifier: {identifier!r} of type "
        f"{type(identifier).__name__}. Pass a name such as 'accuracy', a "
        "Metric or a callable `fn(y_true, y_pred)`."
    )
