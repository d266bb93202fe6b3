"""Argument checks and Keras's 'same' padding, shared by conv and pooling."""

from __future__ import annotations

from typing import Any


def standardize_tuple(
    value: Any,
    length: int,
    name: str,
    allow_zero: bool = False,
) -> tuple[int, ...]:
    """Return `value` as a tuple of `length` positive integers.

    An int is repeated `length` times, as Keras does for `kernel_size=3`.

    Raises:
        ValueError: if `value` is not an int or a sequence of `length`
            ints, or contains a value below 1 (below 0 with `allow_zero`).
    """
    expected = f"`{name}` must be an integer or a tuple of {length} integers"
    if isinstance(value, bool):
        raise ValueError(f"{expected}. Received: {name}={value!r}")
    if isinstance(value, int):
        result = (value,) * length
    else:
        try:
            result = tuple(value)
        except TypeError:
            message = f"{expected}. Received: {name}={value!r}"
            raise ValueError(message) from None
        if len(result) != length or not all(
            isinstance(v, int) and not isinstance(v, bool) for v in result
        ):
            raise ValueError(f"{expected}. Received: {name}={value!r}")
    lowest = 0 if allow_zero else 1
    if any(v < lowest for v in result):
        raise ValueError(
            f"{expected}, each >= {lowest}. Received: {name}={value!r}"
        )
    return result


def standardize_padding(value: Any, allowed: tuple[str, ...]) -> str:
    """Return the lowercase padding mode, checked against `allowed`.

    Raises:
        ValueError: if `value` is not one of the `allowed` strings.
    """
    if isinstance(value, str) and value.lower() in allowed:
        return value.lower()
    raise ValueError(
        f"`padding` must be one of {', '.join(repr(a) for a in allowed)}. "
        f"Received: padding={value!r}"
    )


def same_padding(
    size: int,
    kernel_size: int,
    stride: int,
    dilation: int = 1,
) -> tuple[int, int]:
    """Return the (before, after) padding of one axis for Keras's 'same'.

    The output has `ceil(size / stride)` steps. Keras pads as TensorFlow
    does: when the total padding is odd, the extra step goes after the
    data (bottom or right), unlike torch's symmetric padding.
    """
    effective_kernel = (kernel_size - 1) * dilation + 1
    output_size = -(-size // stride)
    total = max((output_size - 1) * stride + effective_kernel - size, 0)
    before = total // 2
    return before, total - before


def output_length(
    size: int | None,
    kernel_size: int,
    stride: int,
    padding: str,
    dilation: int = 1,
) -> int | None:
    """Return the output length of one axis of a conv or pooling window.

    'same' and 'causal' give `ceil(size / stride)`; 'valid' gives
    `floor((size - effective_kernel) / stride) + 1`. None stays None.
    """
    if size is None:
        return None
    if padding in ("same", "causal"):
        return -(-size // stride)
    effective_kernel = (kernel_size - 1) * dilation + 1
    return (size - effective_kernel) // stride + 1


def spatial_output_shape(
    input_shape: tuple,
    kernel_size: tuple[int, ...],
    strides: tuple[int, ...],
    padding: str,
    data_format: str,
    channels: int | None,
    dilation_rate: tuple[int, ...] | None = None,
    layer_name: str = "",
) -> tuple:
    """Return the output shape of a conv or pooling layer.

    `channels` is the output channel count (the conv's `filters`, or the
    input's channels for pooling).

    Raises:
        ValueError: if the input rank does not fit the window, or a
            'valid' window is larger than the input along an axis.
    """
    rank = len(kernel_size)
    input_shape = tuple(input_shape)
    if len(input_shape) != rank + 2:
        raise ValueError(
            f"Layer {layer_name!r} expects inputs of rank {rank + 2} "
            f"(batch, {rank} spatial axes, channels). "
            f"Received: input_shape={input_shape}"
        )
    if data_format == "channels_last":
        spatial = input_shape[1:-1]
    else:
        spatial = input_shape[2:]
    dilation_rate = dilation_rate or (1,) * rank
    lengths = tuple(
        output_length(size, k, s, padding, d)
        for size, k, s, d in zip(spatial, kernel_size, strides, dilation_rate)
    )
    if any(length is not None and length <= 0 for length in lengths):
        raise ValueError(
            f"Layer {layer_name!r} would produce an output of size zero or "
            f"less. Received: input_shape={input_shape}, "
            f"kernel_size={kernel_size}, strides={strides}, "
            f"dilation_rate={dilation_rate}, padding={padding!r}. Use "
            "padding='same', a smaller window or a larger input."
        )
    if data_format == "channels_last":
        return (input_shape[0],) + lengths + (channels,)
    return (input_shape[0], channels) + lengths
