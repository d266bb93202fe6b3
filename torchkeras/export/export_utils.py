"""Input signatures for export: specs, sample inputs and dynamic shapes.

An input signature is a list with one entry per positional argument of the
model's `call`. Each entry is a spec or a list or dict of specs. A spec is a
shape tuple, a `KerasTensor`, an `InputSpec` or a tensor. Axes whose size is
None become dynamic in the exported program.
"""

from __future__ import annotations

from typing import Any
from typing import NamedTuple

import numpy as np
import torch

from torchkeras import config
from torchkeras.layers.keras_tensor import KerasTensor

# Sample size of the batch axis while tracing. torch.export treats an axis
# of size 0 or 1 as a constant, so the smallest sample that stays dynamic is
# 2.
_SAMPLE_BATCH_SIZE = 2
# Sample size of other axes of unknown size, such as a sequence length.
# NOTE: a model that needs longer inputs on such an axis (a wide valid
# convolution, say) needs an `input_signature` that gives the size.
_SAMPLE_AXIS_SIZE = 16


class TensorSpec(NamedTuple):
    """The shape (None for unknown sizes), dtype name and name of one input."""

    shape: tuple[int | None, ...]
    dtype: str
    name: str | None = None


def model_input_signature(model) -> list[Any]:
    """Return the input signature of a built model, batch axis unknown.

    Functional and Sequential models take it from their symbolic inputs; a
    subclassed model from the shape of its first call, with the model's
    dtype.

    Raises:
        ValueError: if the model has no known input shape yet.
    """
    from torchkeras.models.functional import Functional
    from torchkeras.models.sequential import Sequential

    if isinstance(model, Functional):
        return [_map_structure(_spec_from_keras_tensor, model.input)]
    if isinstance(model, Sequential) and model.inputs:
        return [_spec_from_keras_tensor(model.inputs[0])]
    build_config = model.get_build_config() if model.built else None
    if not build_config or build_config.get("input_shape") is None:
        raise ValueError(
            f"Cannot export model {model.name!r}: its input shape is not "
            "known because it has never been called. Call it on a batch of "
            "data first, or pass `input_signature`, such as "
            "`input_signature=[InputSpec(shape=(None, 8))]`."
        )
    return [
        _specs_from_shapes(build_config["input_shape"], model.compute_dtype)
    ]


def standardize_signature(model, input_signature) -> list[Any]:
    """Return `input_signature` as a list of positional arguments of specs.

    A single spec (a shape tuple, a tensor, ...) or a dict is taken as the
    only positional argument. A functional model takes one positional
    argument, so a list of several specs for it is its list of inputs.

    Raises:
        TypeError: if an entry is not a shape, spec, tensor, list or dict.
    """
    from torchkeras.models.functional import Functional

    if input_signature is None:
        return model_input_signature(model)
    if _is_shape(input_signature) or not isinstance(
        input_signature, (list, tuple)
    ):
        input_signature = [input_signature]
    signature = [_map_structure(_to_spec, entry) for entry in input_signature]
    if isinstance(model, Functional) and len(signature) > 1:
        signature = [signature]
    return signature


def sample_inputs(signature: list[Any]) -> tuple[Any, ...]:
    """Return tensors that match `signature`, to trace the model with.

    Floating inputs are ones. Integer and boolean inputs are zeros, a valid
    index for any lookup table.
    """

    def make(spec: TensorSpec) -> torch.Tensor:
        shape = [
            _sample_size(axis, size) for axis, size in enumerate(spec.shape)
        ]
        dtype = config.standardize_dtype(spec.dtype)
        if dtype.is_floating_point or dtype.is_complex:
            return torch.ones(shape, dtype=dtype)
        return torch.zeros(shape, dtype=dtype)

    return tuple(_map_structure(make, entry) for entry in signature)


def dynamic_shapes(signature: list[Any], flat: bool = False):
    """Return torch.export's `dynamic_shapes` for the unknown axes.

    All inputs share one batch dimension. Other unknown axes are dynamic
    where the model allows it (`Dim.AUTO`) and fixed to the sample size
    otherwise. Returns None when every size is known.

    Args:
        signature: Positional arguments of specs.
        flat: Whether to return one entry per input tensor, for a module
            that takes the flattened inputs, instead of the nested form.
    """
    if not any(None in spec.shape for spec in flatten(signature)):
        return None
    batch = torch.export.Dim("batch")

    def axes(spec: TensorSpec) -> dict[int, Any] | None:
        result = {
            axis: batch if axis == 0 else torch.export.Dim.AUTO
            for axis, size in enumerate(spec.shape)
            if size is None
        }
        return result or None

    if flat:
        return tuple(axes(spec) for spec in flatten(signature))
    return tuple(_map_structure(axes, entry) for entry in signature)


