"""Keras 2 model configs and compile arguments, converted for torchkeras.

Keras 2 wrote configs without `module` keys, with `batch_input_shape`,
dtype policies as strings or `Policy` dicts, and layer calls as
`inbound_nodes` lists such as `[[["dense", 0, 0, {}]]]`. Its
`training_config` contains the `compile()` arguments in the same style. This
module turns both into what `deserialize_keras_object` and `compile()`
accept. `legacy_h5` uses it to read and write `.h5` files.
"""

from __future__ import annotations

import copy
import inspect
import warnings
from collections.abc import Mapping
from typing import Any

# Config keys of Keras 2 layers that have no Keras 3 argument. Each maps to
# the value that leaves the layer's behaviour unchanged, and None is inert
# too. Any other value changes results, so the loader rejects it.
_INERT_LEGACY_ARGUMENTS = {
    "BatchNormalization": {
        "renorm": False,
        "renorm_clipping": None,
        "renorm_momentum": 0.99,
        "virtual_batch_size": None,
        "adjustment": None,
        "fused": None,
    },
}

# Advice for the error on Keras 2 classes that record TensorFlow operations.
_UNSUPPORTED_CLASS_HINTS = {
    "TFOpLambda": (
        "It records a TensorFlow operation (such as `tf.math.add`) that was "
        "called on a symbolic tensor. Replace the operation with a Keras "
        "layer in the original model and save it again."
    ),
    "SlicingOpLambda": (
        "It records a TensorFlow slicing operation on a symbolic tensor. "
        "Replace it with a layer (such as `Cropping1D` or a custom layer) "
        "in the original model and save it again."
    ),
}

_MODEL_CLASSES = ("Sequential", "Functional", "Model")
# Loss names of Keras 2 that Keras 3 spells differently.
_KERAS2_LOSS_NAMES = {
    "logcosh": "log_cosh",
    "kullback_leibler_divergence": "kl_divergence",
}
_METRIC_STRINGS = ("accuracy", "acc", "crossentropy", "ce")


# ----------------------------------------------------------------------
# Config conversion: Keras 2 to Keras 3
# ----------------------------------------------------------------------


def convert_model_config(
    config: dict,
    filepath: str = "<config>",
    custom_objects: Mapping[str, Any] | None = None,
) -> dict:
    """Convert a Keras 2 model config to the format of Keras 3's `to_json()`.

    Layer entries already in Keras 3's format (with `module` keys, as
    Keras 3 writes `.h5` files) pass through unchanged. Every layer class
    is looked up first, so an unknown class is reported with the layer's
    name. Returns a new dict and leaves `config` unchanged.

    Raises:
        ValueError: if the config is malformed or names an unknown class.
        NotImplementedError: if a layer uses an unsupported Keras 2 option.
    """
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(
            f"The `model_config` of {filepath} must be a JSON object with "
            f"`class_name` and `config` keys. Received: {str(config)[:200]}"
        )
    converter = _ConfigConverter(filepath, custom_objects)
    return converter.convert_entry(
        copy.deepcopy(config), config.get("class_name")
    )


