"""`Lambda`: wraps a function as a layer, and the bytecode form of lambdas.

A Python lambda has no importable name, so Keras 3 writes it into configs
as its marshalled bytecode, base64-encoded, in one of two forms:

    {"class_name": "__lambda__",
     "config": {"code": ..., "defaults": ..., "closure": ...}}

for the functions of a `Lambda` layer, and

    {"class_name": "__lambda__", "config": {"value": [code, defaults, closure]}}

for a lambda serialized on its own by `serialize_keras_object`. Both forms
are read here. Loading bytecode can run arbitrary code, so it is rejected
unless the caller turns safe mode off.
"""

from __future__ import annotations

import base64
import binascii
import builtins
import inspect
import marshal
import sys
import types
from collections.abc import Callable
from collections.abc import Mapping
from typing import Any

import numpy as np
import torch

from torchkeras.layers.keras_tensor import KerasTensor
from torchkeras.layers.layer import Layer
from torchkeras.layers.node import Node
from torchkeras.layers.symbolic import contains_keras_tensor
from torchkeras.utils.tree import flatten
from torchkeras.utils.tree import map_structure

_LAMBDA_CLASS_NAME = "__lambda__"


class Lambda(Layer):
    """Wraps a function of tensors as a layer.

    Use it for small stateless steps in `Sequential` and functional models,
    such as `Lambda(lambda x: x ** 2)`. A layer with weights or real logic
    is better written as a `Layer` subclass with `get_config()`, because
    such a layer saves by name and loads anywhere.

    The function receives the inputs, then `arguments` as keyword
    arguments. It also receives `mask=` and `training=` when it has a
    parameter of that name (keyword-only parameters included). While a
    model is being constructed on symbolic tensors, the function runs on
    shape-only tensors with `mask=None`, so a function that takes `mask`
    must accept None.

    A Python lambda is saved as its bytecode, in Keras 3's format. Loading
    it runs code from the file, so `load_model`, `deserialize_keras_object`
    and `from_config` reject it unless given `safe_mode=False` or unless
    `config.enable_unsafe_deserialization()` was called. Bytecode loads
    only in the Python minor version that wrote it. Global names in a
    loaded lambda resolve to Python's builtins, `torch`, `np`/`numpy`,
    `ops` (`torchkeras.ops`) and `keras`/`torchkeras` (the `torchkeras`
    package), because the globals of the saving program are not saved.
    A named function is saved by name, as in Keras, and loads when it is
    registered or passed in `custom_objects`.

    Args:
        function: The callable to apply. It takes the input tensor (or
            nest of tensors) as its first argument.
        output_shape: The output shape, used for symbolic tensors and
            `compute_output_shape` instead of running the function. Either
            a shape without the batch axis (`(8,)`, or a list or dict of
            such shapes for several outputs), to which the input's batch
            size is prepended, or a callable mapping the full input shape
            to the full output shape. None infers the shape by running the
            function on shape-only tensors.
        mask: None (the output has no mask), a callable
            `mask(inputs, previous_mask)` returning the output mask, or a
            tensor returned as the output mask for every input.
        arguments: Optional dict of keyword arguments passed to `function`
            on every call.
        **kwargs: Base layer arguments (`name`, `dtype`, `trainable`).

    Raises:
        TypeError: if `function` is not callable, `arguments` is not a
            dict, or `output_shape` or `mask` has an unsupported type.
        ValueError: if `output_shape` contains a negative size.

    Call arguments:
        inputs: The input tensor or nest of tensors.
        mask: The input mask, passed to `function` if it takes `mask`.
        training: Whether the call is in training mode, passed to
            `function` if it takes `training`.

    Input shape:
        Any shape that `function` accepts.

    Output shape:
        The shape of `function`'s output, or as given by `output_shape`.

    Example:

    >>> layer = Lambda(lambda x, power: x**power, arguments={"power": 2})
    >>> layer(torch.tensor([[1.0, 2.0, 3.0]]))
    tensor([[1., 4., 9.]])
    """

    def __init__(
        self,
        function: Callable,
        output_shape: Any = None,
        mask: Any = None,
        arguments: Mapping[str, Any] | None = None,
        **kwargs,
    ):
        _check_function(function)
        _check_output_shape(output_shape)
        _check_mask(mask)
        if arguments is not None and not isinstance(arguments, Mapping):
            raise TypeError(
                "`arguments` must be a dict of keyword arguments for the "
                f"function, or None. Received: arguments={arguments!r} of "
                f"type {type(arguments).__name__}"
            )
        super().__init__(**kwargs)
        self.function = function
        self.arguments = dict(arguments or {})
        self.mask = mask
        self.supports_masking = mask is not None
        self._output_shape = output_shape
        parameters = _keyword_parameter_names(function)
        self._function_takes_mask = "mask" in parameters
        self._function_takes_training = "training" in parameters

    def __call__(self, *args, **kwargs):
        if args and isinstance(args[0], torch.Tensor):
            return super().__call__(*args, **kwargs)
        if not contains_keras_tensor(args, kwargs):
            return super().__call__(*args, **kwargs)
        if self._output_shape is not None:
            return self._symbolic_call_with_output_shape(args, kwargs)
        try:
            return super().__call__(*args, **kwargs)
        except ValueError as error:
            raise ValueError(
                f"{error} If the function cannot run on shape-only tensors, "
                "pass `output_shape` to this Lambda layer."
            ) from error

    def _symbolic_call_with_output_shape(self, args, kwargs):
        """Return symbolic outputs shaped by `output_shape`, as Keras does.

        The function does not run, so functions that cannot run on
        shape-only tensors still work in functional models.
        """
        first = args[0] if args else next(iter(kwargs.values()))
        input_shape = map_structure(lambda tensor: tensor.shape, first)
        output_shape = self.compute_output_shape(input_shape)
        outputs = _map_shapes(
            lambda shape: KerasTensor(shape, dtype=self.compute_dtype),
            output_shape,
        )
        Node(self, args, kwargs, outputs)
        return outputs

    def call(self, inputs, mask=None, training=None):
        kwargs = dict(self.arguments)
        if self._function_takes_mask:
            kwargs["mask"] = mask
        if self._function_takes_training:
            kwargs["training"] = training
        return self.function(inputs, **kwargs)

    def compute_output_shape(self, input_shape):
        """Return the output shape for `input_shape` (batch axis included).

        Raises:
            NotImplementedError: if `output_shape` is None and the function
                fails on example inputs of `input_shape`, as in Keras.
        """
        if self._output_shape is None:
            try:
                return super().compute_output_shape(input_shape)
            except Exception as error:
                raise NotImplementedError(
                    f"Could not infer the output shape of Lambda layer "
                    f"{self.name!r} for input shape {input_shape}, because "
                    f"the function failed on example inputs: {error} Pass "
                    "`output_shape` to the Lambda layer."
                ) from error
        if callable(self._output_shape):
            return self._output_shape(input_shape)
        batch_size = flatten(input_shape)[0] if input_shape else None
        return _map_shapes(
            lambda shape: (batch_size,) + tuple(shape), self._output_shape
        )

    def compute_mask(self, inputs, previous_mask=None):
        if callable(self.mask):
            return self.mask(inputs, previous_mask)
        return self.mask

    def get_config(self) -> dict[str, Any]:
        from torchkeras.saving.serialization import serialize_keras_object

        config = {"function": self._function_config(self.function)}
        if self._output_shape is not None:
            if callable(self._output_shape):
                config["output_shape"] = self._function_config(
                    self._output_shape
                )
            else:
                config["output_shape"] = self._output_shape
        if self.mask is not None:
            if callable(self.mask):
                config["mask"] = self._function_config(self.mask)
            else:
                config["mask"] = serialize_keras_object(self.mask)
        config["arguments"] = serialize_keras_object(self.arguments)
        return {**super().get_config(), **config}

    def _function_config(self, function: Callable) -> Any:
        """Return the config of one of the layer's callables, as Keras."""
        from torchkeras.saving.serialization import serialize_keras_object

        if _is_python_lambda(function):
            return {
                "class_name": _LAMBDA_CLASS_NAME,
                "config": dump_function(function),
            }
        try:
            result = serialize_keras_object(function)
        except TypeError as error:
            raise TypeError(
                f"Cannot write the config of Lambda layer {self.name!r}: "
                f"{error}"
            ) from error
        if isinstance(result, str):
            # torchkeras writes a built-in activation as its bare name, but
            # Keras's Lambda expects the function dict form.
            return {
                "module": "builtins",
                "class_name": "function",
                "config": result,
                "registered_name": "function",
            }
        return result

    @classmethod
    def from_config(
        cls,
        config: dict[str, Any],
        custom_objects: Mapping[str, Any] | None = None,
        safe_mode: bool | None = None,
    ) -> Lambda:
        """Create a `Lambda` layer from the output of `get_config()`.

        Args:
            config: The layer config, from torchkeras, Keras 3 or Keras 2
                (the layout with `function_type` keys).
            custom_objects: Optional dict of named functions the config
                refers to.
            safe_mode: Whether to reject Python bytecode. None uses the
                mode of the deserialization in progress, and safe mode
                when there is none.

        Raises:
            ValueError: if the config contains bytecode and safe mode is
                on, the bytecode cannot be read, or a Keras 2 config has an
                unknown `<key>_type`.
        """
        from torchkeras.saving import serialization

        if safe_mode is None:
            safe_mode = serialization.in_safe_mode()
        # Only an explicit False allows bytecode, so None (no load in
        # progress) means safe mode.
        safe_mode = safe_mode is not False
        name = config.get("name", "lambda")
        if "function_type" in config:
            config = _convert_keras2_config(config, name)
        else:
            config = dict(config)
        config["function"] = _load_callable(
            config["function"], "function", name, custom_objects, safe_mode
        )
        if config.get("output_shape") is not None:
            config["output_shape"] = _load_output_shape(
                config["output_shape"], name, custom_objects, safe_mode
            )
        if config.get("mask") is not None:
            config["mask"] = _load_callable(
                config["mask"], "mask", name, custom_objects, safe_mode
            )
        if config.get("arguments") is not None:
            config["arguments"] = serialization.deserialize_keras_object(
                config["arguments"],
                custom_objects=custom_objects,
                safe_mode=safe_mode,
            )
        return cls(**config)


