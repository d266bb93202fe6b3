"""Running a layer's call in its policy's compute dtype."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import torch

from torchkeras import config
from torchkeras.mixed_precision.dtype_policies import DTypePolicy
from torchkeras.mixed_precision.dtype_policies import dtype_policy


def casting_dtype(policy: DTypePolicy) -> torch.dtype | None:
    """Return the dtype a layer casts its inputs to, or None to skip casting.

    None means the layer computes in `floatx()` with `floatx()` weights
    while the global policy is that plain default, so it takes the uncast
    path, which costs one attribute test per call. Every other layer
    casts: a mixed layer, a layer given another dtype, and under a mixed
    global policy also a `dtype="float32"` layer, which must turn bfloat16
    inputs back into float32, as in Keras.
    """
    compute = config.standardize_dtype(policy.compute_dtype)
    if not compute.is_floating_point:
        return None
    floatx = config.floatx()
    default = dtype_policy()
    if (
        policy.compute_dtype == policy.variable_dtype == floatx
        and default.compute_dtype == default.variable_dtype == floatx
    ):
        return None
    return compute


def cast_beside_mixed_layers(model) -> None:
    """Make the uncast layers of `model` cast, if it has mixed layers.

    A mixed model loaded under a float32 global policy creates its
    `dtype="float32"` layers (the output softmax, say) uncast, yet they
    receive the half-precision outputs of their mixed neighbours, which
    Keras casts back to float32.
    """
    layers = [m for m in model.modules() if hasattr(m, "_casting_dtype")]
    if not any(layer._casting_dtype is not None for layer in layers):
        return
    for layer in layers:
        if layer._casting_dtype is None:
            compute = config.standardize_dtype(layer.dtype_policy.compute_dtype)
            if compute.is_floating_point:
                layer._casting_dtype = compute


def needs_input_cast(layer, inputs: Any) -> bool:
    """Return whether an uncast layer must cast half-precision `inputs`.

    This covers a float32 layer made before the mixed layer that feeds
    it. Layers without weights in their own dtype keep the inputs as they
    are, so a model moved with `.half()` or `.to(dtype)` still runs.
    """
    if type(inputs) is not torch.Tensor or not layer.autocast:
        return False
    if inputs.dtype not in (torch.float16, torch.bfloat16):
        return False
    dtype = layer._dtype
    return any(
        parameter is not None and parameter.dtype == dtype and dtype != inputs.dtype
        for parameter in layer._parameters.values()
    )


def _cast_floats(value: Any, dtype: torch.dtype) -> Any:
    if isinstance(value, torch.Tensor):
        if value.is_floating_point() and value.dtype != dtype:
            return value.to(dtype)
        return value
    if isinstance(value, (list, tuple)):
        return type(value)(_cast_floats(v, dtype) for v in value)
    if isinstance(value, dict):
        return {k: _cast_floats(v, dtype) for k, v in value.items()}
    return value


def call_in_compute_dtype(
    layer, args: tuple, kwargs: dict, dtype: torch.dtype | None = None
) -> Any:
    """Run `layer`'s forward with inputs and weights in its compute dtype.

    As Keras does, float tensors among the arguments are cast to the
    compute dtype (when `layer.autocast` is True), and the layer's own
    float weights are read as compute-dtype copies during the call unless
    they were created with `add_weight(autocast=False)`. The copies are
    differentiable casts, so gradients reach the float32 weights. Nested
    layers cast their own weights in their own calls. `dtype` defaults to
    the layer's casting dtype.
    """
    if dtype is None:
        dtype = layer._casting_dtype
    if layer.autocast:
        args = _cast_floats(args, dtype)
        kwargs = {
            key: value if key == "mask" else _cast_floats(value, dtype)
            for key, value in kwargs.items()
        }
    with weights_in_dtype(layer, dtype):
        return _run_forward(layer, args, kwargs)


@contextlib.contextmanager
def weights_in_dtype(layer, dtype: torch.dtype) -> Iterator[None]:
    """Replace `layer`'s own float weights by `dtype` copies in the block.

    The copies are differentiable casts, so gradients reach the originals.
    Weights created with `add_weight(autocast=False)` keep their dtype.
    """
    parameters = layer._parameters
    originals = {
        name: parameter
        for name, parameter in parameters.items()
        if parameter is not None
        and parameter.dtype != dtype
        and parameter.is_floating_point()
        and getattr(parameter, "_autocast", True)
    }
    if not originals:
        yield
        return
    try:
        for name, parameter in originals.items():
            parameters[name] = parameter.to(dtype)
        yield
    finally:
        parameters.update(originals)


def _run_forward(layer, args: tuple, kwargs: dict) -> Any:
    try:
        return torch.nn.Module.__call__(layer, *args, **kwargs)
    except RuntimeError as error:
        text = str(error)
        if "dtype" not in text and "scalar type" not in text:
            raise
        raise ValueError(
            f"Layer {layer.name!r} cannot run in its dtype policy "
            f"{layer.dtype_policy.name!r}: {text.splitlines()[0]} Torch "
            "modules and weights that the layer does not own stay in their "
            "own dtype. Create this layer with dtype='float32'."
        ) from error
