"""Keras 3 configs: objects written as dicts and created back from them.

Every serializable object becomes a dict of the form

    {"module": "keras.layers", "class_name": "Dense",
     "config": {...}, "registered_name": None}

which is the format of Keras 3's `config.json` and `to_json()`, so configs
move between torchkeras and Keras in both directions. Built-in classes use
Keras's public module names and `registered_name=None`. Custom classes use
their own module and their registered name (`"Custom>MyLayer"`), or their
class name when they are not registered.

Loading never imports a module named in a config. Classes and functions
come from the `custom_objects` argument, the active custom object scopes,
the global registry (see `object_registration`), then torchkeras's
built-in tables, in that order.
"""

from __future__ import annotations

import difflib
import inspect
import threading
import types
import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np
import torch

from torchkeras.saving import object_registration

_PLAIN_TYPES = (bool, int, float, str)

# Module families whose functions configs name without a class
# (`{"module": "builtins", "class_name": "function", "config": "relu"}`).
_FUNCTION_FAMILIES = ("activations", "losses", "metrics")
# Names in those modules that are helpers, not objects a config can name.
_NOT_CONFIG_FUNCTIONS = frozenset({"deserialize", "get", "serialize"})

_safe_mode_state = threading.local()


def in_safe_mode() -> bool | None:
    """Return the safe mode of the deserialization running in this thread.

    None when no deserialization is running. Layers that load executable
    payloads (Keras's `Lambda`) must reject them unless this is False.
    """
    return getattr(_safe_mode_state, "value", None)


class _SafeModeScope:
    """Sets `in_safe_mode()` for the objects created inside the block."""

    def __init__(self, safe_mode: bool):
        self.safe_mode = safe_mode

    def __enter__(self) -> None:
        self.previous = in_safe_mode()
        _safe_mode_state.value = self.safe_mode

    def __exit__(self, *exc_info) -> None:
        _safe_mode_state.value = self.previous


# ----------------------------------------------------------------------
# Serialization
# ----------------------------------------------------------------------


def serialize_keras_object(value: Any) -> Any:
    """Return the Keras config form of `value`.

    Layers, models, initializers, regularizers, constraints, losses,
    metrics, optimizers and any object with `get_config()` become
    `{"module", "class_name", "config", "registered_name"}` dicts. Lists,
    tuples and dicts are converted item by item; numpy arrays, tensors,
    bytes, slices and `...` use Keras's special forms. A built-in activation
    function becomes its name (`"relu"`), as layer configs store it. Any
    other function becomes a `"function"` dict with its registered name.

    Note: Keras 3 writes a built-in activation passed on its own as a
    `"function"` dict rather than a name. Both forms load in both
    libraries.

    Args:
        value: The object to serialize.

    Returns:
        A JSON-ready value (tuples stay tuples and become lists in JSON).

    Raises:
        TypeError: if `value` has no config form, such as a
            `torch.optim.Optimizer` or an object without `get_config()`.

    Example:

    >>> serialize_keras_object(torchkeras.initializers.Zeros())
    {'module': 'keras.initializers', 'class_name': 'Zeros', 'config': {}, \
'registered_name': None}
    """
    if value is None or isinstance(value, _PLAIN_TYPES):
        return value
    if isinstance(value, (list, tuple)):
        items = [serialize_keras_object(item) for item in value]
        return tuple(items) if isinstance(value, tuple) else items
    if isinstance(value, dict):
        return _serialize_dict(value)
    special = _serialize_special_value(value)
    if special is not None:
        return special
    from torchkeras.layers.layer import Layer

    if isinstance(value, Layer):
        return serialize_layer(value)
    builtin = _serialize_builtin_family(value)
    if builtin is not None:
        return builtin
    if isinstance(value, torch.optim.Optimizer):
        raise TypeError(
            f"Cannot serialize the torch optimizer {type(value).__name__}: "
            "torch optimizers have no Keras config. Use a torchkeras "
            "optimizer (such as `optimizers.Adam()`) in models you save."
        )
    if isinstance(value, type):
        raise TypeError(
            f"Cannot serialize the class {value.__name__}: configs describe "
            "instances. Pass an instance of the class instead."
        )
    if hasattr(value, "get_config"):
        return _serialize_custom_object(value)
    if callable(value) and hasattr(value, "__name__"):
        return _serialize_function(value)
    raise TypeError(
        f"Cannot serialize {value!r} of type {type(value).__name__}: it has "
        "no `get_config()` method. Define `get_config()` returning its "
        "constructor arguments."
    )


