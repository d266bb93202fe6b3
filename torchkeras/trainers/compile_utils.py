"""The compiled loss and metrics of a model, resolved on the first batch.

Some identifiers depend on the data: `"accuracy"` becomes binary, sparse
categorical or categorical accuracy, and the loss `"crossentropy"` the
matching crossentropy, from the shapes of `y_true` and `y_pred`, as in
Keras. So both containers build themselves on the first batch they see.

A model whose `call()` returns a list, tuple or dict of tensors has several
outputs. The rules below are those of Keras 3.15:

- Outputs are numbered in list order, or in sorted key order for a dict.
  An output's name is its dict key, else its entry in the model's
  `output_names` (a functional model names each output after the layer
  that makes it). The outputs of a subclassed model returning a list have
  no names.
- `loss` is one loss for every output, a list with one entry per output or
  a dict keyed by output name. Outputs whose entry is `None` or missing
  from the dict are not trained.
- `loss_weights` is one number for every output, a list or a dict.
- `metrics` and `weighted_metrics` are a list with one entry per output
  (a metric, a list of metrics or `None`), or a dict keyed by output name.
- `y` and `sample_weight` are a list in output order or a dict keyed by
  output name. A single `sample_weight` array weights every output. When a
  list or array gives fewer targets than there are outputs, the targets go,
  in order, to the outputs that have a loss.
- With more than one loss, each output's unweighted loss is also logged as
  `<name>_loss`, where the name is the output's name or, for unnamed
  outputs, the loss's name. A metric of a named output is logged as
  `<output name>_<metric name>`.
"""

from __future__ import annotations

import numbers
import re
from typing import Any

import torch

from torchkeras.losses.loss import get_mask
from torchkeras.losses.loss import reduce_weighted_values
from torchkeras.losses.loss import squeeze_or_expand_to_same_rank
from torchkeras.utils.naming import to_snake_case


def _is_binary_or_sparse(y_true, y_pred) -> tuple[bool, bool]:
    is_binary = y_pred.shape[-1] == 1
    is_sparse = y_true.ndim < y_pred.ndim or (
        y_true.shape[-1] == 1 and y_pred.shape[-1] > 1
    )
    return is_binary, is_sparse


def _object_name(obj: Any) -> str:
    """Return the log name of a loss or metric given as an object.

    As in Keras, an object's `name` wins. A function or other callable is
    named after its snake_cased `__name__` (a lambda becomes `"lambda"`)
    or class name.
    """
    name = getattr(obj, "name", None)
    if isinstance(name, str):
        return name
    raw = getattr(obj, "__name__", None) or type(obj).__name__
    return to_snake_case(re.sub(r"\W+", "", raw))


def resolve_loss(identifier, y_true, y_pred):
    """Return the Loss object for `identifier`, given example data."""
    from torchkeras import losses

    if identifier is None:
        return None
    if isinstance(identifier, str) and identifier.lower() in (
        "crossentropy",
        "ce",
    ):
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
    if isinstance(identifier, str) and identifier.lower() in (
        "accuracy",
        "acc",
    ):
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


def _check_identifiers(spec, kind: str) -> None:
    """Check every string in a loss or metric spec, however nested."""
    for identifier in _flatten_spec(spec):
        _check_identifier(identifier, kind)


def _sorted_keys(mapping: dict) -> list:
    """Return the keys of `mapping` sorted, as Keras flattens dicts."""
    try:
        return sorted(mapping)
    except TypeError:
        return list(mapping)


def _flatten_spec(spec) -> list:
    """Return the leaves of a nest of lists and dicts (dicts by sorted key)."""
    if isinstance(spec, dict):
        return [
            leaf
            for key in _sorted_keys(spec)
            for leaf in _flatten_spec(spec[key])
        ]
    if isinstance(spec, (list, tuple)):
        return [leaf for item in spec for leaf in _flatten_spec(item)]
    return [spec]


def _is_nest(value) -> bool:
    return isinstance(value, (list, tuple, dict))


def _unwrap_single(y):
    """Return the one target of a single-output model given as `[y]`."""
    if isinstance(y, (list, tuple)) and len(y) == 1:
        return y[0]
    return y


def _count(number: int, singular: str, plural: str) -> str:
    return f"{number} {singular if number == 1 else plural}"


