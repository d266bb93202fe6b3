"""`clone_model`: the same architecture with new layers and new weights."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import torch

from torchkeras.layers.core.operation import Operation
from torchkeras.layers.input_layer import Input
from torchkeras.layers.input_layer import InputLayer
from torchkeras.layers.keras_tensor import KerasTensor
from torchkeras.layers.layer import Layer
from torchkeras.models.functional import Functional
from torchkeras.models.sequential import Sequential
from torchkeras.saving.serialization import _SafeModeScope
from torchkeras.saving.serialization import deserialize_keras_object
from torchkeras.saving.serialization import serialize_keras_object
from torchkeras.utils.tree import flatten
from torchkeras.utils.tree import map_structure


def clone_model(
    model,
    input_tensors=None,
    clone_function: Callable[[Layer], Layer] | None = None,
    call_function: Callable[..., Any] | None = None,
    recursive: bool = False,
    **kwargs,
):
    """Return a copy of `model` with new layers and newly initialized weights.

    A `Sequential` model is rebuilt from its layers, each passed through
    `clone_function`. A functional model is rebuilt by calling the cloned
    layers on new inputs in the order of the original graph, so shared
    layers stay shared. A subclassed model is recreated from its config,
    which needs `get_config()` (automatic when its constructor takes plain
    keyword arguments). The copy has the original's structure, names and
    trainable state, but not its weights: copy them with
    `clone.set_weights(model.get_weights())`. A compiled model gives a
    clone compiled with fresh copies of the same arguments.

    Args:
        model: A `Sequential`, functional or subclassed model.
        input_tensors: Optional symbolic inputs for the clone, made with
            `Input()`: one tensor (or a one-item list) for `Sequential`,
            the structure of `model.input` for a functional model. By
            default new inputs with the original shapes, dtypes and names
            are made.
        clone_function: Optional `fn(layer) -> layer` called on every layer
            except input layers. Defaults to creating a new layer from
            `layer.get_config()`; return the layer itself to share it.
        call_function: Optional `fn(layer, *args, **kwargs)` that calls a
            cloned layer in a functional model; defaults to
            `layer(*args, **kwargs)`. It may add layers around the call.
        recursive: Whether nested `Sequential` and functional models are
            cloned with `clone_model` and the same arguments (True) or
            passed to `clone_function` like any layer (False).

    Returns:
        The new model.

    Raises:
        ValueError: if an argument does not fit the kind of model, such as
            `call_function` for a `Sequential` model or `clone_function`
            for a subclassed one, or `input_tensors` has the wrong
            structure.

    Note:
        Operations recorded in a functional graph (`x + y`, `x[:, 0]`,
        torch functions) hold no weights. The clone gets copies of them;
        `clone_function` is not called on them.

    Example:

    >>> model = Sequential([Input(shape=(4,)), Dense(2)])
    >>> clone = clone_model(model)
    >>> clone.set_weights(model.get_weights())
    >>> bool((clone(torch.ones(1, 4)) == model(torch.ones(1, 4))).all())
    True
    """
    cache = kwargs.pop("cache", None)
    if kwargs:
        raise ValueError(
            f"clone_model() got unexpected keyword arguments: {sorted(kwargs)}"
        )
    if clone_function is not None and not callable(clone_function):
        raise ValueError(
            "`clone_function` must be a callable taking a layer. "
            f"Received: clone_function={clone_function!r}"
        )
    if isinstance(model, Sequential):
        if call_function is not None:
            raise ValueError(
                "`call_function` is not supported for Sequential models, "
                "whose layers are listed rather than called when the model "
                "is made. Use `call_function` with functional models only. "
                f"Received a model of type {type(model).__name__!r}."
            )
        clone_function = _wrap_clone_function(
            clone_function, call_function, recursive, cache
        )
        return _clone_sequential_model(model, clone_function, input_tensors)
    if isinstance(model, Functional):
        clone_function = _wrap_clone_function(
            clone_function, call_function, recursive, cache
        )
        return _clone_functional_model(
            model, clone_function, call_function, input_tensors
        )
    return _clone_subclassed_model(
        model, input_tensors, clone_function, call_function
    )


def _clone_layer(layer: Layer) -> Layer:
    # The config comes from a live layer, not a file, so a `Lambda`'s
    # bytecode is this process's own code and safe mode does not apply.
    with _SafeModeScope(False):
        return type(layer).from_config(layer.get_config())


def _wrap_clone_function(clone_function, call_function, recursive, cache):
    """Add to `clone_function` a cache, so shared layers stay shared, and
    the cloning of nested models when `recursive` is True."""
    if clone_function is None:
        clone_function = _clone_layer
    if cache is None:
        cache = {}

    def cached_clone_function(layer):
        key = id(layer)
        if key in cache:
            return cache[key]
        if recursive and isinstance(layer, Sequential):
            clone = clone_model(
                layer,
                clone_function=clone_function,
                recursive=True,
                cache=cache,
            )
        elif recursive and isinstance(layer, Functional):
            clone = clone_model(
                layer,
                clone_function=clone_function,
                call_function=call_function,
                recursive=True,
                cache=cache,
            )
        else:
            clone = clone_function(layer)
        cache[key] = clone
        return clone

    return cached_clone_function


def _clone_sequential_model(model: Sequential, clone_function, input_tensors):
    new_layers = [clone_function(layer) for layer in model.layers]
    input_layer = model._input_layer
    from_data = getattr(model, "_input_from_data", False)
    if input_tensors is not None:
        new_layers.insert(0, _sequential_input(input_tensors))
    elif input_layer is not None and not from_data:
        new_layers.insert(
            0,
            Input(
                batch_shape=input_layer.batch_shape,
                dtype=input_layer.dtype,
                name=input_layer.name,
            ),
        )
    clone = Sequential(new_layers, name=model.name, trainable=model.trainable)
    if input_tensors is None and from_data and model.built:
        # The original was built by its first batch: build the clone for
        # the same input shape, without adding an input layer.
        clone.build_with_shape(input_layer.batch_shape)
    _compile_like(model, clone)
    return clone


def _sequential_input(input_tensors) -> KerasTensor:
    if isinstance(input_tensors, (list, tuple)):
        if len(input_tensors) != 1:
            raise ValueError(
                "`input_tensors` for a Sequential model must contain one "
                f"tensor. Received {len(input_tensors)} tensors."
            )
        input_tensors = input_tensors[0]
    if not isinstance(input_tensors, KerasTensor):
        raise ValueError(
            "`input_tensors` must be a symbolic tensor made with `Input()`. "
            f"Received: input_tensors={input_tensors!r} of type "
            f"{type(input_tensors).__name__}"
        )
    _check_model_input(input_tensors)
    return input_tensors


def _check_model_input(tensor: KerasTensor) -> None:
    history = tensor._keras_history
    operation = getattr(history, "operation", history)
    if not isinstance(operation, InputLayer):
        raise ValueError(
            "Every tensor in `input_tensors` must come directly from "
            f"`Input()`. Received {tensor!r}, made by layer "
            f"{getattr(operation, 'name', None)!r}. Create an input with "
            "`Input(batch_shape=tensor.shape)` instead."
        )


def _clone_functional_model(
    model: Functional,
    clone_function,
    call_function,
    input_tensors,
):
    new_inputs = _functional_inputs(model, input_tensors)
    # Map each symbolic tensor of the original graph to the clone's.
    values: dict[int, KerasTensor] = {}
    for old, new in zip(model.inputs, flatten(new_inputs)):
        values[id(old)] = new
    for node in model._nodes:
        operation = node.operation
        if isinstance(operation, Operation):
            operation = _copy_operation(operation)
        else:
            operation = clone_function(operation)
        args, kwargs = node.arguments_with(values)
        if call_function is not None:
            outputs = call_function(operation, *args, **kwargs)
        else:
            outputs = operation(*args, **kwargs)
        for old, new in zip(node.output_tensors, flatten(outputs)):
            values[id(old)] = new
    new_outputs = map_structure(lambda tensor: values[id(tensor)], model.output)
    if type(model).__init__ is Functional.__init__:
        cls = type(model)
    else:
        # A subclass with its own constructor cannot take inputs and
        # outputs, so the clone is a plain functional model, as in Keras.
        cls = Functional
    clone = cls(
        new_inputs, new_outputs, name=model.name, trainable=model.trainable
    )
    _compile_like(model, clone)
    return clone


def _copy_operation(operation: Operation) -> Operation:
    return type(operation)(
        operation.fn, name=operation.name, **operation.options
    )


def _functional_inputs(model: Functional, input_tensors):
    if input_tensors is None:
        return map_structure(
            lambda tensor: Input(
                batch_shape=tensor.shape,
                dtype=tensor.dtype,
                name=tensor._keras_history.operation.name,
            ),
            model.input,
        )
    if isinstance(model.input, list) and isinstance(input_tensors, tuple):
        input_tensors = list(input_tensors)
    if not _same_structure(input_tensors, model.input):
        raise ValueError(
            "`input_tensors` must have the same structure as `model.input`. "
            f"Expected: {model.input!r}. Received: {input_tensors!r}"
        )
    for tensor in flatten(input_tensors):
        if not isinstance(tensor, KerasTensor):
            raise ValueError(
                "Every entry of `input_tensors` must be a symbolic tensor "
                f"made with `Input()`. Received: {tensor!r} of type "
                f"{type(tensor).__name__}"
            )
        _check_model_input(tensor)
    return input_tensors


def _same_structure(left, right) -> bool:
    if isinstance(left, dict) or isinstance(right, dict):
        return (
            isinstance(left, dict)
            and isinstance(right, dict)
            and left.keys() == right.keys()
            and all(_same_structure(left[k], right[k]) for k in left)
        )
    if isinstance(left, (list, tuple)) or isinstance(right, (list, tuple)):
        return (
            isinstance(left, (list, tuple))
            and isinstance(right, (list, tuple))
            and len(left) == len(right)
            and all(_same_structure(a, b) for a, b in zip(left, right))
        )
    return True


def _clone_subclassed_model(
    model, input_tensors, clone_function, call_function
):
    if clone_function is not None or input_tensors is not None:
        raise ValueError(
            "`clone_function` and `input_tensors` are only supported for "
            "Sequential and functional models, whose layers are known. "
            f"Received a model of type {type(model).__name__!r}. To copy a "
            "subclassed model, make sure it defines `get_config()` and "
            "call `clone_model(model)` without these arguments."
        )
    if call_function is not None:
        raise ValueError(
            "`call_function` is only supported for functional models. "
            f"Received a model of type {type(model).__name__!r}."
        )
    config = serialize_keras_object(model)
    cls = type(model)
    # NOTE: unlike in Keras, the clone of a built subclassed model has no
    # weights until its first call, because `Model.build` marks the model
    # built without creating the weights of its layers.
    return deserialize_keras_object(config, custom_objects={cls.__name__: cls})


def _compile_like(model, clone) -> None:
    """Compile `clone` with fresh copies of `model`'s compile arguments."""
    if not getattr(model, "compiled", False):
        return
    arguments = dict(model.get_compile_config() or {})
    if isinstance(arguments.get("optimizer"), torch.optim.Optimizer):
        warnings.warn(
            f"The clone of model {model.name!r} is not compiled because the "
            "original was compiled with a torch optimizer, which is bound "
            "to the original's parameters. Call `compile()` on the clone.",
            UserWarning,
            stacklevel=4,
        )
        return
    # Optimizers and metrics hold state, so the clone gets new ones.
    arguments = deserialize_keras_object(
        serialize_keras_object(arguments),
        custom_objects=_objects_by_name(arguments),
    )
    clone.compile(**arguments)


def _objects_by_name(arguments: dict[str, Any]) -> dict[str, Any]:
    """Return the classes and functions in `arguments` by name, so custom
    losses and metrics are found again without being registered."""
    objects = {}
    for value in flatten(arguments):
        if value is None or isinstance(value, (bool, int, float, str)):
            continue
        if isinstance(value, type) or hasattr(value, "__name__"):
            objects[value.__name__] = value
        else:
            objects[type(value).__name__] = type(value)
    return objects