def serialize_layer(layer) -> dict[str, Any]:
    """Return Keras's serialized form of a layer or model.

    The dict contains the class, its config, the build config once the
    layer is built, and the compile config of a compiled model.
    """
    module, registered_name = _public_location(type(layer))
    result = {
        "module": module,
        "class_name": type(layer).__name__,
        "config": _serialize_dict(layer.get_config()),
        "registered_name": registered_name,
    }
    build_config = (
        layer.get_build_config() if hasattr(layer, "get_build_config") else None
    )
    if build_config is not None:
        result["build_config"] = _serialize_dict(build_config)
    compile_config = _serialize_compile_config(layer)
    if compile_config is not None:
        result["compile_config"] = compile_config
    return result


def _serialize_dict(config: Mapping[str, Any]) -> dict[str, Any]:
    return {key: serialize_keras_object(item) for key, item in config.items()}


def _serialize_special_value(value: Any) -> Any:
    """Return Keras's form of arrays, tensors, bytes, slices and `...`."""
    from torchkeras import config

    if isinstance(value, torch.Tensor):
        return {
            "class_name": "__tensor__",
            "config": {
                "value": value.detach().cpu().tolist(),
                "dtype": config.dtype_name(value.dtype),
            },
        }
    if isinstance(value, np.ndarray) and value.ndim > 0:
        return {
            "class_name": "__numpy__",
            "config": {"value": value.tolist(), "dtype": str(value.dtype)},
        }
    if isinstance(value, (np.ndarray, np.generic)):
        return value.item()
    if isinstance(value, bytes):
        return {
            "class_name": "__bytes__",
            "config": {"value": value.decode("utf-8")},
        }
    if isinstance(value, slice):
        return {
            "class_name": "__slice__",
            "config": {
                "start": serialize_keras_object(value.start),
                "stop": serialize_keras_object(value.stop),
                "step": serialize_keras_object(value.step),
            },
        }
    if value is Ellipsis:
        return {"class_name": "__ellipsis__", "config": {}}
    return None


def _serialize_builtin_family(value: Any) -> dict[str, Any] | None:
    """Return the config of a built-in initializer, loss, optimizer, ...

    Subclasses defined outside torchkeras are custom objects and return
    None, so they are written with their own module and registered name.
    """
    from torchkeras import constraints
    from torchkeras import initializers
    from torchkeras import losses
    from torchkeras import metrics
    from torchkeras import optimizers
    from torchkeras import regularizers
    from torchkeras.optimizers import schedules

    if not type(value).__module__.startswith("torchkeras."):
        return None
    for base, family in (
        (schedules.LearningRateSchedule, schedules),
        (initializers.Initializer, initializers),
        (regularizers.Regularizer, regularizers),
        (constraints.Constraint, constraints),
        (losses.Loss, losses),
        (metrics.Metric, metrics),
        (optimizers.Optimizer, optimizers),
    ):
        if isinstance(value, base):
            return family.serialize(value)
    return None


def _serialize_custom_object(value: Any) -> dict[str, Any]:
    config = value.get_config()
    if not isinstance(config, dict):
        raise TypeError(
            f"`get_config()` of {type(value).__name__} must return a dict. "
            f"Received: {config!r} of type {type(config).__name__}"
        )
    module, registered_name = _public_location(type(value))
    return {
        "module": module,
        "class_name": type(value).__name__,
        "config": _serialize_dict(config),
        "registered_name": registered_name,
    }


def _serialize_function(fn: Any) -> Any:
    from torchkeras import activations

    name = fn.__name__
    if name == "<lambda>" and isinstance(fn, types.FunctionType):
        from torchkeras.layers.core import lambda_layer

        warnings.warn(
            "A Python lambda is being serialized as its bytecode, in "
            "Keras's '__lambda__' form. Loading it needs `safe_mode=False` "
            "or `config.enable_unsafe_deserialization()`, and works only "
            "in the Python minor version that wrote it. Prefer a named "
            "function decorated with `@saving.register_keras_serializable()`.",
            UserWarning,
            stacklevel=3,
        )
        dumped = lambda_layer.dump_function(fn)
        return {
            "class_name": "__lambda__",
            "config": {
                "value": (
                    dumped["code"],
                    dumped["defaults"],
                    dumped["closure"],
                )
            },
        }
    if _builtin_function(name, ("activations",)) is fn:
        return activations.serialize(fn)
    return {
        "module": "builtins",
        "class_name": "function",
        "config": object_registration.get_registered_name(fn),
        "registered_name": "function",
    }