# ----------------------------------------------------------------------
# Bytecode form of Python lambdas
# ----------------------------------------------------------------------


def dump_function(function: types.FunctionType) -> dict[str, Any]:
    """Return the `code`, `defaults` and `closure` of a function, as Keras.

    `code` is the base64 text of the marshalled code object (76-character
    lines, as Keras writes it), `defaults` the positional default values
    and `closure` the values of the variables it closes over, each None
    when empty. Non-JSON values among them are serialized with
    `serialize_keras_object`.

    Raises:
        ValueError: if the function has keyword-only defaults, which
            Keras's format cannot store.
    """
    from torchkeras.saving.serialization import serialize_keras_object

    if function.__kwdefaults__:
        raise ValueError(
            "Cannot serialize a lambda with keyword-only defaults "
            f"({sorted(function.__kwdefaults__)}): Keras's bytecode format "
            "stores only positional defaults. Make them positional "
            "parameters or pass them in the Lambda layer's `arguments`."
        )
    code = base64.encodebytes(marshal.dumps(function.__code__))
    defaults = function.__defaults__
    closure = None
    if function.__closure__:
        closure = tuple(cell.cell_contents for cell in function.__closure__)
    return {
        "code": code.decode("ascii"),
        "defaults": serialize_keras_object(defaults),
        "closure": serialize_keras_object(closure),
    }


