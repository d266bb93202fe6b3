"""The compiled loss and metrics of a model, resolved on the first batch.

Some identifiers depend on the data: `"accuracy"` becomes binary, sparse
categorical or categorical accuracy, and the loss `"crossentropy"` the
matching crossentropy, from the shapes of `y_true` and `y_pred`, as in
Keras. So both containers build themselves on the first batch they see.
"""

from __future__ import annotations

from typing import Any

import torch


def _is_binary_or_sparse(y_true, y_pred) -> tuple[bool, bool]:
    is_binary = y_pred.shape[-1] == 1
    is_sparse = y_true.ndim < y_pred.ndim or (
        y_true.shape[-1] == 1 and y_pred.shape[-1] > 1
    )
    return is_binary, is_sparse


def _object_name(obj: Any) -> str:
    name = getattr(obj, "name", None)
    if isinstance(name, str):
        return name
    return getattr(obj, "__name__", type(obj).__name__)


def resolve_loss(identifier, y_true, y_pred):
    """Return the Loss object for `identifier`, given example data."""
    from torchkeras import losses

    if identifier is None:
        return None
    if isinstance(identifier, str) and identifier.lower() in ("crossentropy", "ce"):
        is_binary, is_sparse = _is_binary_or_sparse(y_true, y_pred)
        if is_binary:
            loss = losses.binary_crossentropy
        elif is_sparse:
            loss = losses.sparse_categorical_crossentropy
        else:
            loss = losses.categorical_crossentropy
    else:
        loss = losses.get(identifier)
    if not isinstance(loss, losses.Loss):
        name = identifier if isinstance(identifier, str) else _object_name(loss)
        loss = losses.LossFunctionWrapper(loss, name=name)
    return loss


def resolve_metric(identifier, y_true, y_pred):
    """Return the Metric object for `identifier`, given example data."""
    from torchkeras import metrics

    if identifier is None:
        raise ValueError("Expected a metric, received `None`.")
    if isinstance(identifier, str) and identifier.lower() in ("accuracy", "acc"):
        is_binary, is_sparse = _is_binary_or_sparse(y_true, y_pred)
        if is_binary:
            metric = metrics.BinaryAccuracy(name=identifier)
        elif is_sparse:
            metric = metrics.SparseCategoricalAccuracy(name=identifier)
        else:
            metric = metrics.CategoricalAccuracy(name=identifier)
    else:
        metric = metrics.get(identifier)
    name = identifier if isinstance(identifier, str) else _object_name(metric)
    if not isinstance(metric, metrics.Metric):
        metric = metrics.MeanMetricWrapper(metric, name=name)
    metric.name = name
    return metric


def _check_identifier(identifier, kind: str) -> None:
    """Raise now for an unknown string, instead of on the first batch."""
    if not isinstance(identifier, str):
        return
    if identifier.lower() in ("accuracy", "acc", "crossentropy", "ce"):
        return
    if kind == "loss":
        from torchkeras import losses

        losses.get(identifier)
    else:
        from torchkeras import metrics

        metrics.get(identifier)


def _single_output(value, argument: str):
    """Return the one entry of a list/dict given for a single-output model."""
    if isinstance(value, dict):
        if len(value) != 1:
            raise NotImplementedError(
                f"`{argument}` was given as a dict with {len(value)} entries, "
                "but models with several outputs are not supported yet."
            )
        return next(iter(value.values()))
    return value