def _public_location(cls: type) -> tuple[str | None, str | None]:
    """Return the `module` and `registered_name` written for `cls`."""
    module = cls.__module__
    if module.startswith("torchkeras.layers"):
        return "keras.layers", None
    if module.startswith("torchkeras.models"):
        if cls.__name__ == "Functional":
            # Keras writes its functional class under its source path.
            return "keras.src.models.functional", "Functional"
        return "keras", None
    if module == "__main__":
        # As in Keras: a class from a script has no importable module.
        module = None
    return module, object_registration.get_registered_name(cls)


def _serialize_compile_config(model) -> dict[str, Any] | None:
    if not getattr(model, "compiled", False):
        return None
    get_compile_config = getattr(model, "get_compile_config", None)
    compile_config = get_compile_config() if get_compile_config else None
    if compile_config is None:
        return None
    try:
        return _serialize_dict(compile_config)
    except TypeError as error:
        warnings.warn(
            f"The compile arguments of model {model.name!r} are not written "
            f"to its config because they cannot be serialized: {error} "
            "The loaded model will need `compile()` again.",
            UserWarning,
            stacklevel=3,
        )
        return None


# ----------------------------------------------------------------------
# Deserialization
# ----------------------------------------------------------------------


def deserialize_keras_object(
    config: Any,
    custom_objects: Mapping[str, Any] | None = None,
    safe_mode: bool = True,
    **kwargs,
) -> Any:
    """Create the object described by a config from `serialize_keras_object`.

    Classes are found by `registered_name` and `class_name` in
    `custom_objects`, then in the active `custom_object_scope` blocks, then
    in the global registry, then among torchkeras's built-ins (only when
    the config's `module` is a Keras or torchkeras module, or missing). The
    class's `from_config()` runs inside a scope holding `custom_objects`,
    so nested configs find them too. A `build_config` builds the new
    object and a `compile_config` compiles a new model, as in Keras.

    Args:
        config: A config dict, a list of them, or a plain value (returned
            unchanged unless it names an object in `custom_objects`).
        custom_objects: Optional dict mapping names to custom classes or
            functions.
        safe_mode: Whether to refuse configs that carry executable code.
            It is passed to `from_config()` of classes that take a
            `safe_mode` argument (`TorchModuleWrapper` refuses to unpickle
            its module unless it is False) and is returned by
            `in_safe_mode()` while nested objects are created. Python
            lambdas (Keras's `__lambda__` entries) load only when it is
            False.
        **kwargs: `module_objects`, an optional dict of extra objects
            searched after the custom ones, as in Keras.

    Returns:
        The new object.

    Raises:
        ValueError: if a class or function is not found. The message
            names it and explains how to make it known.
        TypeError: if the config is malformed or `from_config()` fails.

    Example:

    >>> layer = deserialize_keras_object(
    ...     {"module": "keras.layers", "class_name": "Dense",
    ...      "config": {"units": 3}, "registered_name": None})
    >>> layer.units
    3
    """
    module_objects = kwargs.pop("module_objects", None)
    if kwargs:
        raise TypeError(
            "deserialize_keras_object() got unexpected keyword arguments: "
            f"{sorted(kwargs)}. Accepted: custom_objects, safe_mode, "
            "module_objects."
        )
    if in_safe_mode() is not None:
        # A nested call follows the loading call that started it.
        safe_mode = in_safe_mode()
    return _deserialize(config, custom_objects, safe_mode, module_objects)


def deserialize_layer(config: dict[str, Any], custom_objects=None):
    """Create a layer or model from the output of `serialize_layer()`.

    Raises:
        ValueError: if the class is not in `custom_objects`, the active
            custom object scopes, the global registry or the built-in
            layers. The message names the class.
        TypeError: if `config` is not a dict with `class_name` and `config`
            keys.
    """
    is_layer_config = (
        isinstance(config, dict)
        and "class_name" in config
        and "config" in config
    )
    if not is_layer_config:
        raise TypeError(
            "A layer config must be a dict with `class_name` and `config` "
            f"keys, as written by `serialize_keras_object`. Received: "
            f"{config!r}"
        )
    return deserialize_keras_object(config, custom_objects=custom_objects)