class _ConfigConverter:
    """Converter of one file's layer configs, which names the file in errors."""

    def __init__(self, filepath, custom_objects):
        self.filepath = filepath
        self.custom_objects = custom_objects

    def convert_entry(self, entry: dict, layer_name) -> dict:
        """Convert one `{"class_name", "config"}` entry (layer or model)."""
        entry = _strip_legacy_markers(entry)
        if not isinstance(entry, dict) or "class_name" not in entry:
            raise ValueError(
                f"The model config in {self.filepath} has an invalid layer "
                f"entry {str(entry)[:200]}: expected a dict with "
                "`class_name` and `config` keys."
            )

        class_name = entry["class_name"]
        inner = entry.get("config")
        if (entry.get("module") or "").startswith("keras.src.ops"):
            # An operation on symbolic tensors in a Keras 3 config.
            return entry
        self._check_known(entry, layer_name)
        if "module" in entry and class_name not in _MODEL_CLASSES:
            # Already in Keras 3's format (a `.h5` file written by Keras 3).
            return entry

        result = {
            "class_name": class_name,
            "config": inner,
            "registered_name": entry.get("registered_name"),
        }
        if "module" in entry:
            result["module"] = entry["module"]
        if "registered_name" not in entry and ">" in class_name:
            # Keras 2 wrote registered names ("Custom>MyLayer") as class.
            result["registered_name"] = class_name
            result["class_name"] = class_name.split(">")[-1]

        if class_name == "Sequential":
            result["config"] = self._convert_sequential(inner)
        elif isinstance(inner, dict) and "input_layers" in inner:
            result["config"] = self._convert_functional(inner)
        elif isinstance(inner, dict):
            result["config"] = _convert_layer_arguments(
                class_name, inner, self.filepath
            )
        return result

    def _check_known(self, entry: dict, layer_name) -> None:
        from torchkeras.saving.serialization import _resolve_class

        class_name = entry["class_name"]
        lookup = {
            key: entry[key]
            for key in ("module", "registered_name")
            if key in entry
        }
        lookup["class_name"] = class_name.split(">")[-1]
        if ">" in class_name and "registered_name" not in entry:
            lookup["registered_name"] = class_name
        try:
            _resolve_class(lookup, self.custom_objects, None)
        except ValueError as error:
            hint = _UNSUPPORTED_CLASS_HINTS.get(class_name, "")
            raise ValueError(
                f"Cannot load layer {layer_name!r} from {self.filepath}: "
                f"torchkeras has no layer class {class_name!r}. "
                f"{hint + ' ' if hint else ''}{error}"
            ) from None

    def _convert_sequential(self, inner) -> dict:
        if isinstance(inner, list):
            # Keras 2.2 wrote a Sequential config as its list of layers.
            inner = {"layers": inner}
        inner = dict(inner)
        inner["layers"] = [
            self.convert_entry(layer, _entry_name(layer))
            for layer in inner.get("layers", [])
        ]
        return inner

    def _convert_functional(self, inner: dict) -> dict:
        inner = dict(inner)
        entries = inner.get("layers", [])
        # Keras counts a nested model's own input-to-output link as its
        # node 0, so its first call is node 1, while torchkeras counts calls
        # from 0. Keras 2 numbered every reference this way, but Keras 3
        # only the `input_layers` and `output_layers` of functional models.
        legacy = any(
            isinstance(node, list)
            for entry in entries
            for node in entry.get("inbound_nodes", [])
        )
        offsets = {
            entry.get("name"): _node_offset(entry, legacy) for entry in entries
        }
        layers = []
        for entry in entries:
            name = entry.get("name", _entry_name(entry))
            converted = self.convert_entry(entry, name)
            converted["name"] = name
            converted["inbound_nodes"] = [
                _convert_node(node, offsets, name, self.filepath)
                for node in entry.get("inbound_nodes", [])
            ]
            layers.append(converted)
        inner["layers"] = layers
        for key in ("input_layers", "output_layers"):
            inner[key] = _convert_endpoints(inner[key], offsets, legacy)
        return inner


def _strip_legacy_markers(value):
    """Drop the bookkeeping keys of Keras's legacy serializer."""
    if isinstance(value, dict):
        return {
            key: _strip_legacy_markers(item)
            for key, item in value.items()
            if key not in ("__passive_serialization__", "shared_object_id")
        }
    if isinstance(value, list):
        return [_strip_legacy_markers(item) for item in value]
    return value


def _entry_name(entry) -> str | None:
    if not isinstance(entry, dict):
        return None
    inner = entry.get("config")
    if isinstance(inner, dict) and "name" in inner:
        return inner["name"]
    return entry.get("name")


def _node_offset(entry: dict, legacy: bool) -> int:
    """Return 1 for a nested model whose node 0 is its own input node."""
    class_name = entry.get("class_name")
    if class_name in ("Functional", "Model"):
        return 1
    if class_name != "Sequential" or not legacy:
        return 0
    inner = entry.get("config")
    layers = inner.get("layers", []) if isinstance(inner, dict) else inner
    if not layers:
        return 0
    first = layers[0]
    first_config = first.get("config", {}) if isinstance(first, dict) else {}
    has_input = first.get("class_name") == "InputLayer" or (
        first_config.get("batch_input_shape") is not None
    )
    return 1 if has_input else 0