def load_function(
    code: str, defaults: Any = None, closure: Any = None
) -> types.FunctionType:
    """Rebuild a function from the output of `dump_function`.

    This runs no code of the function, but the returned function runs
    whatever the bytecode contains when called. Call it only on trusted
    data.

    Raises:
        ValueError: if the bytecode cannot be read (for example because a
            different Python version wrote it) or does not match the
            closure.
        TypeError: if `code` is not a string or does not contain a code
            object.
    """
    from torchkeras.saving.serialization import deserialize_keras_object

    if not isinstance(code, str):
        raise TypeError(
            "The `code` of a lambda must be a base64 string. "
            f"Received: {code!r} of type {type(code).__name__}"
        )
    try:
        raw_code = base64.decodebytes(code.encode("ascii"))
    except (UnicodeEncodeError, binascii.Error):
        # Keras 2 wrote the marshalled bytes as escaped text.
        raw_code = code.encode("raw_unicode_escape")
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    try:
        code_object = marshal.loads(raw_code)
    except (ValueError, EOFError, TypeError) as error:
        raise ValueError(
            f"Could not read the bytecode of a lambda: {error}. Bytecode "
            "loads only in the Python minor version that wrote it (this is "
            f"Python {version})."
        ) from error
    if not isinstance(code_object, types.CodeType):
        raise TypeError(
            "The `code` of a lambda must contain a code object. "
            f"Received a {type(code_object).__name__}."
        )

    def restore(value):
        return deserialize_keras_object(value, safe_mode=False)

    cells = None
    if closure is not None:
        cells = tuple(types.CellType(restore(value)) for value in closure)
    if defaults is not None:
        defaults = tuple(restore(value) for value in defaults)
    try:
        return types.FunctionType(
            code_object,
            _lambda_globals(),
            code_object.co_name,
            defaults,
            cells,
        )
    except (TypeError, ValueError) as error:
        raise ValueError(
            f"Could not rebuild a lambda from its bytecode: {error}"
        ) from error


