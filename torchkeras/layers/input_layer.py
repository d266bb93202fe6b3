"""`InputLayer` and `Input()`: the entry point of a model."""

from __future__ import annotations

from torchkeras import config
from torchkeras.layers.keras_tensor import KerasTensor
from torchkeras.layers.layer import Layer
from torchkeras.layers.node import Node


class InputLayer(Layer):
    """The layer that stands for a model's input; it has no weights.

    Prefer `Input(shape)`, which creates this layer and returns its symbolic
    output.

    Args:
        shape: Shape of one sample, without the batch axis.
        batch_size: Optional fixed batch size.
        dtype: dtype of the input data; defaults to `floatx()`.
        batch_shape: Full shape with the batch axis; replaces `shape` and
            `batch_size`.
        name: Optional name.
    """

    def __init__(
        self,
        shape=None,
        batch_size=None,
        dtype=None,
        sparse=None,
        ragged=None,
        batch_shape=None,
        input_tensor=None,
        optional=False,
        name=None,
        **kwargs,
    ):
        if sparse:
            raise NotImplementedError(
                "InputLayer does not support sparse=True: torchkeras uses "
                "dense tensors."
            )
        if ragged:
            raise NotImplementedError(
                "InputLayer does not support ragged=True: torchkeras uses "
                "dense tensors. Pad sequences with `utils.pad_sequences`."
            )
        if input_tensor is not None:
            raise NotImplementedError(
                "InputLayer does not support `input_tensor` yet."
            )
        if optional:
            raise NotImplementedError(
                "InputLayer does not support optional=True yet."
            )
        super().__init__(name=name, dtype=None, **kwargs)
        if shape is not None and batch_shape is not None:
            raise ValueError(
                "You cannot pass both `shape` and `batch_shape` at the same "
                "time."
            )
        if batch_shape is None:
            if shape is None:
                raise ValueError(
                    "InputLayer needs a `shape` (without the batch axis) or "
                    "a `batch_shape`. Received neither."
                )
            if isinstance(shape, int):
                shape = (shape,)
            batch_shape = (batch_size,) + tuple(shape)
        self.batch_shape = tuple(batch_shape)
        for size in self.batch_shape:
            if size is not None and (not isinstance(size, int) or size < 0):
                raise ValueError(
                    "Every size in an input shape must be a non-negative "
                    f"integer or None. Received: shape={self.batch_shape[1:]}"
                )
        self._input_dtype = config.dtype_name(config.standardize_dtype(dtype))
        self.built = True
        Node(self, (), {}, KerasTensor(self.batch_shape, self._input_dtype, name=self.name))

    @property
    def dtype(self) -> str:
        """The dtype of the input data."""
        return self._input_dtype

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return self.batch_shape

    def get_config(self):
        return {
            "batch_shape": self.batch_shape,
            "dtype": self._input_dtype,
            "sparse": False,
            "ragged": False,
            "name": self.name,
            "optional": False,
        }


def Input(
    shape=None,
    batch_size=None,
    dtype=None,
    sparse=None,
    ragged=None,
    batch_shape=None,
    name=None,
    tensor=None,
    optional=False,
) -> KerasTensor:
    """Return a symbolic tensor that stands for a model input.

    Args:
        shape: Shape of one sample, without the batch axis, such as `(8,)`.
        batch_size: Optional fixed batch size.
        dtype: dtype of the data; defaults to `floatx()`.
        batch_shape: Full shape with the batch axis.
        name: Optional name of the input.

    Example:

    >>> x = Input(shape=(8,))
    >>> x.shape
    (None, 8)
    """
    layer = InputLayer(
        shape=shape,
        batch_size=batch_size,
        dtype=dtype,
        sparse=sparse,
        ragged=ragged,
        batch_shape=batch_shape,
        input_tensor=tensor,
        optional=optional,
        name=name,
    )
    return layer.output