def _convert_node(node, offsets, layer_name, filepath) -> dict:
    """Turn a Keras 2 call `[["dense", 0, 0, {}], ...]` into Keras 3's form."""
    if isinstance(node, dict):
        return node
    tensors = []
    kwargs: dict = {}
    for reference in node:
        if not isinstance(reference, list) or len(reference) not in (3, 4):
            raise ValueError(
                f"The model config in {filepath} has an invalid call of "
                f"layer {layer_name!r}: each input must be "
                "[layer_name, node_index, tensor_index, kwargs]. Received: "
                f"{reference!r}"
            )
        if len(reference) == 4:
            kwargs = reference[3] or {}
        tensors.append(_tensor_reference(reference[:3], offsets))
    args = [tensors[0]] if len(tensors) == 1 else [tensors]
    return {"args": args, "kwargs": kwargs}


def _tensor_reference(history, offsets) -> dict:
    name, node_index, tensor_index = history
    node_index -= offsets.get(name, 0)
    return {
        "class_name": "__keras_tensor__",
        # The functional loader reads only `keras_history`.
        "config": {
            "shape": None,
            "dtype": None,
            "keras_history": [name, node_index, tensor_index],
        },
    }


def _convert_endpoints(endpoints, offsets, legacy: bool):
    """Renumber `input_layers`/`output_layers`; unwrap Keras 2's `[[...]]`."""

    def convert(value):
        if isinstance(value, dict):
            return {key: convert(item) for key, item in value.items()}
        if len(value) == 3 and isinstance(value[0], str):
            name, node_index, tensor_index = value
            return [name, node_index - offsets.get(name, 0), tensor_index]
        return [convert(item) for item in value]

    converted = convert(endpoints)
    # Keras 2 wrapped a single input or output in a list.
    if (
        legacy
        and isinstance(converted, list)
        and len(converted) == 1
        and isinstance(converted[0], list)
        and len(converted[0]) == 3
        and isinstance(converted[0][0], str)
    ):
        return converted[0]
    return converted


def _convert_layer_arguments(class_name: str, inner: dict, filepath) -> dict:
    """Rename or drop the Keras 2 arguments of one layer's config."""
    inner = dict(inner)
    name = inner.get("name")
    if class_name == "InputLayer" and "batch_input_shape" in inner:
        inner["batch_shape"] = inner.pop("batch_input_shape")
    inner["dtype"] = _convert_dtype(inner.get("dtype"), name, filepath)
    if inner["dtype"] is None:
        del inner["dtype"]
    if class_name == "BatchNormalization":
        axis = inner.get("axis")
        if isinstance(axis, list) and len(axis) == 1:
            inner["axis"] = int(axis[0])
    if class_name == "LeakyReLU" and "alpha" in inner:
        inner["negative_slope"] = inner.pop("alpha")
    if class_name == "Embedding":
        # Keras 2's `input_length` only set the input shape, which
        # `batch_input_shape` also records.
        inner.pop("input_length", None)
    for argument, inert in _INERT_LEGACY_ARGUMENTS.get(class_name, {}).items():
        if argument not in inner:
            continue
        value = inner.pop(argument)
        if value is not None and value != inert:
            raise NotImplementedError(
                f"Layer {name!r} ({class_name}) in {filepath} uses the Keras 2 "
                f"argument {argument}={value!r}, which torchkeras does not "
                f"support. Supported value: {inert!r}. Save the model again "
                "without it."
            )
    return inner


def _convert_dtype(dtype, layer_name, filepath):
    """Return a dtype name for Keras 2's dtype strings and `Policy` dicts."""
    if not isinstance(dtype, dict):
        return dtype
    policy = (dtype.get("config") or {}).get("name")
    if isinstance(policy, str) and policy.startswith("mixed_"):
        warnings.warn(
            f"Layer {layer_name!r} in {filepath} uses the mixed precision "
            f"policy {policy!r}, which torchkeras does not support. The "
            "layer is loaded with float32 variables and computations.",
            UserWarning,
            stacklevel=5,
        )
        return "float32"
    return policy


# ----------------------------------------------------------------------
# Creating and compiling the model
# ----------------------------------------------------------------------


def create_model(config, custom_objects, safe_mode, filepath):
    """Create the model of a converted config, naming the file on failure."""
    from torchkeras.saving.serialization import deserialize_keras_object

    try:
        return deserialize_keras_object(
            config, custom_objects=custom_objects, safe_mode=safe_mode
        )
    except TypeError as error:
        raise ValueError(
            f"Could not create the model in {filepath} from its config: {error}"
        ) from error


