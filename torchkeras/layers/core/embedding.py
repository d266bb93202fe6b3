"""`Embedding`: maps integer ids to learned vectors."""

from __future__ import annotations

import warnings
from typing import Any

import torch
import torch.nn.functional as F

from torchkeras import constraints
from torchkeras import initializers
from torchkeras import regularizers
from torchkeras.layers.layer import Layer
from torchkeras.saving.serialization import serialize_keras_object


class Embedding(Layer):
    """Maps each integer id in `[0, input_dim)` to a vector of `output_dim`.

    The weight `embeddings` has shape `(input_dim, output_dim)`, the same
    layout as Keras and torch. Keras's default initializer draws from
    `uniform(-0.05, 0.05)`; torch's `nn.Embedding` uses `normal(0, 1)`.

    Args:
        input_dim: Positive integer, the vocabulary size (largest id + 1).
        output_dim: Positive integer, the size of each vector.
        embeddings_initializer: Initializer of the `embeddings` matrix.
        embeddings_regularizer: Optional penalty on the matrix.
        embeddings_constraint: Optional projection of the matrix after
            updates.
        mask_zero: Whether id 0 is padding. If True, `compute_mask`
            returns `inputs != 0` for the layers that follow, and id 0
            cannot be used as a real token.
        weights: Optional initial value of the matrix, an array of shape
            `(input_dim, output_dim)` or a list holding one; the layer is
            built at once.
        lora_rank: Low-rank adaptation; only None is supported.
        lora_alpha: Scale of low-rank adaptation; stored, and unused while
            `lora_rank` is None, as in Keras.
        quantization_config: Only None is supported.
        **kwargs: Base layer arguments (`name`, `dtype`, `trainable`).
            `input_length` is accepted with a warning and ignored, as in
            Keras 3.

    Input shape:
        Integer tensor of any shape `(batch, ...)`. Float inputs are cast
        to int64 (truncated), as Keras casts them to integers.

    Output shape:
        `(batch, ..., output_dim)`.

    Example:

    >>> import torch
    >>> layer = Embedding(10, 4, mask_zero=True)
    >>> ids = torch.tensor([[1, 2, 0]])
    >>> layer(ids).shape
    torch.Size([1, 3, 4])
    >>> layer.compute_mask(ids)
    tensor([[ True,  True, False]])
    """

    def __init__(
        self,
        input_dim: int,
        output_dim: int,
        embeddings_initializer="uniform",
        embeddings_regularizer=None,
        embeddings_constraint=None,
        mask_zero: bool = False,
        weights=None,
        lora_rank: int | None = None,
        lora_alpha: float | None = None,
        quantization_config=None,
        **kwargs,
    ):
        _check_positive_int("input_dim", input_dim)
        _check_positive_int("output_dim", output_dim)
        if lora_rank is not None:
            raise NotImplementedError(
                "Embedding does not support `lora_rank` yet. "
                f"Received: lora_rank={lora_rank!r}. Supported: None."
            )
        if quantization_config is not None:
            raise NotImplementedError(
                "Embedding does not support `quantization_config` yet. "
                "Supported: None."
            )
        if kwargs.pop("input_length", None) is not None:
            warnings.warn(
                "Argument `input_length` of Embedding is deprecated and "
                "ignored. Remove it.",
                UserWarning,
                stacklevel=2,
            )
        super().__init__(**kwargs)
        self.input_dim = input_dim
        self.output_dim = output_dim
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = constraints.get(embeddings_constraint)
        self.mask_zero = mask_zero
        self.supports_masking = mask_zero
        self.autocast = False
        self.lora_rank = lora_rank
        self.lora_alpha = lora_alpha
        self.quantization_config = quantization_config
        if weights is not None:
            self.build_with_shape((None,))
            if not (isinstance(weights, list) and len(weights) == 1):
                weights = [weights]
            self.set_weights(weights)

    def build(self, input_shape=None):
        self.embeddings = self.add_weight(
            shape=(self.input_dim, self.output_dim),
            initializer=self.embeddings_initializer,
            regularizer=self.embeddings_regularizer,
            constraint=self.embeddings_constraint,
            name="embeddings",
        )

    def call(self, inputs):
        if inputs.dtype not in (torch.int32, torch.int64):
            inputs = inputs.to(torch.int64)
        return F.embedding(inputs, self.embeddings)

    def compute_mask(self, inputs, previous_mask=None):
        if not self.mask_zero:
            return None
        return inputs != 0

    def compute_output_shape(self, input_shape):
        return tuple(input_shape) + (self.output_dim,)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(
            {
                "input_dim": self.input_dim,
                "output_dim": self.output_dim,
                "embeddings_initializer": serialize_keras_object(
                    self.embeddings_initializer
                ),
                "embeddings_regularizer": serialize_keras_object(
                    self.embeddings_regularizer
                ),
                "activity_regularizer": serialize_keras_object(
                    self.activity_regularizer
                ),
                "embeddings_constraint": serialize_keras_object(
                    self.embeddings_constraint
                ),
                "mask_zero": self.mask_zero,
                "quantization_config": None,
            }
        )
        return config


def _check_positive_int(name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(
            f"`{name}` must be a positive integer. Received: {name}={value!r}"
        )