class CompileLoss:
    """The total training loss: the compiled loss times its weight.

    Args:
        loss: Loss identifier (name, Loss object or function).
        loss_weights: Optional scalar (or one-entry list/dict) weight.
    """

    def __init__(self, loss, loss_weights=None):
        if isinstance(loss, (list, tuple)):
            if len(loss) != 1:
                raise NotImplementedError(
                    "`loss` was given as a list of "
                    f"{len(loss)} losses, but models with several outputs "
                    "are not supported yet. Pass a single loss."
                )
            loss = loss[0]
        self._identifier = _single_output(loss, "loss")
        _check_identifier(self._identifier, "loss")
        weights = loss_weights
        if isinstance(weights, (list, tuple)):
            if len(weights) != 1:
                raise ValueError(
                    "`loss_weights` must have one entry per output (1). "
                    f"Received: loss_weights={loss_weights!r}"
                )
            weights = weights[0]
        weights = _single_output(weights, "loss_weights")
        if weights is not None and not isinstance(weights, (int, float)):
            raise TypeError(
                "`loss_weights` must be a number, or a list or dict of "
                f"numbers. Received: loss_weights={loss_weights!r}"
            )
        self.weight = None if weights is None else float(weights)
        self.loss = None
        self.built = False

    def build(self, y_true, y_pred) -> None:
        """Resolve the loss identifier from the first batch."""
        self.loss = resolve_loss(self._identifier, y_true, y_pred)
        self.built = True

    def __call__(self, y_true, y_pred, sample_weight=None) -> torch.Tensor | None:
        if not self.built:
            self.build(y_true, y_pred)
        if self.loss is None:
            return None
        if isinstance(y_pred, (list, tuple, dict)):
            raise NotImplementedError(
                "The model returns several outputs, but models with several "
                "outputs cannot be trained with `compile(loss=...)` yet."
            )
        value = self.loss(y_true, y_pred, sample_weight)
        if self.weight is not None:
            value = value * self.weight
        return value


class CompileMetrics:
    """The compiled metrics and weighted metrics of a single-output model.

    Args:
        metrics: List of metric identifiers; updated without sample weights.
        weighted_metrics: List of identifiers updated with sample weights.
    """

    def __init__(self, metrics=None, weighted_metrics=None):
        self._metrics_spec = self._as_list(metrics, "metrics")
        self._weighted_spec = self._as_list(weighted_metrics, "weighted_metrics")
        for identifier in self._metrics_spec + self._weighted_spec:
            _check_identifier(identifier, "metric")
        self.metrics: list = []
        self.weighted_metrics: list = []
        self.built = False
        self.names: list[str] = []

    @staticmethod
    def _as_list(value, argument: str) -> list:
        if value is None:
            return []
        if isinstance(value, dict):
            return list(_single_output(value, argument) or [])
        if not isinstance(value, (list, tuple)):
            raise TypeError(
                f"Expected `{argument}` argument to be a list, tuple, or "
                f"dict. Received instead: {argument}={value!r} of type "
                f"{type(value).__name__}"
            )
        return list(value)

    @property
    def all_metrics(self) -> list:
        """Metric objects, plain ones first, once built."""
        return self.metrics + self.weighted_metrics

    def build(self, y_true, y_pred, device=None) -> None:
        """Resolve every identifier from the first batch."""
        self.metrics = [resolve_metric(m, y_true, y_pred) for m in self._metrics_spec]
        self.weighted_metrics = [
            resolve_metric(m, y_true, y_pred) for m in self._weighted_spec
        ]
        if device is not None:
            for metric in self.all_metrics:
                metric.to(device)
        self.names = self._result_names()
        self.built = True

    def _result_names(self) -> list[str]:
        names: list[str] = []
        counts: dict[str, int] = {}
        for metric in self.metrics:
            names.append(self._unique(metric.name, counts))
        for metric in self.weighted_metrics:
            name = metric.name
            if name in counts:
                name = f"weighted_{name}"
            names.append(self._unique(name, counts))
        return names

    @staticmethod
    def _unique(name: str, counts: dict[str, int]) -> str:
        if name not in counts:
            counts[name] = 1
            return name
        index = counts[name]
        counts[name] += 1
        return f"{name}_{index}"

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        if not self.built:
            self.build(y_true, y_pred, device=y_pred.device)
        for metric in self.metrics:
            metric.update_state(y_true, y_pred)
        for metric in self.weighted_metrics:
            metric.update_state(y_true, y_pred, sample_weight=sample_weight)

    def reset_state(self) -> None:
        for metric in self.all_metrics:
            metric.reset_state()

    def result(self) -> dict[str, torch.Tensor]:
        return {
            name: metric.result()
            for name, metric in zip(self.names, self.all_metrics)
        }