def compile_from_training_config(
    model, training_config, custom_objects, filepath
) -> None:
    """Compile `model` with the arguments in a Keras 2 `training_config`.

    A `training_config` written by Keras 3 or torchkeras also works. An
    optimizer or loss that cannot be created leaves the model uncompiled,
    and a metric that cannot be created is left out, each with a warning.
    """
    from torchkeras.saving.object_registration import CustomObjectScope

    with CustomObjectScope(custom_objects):
        optimizer = _restore_optimizer(
            training_config.get("optimizer_config"), filepath
        )
        try:
            loss = _restore_nested(
                training_config.get("loss"), _restore_loss, filepath
            )
        except (KeyError, TypeError, ValueError) as error:
            _warn_not_compiled(filepath, "loss", error)
            return
        single_output = len(getattr(model, "outputs", None) or [None]) == 1
        metrics = _restore_metrics(
            training_config.get("metrics"), single_output, filepath
        )
        weighted_metrics = _restore_metrics(
            training_config.get("weighted_metrics"), single_output, filepath
        )
    if optimizer is None:
        return
    try:
        model.compile(
            optimizer=optimizer,
            loss=loss,
            metrics=metrics,
            weighted_metrics=weighted_metrics,
            loss_weights=training_config.get("loss_weights"),
        )
    except (TypeError, ValueError) as error:
        _warn_not_compiled(filepath, "compile arguments", error)


def _warn_not_compiled(filepath, part: str, error) -> None:
    warnings.warn(
        f"The model in {filepath} is not compiled because its {part} cannot "
        f"be restored: {error} Call `compile()` on the loaded model.",
        UserWarning,
        stacklevel=5,
    )


def _builtin_arguments(cls, config: dict, filepath, argument_kind: str) -> dict:
    """Keep the arguments that `cls` accepts and warn about each other one.

    Keys that Keras 2 wrote for its own bookkeeping (`fn`,
    `is_legacy_optimizer`, `jit_compile`) and `name` are dropped silently.
    """
    parameters = inspect.signature(cls.__init__).parameters
    accepted = {}
    for key, value in config.items():
        if key in parameters and key != "self":
            accepted[key] = value
        elif key not in ("name", "fn", "is_legacy_optimizer", "jit_compile"):
            warnings.warn(
                f"The {argument_kind} argument {key}={value!r} saved in "
                f"{filepath} has no counterpart in torchkeras's "
                f"{cls.__name__} and is left out.",
                UserWarning,
                stacklevel=6,
            )
    return accepted


def _find_class(class_name: str):
    from torchkeras.saving.serialization import _resolve_class

    lookup = {"class_name": class_name.split(">")[-1]}
    try:
        return _resolve_class(lookup, None, None)
    except ValueError:
        if ">" in class_name:
            lookup["registered_name"] = class_name
            return _resolve_class(lookup, None, None)
        raise


def _restore_optimizer(optimizer_config, filepath):
    if optimizer_config is None:
        return "rmsprop"
    if isinstance(optimizer_config, str):
        return optimizer_config
    try:
        # Registered names such as "Custom>Adam" resolve to the built-in.
        cls = _find_class(optimizer_config["class_name"])
        config = dict(optimizer_config.get("config") or {})
        if "lr" in config:
            config.setdefault("learning_rate", config.pop("lr"))
        if config.get("decay") == 0:
            del config["decay"]
        return cls(**_builtin_arguments(cls, config, filepath, "optimizer"))
    except (KeyError, TypeError, ValueError) as error:
        _warn_not_compiled(filepath, "optimizer", error)
        return None


def _restore_nested(config, restore, filepath):
    if config is None:
        return None
    if isinstance(config, list):
        return [_restore_nested(item, restore, filepath) for item in config]
    if isinstance(config, dict) and "class_name" not in config:
        return {
            key: _restore_nested(item, restore, filepath)
            for key, item in config.items()
        }
    return restore(config, filepath)


def _restore_loss(config, filepath):
    if isinstance(config, str):
        return _KERAS2_LOSS_NAMES.get(config, config)
    cls = _find_class(config["class_name"])
    arguments = dict(config.get("config") or {})
    if arguments.get("reduction") == "auto":
        # Keras 2's "auto" meant sum over batch size outside distribution.
        arguments["reduction"] = "sum_over_batch_size"
    return cls(**_builtin_arguments(cls, arguments, filepath, "loss"))


