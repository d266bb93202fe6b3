"""`torchkeras.ops` on symbolic tensors: each call becomes a graph operation.

Called with a `KerasTensor` (the output of `Input()` or of a layer), an op
records an `Operation` node in the functional graph, as `keras.ops` does in
Keras 3. The node uses Keras's op class name (`ops.exp` records `Exp`).
It stores the op's non-tensor arguments (`axis`, `keepdims`, `dtype`) in
its config and passes its tensor arguments to the call. So configs written
by Keras 3.15 and by torchkeras load in either library.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

import torch

# Keras 3.15 op classes that have a torchkeras op, by Keras module
# (`keras.src.ops.<module>`): class name -> torchkeras function name.
_KERAS_OP_NAMES: dict[str, dict[str, str]] = {
    "numpy": {
        "Abs": "abs",
        "Absolute": "absolute",
        "Add": "add",
        "All": "all",
        "Amax": "amax",
        "Amin": "amin",
        "Any": "any",
        "Arange": "arange",
        "Arccos": "arccos",
        "Arccosh": "arccosh",
        "Arcsin": "arcsin",
        "Arcsinh": "arcsinh",
        "Arctan": "arctan",
        "Arctan2": "arctan2",
        "Arctanh": "arctanh",
        "Argmax": "argmax",
        "Argmin": "argmin",
        "Argsort": "argsort",
        "BroadcastTo": "broadcast_to",
        "Cbrt": "cbrt",
        "Ceil": "ceil",
        "Clip": "clip",
        "Concatenate": "concatenate",
        "Cos": "cos",
        "Cosh": "cosh",
        "CountNonzero": "count_nonzero",
        "Cumprod": "cumprod",
        "Cumsum": "cumsum",
        "Deg2rad": "deg2rad",
        "Diagonal": "diagonal",
        "Diff": "diff",
        "Divide": "divide",
        "DivideNoNan": "divide_no_nan",
        "Dot": "dot",
        "Einsum": "einsum",
        "Equal": "equal",
        "Exp": "exp",
        "Exp2": "exp2",
        "ExpandDims": "expand_dims",
        "Expm1": "expm1",
        "Fabs": "fabs",
        "Flip": "flip",
        "Fliplr": "fliplr",
        "Flipud": "flipud",
        "Floor": "floor",
        "FloorDivide": "floor_divide",
        "Fmax": "fmax",
        "Fmin": "fmin",
        "Fmod": "fmod",
        "Full": "full",
        "FullLike": "full_like",
        "Greater": "greater",
        "GreaterEqual": "greater_equal",
        "Heaviside": "heaviside",
        "Hypot": "hypot",
        "Isfinite": "isfinite",
        "Isinf": "isinf",
        "Isnan": "isnan",
        "Isneginf": "isneginf",
        "Isposinf": "isposinf",
        "Less": "less",
        "LessEqual": "less_equal",
        "Linspace": "linspace",
        "Log": "log",
        "Log10": "log10",
        "Log1p": "log1p",
        "Log2": "log2",
        "Logaddexp": "logaddexp",
        "Logaddexp2": "logaddexp2",
        "LogicalAnd": "logical_and",
        "LogicalNot": "logical_not",
        "LogicalOr": "logical_or",
        "LogicalXor": "logical_xor",
        "Matmul": "matmul",
        "Max": "max",
        "Maximum": "maximum",
        "Mean": "mean",
        "Min": "min",
        "Minimum": "minimum",
        "Mod": "mod",
        "Moveaxis": "moveaxis",
        "Multiply": "multiply",
        "NanToNum": "nan_to_num",
        "Nansum": "nansum",
        "Negative": "negative",
        "NotEqual": "not_equal",
        "OnesLike": "ones_like",
        "Outer": "outer",
        "Power": "power",
        "Prod": "prod",
        "Ptp": "ptp",
        "Rad2deg": "rad2deg",
        "Ravel": "ravel",
        "Reciprocal": "reciprocal",
        "Repeat": "repeat",
        "Reshape": "reshape",
        "Roll": "roll",
        "Round": "round",
        "Sign": "sign",
        "Signbit": "signbit",
        "Sin": "sin",
        "Sinh": "sinh",
        "Sort": "sort",
        "Split": "split",
        "Sqrt": "sqrt",
        "Square": "square",
        "Squeeze": "squeeze",
        "Stack": "stack",
        "Std": "std",
        "Subtract": "subtract",
        "Sum": "sum",
        "Swapaxes": "swapaxes",
        "Take": "take",
        "TakeAlongAxis": "take_along_axis",
        "Tan": "tan",
        "Tanh": "tanh",
        "Tensordot": "tensordot",
        "Tile": "tile",
        "Trace": "trace",
        "Transpose": "transpose",
        "Tril": "tril",
        "Triu": "triu",
        "TrueDivide": "true_divide",
        "Trunc": "trunc",
        "Var": "var",
        "Where": "where",
        "ZerosLike": "zeros_like",
    },
    "math": {
        "Erf": "erf",
        "Erfc": "erfc",
        "Erfinv": "erfinv",
        "Logsumexp": "logsumexp",
        "Rsqrt": "rsqrt",
        "TopK": "top_k",
    },
    "nn": {
        "Celu": "celu",
        "Elu": "elu",
        "Gelu": "gelu",
        "Glu": "glu",
        "HardShrink": "hard_shrink",
        "HardSigmoid": "hard_sigmoid",
        "HardSilu": "hard_silu",
        "HardTanh": "hard_tanh",
        "LeakyRelu": "leaky_relu",
        "LogSigmoid": "log_sigmoid",
        "LogSoftmax": "log_softmax",
        "Moments": "moments",
        "Normalize": "normalize",
        "OneHot": "one_hot",
        "Relu": "relu",
        "Relu6": "relu6",
        "Selu": "selu",
        "Sigmoid": "sigmoid",
        "Silu": "silu",
        "SoftShrink": "soft_shrink",
        "Softmax": "softmax",
        "Softplus": "softplus",
        "Softsign": "softsign",
        "SparsePlus": "sparse_plus",
        "SparseSigmoid": "sparse_sigmoid",
        "Sparsemax": "sparsemax",
        "Squareplus": "squareplus",
        "TanhShrink": "tanh_shrink",
        "Threshold": "threshold",
    },
    "core": {
        "Cast": "cast",
        "ConvertToTensor": "convert_to_tensor",
        "StopGradient": "stop_gradient",
    },
    "linalg": {
        "Norm": "norm",
    },
}

# Parameters that Keras passes to the op's call, where they are not just
# `x`. The other parameters of the torchkeras function go in the config.
_CALL_PARAMETERS: dict[str, tuple[str, ...]] = {
    "Arange": ("start", "stop", "step"),
    "Einsum": ("operands",),
    "Full": ("fill_value",),
    "FullLike": ("x", "fill_value"),
    "Linspace": ("start", "stop"),
    "Take": ("x", "indices"),
    "TakeAlongAxis": ("x", "indices"),
    "Where": ("condition", "x1", "x2"),
    "Concatenate": ("xs",),
    "Diff": ("a",),
    "StopGradient": ("variable",),
}
_TWO_OPERAND_OPS = (
    "Add",
    "Arctan2",
    "Divide",
    "DivideNoNan",
    "Dot",
    "Equal",
    "FloorDivide",
    "Fmax",
    "Fmin",
    "Fmod",
    "Greater",
    "GreaterEqual",
    "Heaviside",
    "Hypot",
    "Less",
    "LessEqual",
    "Logaddexp",
    "Logaddexp2",
    "LogicalAnd",
    "LogicalOr",
    "LogicalXor",
    "Matmul",
    "Maximum",
    "Minimum",
    "Mod",
    "Multiply",
    "NotEqual",
    "Outer",
    "Power",
    "Subtract",
    "Tensordot",
    "TrueDivide",
)
for _name in _TWO_OPERAND_OPS:
    _CALL_PARAMETERS[_name] = ("x1", "x2")

# Keras config entries that torchkeras ops lack, with the one value each
# supports: Keras's default, which changes nothing.
_UNSUPPORTED_DEFAULTS: dict[str, dict[str, Any]] = {
    "Linspace": {"retstep": False, "axis": 0},
}

# Ops whose config stores `dtype=None` as `floatx()`, as Keras writes it.
# Keras's op class would read None differently (OneHot gives the index
# dtype), so the name is written out.
_FLOATX_DTYPE = {"OneHot"}

# torchkeras aliases that Keras records under another op's class.
_ALIASES = {("nn", "swish"): "Silu", ("nn", "hard_swish"): "HardSilu"}

# Ops whose result is computed from the symbolic tensor's shape or dtype.
_STATIC_RESULTS: dict[str, Callable[[Any], Any]] = {
    "shape": lambda tensor: tensor.shape,
    "dtype": lambda tensor: tensor.dtype,
}

# Ops left as they are: they inspect their argument without computing.
_PASSED_THROUGH = {"is_tensor"}

# Keras module and torchkeras function name of each op class.
KERAS_OP_CLASSES: dict[str, tuple[str, str]] = {
    class_name: (module, function_name)
    for module, names in _KERAS_OP_NAMES.items()
    for class_name, function_name in names.items()
}


def keras_module(class_name: str) -> str:
    """Return the Keras module that defines the op class `class_name`."""
    module = KERAS_OP_CLASSES.get(class_name, ("numpy", ""))[0]
    return f"keras.src.ops.{module}"


def call_parameters(class_name: str) -> tuple[str, ...]:
    """Return the names of the arguments Keras passes to the op's call."""
    return _CALL_PARAMETERS.get(class_name, ("x",))