def _deserialize(config, custom_objects, safe_mode, module_objects=None):
    if config is None:
        return None
    if isinstance(config, str):
        found = object_registration.get_registered_object(
            config, custom_objects, module_objects
        )
        return config if found is None else found
    if isinstance(config, _PLAIN_TYPES):
        return config
    if isinstance(config, (list, tuple)):
        return [
            _deserialize(item, custom_objects, safe_mode, module_objects)
            for item in config
        ]
    if not isinstance(config, dict):
        raise TypeError(
            "A config must be a dict, list or plain value. Received: "
            f"{config!r} of type {type(config).__name__}"
        )
    if "class_name" not in config or "config" not in config:
        return {
            key: _deserialize(item, custom_objects, safe_mode)
            for key, item in config.items()
        }
    special = _deserialize_special_value(config, custom_objects, safe_mode)
    if special is not _NOT_SPECIAL:
        return special
    if config["class_name"] == "function":
        return _resolve_function(config, custom_objects, module_objects)
    cls = _resolve_class(config, custom_objects, module_objects)
    return _instantiate(cls, config, custom_objects, safe_mode)


_NOT_SPECIAL = object()


def _deserialize_special_value(config, custom_objects, safe_mode) -> Any:
    """Undo `_serialize_special_value`; return `_NOT_SPECIAL` otherwise."""
    from torchkeras import config as backend_config

    class_name = config["class_name"]
    inner = config["config"]
    if class_name == "__tensor__":
        dtype = backend_config.standardize_dtype(inner["dtype"])
        return torch.tensor(inner["value"], dtype=dtype)
    if class_name == "__numpy__":
        return np.array(inner["value"], dtype=inner["dtype"])
    if class_name == "__bytes__":
        return inner["value"].encode("utf-8")
    if class_name == "__ellipsis__":
        return Ellipsis
    if class_name == "__slice__":
        return slice(
            *(
                _deserialize(inner[part], custom_objects, safe_mode)
                for part in ("start", "stop", "step")
            )
        )
    if class_name == "__keras_tensor__":
        from torchkeras.layers.keras_tensor import KerasTensor

        tensor = KerasTensor(inner["shape"], dtype=inner["dtype"])
        # The producing layer is linked by the functional model's loader.
        tensor._pre_serialization_keras_history = inner.get("keras_history")
        return tensor
    if class_name == "__lambda__":
        from torchkeras.layers.core import lambda_layer

        # Only an explicit False allows bytecode, so None means safe mode.
        if safe_mode is not False:
            raise ValueError(
                lambda_layer.rejected_bytecode_message(
                    "The config's '__lambda__' entry"
                )
            )
        return lambda_layer.load_lambda_config(inner)
    return _NOT_SPECIAL


def _instantiate(cls, config, custom_objects, safe_mode):
    """Call `cls.from_config` on the inner config, then build and compile."""
    if isinstance(cls, types.FunctionType):
        # A function registered under a class-like name.
        return cls
    if not hasattr(cls, "from_config"):
        raise TypeError(
            f"Cannot create {config['class_name']!r} from its config: "
            f"{cls!r} has no `from_config()` method."
        )
    inner = config["config"] if config["config"] is not None else {}
    if not isinstance(inner, dict):
        raise TypeError(
            f"The `config` entry of class {config['class_name']!r} must be "
            f"a dict. Received: {inner!r} of type {type(inner).__name__}"
        )
    scope = object_registration.CustomObjectScope(custom_objects)
    with scope, _SafeModeScope(safe_mode):
        inner = _resolve_custom_arguments(inner, custom_objects, safe_mode)
        options = {}
        if "safe_mode" in inspect.signature(cls.from_config).parameters:
            # Classes that unpickle data (TorchModuleWrapper) take it here.
            options["safe_mode"] = safe_mode
        try:
            instance = cls.from_config(inner, **options)
        except TypeError as error:
            raise TypeError(
                f"{cls.__name__}.from_config() failed: {error}. A class "
                "whose `get_config()` returns other objects (layers, "
                "models, ...) must create them again in `from_config()`, "
                "for example with `saving.deserialize_keras_object`. "
                f"Config: {config}"
            ) from error
        _build_from_config(instance, config.get("build_config"))
        compile_config = config.get("compile_config")
        if compile_config:
            _compile_from_config(
                instance, compile_config, custom_objects, safe_mode
            )
    return instance


