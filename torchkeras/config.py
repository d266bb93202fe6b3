"""Process-wide settings: float type, fuzz factor, image layout, device."""

from __future__ import annotations

import torch

_FLOATX = "float32"
_EPSILON = 1e-7
_IMAGE_DATA_FORMAT = "channels_last"
_FLOAT_TYPES = ("bfloat16", "float16", "float32", "float64")


def floatx() -> str:
    """Return the default float type name, `"float32"` unless changed."""
    return _FLOATX


def set_floatx(value: str) -> None:
    """Set the default float type of new weights and converted inputs.

    Args:
        value: One of `"bfloat16"`, `"float16"`, `"float32"`, `"float64"`.
    """
    global _FLOATX
    value = str(value)
    if value not in _FLOAT_TYPES:
        raise ValueError(
            f"`floatx` must be one of {_FLOAT_TYPES}. Received: value={value!r}"
        )
    _FLOATX = value


def dtype_policy():
    """Return the default `DTypePolicy` of new layers (`"float32"` unless set)."""
    from torchkeras.mixed_precision import dtype_policies

    return dtype_policies.dtype_policy()


def set_dtype_policy(policy) -> None:
    """Set the default dtype policy of new layers, such as `"mixed_bfloat16"`.

    See `torchkeras.mixed_precision.set_dtype_policy`.
    """
    from torchkeras.mixed_precision import dtype_policies

    dtype_policies.set_dtype_policy(policy)


def epsilon() -> float:
    """Return the fuzz factor used to avoid division by zero (`1e-7`)."""
    return _EPSILON


def set_epsilon(value: float) -> None:
    """Set the fuzz factor returned by `epsilon()`."""
    global _EPSILON
    _EPSILON = float(value)


def image_data_format() -> str:
    """Return the default image layout, `"channels_last"` unless changed."""
    return _IMAGE_DATA_FORMAT


def set_image_data_format(data_format: str) -> None:
    """Set the default image layout used when `data_format=None`.

    Args:
        data_format: `"channels_last"` (NHWC, the Keras default) or
            `"channels_first"` (NCHW, the torch layout).
    """
    global _IMAGE_DATA_FORMAT
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(
            "`data_format` must be 'channels_last' or 'channels_first'. "
            f"Received: data_format={data_format!r}"
        )
    _IMAGE_DATA_FORMAT = data_format


def standardize_data_format(data_format: str | None) -> str:
    """Return `data_format`, or the global default when it is None."""
    if data_format is None:
        return _IMAGE_DATA_FORMAT
    data_format = str(data_format).lower()
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(
            "`data_format` must be 'channels_last' or 'channels_first'. "
            f"Received: data_format={data_format!r}"
        )
    return data_format


def backend() -> str:
    """Return the name of the backend, always `"torch"`."""
    return "torch"


def enable_unsafe_deserialization() -> None:
    """Allow loading configs that carry Python bytecode, in this thread.

    After this call, every later load in the current thread runs as with
    `safe_mode=False`, even when `safe_mode=True` is passed, as in Keras.
    This includes the bytecode of `Lambda` layers and `TorchModuleWrapper`'s
    pickled modules, which can run arbitrary code. Call it only when you
    trust the files that this thread loads. Other threads keep safe mode.
    """
    # The deserializer reads this thread-local value before its own
    # `safe_mode` argument, so False here wins over every later call.
    from torchkeras.saving import serialization

    serialization._safe_mode_state.value = False


def default_device() -> torch.device:
    """Return the device new models train on: CUDA when present, else CPU."""
    if torch.cuda.is_available():
        return torch.device("cuda")
    return torch.device("cpu")


def standardize_dtype(dtype) -> torch.dtype:
    """Convert a dtype name, numpy dtype or torch dtype to a torch dtype.

    None means `floatx()`.
    """
    if dtype is None:
        dtype = _FLOATX
    if isinstance(dtype, torch.dtype):
        return dtype
    name = getattr(dtype, "name", None) or str(dtype)
    name = name.replace("torch.", "")
    result = getattr(torch, name, None)
    if not isinstance(result, torch.dtype):
        raise ValueError(f"Unknown dtype. Received: dtype={dtype!r}")
    return result


def dtype_name(dtype: torch.dtype) -> str:
    """Return the Keras name of a torch dtype, such as `"float32"`."""
    return str(dtype).replace("torch.", "")