def _describe_data(value) -> str:
    """Describe the structure of `y` or `sample_weight` for a message."""
    if isinstance(value, dict):
        return f"a dict with keys {list(value)}"
    if isinstance(value, (list, tuple)):
        count = _count(len(value), "array", "arrays")
        return f"a {type(value).__name__} of {count}"
    shape = tuple(getattr(value, "shape", ()))
    return f"one array of shape {shape}"


class _OutputLayout:
    """The outputs of a model that returns a list, tuple or dict of tensors.

    Outputs are numbered in list order, or in sorted key order for a dict,
    which is how Keras flattens them.

    Args:
        y_pred: One batch of model outputs.
        output_names: The model's `output_names`, or None.
    """

    def __init__(self, y_pred, output_names=None):
        self.is_dict = isinstance(y_pred, dict)
        if self.is_dict:
            self.keys = _sorted_keys(y_pred)
            self.names = list(self.keys)
        else:
            self.keys = list(range(len(y_pred)))
            names = list(output_names) if output_names else None
            self.names = names if names and len(names) == len(y_pred) else None
        self.num_outputs = len(self.keys)
        self._name_set = set(self.names) if self.names else set()
        for key in self.keys:
            if _is_nest(y_pred[key]):
                raise NotImplementedError(
                    "Models whose outputs are nested more than one level "
                    "(such as a list inside a dict) cannot be compiled with "
                    "a loss or metrics yet. Return a flat list or dict of "
                    f"tensors. Output {key!r} is a "
                    f"{type(y_pred[key]).__name__}."
                )

    def describe(self) -> str:
        """Return the number of outputs and their names, for messages."""
        if self.names:
            return f"{self.num_outputs} outputs named {self.names}"
        return (
            f"{self.num_outputs} outputs without names (the model returns "
            "a list)"
        )

    def index_of(self, key) -> int:
        """Return the position of the output with dict key `key`."""
        return self.keys.index(key)

    def check_keys(
        self, mapping: dict, argument: str, description=None
    ) -> None:
        """Raise unless every key of `mapping` names an output.

        `description` replaces the repr of `mapping` in messages, so that
        data arrays are not printed.
        """
        shown = repr(mapping) if description is None else description
        if self.names is None:
            raise ValueError(
                f"`{argument}` is a dict, but the model's "
                f"{self.num_outputs} outputs have no names, because its "
                "`call()` returns a list. Pass a list with one entry per "
                "output, or return a dict from `call()` to name the "
                f"outputs. Received: {argument}={shown}"
            )
        unknown = [key for key in mapping if key not in self._name_set]
        if unknown:
            raise ValueError(
                f"`{argument}` has keys that name no model output: "
                f"{unknown}. The model's output names are {self.names}. "
                f"Received: {argument}={shown}"
            )

    def entries(self, value, argument: str) -> list:
        """Return a list or dict given per output as one entry per output."""
        if isinstance(value, dict):
            self.check_keys(value, argument)
            return [value.get(name) for name in self.names]
        if len(value) != self.num_outputs:
            raise ValueError(
                f"`{argument}` must have one entry per model output. The "
                f"model has {self.describe()}, but `{argument}` has "
                f"{_count(len(value), 'entry', 'entries')}. "
                f"Received: {argument}={value!r}"
            )
        return list(value)

    def flatten_predictions(self, y_pred) -> list:
        """Return the model's outputs as a list in output order."""
        if self.is_dict:
            return [y_pred[key] for key in self.keys]
        return y_pred

    def flatten_targets(self, y, needs_target=None, argument="y") -> list:
        """Return one target per output, None where `y` gives none.

        Args:
            y: A list in output order, a dict keyed by output name, or
                arrays for only the outputs that have a loss.
            needs_target: One bool per output, True where it has a loss.
            argument: The user-facing name of `y`, for messages.
        """
        if isinstance(y, dict):
            self.check_keys(y, argument, description=_describe_data(y))
            return [y.get(name) for name in self.names]
        flat_targets = list(y) if isinstance(y, (list, tuple)) else [y]
        if len(flat_targets) == self.num_outputs:
            return flat_targets
        if needs_target is not None:
            positions = [i for i, needed in enumerate(needs_target) if needed]
            if len(flat_targets) == len(positions):
                targets = [None] * self.num_outputs
                for position, value in zip(positions, flat_targets):
                    targets[position] = value
                return targets
        raise ValueError(
            f"`{argument}` does not match the model's outputs. The model "
            f"has {self.describe()}, so `{argument}` must be a list with "
            "one array per output (or per output that has a loss) or a "
            "dict keyed by output name. Received "
            f"{_describe_data(y)}."
        )

    def flatten_sample_weights(self, sample_weight, needs_target=None) -> list:
        """Return one sample weight per output. One array weights them all."""
        if sample_weight is None:
            return [None] * self.num_outputs
        if _is_nest(sample_weight):
            return self.flatten_targets(
                sample_weight, needs_target, "sample_weight"
            )
        return [sample_weight] * self.num_outputs

    def missing_target_error(self, index: int, needed_by: str) -> ValueError:
        """Return the error for an output with a loss or metrics but no y."""
        label = repr(self.names[index]) if self.names else str(index)
        return ValueError(
            f"No target in `y` for output {label}, which has {needed_by}. Pass "
            "targets for every output that has a loss or metrics, as a "
            "list in output order or a dict keyed by output name."
        )