def _resolve_custom_arguments(inner, custom_objects, safe_mode):
    """Replace configs of custom non-layer objects in `inner` by the objects.

    Built-in layers turn `kernel_initializer` and similar config dicts into
    objects with their family's `get()`, which resolves only built-ins. A
    custom initializer, regularizer, constraint or function found in
    `custom_objects`, a scope or the registry is created here instead, as
    Keras's `get()` functions would. Configs of layers are left unchanged,
    because a layer that contains other layers creates them in its own
    `from_config()`.
    """
    resolved = dict(inner)
    for key, item in inner.items():
        if _is_custom_object_config(item, custom_objects):
            resolved[key] = _deserialize(item, custom_objects, safe_mode)
    return resolved


def _is_custom_object_config(item, custom_objects) -> bool:
    if not (
        isinstance(item, dict) and "class_name" in item and "config" in item
    ):
        return False
    if item["class_name"] == "function":
        return _find_custom_function(item, custom_objects) is not None
    found = object_registration.find_custom_object(
        _class_names(item), custom_objects
    )
    if found is None:
        return False
    return not (isinstance(found, type) and issubclass(found, torch.nn.Module))


def _build_from_config(instance, build_config) -> None:
    if not build_config or getattr(instance, "built", True):
        return
    if "input_shape" in build_config:
        if build_config["input_shape"] is None:
            # Keras writes this for models that build themselves.
            return
        build_config = dict(build_config)
        build_config["input_shape"] = _shape_from_json(
            build_config["input_shape"]
        )
    instance.build_from_config(build_config)


def _shape_from_json(shape):
    """Turn JSON lists back into shape tuples (a list of them for many inputs)."""
    if isinstance(shape, dict):
        return {key: _shape_from_json(item) for key, item in shape.items()}
    if (
        isinstance(shape, (list, tuple))
        and shape
        and all(isinstance(item, (list, tuple)) for item in shape)
    ):
        return [tuple(item) for item in shape]
    if isinstance(shape, (list, tuple)):
        return tuple(shape)
    return shape


def _compile_from_config(model, compile_config, custom_objects, safe_mode):
    """Compile a new model with the arguments stored in its config."""
    if hasattr(model, "compile_from_config"):
        model.compile_from_config(compile_config)
        return
    if not hasattr(model, "compile"):
        return
    accepted = inspect.signature(model.compile).parameters
    arguments = {}
    for key, item in compile_config.items():
        if key not in accepted:
            warnings.warn(
                f"The compile argument {key!r} in the config of model "
                f"{model.name!r} is not supported by torchkeras's "
                "`compile()` and is left out.",
                UserWarning,
                stacklevel=5,
            )
            continue
        arguments[key] = _deserialize(item, custom_objects, safe_mode)
    model.compile(**arguments)


# ----------------------------------------------------------------------
# Finding classes and functions
# ----------------------------------------------------------------------


def _class_names(config) -> list[str]:
    """Names to search custom objects for: registered name, then class name."""
    names = []
    for name in (config.get("registered_name"), config["class_name"]):
        if isinstance(name, str) and name not in names:
            names.append(name)
    return names


def _resolve_class(config, custom_objects, module_objects):
    class_name = config["class_name"]
    found = object_registration.find_custom_object(
        _class_names(config), custom_objects
    )
    if found is not None:
        return found
    if module_objects and class_name in module_objects:
        return module_objects[class_name]
    registered_name = config.get("registered_name")
    if registered_name in (None, class_name):
        # A registered name that differs from the class name marks a
        # custom class, which must not silently become a built-in.
        families = _families_for_module(config.get("module", _MISSING))
        for family in families:
            found = _builtin_classes()[family].get(class_name)
            if found is not None:
                return found
    raise ValueError(_unknown_class_message(config))


def _unknown_class_message(config) -> str:
    class_name = config["class_name"]
    registered_name = config.get("registered_name")
    known = [
        name
        for family in _families_for_module(config.get("module", _MISSING))
        for name in _builtin_classes()[family]
    ]
    matches = difflib.get_close_matches(class_name, known, n=3, cutoff=0.6)
    hint = (
        f" Close built-in names: {', '.join(repr(m) for m in matches)}."
        if matches
        else ""
    )
    name = (
        registered_name if registered_name not in (None, class_name) else None
    )
    described = f"{class_name!r}" + (
        f" (registered as {name!r})" if name else ""
    )
    return (
        f"Could not find the class {described} from module "
        f"{config.get('module')!r} named in the config.{hint} If it is a "
        "custom class, pass it in `custom_objects` (for example "
        f"`custom_objects={{{class_name!r}: {class_name}}}`), load inside "
        "`saving.custom_object_scope(...)`, or decorate the class with "
        "`@saving.register_keras_serializable()` and import its module "
        "before loading."
    )