def _op_function(class_name: str) -> Callable:
    """Return the torchkeras function (without symbolic dispatch)."""
    import torchkeras.ops

    module, function_name = KERAS_OP_CLASSES[class_name]
    function = getattr(getattr(torchkeras.ops, module), function_name)
    return inspect.unwrap(function)


def _call_by_name(function, names, *args, **options):
    """Call `function`, passing the call's positional `args` by `names`."""
    if names == ("operands",):
        return function(options.pop("subscripts"), *args, **options)
    return function(**dict(zip(names, args)), **options)


def operation_function(class_name: str, options: dict) -> tuple[Callable, dict]:
    """Return the function an operation node runs and the options it keeps.

    The function takes the call arguments positionally, as stored in a
    config's `inbound_nodes`, and the options as keywords.

    Raises:
        KeyError: if `class_name` is not an op class torchkeras has.
        NotImplementedError: if `options` sets an argument that the
            torchkeras op lacks to a value other than Keras's default.
    """
    function = _op_function(class_name)
    accepted = inspect.signature(function).parameters
    names = call_parameters(class_name)
    supported_options = {}
    for key, value in options.items():
        if key in accepted:
            supported_options[key] = value
            continue
        ignored = _UNSUPPORTED_DEFAULTS.get(class_name, {})
        if key in ignored and ignored[key] == value:
            continue
        raise NotImplementedError(
            f"Operation {class_name} does not support the argument "
            f"`{key}` in torchkeras. Received: {key}={value!r}. Supported "
            f"arguments: {sorted(set(accepted) - set(names))}."
        )
    if tuple(accepted)[: len(names)] == names:
        return function, supported_options
    adapter = functools.partial(_call_by_name, function, names)
    return adapter, supported_options


