"""Calling a layer on symbolic tensors: build it, infer outputs, record a node.

Output shapes and dtypes come from running the layer on fake tensors
(torch's FakeTensorMode: shapes and dtypes, no data), so custom layers need
no `compute_output_shape`. The layer runs twice with different sizes in
place of each unknown (None) dimension, and a dimension that changes
between the runs is unknown in the output too.

A layer class defined outside torchkeras that overrides
`compute_output_shape` is not run: its own method gives the output shapes,
and the layer's compute dtype the dtype, as in Keras. This is how a layer
whose `call` needs real values (`.item()`, data-dependent shapes) joins a
model. Built-in layers are still run on fake tensors.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

import torch

from torchkeras import config
from torchkeras.layers.keras_tensor import KerasTensor
from torchkeras.layers.node import Node
from torchkeras.utils.tree import flatten
from torchkeras.utils.tree import map_structure

# Sizes standing in for unknown dimensions in the two inference runs.
_PROBE_SIZES = (2, 3)


def contains_keras_tensor(args: tuple, kwargs: dict) -> bool:
    """Return whether any argument (nests included) is a symbolic tensor."""
    return any(isinstance(v, KerasTensor) for v in flatten((args, kwargs)))


def _keras_shape(value: Any) -> Any:
    if isinstance(value, KerasTensor):
        return value.shape
    if isinstance(value, (list, tuple)):
        return [_keras_shape(v) for v in value]
    if isinstance(value, dict):
        return {k: _keras_shape(v) for k, v in value.items()}
    return None


def symbolic_call(layer, args: tuple, kwargs: dict):
    """Return symbolic outputs of `layer(*args, **kwargs)` and record the call.

    Raises:
        ValueError: if the inputs do not fit the layer, naming the layer and
            both shapes.
    """
    first = args[0] if args else next(iter(kwargs.values()))
    if not layer.built:
        try:
            layer.build_with_shape(_keras_shape(first))
        except (ValueError, TypeError, RuntimeError, IndexError) as error:
            raise ValueError(
                f"Layer {layer.name!r} ({type(layer).__name__}) could not be "
                f"built for input shape {_keras_shape(first)}: {error}"
            ) from None
    if layer.input_spec is not None and isinstance(first, KerasTensor):
        message = layer.input_spec.mismatch(first, layer.name)
        if message is not None:
            raise ValueError(message)
    if _has_unbuilt_sublayers(layer):
        _build_sublayers(layer, args, kwargs)
    if _defines_own_output_shape(type(layer)):
        outputs = _outputs_from_compute_output_shape(layer, args)
    else:
        outputs = _traced_outputs(layer, args, kwargs)
    Node(layer, args, kwargs, outputs)
    return outputs


def _defines_own_output_shape(cls: type) -> bool:
    """Return whether symbolic calls of `cls` use its `compute_output_shape`.

    True when the nearest class defining `compute_output_shape` is not
    part of torchkeras. Built-in layers are run on fake tensors instead,
    which also gives their output dtypes.
    """
    for klass in cls.__mro__:
        if "compute_output_shape" in klass.__dict__:
            return not klass.__module__.startswith("torchkeras.")
    return False


def _traced_outputs(layer, args: tuple, kwargs: dict):
    """Return symbolic outputs by running `call` on fake tensors.

    Raises:
        ValueError: if `call` fails on fake tensors, naming the layer and
            the input shapes.
    """
    from torch._subclasses.fake_tensor import DataDependentOutputException
    from torch._subclasses.fake_tensor import DynamicOutputShapeException

    # NOTE: Keras 3.15 (torch backend) retries a failed trace on real
    # tensors filled with a constant. This raises instead, because a shape
    # that depends on the data would be read from placeholder values.
    try:
        return _infer_outputs(layer, args, kwargs)
    except (ValueError, TypeError, RuntimeError, IndexError) as error:
        shown = _symbolic_shapes(args, kwargs)
        class_name = type(layer).__name__
        if isinstance(
            error, (DataDependentOutputException, DynamicOutputShapeException)
        ):
            reason = (
                f"its `call` needs tensor values ({error}), for example "
                "through `.item()`, `bool(tensor)` or a shape that depends "
                "on the data, and symbolic tensors have no values"
            )
        else:
            reason = (
                f"torch raised, with sizes {_PROBE_SIZES[0]} or "
                f"{_PROBE_SIZES[1]} standing for unknown (None) dimensions: "
                f"{error}"
            )
        message = (
            f"Layer {layer.name!r} ({class_name}) cannot be applied to "
            f"inputs of shape {shown}: {reason}."
        )
        if not type(layer).__module__.startswith("torchkeras."):
            message += (
                f" If `call` is correct, define "
                f"`{class_name}.compute_output_shape(input_shape)`; "
                "symbolic calls then use it instead of running `call`."
            )
        raise ValueError(message) from None


def _outputs_from_compute_output_shape(layer, args: tuple):
    """Return symbolic outputs from the layer's own `compute_output_shape`.

    The first argument's shape is passed, then the shapes of any further
    positional arguments that are symbolic tensors (or nests of them).
    """
    shapes = [_keras_shape(args[0])] if args else []
    shapes += [
        _keras_shape(value)
        for value in args[1:]
        if any(isinstance(v, KerasTensor) for v in flatten(value))
    ]
    output_shape = layer.compute_output_shape(*shapes)
    try:
        return _keras_tensors_for(output_shape, layer.compute_dtype)
    except TypeError:
        raise TypeError(
            f"`{type(layer).__name__}.compute_output_shape` of layer "
            f"{layer.name!r} must return a shape (a tuple of ints and None) "
            "or a list, tuple or dict of shapes. "
            f"Received: {output_shape!r}"
        ) from None


def _keras_tensors_for(output_shape, dtype: str):
    """Return a KerasTensor per shape in `output_shape` (a shape or a nest).

    Raises:
        TypeError: if an entry is neither a shape nor a nest of shapes.
    """
    if isinstance(output_shape, dict):
        return {k: _keras_tensors_for(v, dtype) for k, v in output_shape.items()}
    if isinstance(output_shape, (tuple, list, torch.Size)) and all(
        d is None or isinstance(d, int) for d in output_shape
    ):
        return KerasTensor(tuple(output_shape), dtype=dtype)
    if isinstance(output_shape, (tuple, list)):
        return type(output_shape)(
            _keras_tensors_for(shape, dtype) for shape in output_shape
        )
    raise TypeError(f"Not a shape: {output_shape!r}")


def _has_unbuilt_sublayers(layer) -> bool:
    from torchkeras.layers.layer import Layer

    return any(
        isinstance(module, Layer) and not module.built
        for module in layer.modules()
    )


def _symbolic_shapes(args: tuple, kwargs: dict):
    """Return the shape of the one symbolic input, or a list of them all."""
    shapes = [t.shape for t in flatten((args, kwargs)) if isinstance(t, KerasTensor)]
    return shapes[0] if len(shapes) == 1 else shapes


@contextlib.contextmanager
def keeping_layer_states(layer):
    """Restore the states of `layer`'s stateful sublayers after the block.

    A call on zeros made only to build weights must not become the first
    state of a stateful RNN.
    """
    saved = [
        (module, module.states)
        for module in layer.modules()
        if getattr(module, "stateful", False) and hasattr(module, "states")
    ]
    try:
        yield
    finally:
        for module, states in saved:
            module.states = states


def _build_sublayers(layer, args: tuple, kwargs: dict) -> None:
    """Build unbuilt sublayers by calling `layer` once on real zeros.

    Weights created inside the fake-tensor probe would be fake tensors,
    which torch cannot turn into parameters. Some layers build their
    sublayers only in `call`, such as subclassed models and layers
    without their own `build`. Such a layer first runs once on zeros, in
    inference mode and without gradients, as on a first batch.

    Raises:
        ValueError: if the call on zeros fails, naming the layer.
    """
    run_kwargs = dict(kwargs)
    if "training" in run_kwargs or layer._call_accepts_training:
        run_kwargs["training"] = False
    concrete = _concretize((args, run_kwargs), _PROBE_SIZES[0])
    losses_before = len(layer._losses)
    try:
        with torch.no_grad(), keeping_layer_states(layer):
            layer(*concrete[0], **concrete[1])
    except (ValueError, TypeError, RuntimeError, IndexError) as error:
        raise ValueError(
            f"Layer {layer.name!r} ({type(layer).__name__}) could not build "
            f"its sublayers for inputs of shape "
            f"{_symbolic_shapes(args, kwargs)}: calling it on "
            f"zeros, with size {_PROBE_SIZES[0]} for unknown (None) "
            f"dimensions, raised {type(error).__name__}: {error}"
        ) from None
    finally:
        del layer._losses[losses_before:]


def _infer_outputs(layer, args: tuple, kwargs: dict):
    from torch._subclasses.fake_tensor import FakeTensorMode

    run_kwargs = dict(kwargs)
    if "training" in run_kwargs or layer._call_accepts_training:
        # Training-mode side effects (moving statistics) must not run on
        # fake data; shapes do not depend on the mode.
        run_kwargs["training"] = False
    losses_before = len(layer._losses)
    # torch logs a traceback for every op that fails on fake tensors. The
    # error raised below reports the failure once, so those logs are muted.
    fake_logger = logging.getLogger("torch._subclasses.fake_tensor")
    previous_level = fake_logger.level
    fake_logger.setLevel(logging.CRITICAL)
    try:
        results = _probe(layer, args, run_kwargs, FakeTensorMode)
    finally:
        fake_logger.setLevel(previous_level)
    del layer._losses[losses_before:]
    return _merge_probes(results[0], results[1])


def _probe(layer, args, run_kwargs, fake_mode) -> list:
    """Run `layer` on fake tensors once per probe size; return output specs."""
    results = []
    for probe in _PROBE_SIZES:
        concrete = _concretize((args, run_kwargs), probe)
        with torch.no_grad(), fake_mode(allow_non_fake_inputs=True):
            outputs = layer(*concrete[0], **concrete[1])
            results.append(
                map_structure(
                    lambda t: (tuple(t.shape), t.dtype) if isinstance(t, torch.Tensor) else t,
                    outputs,
                )
            )
    return results


def _concretize(nest, size: int):
    """Replace symbolic tensors by zeros, with `size` for unknown dimensions."""

    def make(value):
        if isinstance(value, KerasTensor):
            shape = tuple(size if d is None else d for d in value.shape)
            return torch.zeros(shape, dtype=config.standardize_dtype(value.dtype))
        return value

    return map_structure(make, nest)


def _merge_probes(first, second):
    """Build output KerasTensors; dims that differ between probes are None."""
    if isinstance(first, dict):
        return {k: _merge_probes(first[k], second[k]) for k in first}
    if isinstance(first, list):
        return [_merge_probes(a, b) for a, b in zip(first, second)]
    if isinstance(first, tuple) and len(first) == 2 and isinstance(first[1], torch.dtype):
        shape = tuple(
            a if a == b else None for a, b in zip(first[0], second[0])
        )
        return KerasTensor(shape, dtype=first[1])
    if isinstance(first, tuple):
        return tuple(_merge_probes(a, b) for a, b in zip(first, second))
    return first