def flat_input_names(signature: list[Any]) -> list[str]:
    """Return one name per input tensor: the spec's name or `input_{i}`."""
    specs = flatten(signature)
    return [spec.name or f"input_{index}" for index, spec in enumerate(specs)]


def flatten(structure) -> list[Any]:
    """Return the leaves of a nest of lists and dicts, dicts in key order.

    The order is the insertion order of each dict, as torch.export flattens
    its inputs.
    """
    if isinstance(structure, dict):
        return [leaf for value in structure.values() for leaf in flatten(value)]
    if isinstance(structure, (list, tuple)) and not isinstance(
        structure, TensorSpec
    ):
        return [leaf for item in structure for leaf in flatten(item)]
    return [structure]


def pack_like(structure, leaves: list[Any]) -> Any:
    """Return `leaves` arranged as `structure`, the inverse of `flatten`."""
    iterator = iter(leaves)

    def fill(template):
        if isinstance(template, dict):
            return {key: fill(value) for key, value in template.items()}
        if isinstance(template, (list, tuple)) and not isinstance(
            template, TensorSpec
        ):
            return type(template)(fill(item) for item in template)
        return next(iterator)

    return fill(structure)


def _sample_size(axis: int, size: int | None) -> int:
    if size is not None:
        return size
    return _SAMPLE_BATCH_SIZE if axis == 0 else _SAMPLE_AXIS_SIZE


def _to_spec(value) -> TensorSpec:
    if isinstance(value, TensorSpec):
        return value
    if isinstance(value, KerasTensor):
        return _spec_from_keras_tensor(value)
    if isinstance(value, (torch.Tensor, np.ndarray)):
        dtype = config.dtype_name(config.standardize_dtype(value.dtype))
        return TensorSpec((None,) + tuple(value.shape[1:]), dtype)
    if _is_shape(value):
        return TensorSpec(tuple(value), config.floatx())
    if hasattr(value, "shape") and hasattr(value, "dtype"):
        # `InputSpec` (ours or Keras's) and other spec-like objects.
        return _spec_from_input_spec(value)
    raise TypeError(
        "Each entry of `input_signature` must be a shape tuple, an "
        "`InputSpec`, a `KerasTensor`, a tensor, or a list or dict of "
        f"them. Received: {value!r} of type {type(value).__name__}"
    )


def _spec_from_input_spec(spec) -> TensorSpec:
    if spec.shape is None:
        raise ValueError(
            "An `InputSpec` in `input_signature` must have a `shape`, such as "
            f"`InputSpec(shape=(None, 8))`. Received: {spec!r}"
        )
    dtype = spec.dtype or config.floatx()
    dtype = config.dtype_name(config.standardize_dtype(dtype))
    return TensorSpec(tuple(spec.shape), dtype, getattr(spec, "name", None))


def _spec_from_keras_tensor(tensor: KerasTensor) -> TensorSpec:
    shape = (None,) + tuple(tensor.shape[1:])
    name = tensor.name
    history = tensor._keras_history
    if name is None and history is not None:
        name = history.operation.name
    return TensorSpec(shape, tensor.dtype, name)


def _specs_from_shapes(shapes, dtype: str):
    if _is_shape(shapes):
        return TensorSpec((None,) + tuple(shapes[1:]), dtype)
    if isinstance(shapes, dict):
        return {key: _specs_from_shapes(v, dtype) for key, v in shapes.items()}
    return [_specs_from_shapes(shape, dtype) for shape in shapes]


def _is_shape(value) -> bool:
    """Return whether `value` is a shape: a tuple or list of ints and Nones."""
    if not isinstance(value, (tuple, list)) or isinstance(value, TensorSpec):
        return False
    if not value:
        return False
    return all(
        size is None or (isinstance(size, (int, np.integer)) and size >= 0)
        for size in value
    )


def _map_structure(function, structure):
    """Apply `function` to every spec in a list, tuple or dict of specs."""
    if isinstance(structure, dict):
        return {k: _map_structure(function, v) for k, v in structure.items()}
    if isinstance(structure, (list, tuple)) and not (
        _is_shape(structure) or isinstance(structure, TensorSpec)
    ):
        return [_map_structure(function, v) for v in structure]
    return function(structure)
