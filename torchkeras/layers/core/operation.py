"""Operations recorded in a functional graph: `x + y`, `x[:, 0]`, `torch.cat`.

Arithmetic and indexing on symbolic tensors, and torch functions called on
them, become `Operation` layers: stateless layers that wrap a function. They
appear in a functional model's summary under Keras 3's operation names
(`add (Add)`, `get_item (GetItem)`) but not in `model.layers`.
"""

from __future__ import annotations

import difflib
import operator
from typing import Callable

import torch

from torchkeras.layers.layer import Layer
from torchkeras.utils import naming

# Keras 3's operation class names, with the torch function for each.
_OPERATORS: dict[str, tuple[str, Callable]] = {
    "add": ("Add", torch.add),
    "subtract": ("Subtract", torch.sub),
    "multiply": ("Multiply", torch.mul),
    "true_divide": ("TrueDivide", torch.true_divide),
    "floor_divide": ("FloorDivide", torch.floor_divide),
    "mod": ("Mod", torch.remainder),
    "power": ("Power", torch.pow),
    "matmul": ("Matmul", torch.matmul),
    "negative": ("Negative", torch.neg),
    "absolute": ("Absolute", torch.abs),
    "logical_not": ("LogicalNot", torch.logical_not),
    "logical_and": ("LogicalAnd", torch.logical_and),
    "logical_or": ("LogicalOr", torch.logical_or),
    "less": ("Less", torch.lt),
    "less_equal": ("LessEqual", torch.le),
    "greater": ("Greater", torch.gt),
    "greater_equal": ("GreaterEqual", torch.ge),
    "get_item": ("GetItem", operator.getitem),
}

# Operations whose arguments besides the tensor live in their config.
_CONFIGURED = {
    "reshape": ("Reshape", "newshape"),
    "squeeze": ("Squeeze", "axis"),
}


def _reshape(x, newshape):
    return torch.reshape(x, tuple(newshape))


def _squeeze(x, axis):
    if axis is None:
        return x.squeeze()
    return x.squeeze(axis)


class Operation(Layer):
    """A stateless layer that applies a function to its arguments.

    Args:
        fn: The function; it receives the call's arguments unchanged.
        name: Optional name; defaults to the snake_case class name.
    """

    def __init__(self, fn: Callable, name: str | None = None, **options):
        super().__init__(name=name)
        self.fn = fn
        # Keyword arguments of `fn` that are part of the operation's config.
        self.options = options

    def call(self, *args, **kwargs):
        return self.fn(*args, **kwargs, **self.options)

    def compute_output_shape(self, input_shape):
        from torchkeras.layers.layer import _infer_output_shape

        return _infer_output_shape(self, input_shape)

    def __reduce_ex__(self, protocol):
        # Operation classes are made at run time by `_operation_class`, so
        # pickle cannot find them by module and name. Loading rebuilds the
        # class from its name instead.
        _, _, *rest = super().__reduce_ex__(protocol)
        return (_new_operation, (type(self).__name__,), *rest)

    def get_config(self):
        if not is_keras_operation(type(self).__name__):
            raise NotImplementedError(
                f"Operation {self.name!r} ({type(self).__name__}) records a "
                "torch function, which cannot be written to a Keras config. "
                "Use a layer or a Python operator (`x + y`, `x[:, 0]`) in "
                "models you need to serialize."
            )
        return {"name": self.name, **self.options}


# Operations neither take `training` nor `mask`, whatever their signature.
Operation._call_accepts_training = False
Operation._call_accepts_mask = False

_OPERATION_CLASSES: dict[str, type] = {}

# Keras 3 operation class names (module `keras.src.ops.numpy`) and functions.
KERAS_OPERATIONS: dict[str, Callable] = {
    class_name: fn for class_name, fn in _OPERATORS.values()
}
KERAS_OPERATIONS["Reshape"] = _reshape
KERAS_OPERATIONS["Squeeze"] = _squeeze


def _operation_class(class_name: str) -> type:
    """Return the Operation subclass called `class_name`, made once."""
    cls = _OPERATION_CLASSES.get(class_name)
    if cls is None:
        cls = type(class_name, (Operation,), {"__module__": __name__})
        cls._call_accepts_training = False
        cls._call_accepts_mask = False
        _OPERATION_CLASSES[class_name] = cls
    return cls


def _new_operation(class_name: str) -> Operation:
    """Return an uninitialized operation for pickle to fill in."""
    cls = _operation_class(class_name)
    return cls.__new__(cls)


def apply_operator(op_name: str, *args):
    """Record the Python operator `op_name` applied to symbolic `args`."""
    if op_name in _CONFIGURED:
        class_name, option = _CONFIGURED[op_name]
        tensor, value = args
        return make_operation(class_name, **{option: value})(tensor)
    class_name, fn = _OPERATORS[op_name]
    return _operation_class(class_name)(fn)(*args)


def make_operation(class_name: str, name: str | None = None, **options) -> Operation:
    """Create the operation Keras calls `class_name` (such as `"Add"`).

    Raises:
        ValueError: if torchkeras has no such operation.
    """
    from torchkeras.ops import _symbolic

    # The torchkeras op, where there is one, follows Keras's dtype rules
    # (`matmul` of int32 and float32 gives float32), which torch's own
    # functions for Python operators do not.
    if class_name in _symbolic.KERAS_OP_CLASSES:
        function, options = _symbolic.operation_function(class_name, options)
    elif class_name in KERAS_OPERATIONS:
        function = KERAS_OPERATIONS[class_name]
    else:
        close = difflib.get_close_matches(class_name, known_operations())
        raise ValueError(
            f"Unknown operation {class_name!r} in the model config: "
            "torchkeras has no op for this Keras operation. Close matches: "
            f"{close}. Compute it in a layer of the Keras model instead "
            "(such as a `Lambda` or a custom layer registered on both "
            "sides), or load the model in Keras."
        )
    return _operation_class(class_name)(function, name=name, **options)


def known_operations() -> set[str]:
    """Return the Keras operation class names torchkeras can rebuild."""
    from torchkeras.ops import _symbolic

    return set(KERAS_OPERATIONS) | set(_symbolic.KERAS_OP_CLASSES)


def is_keras_operation(class_name: str) -> bool:
    """Return whether torchkeras can rebuild the operation `class_name`."""
    return class_name in known_operations()


def symbolic_torch_function(func: Callable, args: tuple, kwargs: dict):
    """Record a torch function called with symbolic tensors among its arguments.

    Raises:
        TypeError: if trainable parameters are among the arguments, which
            means a `torch.nn.Module` was called on a symbolic tensor.
    """
    from torchkeras.utils.tree import flatten

    if any(
        isinstance(v, torch.Tensor) and v.requires_grad for v in flatten((args, kwargs))
    ):
        raise TypeError(
            f"`{getattr(func, '__name__', func)}` received a symbolic tensor "
            "together with trainable parameters: a `torch.nn.Module` was "
            "called on the output of `Input()` or of a layer. Its parameters "
            "would not become part of the model. Wrap the module instead: "
            "`layers.TorchModuleWrapper(module)(x)`."
        )
    name = getattr(func, "__name__", "torch_function").strip("_") or "torch_function"
    class_name = "".join(part.capitalize() for part in name.split("_"))
    operation = _operation_class(class_name)(func, name=naming.uniquify(name))
    return operation(*args, **kwargs)