def _find_custom_function(config, custom_objects):
    name = config["config"]
    if not isinstance(name, str):
        return None
    names = [name]
    registered_name = config.get("registered_name")
    if isinstance(registered_name, str) and registered_name not in (
        "function",
        name,
    ):
        names.append(registered_name)
    return object_registration.find_custom_object(names, custom_objects)


def _resolve_function(config, custom_objects, module_objects):
    name = config["config"]
    if not isinstance(name, str):
        raise TypeError(
            "The `config` entry of a function must be its name as a "
            f"string. Received: {config!r}"
        )

    found = _find_custom_function(config, custom_objects)
    if found is not None:
        return found
    if module_objects and name in module_objects:
        return module_objects[name]

    module = config.get("module") or "builtins"
    families = _FUNCTION_FAMILIES
    for family in _FUNCTION_FAMILIES:
        if f".{family}" in f".{module}":
            families = (family,)
    found = _builtin_function(name, families)
    if found is not None:
        return found

    if ">" not in name:
        # Keras 3.6 and older wrote registered functions by bare name.
        found = object_registration.find_custom_object_by_suffix(
            name, custom_objects
        )
        if found is not None:
            return found

    if name == "<lambda>":
        raise ValueError(
            "The config names a lambda ('<lambda>'), whose code was not "
            "saved, so it cannot be loaded. Pass the function in "
            "`custom_objects={'<lambda>': fn}`, or use a named function."
        )
    raise ValueError(
        f"Could not find the function {name!r} named in the config. It is "
        "not a built-in activation, loss or metric. Pass it in "
        f"`custom_objects` (for example `custom_objects={{{name!r}: "
        f"{name.split('>')[-1]}}}`), load inside "
        "`saving.custom_object_scope(...)`, or decorate it with "
        "`@saving.register_keras_serializable()` and import its module "
        "before loading."
    )


def _builtin_function(name: str, families) -> Any:
    """Return the built-in function `name` of the first matching family."""
    import torchkeras

    if name in _NOT_CONFIG_FUNCTIONS:
        return None
    for family in families:
        found = vars(getattr(torchkeras, family)).get(name)
        if isinstance(found, types.FunctionType):
            return found
    return None


# Marks a config without a `module` key, as Keras 2 wrote them, so every
# family is searched.
_MISSING = object()

_builtin_class_cache: dict[str, dict[str, type]] = {}


def _families_for_module(module) -> list[str]:
    """Return the built-in families a config's `module` may refer to.

    `keras.layers`, `keras.src.layers.core.dense` and the like name one
    family. `keras` alone names models and layers. A missing `module`
    searches all families; None or any other module (user code, Keras
    operations such as `keras.src.ops.numpy`) searches none.
    """
    families = list(_builtin_classes())
    if module is _MISSING:
        return families
    if not isinstance(module, str):
        return []
    parts = module.split(".")
    if parts[0] not in ("keras", "torchkeras"):
        return []
    if len(parts) == 1:
        return ["models", "layers"]
    if "schedules" in parts:
        # `keras.optimizers.schedules` names schedules, not optimizers.
        return ["schedules"]
    for part in parts[1:]:
        if part in families:
            return [part]
    return []


def _builtin_classes() -> dict[str, dict[str, type]]:
    """Return the built-in classes that configs may name, by family."""
    if _builtin_class_cache:
        return _builtin_class_cache
    from torchkeras import constraints
    from torchkeras import initializers
    from torchkeras import layers
    from torchkeras import losses
    from torchkeras import metrics
    from torchkeras import models
    from torchkeras import optimizers
    from torchkeras import regularizers
    from torchkeras.optimizers import schedules

    for family, module, base in (
        ("layers", layers, layers.Layer),
        ("models", models, models.Model),
        ("initializers", initializers, initializers.Initializer),
        ("regularizers", regularizers, regularizers.Regularizer),
        ("constraints", constraints, constraints.Constraint),
        ("losses", losses, losses.Loss),
        ("metrics", metrics, metrics.Metric),
        ("optimizers", optimizers, optimizers.Optimizer),
        ("schedules", schedules, schedules.LearningRateSchedule),
    ):
        _builtin_class_cache[family] = {
            name: value
            for name, value in vars(module).items()
            if isinstance(value, type) and issubclass(value, base)
        }
    return _builtin_class_cache
