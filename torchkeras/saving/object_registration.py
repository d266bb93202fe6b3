"""Registry of custom classes and functions that configs refer to by name.

A config names a class by its `class_name` and, for registered objects, by
a `registered_name` of the form `"package>name"` (Keras 3's format, such as
`"Custom>MyLayer"`). Loading code finds the object behind such a name in
three places, searched in this order:

1. the `custom_objects` dict passed to the loading function,
2. the active `custom_object_scope` blocks, innermost first,
3. the global registry filled by `register_keras_serializable` (and by
   writing into `get_custom_objects()`).

Built-in classes come last and are resolved by the serialization module.
Scopes are kept per thread, so a scope opened in one thread does not leak
into another.
"""

from __future__ import annotations

import inspect
import threading
from collections.abc import Callable
from collections.abc import Mapping
from typing import Any

# Registered name ("package>name") -> class or function.
_GLOBAL_CUSTOM_OBJECTS: dict[str, Any] = {}
# Class or function -> registered name.
_GLOBAL_CUSTOM_NAMES: dict[Any, str] = {}

_scope_state = threading.local()


def _scope_stack() -> list[dict[str, Any]]:
    stack = getattr(_scope_state, "stack", None)
    if stack is None:
        stack = []
        _scope_state.stack = stack
    return stack


class CustomObjectScope:
    """Makes custom classes and functions visible to deserialization.

    Inside a `with` block, `deserialize_keras_object()`, `from_config()` of
    models, `model_from_json()` and `clone_model()` find the objects in the
    given dicts by name, as if each had been passed as `custom_objects`.
    Scopes nest: an inner scope adds to the outer ones and its names win
    where both define one.

    Args:
        *custom_objects: Dicts mapping names (class names, function names or
            registered names such as `"Custom>MyLayer"`) to the objects.
            Later dicts win over earlier ones; None is skipped.

    Example:

    >>> def scaled_tanh(x):
    ...     return 2.0 * torchkeras.activations.tanh(x)
    >>> config = Dense(3, activation=scaled_tanh).get_config()
    >>> with custom_object_scope({"scaled_tanh": scaled_tanh}):
    ...     layer = deserialize_keras_object(
    ...         {"module": "keras.layers", "class_name": "Dense",
    ...          "config": config, "registered_name": None})
    >>> layer.activation is scaled_tanh
    True
    """

    def __init__(self, *custom_objects: Mapping[str, Any] | None):
        merged: dict[str, Any] = {}
        for objects in custom_objects:
            if objects is None:
                continue
            if not isinstance(objects, Mapping):
                raise TypeError(
                    "Each argument of `custom_object_scope` must be a dict "
                    "mapping names to classes or functions. Received: "
                    f"{objects!r} of type {type(objects).__name__}"
                )
            merged.update(objects)
        self.custom_objects = merged

    def __enter__(self) -> CustomObjectScope:
        _scope_stack().append(self.custom_objects)
        return self

    def __exit__(self, *exc_info) -> None:
        stack = _scope_stack()
        # Remove this scope's entry even if inner scopes were left open by
        # an exception, so the stack cannot grow without bound.
        for index in range(len(stack) - 1, -1, -1):
            if stack[index] is self.custom_objects:
                del stack[index:]
                break


# Keras offers both spellings.
custom_object_scope = CustomObjectScope


def get_custom_objects() -> dict[str, Any]:
    """Return the global dict of registered custom objects, not a copy.

    `register_keras_serializable` adds entries under `"package>name"`;
    writing into the dict directly (`get_custom_objects()["MyLayer"] =
    MyLayer`) makes an object loadable under that key everywhere. Objects
    of an active `custom_object_scope` are not in this dict.

    Example:

    >>> get_custom_objects()["MyLayer"] = Dense
    >>> get_registered_object("MyLayer") is Dense
    True
    >>> del get_custom_objects()["MyLayer"]
    """
    return _GLOBAL_CUSTOM_OBJECTS