def _averages_builtin_function(loss) -> bool:
    """Return whether `loss` averages a built-in loss function's values.

    Such a loss, called without sample weights or masks, is the mean of
    its function's output, so `CompileLoss` may skip the generic reduction.
    """
    from torchkeras import losses
    from torchkeras.losses.losses import LOSS_FUNCTIONS

    return (
        isinstance(loss, losses.LossFunctionWrapper)
        and type(loss).__call__ is losses.Loss.__call__
        and type(loss).call is losses.LossFunctionWrapper.call
        and loss.fn in LOSS_FUNCTIONS.values()
        and loss.reduction in ("sum_over_batch_size", "mean")
    )


# Vectors of `1 / n`, by (n, dtype), for `_batch_mean`.
_MEAN_WEIGHTS: dict[tuple[int, torch.dtype], torch.Tensor] = {}


def _batch_mean(values: torch.Tensor) -> torch.Tensor:
    """Return the mean of per-sample losses, as `values.mean()` does.

    On the CPU, `mean` of a small float32 vector costs about three times
    a dot product, so a 1-D vector is reduced as its dot product with a
    cached vector of `1 / n`. The result differs from `mean` by rounding
    only (about 1e-7 relative).
    """
    if (
        values.dim() != 1
        or not values.is_cpu
        or values.dtype != torch.float32
        or torch.compiler.is_compiling()
    ):
        # Under `torch.compile` a cache would only add guards.
        return values.mean()
    key = (values.shape[0], values.dtype)
    weights = _MEAN_WEIGHTS.get(key)
    if weights is None:
        if len(_MEAN_WEIGHTS) >= 16:
            # Batch sizes that keep changing: keep the cache small.
            _MEAN_WEIGHTS.clear()
        # Made outside inference mode: `dot` keeps its inputs for the
        # backward pass, which inference tensors cannot join.
        with torch.inference_mode(False):
            weights = torch.full(key[:1], 1.0 / key[0], dtype=key[1])
        _MEAN_WEIGHTS[key] = weights
    return torch.dot(values, weights)


def _check_loss_weights(loss_weights) -> None:
    """Raise TypeError unless `loss_weights` is numbers in a supported form."""
    if loss_weights is None:
        return
    if isinstance(loss_weights, dict):
        values = list(loss_weights.values())
    elif isinstance(loss_weights, (list, tuple)):
        values = list(loss_weights)
    else:
        values = [loss_weights]
    for value in values:
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise TypeError(
                "`loss_weights` must be a number, or a list or dict of "
                f"numbers. Received: loss_weights={loss_weights!r}"
            )


def _single_entry(value, argument: str, output_names):
    """Return the entry of a list or dict given for a single-output model."""
    if isinstance(value, dict):
        if len(value) != 1:
            raise ValueError(
                f"`{argument}` is a dict with {len(value)} entries, but the "
                "model has a single output. Pass one value, or a dict with "
                f"one entry. Received: {argument}={value!r}"
            )
        names = list(output_names) if output_names else None
        if names and len(names) == 1 and next(iter(value)) != names[0]:
            raise ValueError(
                f"`{argument}` has keys that name no model output: "
                f"{list(value)}. The model's output names are {names}. "
                f"Received: {argument}={value!r}"
            )
        return next(iter(value.values()))
    if isinstance(value, (list, tuple)):
        if len(value) != 1:
            raise ValueError(
                f"`{argument}` must have one entry per model output. The "
                f"model has a single output, but `{argument}` has "
                f"{_count(len(value), 'entry', 'entries')}. "
                f"Received: {argument}={value!r}"
            )
        return value[0]
    return value