def _restore_metric(config, filepath):
    if isinstance(config, str):
        return config
    inner = config.get("config") or {}
    if config["class_name"] == "MeanMetricWrapper":
        # Keras 2 wrapped function metrics; "accuracy" stays shape-resolved.
        if inner.get("name") in _METRIC_STRINGS:
            return inner["name"]
        return inner.get("fn") or inner.get("name")
    try:
        cls = _find_class(config["class_name"])
        return cls(**_builtin_arguments(cls, dict(inner), filepath, "metric"))
    except (TypeError, ValueError) as error:
        warnings.warn(
            f"The metric {config['class_name']!r} saved in {filepath} cannot "
            f"be restored and is left out: {error}",
            UserWarning,
            stacklevel=5,
        )
        return None


def _restore_metrics(config, single_output: bool, filepath):
    if config is None:
        return None
    if (
        single_output
        and isinstance(config, list)
        and len(config) == 1
        and isinstance(config[0], list)
    ):
        # Keras 2 wrote the metrics of a one-output model as [[...]].
        config = config[0]
    restored = _restore_nested(config, _restore_metric, filepath)
    return _drop_none(restored)


def _drop_none(value):
    if isinstance(value, list):
        return [_drop_none(item) for item in value if item is not None]
    if isinstance(value, dict):
        return {key: _drop_none(item) for key, item in value.items()}
    return value


# ----------------------------------------------------------------------
# Writing
# ----------------------------------------------------------------------


def training_config(model) -> dict | None:
    """Return the `training_config` of a compiled model, or None with a warning.

    Keras 3's legacy loader requires every key written here, including
    `loss_weights`, and reads `optimizer_config` as `{"class_name",
    "config"}`.
    """
    from torchkeras.saving.serialization import serialize_keras_object

    compile_config = model.get_compile_config() or {}
    optimizer = model.optimizer
    try:
        optimizer_config = {
            "class_name": type(optimizer).__name__,
            "config": optimizer.get_config(),
        }
        return {
            "loss": _map_nested(
                serialize_keras_object(compile_config.get("loss")),
                _full_loss_name,
            ),
            "metrics": serialize_keras_object(compile_config.get("metrics")),
            "weighted_metrics": serialize_keras_object(
                compile_config.get("weighted_metrics")
            ),
            "loss_weights": serialize_keras_object(
                compile_config.get("loss_weights")
            ),
            "optimizer_config": optimizer_config,
        }
    except (AttributeError, TypeError) as error:
        warnings.warn(
            f"The compile arguments of model {model.name!r} are not saved "
            f"because they cannot be serialized: {error} The loaded model "
            "will need `compile()` again.",
            UserWarning,
            stacklevel=4,
        )
        return None


def number_nested_model_endpoints(config):
    """Number the endpoints of nested functional models as Keras 3 does.

    Keras 3 writes the first call of a nested functional model as node 1
    in `input_layers` and `output_layers` (see `_node_offset`), and
    torchkeras's config counts it as node 0.
    """
    if not isinstance(config, dict) or not isinstance(
        config.get("layers"), list
    ):
        return config
    config = dict(config)
    config["layers"] = [
        dict(entry, config=number_nested_model_endpoints(entry.get("config")))
        for entry in config["layers"]
    ]
    if "output_layers" not in config:
        return config
    functional = {
        entry.get("name")
        for entry in config["layers"]
        if entry.get("class_name") == "Functional"
    }

    def renumber(value):
        if isinstance(value, dict):
            return {key: renumber(item) for key, item in value.items()}
        if len(value) == 3 and isinstance(value[0], str):
            name, node_index, tensor_index = value
            if name in functional:
                node_index += 1
            return [name, node_index, tensor_index]
        return [renumber(item) for item in value]

    for key in ("input_layers", "output_layers"):
        config[key] = renumber(config[key])
    return config


def _map_nested(value, function):
    if isinstance(value, list):
        return [_map_nested(item, function) for item in value]
    if isinstance(value, dict) and "class_name" not in value:
        return {key: _map_nested(item, function) for key, item in value.items()}
    return function(value)


def _full_loss_name(value):
    """Return the function name behind a loss alias such as `"mse"`.

    Keras 3.15.1 cannot load a `.h5` file whose loss is written as an
    alias (it looks `"mse"` up as a class), but it loads function names.
    """
    from torchkeras import losses

    if not isinstance(value, str):
        return value
    try:
        found = losses.get(value)
    except ValueError:
        return value
    return getattr(found, "__name__", value)