def _config_value(class_name: str, key: str, value: Any) -> Any:
    """Return `value` in the form a JSON config stores (dtypes as names)."""
    from torchkeras.ops import _dtypes

    if key == "dtype" and (value is not None or class_name in _FLOATX_DTYPE):
        return _dtypes.dtype_name(value)
    if isinstance(value, torch.dtype):
        return _dtypes.dtype_name(value)
    return value


# `KerasTensor`, imported on first use because `torchkeras.layers` imports
# `torchkeras.ops` while it loads.
_keras_tensor_type: type | None = None


def _symbolic_type() -> type:
    global _keras_tensor_type
    if _keras_tensor_type is None:
        from torchkeras.layers.keras_tensor import KerasTensor

        _keras_tensor_type = KerasTensor
    return _keras_tensor_type


def _has_keras_tensor(args: tuple, kwargs: dict) -> bool:
    # Checks one level of lists and tuples (for `concatenate([x, y])`) and
    # nothing deeper, because every op call pays for this check.
    symbolic = _keras_tensor_type or _symbolic_type()
    for value in args:
        if isinstance(value, symbolic) or (
            isinstance(value, (list, tuple))
            and any(isinstance(item, symbolic) for item in value)
        ):
            return True
    return bool(kwargs) and _has_keras_tensor(tuple(kwargs.values()), {})