class _OutputLoss:
    """One output's loss: its position, Loss object, weight, log name."""

    __slots__ = ("index", "loss", "name", "tracker", "weight")

    def __init__(self, index: int, loss, weight, name: str):
        self.index = index
        self.loss = loss
        self.weight = weight
        self.name = name
        self.tracker = None


class CompileLoss:
    """The total training loss: each output's loss times its weight, summed.

    Args:
        loss: Loss identifier (name, Loss object or function) used for
            every output. For several outputs it may also be a list with
            one entry per output or a dict keyed by output name, where
            `None` means no loss.
        loss_weights: Optional number multiplying every output's loss, or a
            list or dict with one number per output.
        output_names: The model's `output_names`, or None.
    """

    def __init__(self, loss, loss_weights=None, output_names=None):
        _check_loss_weights(loss_weights)
        _check_identifiers(loss, "loss")
        self._loss_spec = loss
        self._weights_spec = loss_weights
        self.output_names = output_names
        # A single output: the Loss object and weight.
        self.loss = None
        self.weight = None
        self._averages_builtin = False
        # Several outputs: their layout, which have a loss, and the losses
        # in the order Keras sums and logs them.
        self.layout = None
        self.needs_target = None
        self._output_losses: list[_OutputLoss] = []
        # With several losses, the running mean of each unweighted loss.
        self.metrics: list = []
        self._companion = None
        self.built = False

    def attach_metrics(self, compile_metrics) -> None:
        """Build `compile_metrics` with this loss, on the same first batch."""
        self._companion = compile_metrics

    def build(self, y_true, y_pred) -> None:
        """Resolve the loss identifiers from the first batch."""
        if _is_nest(y_pred):
            self._build_several(y_true, y_pred)
        else:
            self._build_single(y_true, y_pred)
        self.built = True

    def _build_single(self, y_true, y_pred) -> None:
        identifier = self._loss_spec
        if isinstance(identifier, (list, tuple)) and len(identifier) > 1:
            raise NotImplementedError(
                f"`loss` is a list of {len(identifier)} losses, but the model "
                "has a single output. Keras adds up several losses on one "
                "output; torchkeras does not support that yet. Pass one "
                "loss, or a function that adds them. "
                f"Received: loss={identifier!r}"
            )
        identifier = _single_entry(identifier, "loss", self.output_names)
        weight = _single_entry(
            self._weights_spec, "loss_weights", self.output_names
        )
        self.loss = resolve_loss(identifier, _unwrap_single(y_true), y_pred)
        self.weight = None if weight is None else float(weight)
        self._averages_builtin = _averages_builtin_function(self.loss)

    def _build_several(self, y_true, y_pred) -> None:
        layout = _OutputLayout(y_pred, self.output_names)
        identifiers, order = self._identifiers_per_output(layout, y_pred)
        weights = self._weights_per_output(layout, identifiers)
        needs_target = [identifier is not None for identifier in identifiers]
        targets = layout.flatten_targets(y_true, needs_target)
        predictions = layout.flatten_predictions(y_pred)

        output_losses = []
        for index in order:
            if identifiers[index] is None:
                continue
            if targets[index] is None:
                raise layout.missing_target_error(index, "a loss")
            loss = resolve_loss(
                identifiers[index], targets[index], predictions[index]
            )
            name = layout.names[index] if layout.names else loss.name
            output_losses.append(_OutputLoss(index, loss, weights[index], name))

        if len(output_losses) > 1:
            self._add_trackers(output_losses, predictions[0].device)
        self.layout = layout
        self.needs_target = needs_target
        self._output_losses = output_losses

    def _identifiers_per_output(self, layout, y_pred) -> tuple[list, list]:
        """Return one loss identifier per output, and the order to sum them.

        The order follows Keras: a dict of losses for dict outputs in its
        own key order, one loss for all dict outputs in the model's key
        order, otherwise output order.
        """
        spec = self._loss_spec
        if _is_nest(spec):
            identifiers = layout.entries(spec, "loss")
        else:
            identifiers = [spec] * layout.num_outputs
        for index, identifier in enumerate(identifiers):
            if _is_nest(identifier):
                raise NotImplementedError(
                    "Several losses for one output are not supported yet. "
                    f"Output {index} has loss={identifier!r}. Pass one loss "
                    "per output, or a function that adds them."
                )
        order = list(range(layout.num_outputs))
        if layout.is_dict and isinstance(spec, dict):
            order = [layout.index_of(key) for key in spec]
        elif layout.is_dict and not _is_nest(spec):
            order = [layout.index_of(key) for key in y_pred]
        return identifiers, order

    def _weights_per_output(self, layout, identifiers) -> list:
        spec = self._weights_spec
        if spec is None:
            return [None] * layout.num_outputs
        if not _is_nest(spec):
            return [float(spec)] * layout.num_outputs
        weights = layout.entries(spec, "loss_weights")
        if isinstance(spec, dict):
            missing = [
                layout.names[index]
                for index, identifier in enumerate(identifiers)
                if identifier is not None and weights[index] is None
            ]
            if missing:
                raise ValueError(
                    "`loss_weights` is a dict without an entry for the "
                    f"outputs {missing}, which have a loss. Give each of "
                    f"them a weight. Received: loss_weights={spec!r}"
                )
        return [None if weight is None else float(weight) for weight in weights]

    def _add_trackers(self, output_losses, device) -> None:
        from torchkeras import metrics

        # The trackers may be built during `evaluate`, and states made in
        # inference mode could never be updated by a later `fit`.
        with torch.inference_mode(False):
            for output_loss in output_losses:
                tracker = metrics.Mean(name=f"{output_loss.name}_loss").to(
                    device
                )
                output_loss.tracker = tracker
                self.metrics.append(tracker)

    def __call__(
        self, y_true, y_pred, sample_weight=None
    ) -> torch.Tensor | None:
        if not self.built:
            self.build(y_true, y_pred)
            companion = self._companion
            if companion is not None and not companion.built:
                companion.build(y_true, y_pred)
        if self.layout is None:
            if self.loss is None:
                return None
            if isinstance(y_true, (list, tuple)):
                y_true = _unwrap_single(y_true)
            if (
                self._averages_builtin
                and sample_weight is None
                and type(y_pred) is torch.Tensor
            ):
                value = self._mean_loss(y_true, y_pred)
            else:
                value = self.loss(y_true, y_pred, sample_weight)
            if self.weight is not None:
                value = value * self.weight
            return value
        return self._call_several(y_true, y_pred, sample_weight)

    def _mean_loss(self, y_true, y_pred) -> torch.Tensor:
        """Return the mean of a built-in loss function's per-sample values.

        This equals `self.loss(y_true, y_pred)` for losses that
        `_averages_builtin_function` accepts, without the generic weighting
        and reduction, which cost more than the loss itself on small
        batches. Each built-in function converts `y_true` itself.
        """
        loss = self.loss
        if y_pred.dtype != loss._compute_dtype or get_mask(y_pred) is not None:
            return loss(y_true, y_pred)
        # `LossFunctionWrapper.call`, inlined: this runs on every step.
        if type(y_true) is torch.Tensor and y_true.dim() != y_pred.dim():
            y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        values = loss.fn(y_true, y_pred, **loss._fn_kwargs)
        if values.dim() == 0 or values.numel() == 0:
            return loss(y_true, y_pred)
        if get_mask(values) is not None:
            return reduce_weighted_values(
                values,
                mask=get_mask(values),
                reduction=loss.reduction,
                dtype=loss._compute_dtype,
            )
        return _batch_mean(values)

    def _call_several(
        self, y_true, y_pred, sample_weight
    ) -> torch.Tensor | None:
        layout = self.layout
        targets = layout.flatten_targets(y_true, self.needs_target)
        predictions = layout.flatten_predictions(y_pred)
        sample_weights = layout.flatten_sample_weights(
            sample_weight, self.needs_target
        )
        total = None
        for output_loss in self._output_losses:
            index = output_loss.index
            target = targets[index]
            if target is None:
                raise layout.missing_target_error(index, "a loss")
            prediction = predictions[index]
            value = output_loss.loss(target, prediction, sample_weights[index])
            if output_loss.tracker is not None:
                # Keras logs each output's loss before its weight applies.
                output_loss.tracker.update_state(
                    value.detach(), sample_weight=prediction.shape[0]
                )
            if output_loss.weight is not None:
                value = value * output_loss.weight
            total = value if total is None else total + value
        return total