def register_keras_serializable(
    package: str = "Custom",
    name: str | None = None,
) -> Callable[[Any], Any]:
    """Return a decorator that registers a class or function by name.

    A registered object is written into configs with
    `registered_name = "package>name"` and loads again without a
    `custom_objects` argument, as long as the module that defines it has
    been imported. Classes must define `get_config()`; functions need not.

    Args:
        package: First part of the registered name, grouping related
            objects.
        name: Second part of the registered name; defaults to the class or
            function's `__name__`.

    Returns:
        A decorator that registers its argument and returns it unchanged.

    Raises:
        TypeError: if `package` or `name` is not a string.
        ValueError: (from the decorator) if a class has no `get_config()`.

    Example:

    >>> @register_keras_serializable(package="demo")
    ... class Doubling(Layer):
    ...     def call(self, inputs):
    ...         return 2 * inputs
    >>> get_registered_name(Doubling)
    'demo>Doubling'
    >>> get_registered_object("demo>Doubling") is Doubling
    True
    """
    if not isinstance(package, str):
        raise TypeError(
            "`package` must be a string. "
            f"Received: package={package!r} of type {type(package).__name__}"
        )
    if name is not None and not isinstance(name, str):
        raise TypeError(
            "`name` must be a string or None. "
            f"Received: name={name!r} of type {type(name).__name__}"
        )

    def decorator(obj: Any) -> Any:
        object_name = name if name is not None else obj.__name__
        registered_name = f"{package}>{object_name}"
        if inspect.isclass(obj) and not hasattr(obj, "get_config"):
            raise ValueError(
                f"Cannot register class {obj.__name__!r} as "
                f"{registered_name!r} because it has no `get_config()` "
                "method. Define `get_config()` returning its constructor "
                "arguments."
            )
        _GLOBAL_CUSTOM_OBJECTS[registered_name] = obj
        _GLOBAL_CUSTOM_NAMES[obj] = registered_name
        return obj

    return decorator


def get_registered_name(obj: Any) -> str:
    """Return the name `obj` was registered under, else its `__name__`.

    Args:
        obj: A class or function.

    Raises:
        TypeError: if `obj` is neither registered nor has a `__name__`
            (an instance, for example; pass its class instead).
    """
    try:
        if obj in _GLOBAL_CUSTOM_NAMES:
            return _GLOBAL_CUSTOM_NAMES[obj]
    except TypeError:
        # Unhashable objects cannot be registered.
        pass
    object_name = getattr(obj, "__name__", None)
    if object_name is None:
        raise TypeError(
            "`get_registered_name` takes a class or function. Received: "
            f"{obj!r} of type {type(obj).__name__}. Pass `type(obj)` for an "
            "instance."
        )
    return object_name


def get_registered_object(
    name: str,
    custom_objects: Mapping[str, Any] | None = None,
    module_objects: Mapping[str, Any] | None = None,
) -> Any:
    """Return the object known under `name`, or None if there is none.

    The places searched, in order: `custom_objects`, the active
    `custom_object_scope` blocks (innermost first), the global registry,
    then `module_objects`.

    Note: Keras 3 searches the scopes and the registry before
    `custom_objects`. torchkeras lets the explicit argument win, so a
    caller can always override a registered object.

    Args:
        name: A registered name (`"package>name"`), class or function name.
        custom_objects: Optional dict of objects passed by the user.
        module_objects: Optional dict of built-in objects, searched last.
    """
    for objects in _custom_sources(custom_objects):
        if name in objects:
            return objects[name]
    if module_objects and name in module_objects:
        return module_objects[name]
    return None


def _custom_sources(
    custom_objects: Mapping[str, Any] | None,
) -> list[Mapping[str, Any]]:
    """Return the dicts to search for custom objects, highest priority first."""
    sources: list[Mapping[str, Any]] = []
    if custom_objects:
        sources.append(custom_objects)
    sources.extend(reversed(_scope_stack()))
    sources.append(_GLOBAL_CUSTOM_OBJECTS)
    return sources


def find_custom_object(
    names: list[str],
    custom_objects: Mapping[str, Any] | None = None,
) -> Any:
    """Return the first custom object found under any of `names`, or None.

    Each source (explicit dict, scopes, registry) is searched for every
    name before the next source, so an explicit `custom_objects` entry
    under the plain class name wins over a registered one.
    """
    for objects in _custom_sources(custom_objects):
        for name in names:
            if name in objects:
                return objects[name]
    return None


def find_custom_object_by_suffix(
    name: str,
    custom_objects: Mapping[str, Any] | None = None,
) -> Any:
    """Return a custom object registered as `"<package>>name"`, or None.

    Keras 3.6 and older wrote registered functions into configs by their
    bare name; this finds them in the registry by that name.
    """
    suffix = f">{name}"
    for objects in _custom_sources(custom_objects):
        for key, value in objects.items():
            if key.endswith(suffix):
                return value
    return None