def load_lambda_config(config: Mapping[str, Any]) -> types.FunctionType:
    """Rebuild a function from the `config` of a `__lambda__` entry.

    Accepts the Lambda layer form (`code`, `defaults`, `closure` keys) and
    the form of `serialize_keras_object` (a `value` list of the three).
    Safe mode is the caller's responsibility.

    Raises:
        ValueError: if the entry is malformed or the bytecode cannot be
            read.
    """
    if isinstance(config, Mapping) and "value" in config:
        value = config["value"]
        if isinstance(value, str):
            # Keras 2.0 wrote the code alone.
            return load_function(value)
        if not isinstance(value, (list, tuple)) or len(value) != 3:
            raise ValueError(
                "The `value` of a '__lambda__' entry must be a list of "
                f"code, defaults and closure. Received: {value!r}"
            )
        return load_function(*value)
    if isinstance(config, Mapping) and "code" in config:
        return load_function(
            config["code"], config.get("defaults"), config.get("closure")
        )
    raise ValueError(
        "A '__lambda__' entry must have a `config` with `code`, `defaults` "
        f"and `closure` keys, or a `value` list. Received: {config!r}"
    )


def rejected_bytecode_message(found: str) -> str:
    """Return the error message for bytecode met in safe mode.

    Args:
        found: What contains the bytecode, such as "The config's
            '__lambda__' entry".
    """
    return (
        f"{found} contains a Python lambda saved as bytecode. Loading it "
        "would let the file run arbitrary code, so it is rejected in safe "
        "mode. If you trust the source of "
        "the file, pass `safe_mode=False` to the loading function (such "
        "as `load_model` or `deserialize_keras_object`), or call "
        "`torchkeras.config.enable_unsafe_deserialization()` before "
        "loading."
    )


def _lambda_globals() -> dict[str, Any]:
    """Return the global names a loaded lambda can use."""
    import torchkeras
    from torchkeras import ops

    return {
        "__builtins__": builtins,
        "keras": torchkeras,
        "np": np,
        "numpy": np,
        "ops": ops,
        "torch": torch,
        "torchkeras": torchkeras,
    }


# ----------------------------------------------------------------------
# Helpers of Lambda
# ----------------------------------------------------------------------


def _convert_keras2_config(config, layer_name) -> dict[str, Any]:
    """Return a Keras 2 `Lambda` config in the Keras 3 form.

    Keras 2 wrote each callable as a value plus `<key>_type` ("lambda":
    the bytecode list, "function": a name, "raw": a plain value such as a
    shape) and `<key>_module`. Names are resolved like Keras 3 function
    names (custom objects, the registry, built-ins), never by importing
    the module.

    Raises:
        ValueError: if a `<key>_type` is not one of those three.
    """
    config = dict(config)
    for key, module_key in (
        ("function", "module"),
        ("output_shape", "output_shape_module"),
        ("mask", "mask_module"),
    ):
        kind = config.pop(f"{key}_type", None)
        config.pop(module_key, None)
        value = config.get(key)
        if value is None or kind in (None, "raw"):
            continue
        if kind == "lambda":
            config[key] = {
                "class_name": _LAMBDA_CLASS_NAME,
                "config": {"value": value},
            }
        elif kind == "function":
            config[key] = {
                "module": "builtins",
                "class_name": "function",
                "config": value,
                "registered_name": "function",
            }
        else:
            raise ValueError(
                f"The Keras 2 config of Lambda layer {layer_name!r} has "
                f"`{key}_type`={kind!r}. Expected 'lambda', 'function' or "
                "'raw'."
            )
    arguments = dict(config.get("arguments") or {})
    for name, value in arguments.items():
        # Keras 2 wrote numpy arrays as {"type": "ndarray", "value": ...}.
        if isinstance(value, Mapping) and value.get("type") == "ndarray":
            array = np.asarray(value["value"])
            arguments[name] = {
                "class_name": "__numpy__",
                "config": {"value": array.tolist(), "dtype": str(array.dtype)},
            }
    config["arguments"] = arguments
    return config