def _check_metrics_spec(value, argument: str):
    if value is None or isinstance(value, (list, tuple, dict)):
        return value
    raise TypeError(
        f"Expected `{argument}` argument to be a list, tuple, or dict. "
        f"Received instead: {argument}={value!r} of type "
        f"{type(value).__name__}"
    )


def _as_metric_list(entry) -> list:
    if entry is None:
        return []
    if isinstance(entry, (list, tuple)):
        return list(entry)
    return [entry]


def _unique(name: str, counts: dict[str, int]) -> str:
    """Return `name`, or `name_<n>` if it is taken, as Keras names results."""
    if name not in counts:
        counts[name] = 1
        return name
    index = counts[name]
    counts[name] += 1
    return f"{name}_{index}"


class CompileMetrics:
    """The compiled metrics and weighted metrics of a model.

    For a single output every metric applies to it. For several outputs
    see the module docstring.

    Args:
        metrics: Metric identifiers updated without sample weights: a list,
            or for several outputs a list with one entry per output or a
            dict keyed by output name.
        weighted_metrics: Identifiers updated with sample weights, in the
            same forms.
        output_names: The model's `output_names`, or None.
        compile_loss: The model's `CompileLoss`, if any. Its per-output
            loss means join `all_metrics`, both containers build on the
            same first batch, and its outputs with a loss receive the
            targets when `y` has fewer entries than the model has outputs.
    """

    def __init__(
        self,
        metrics=None,
        weighted_metrics=None,
        output_names=None,
        compile_loss=None,
    ):
        self._metrics_spec = _check_metrics_spec(metrics, "metrics")
        self._weighted_spec = _check_metrics_spec(
            weighted_metrics, "weighted_metrics"
        )
        _check_identifiers(self._metrics_spec, "metric")
        _check_identifiers(self._weighted_spec, "metric")
        self.output_names = output_names
        self._compile_loss = compile_loss
        if compile_loss is not None:
            compile_loss.attach_metrics(self)
        self.metrics: list = []
        self.weighted_metrics: list = []
        # The output index of each metric in `metrics` and `weighted_metrics`.
        self._metric_outputs: list[int] = []
        self._weighted_outputs: list[int] = []
        self.layout = None
        self._needs_target = None
        self.names: list[str] = []
        self.built = False

    @property
    def all_metrics(self) -> list:
        """Metric objects: plain, then weighted, then per-output loss means."""
        loss_means = (
            self._compile_loss.metrics if self._compile_loss is not None else []
        )
        return self.metrics + self.weighted_metrics + loss_means

    def build(self, y_true, y_pred, device=None) -> None:
        """Resolve every identifier from the first batch."""
        compile_loss = self._compile_loss
        if compile_loss is not None and not compile_loss.built:
            compile_loss.build(y_true, y_pred)
        if _is_nest(y_pred):
            self._build_several(y_true, y_pred)
        else:
            self._build_single(_unwrap_single(y_true), y_pred)
        if device is None:
            device = self._first_prediction(y_pred).device
        with torch.inference_mode(False):
            for metric in self.metrics + self.weighted_metrics:
                metric.to(device)
        self.names = self._result_names()
        self.built = True

    @staticmethod
    def _first_prediction(y_pred):
        if isinstance(y_pred, dict):
            return y_pred[_sorted_keys(y_pred)[0]]
        if isinstance(y_pred, (list, tuple)):
            return y_pred[0]
        return y_pred

    def _build_single(self, y_true, y_pred) -> None:
        # Keras applies every metric to a single output, however nested.
        plain = _flatten_spec(self._metrics_spec) if self._metrics_spec else []
        weighted = (
            _flatten_spec(self._weighted_spec) if self._weighted_spec else []
        )
        self.metrics = [resolve_metric(m, y_true, y_pred) for m in plain]
        self.weighted_metrics = [
            resolve_metric(m, y_true, y_pred) for m in weighted
        ]
        self._metric_outputs = [0] * len(self.metrics)
        self._weighted_outputs = [0] * len(self.weighted_metrics)

    def _build_several(self, y_true, y_pred) -> None:
        compile_loss = self._compile_loss
        if compile_loss is not None and compile_loss.layout is not None:
            layout = compile_loss.layout
            self._needs_target = compile_loss.needs_target
        else:
            layout = _OutputLayout(y_pred, self.output_names)
        targets = layout.flatten_targets(y_true, self._needs_target)
        predictions = layout.flatten_predictions(y_pred)
        self.layout = layout
        self.metrics, self._metric_outputs = self._resolve_per_output(
            self._metrics_spec, "metrics", targets, predictions
        )
        self.weighted_metrics, self._weighted_outputs = (
            self._resolve_per_output(
                self._weighted_spec, "weighted_metrics", targets, predictions
            )
        )

    def _resolve_per_output(self, spec, argument, targets, predictions):
        """Return the metric objects of `spec` and the output of each."""
        layout = self.layout
        if not spec:
            return [], []
        if isinstance(spec, dict) or len(spec) == layout.num_outputs:
            entries = layout.entries(spec, argument)
        else:
            raise ValueError(
                f"`{argument}` must have one entry per model output (a "
                "metric, a list of metrics or None), or be a dict keyed by "
                f"output name. The model has {layout.describe()}, but "
                f"`{argument}` has {_count(len(spec), 'entry', 'entries')}. "
                f"Received: {argument}={spec!r}"
            )
        resolved, outputs = [], []
        for index, entry in enumerate(entries):
            identifiers = _as_metric_list(entry)
            if identifiers and targets[index] is None:
                raise layout.missing_target_error(index, "metrics")
            for identifier in identifiers:
                resolved.append(
                    resolve_metric(
                        identifier, targets[index], predictions[index]
                    )
                )
                outputs.append(index)
        return resolved, outputs

    def _prefix(self, index: int) -> str:
        layout = self.layout
        if layout is None or layout.num_outputs == 1 or not layout.names:
            return ""
        return f"{layout.names[index]}_"

    def _result_names(self) -> list[str]:
        """Name the results as Keras does: prefix, `weighted_`, then `_<n>`."""
        names: list[str] = []
        counts: dict[str, int] = {}
        for metric, index in zip(self.metrics, self._metric_outputs):
            names.append(_unique(self._prefix(index) + metric.name, counts))
        for metric, index in zip(self.weighted_metrics, self._weighted_outputs):
            prefix = self._prefix(index)
            name = prefix + metric.name
            if name in counts:
                name = f"{prefix}weighted_{metric.name}"
            names.append(_unique(name, counts))
        return names

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        if not self.built:
            self.build(y_true, y_pred)
        layout = self.layout
        if layout is None:
            if isinstance(y_true, (list, tuple)):
                y_true = _unwrap_single(y_true)
            for metric in self.metrics:
                metric.update_state(y_true, y_pred)
            for metric in self.weighted_metrics:
                metric.update_state(y_true, y_pred, sample_weight=sample_weight)
            return
        self._update_several(layout, y_true, y_pred, sample_weight)

    def _update_several(self, layout, y_true, y_pred, sample_weight) -> None:
        targets = layout.flatten_targets(y_true, self._needs_target)
        predictions = layout.flatten_predictions(y_pred)
        for metric, index in zip(self.metrics, self._metric_outputs):
            if targets[index] is None:
                raise layout.missing_target_error(index, "metrics")
            metric.update_state(targets[index], predictions[index])
        if not self.weighted_metrics:
            return
        sample_weights = layout.flatten_sample_weights(
            sample_weight, self._needs_target
        )
        for metric, index in zip(self.weighted_metrics, self._weighted_outputs):
            if targets[index] is None:
                raise layout.missing_target_error(index, "metrics")
            metric.update_state(
                targets[index],
                predictions[index],
                sample_weight=sample_weights[index],
            )

    def reset_state(self) -> None:
        for metric in self.all_metrics:
            metric.reset_state()

    def result(self) -> dict[str, torch.Tensor]:
        """Return the compiled metrics' values keyed by log name."""
        return {
            name: metric.result()
            for name, metric in zip(
                self.names, self.metrics + self.weighted_metrics
            )
        }