def _record(class_name: str, op_name: str, function, args, kwargs):
    """Record `function(*args, **kwargs)` as an operation node."""
    from torchkeras.layers.core.operation import make_operation

    bound = inspect.signature(function).bind(*args, **kwargs)
    bound.apply_defaults()
    names = call_parameters(class_name)
    values = dict(bound.arguments)
    values.update(values.pop("kwargs", {}))
    call_args = [values.pop(name) for name in names]
    if names == ("operands",):
        call_args = list(call_args[0])
    for key, value in values.items():
        if _has_keras_tensor((value,), {}):
            raise TypeError(
                f"`ops.{op_name}` received a symbolic tensor for `{key}`, "
                "which a functional model stores as a constant in the "
                f"operation's config. Pass a Python value or a tensor for "
                f"`{key}`, or call `ops.{op_name}` inside a layer's `call`."
            )
    options = {
        key: _config_value(class_name, key, value)
        for key, value in values.items()
    }
    return make_operation(class_name, **options)(*call_args)


def _reject_symbolic(op_name: str):
    raise TypeError(
        f"`ops.{op_name}` cannot be applied to a symbolic tensor (the output "
        "of `Input()` or of a layer) because Keras 3 has no graph operation "
        f"for it. Call `ops.{op_name}` inside a layer's `call`, for example "
        "in a `layers.Lambda`, or on concrete tensors."
    )


def _dispatching(function: Callable, module: str, op_name: str) -> Callable:
    """Wrap `function` so that a call with a symbolic tensor records a node."""
    class_name = _ALIASES.get((module, op_name))
    if class_name is None:
        class_name = next(
            (
                name
                for name, function_name in _KERAS_OP_NAMES[module].items()
                if function_name == op_name
            ),
            None,
        )

    @functools.wraps(function)
    def dispatch(*args, **kwargs):
        if not _has_keras_tensor(args, kwargs):
            return function(*args, **kwargs)
        if op_name in _STATIC_RESULTS and isinstance(args[0], _symbolic_type()):
            return _STATIC_RESULTS[op_name](args[0])
        if class_name is None:
            _reject_symbolic(op_name)
        return _record(class_name, op_name, function, args, kwargs)

    return dispatch


def dispatch_symbolic(namespace: dict, modules) -> None:
    """Make every op in `modules` and `namespace` accept symbolic tensors.

    Replaces each public function of the `torchkeras.ops` submodules, and
    the same function re-exported in `namespace` (the package's globals),
    with a wrapper that records an operation node when an argument is a
    `KerasTensor` and otherwise calls the function directly. Code inside
    `torchkeras.ops` keeps calling the unwrapped functions.
    """
    for module in modules:
        short_name = module.__name__.rsplit(".", 1)[-1]
        for op_name in module.__all__:
            function = getattr(module, op_name)
            if op_name in _PASSED_THROUGH or not callable(function):
                continue
            if getattr(function, "_dispatches_symbolic", False):
                continue
            wrapped = _dispatching(function, short_name, op_name)
            wrapped._dispatches_symbolic = True
            setattr(module, op_name, wrapped)
            if namespace.get(op_name) is function:
                namespace[op_name] = wrapped