def _is_python_lambda(function: Any) -> bool:
    return (
        isinstance(function, types.FunctionType)
        and function.__name__ == "<lambda>"
    )


def _is_lambda_entry(entry: Any) -> bool:
    return (
        isinstance(entry, Mapping)
        and entry.get("class_name") == _LAMBDA_CLASS_NAME
    )


def _load_callable(entry, argument, layer_name, custom_objects, safe_mode):
    """Return the `function` or `mask` of a Lambda config as an object."""
    from torchkeras import activations
    from torchkeras.saving.serialization import deserialize_keras_object

    if _is_lambda_entry(entry):
        if safe_mode:
            raise ValueError(
                rejected_bytecode_message(
                    f"The `{argument}` of Lambda layer {layer_name!r}"
                )
            )
        return load_lambda_config(entry.get("config"))
    if callable(entry):
        return entry
    result = deserialize_keras_object(
        entry, custom_objects=custom_objects, safe_mode=safe_mode
    )
    if isinstance(result, str) and argument == "function":
        # A bare name, as torchkeras writes built-in activations.
        result = activations.get(result)
    return result


def _load_output_shape(entry, layer_name, custom_objects, safe_mode):
    if _is_lambda_entry(entry) or (
        isinstance(entry, Mapping) and "class_name" in entry
    ):
        return _load_callable(
            entry, "output_shape", layer_name, custom_objects, safe_mode
        )
    if isinstance(entry, (list, tuple)):
        # JSON turns shape tuples into lists.
        return _map_shapes(tuple, entry)
    return entry


def _is_shape(value: Any) -> bool:
    """Return whether `value` is one shape: a list or tuple of sizes or None."""
    return isinstance(value, (list, tuple)) and all(
        item is None or (isinstance(item, int) and not isinstance(item, bool))
        for item in value
    )


def _map_shapes(function: Callable, shapes: Any) -> Any:
    """Apply `function` to each shape in a shape or a nest of shapes."""
    if _is_shape(shapes):
        return function(shapes)
    if isinstance(shapes, Mapping):
        return {
            key: _map_shapes(function, item) for key, item in shapes.items()
        }
    return type(shapes)(_map_shapes(function, item) for item in shapes)


def _check_function(function: Any) -> None:
    if not callable(function):
        raise TypeError(
            "`function` must be callable, such as a Python function or "
            f"lambda. Received: function={function!r} of type "
            f"{type(function).__name__}"
        )


def _check_output_shape(output_shape: Any) -> None:
    if output_shape is None or callable(output_shape):
        return
    if not _is_shape_nest(output_shape):
        raise TypeError(
            "`output_shape` must be a shape tuple without the batch axis "
            "(such as `(8,)`), a list or dict of such tuples, or a callable "
            "mapping the input shape to the output shape. Received: "
            f"output_shape={output_shape!r} of type "
            f"{type(output_shape).__name__}"
        )
    sizes = flatten(_map_shapes(list, output_shape))
    if any(size is not None and size < 0 for size in sizes):
        raise ValueError(
            "`output_shape` sizes must be non-negative integers or None. "
            f"Received: output_shape={output_shape!r}"
        )


def _is_shape_nest(value: Any) -> bool:
    """Return whether `value` is a shape or a non-empty list or dict of them."""
    if _is_shape(value):
        return True
    if isinstance(value, Mapping):
        items = list(value.values())
    elif isinstance(value, (list, tuple)):
        items = list(value)
    else:
        return False
    return bool(items) and all(_is_shape_nest(item) for item in items)


def _check_mask(mask: Any) -> None:
    if mask is None or callable(mask):
        return
    if all(
        isinstance(item, (torch.Tensor, np.ndarray)) for item in flatten(mask)
    ):
        return
    raise TypeError(
        "`mask` must be None, a callable `mask(inputs, previous_mask)`, or "
        f"a tensor. Received: mask={mask!r} of type {type(mask).__name__}"
    )


def _keyword_parameter_names(function: Callable) -> set[str]:
    """Return the parameters of `function` that can be passed by keyword."""
    try:
        parameters = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):
        # Some builtins, such as many torch functions, have no signature.
        # They are called without `mask` and `training`.
        return set()
    return {
        parameter.name
        for parameter in parameters
        if parameter.kind
        in (parameter.POSITIONAL_OR_KEYWORD, parameter.KEYWORD_ONLY)
    }
