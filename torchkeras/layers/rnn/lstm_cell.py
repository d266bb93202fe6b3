"""`LSTMCell`: the weights and the single-step math of an LSTM."""

from __future__ import annotations

from typing import Any

import torch

from torchkeras import activations
from torchkeras import constraints
from torchkeras import initializers
from torchkeras import regularizers
from torchkeras.layers.layer import Layer
from torchkeras.saving.serialization import serialize_keras_object

# Gates in the order Keras and torch both store them along the last axis of
# the kernels: input, forget, cell candidate, output.
NUM_GATES = 4


class LSTMCell(Layer):
    """One time step of a long short-term memory (LSTM) layer.

    `LSTM` owns one cell and runs it over a sequence. The cell owns the
    weights, in Keras's layout and gate order (input, forget, cell
    candidate, output): `kernel` `(input_dim, 4 * units)`,
    `recurrent_kernel` `(units, 4 * units)` and one `bias` `(4 * units,)`.
    For each step, with `z = x @ kernel + h @ recurrent_kernel + bias`
    split into `z_i, z_f, z_c, z_o`:
    `c = sigmoid(z_f) * c + sigmoid(z_i) * tanh(z_c)` and
    `h = sigmoid(z_o) * tanh(c)` (with the default activations).

    Args:
        units: Positive integer, the size of the output and of each state.
        activation: Activation of the cell candidate and of the output;
            None means linear.
        recurrent_activation: Activation of the three gates; None means
            linear.
        use_bias: Whether the layer has a bias vector.
        kernel_initializer: Initializer of `kernel`.
        recurrent_initializer: Initializer of `recurrent_kernel`.
        bias_initializer: Initializer of `bias`.
        unit_forget_bias: If True, the forget-gate quarter of the bias
            starts at 1 and the rest comes from `bias_initializer`.
        kernel_regularizer: Optional penalty on `kernel`.
        recurrent_regularizer: Optional penalty on `recurrent_kernel`.
        bias_regularizer: Optional penalty on `bias`.
        kernel_constraint: Optional projection of `kernel` after updates.
        recurrent_constraint: Optional projection of `recurrent_kernel`
            after updates.
        bias_constraint: Optional projection of `bias` after updates.
        dropout: Fraction of the inputs dropped in training, clipped to
            [0, 1] as Keras does. 1 turns dropout off, as in Keras.
        recurrent_dropout: Fraction of the previous output dropped in
            training, clipped to [0, 1].
        seed: Optional integer seed of the dropout masks.
        **kwargs: Base layer arguments (`name`, `dtype`, `trainable`).

    Call arguments:
        inputs: Tensor `(batch, input_dim)`, one time step.
        states: List `[h, c]` of tensors `(batch, units)`.
        training: Whether dropout is applied.

    Returns:
        `(h, [h, c])`: the output and the new states.

    Example:

    >>> cell = LSTMCell(4)
    >>> states = [torch.zeros(2, 4), torch.zeros(2, 4)]
    >>> output, (h, c) = cell(torch.ones(2, 3), states)
    >>> output.shape
    torch.Size([2, 4])
    """

    def __init__(
        self,
        units: int,
        activation="tanh",
        recurrent_activation="sigmoid",
        use_bias: bool = True,
        kernel_initializer="glorot_uniform",
        recurrent_initializer="orthogonal",
        bias_initializer="zeros",
        unit_forget_bias: bool = True,
        kernel_regularizer=None,
        recurrent_regularizer=None,
        bias_regularizer=None,
        kernel_constraint=None,
        recurrent_constraint=None,
        bias_constraint=None,
        dropout: float = 0.0,
        recurrent_dropout: float = 0.0,
        seed: int | None = None,
        **kwargs,
    ):
        check_units(units)
        check_seed(seed)
        # Keras 2 selected one of two equivalent formulations with this
        # argument; both give the same numbers, so it is accepted and unused.
        kwargs.pop("implementation", None)
        super().__init__(**kwargs)
        self.units = units
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.unit_forget_bias = unit_forget_bias
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.dropout = min(1.0, max(0.0, float(dropout)))
        self.recurrent_dropout = min(1.0, max(0.0, float(recurrent_dropout)))
        self.seed = seed
        self.state_size = [units, units]
        self.output_size = units
        self._generators: dict[torch.device, torch.Generator] = {}

    def build(self, input_shape):
        input_dim = input_shape[-1]
        self.kernel = self.add_weight(
            shape=(input_dim, NUM_GATES * self.units),
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
            name="kernel",
        )
        self.recurrent_kernel = self.add_weight(
            shape=(self.units, NUM_GATES * self.units),
            initializer=self.recurrent_initializer,
            regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint,
            name="recurrent_kernel",
        )
        if self.use_bias:
            initializer = self.bias_initializer
            if self.unit_forget_bias:
                initializer = _ForgetGateOnes(self.bias_initializer, self.units)
            self.bias = self.add_weight(
                shape=(NUM_GATES * self.units,),
                initializer=initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
                name="bias",
            )
        else:
            self.bias = None

    def call(self, inputs, states, training=False):
        h, c = states[0], states[1]
        input_masks = self.dropout_masks(inputs, self.dropout, 1, training)
        recurrent_masks = self.dropout_masks(
            h, self.recurrent_dropout, NUM_GATES, training
        )
        projected = self.project_inputs(inputs, input_masks)
        h, c = self.step(projected, h, c, recurrent_masks)
        return h, [h, c]

    def dropout_masks(
        self,
        like: torch.Tensor,
        rate: float,
        count: int,
        training: bool,
    ) -> torch.Tensor | None:
        """Return `count` inverted-dropout masks shaped like `like`, or None.

        None means no dropout: inference, or a rate outside (0, 1) (Keras
        skips dropout at rate 1 too). A mask is drawn once per sequence and
        reused at every step, as Keras does.
        """
        if not training or not 0.0 < rate < 1.0:
            return None
        keep = 1.0 - rate
        probabilities = torch.full(
            (count,) + tuple(like.shape),
            keep,
            dtype=like.dtype,
            device=like.device,
        )
        generator = self._generator(like.device)
        return torch.bernoulli(probabilities, generator=generator) / keep

    def project_inputs(
        self,
        inputs: torch.Tensor,
        masks: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Return `inputs @ kernel + bias` for inputs `(..., input_dim)`.

        `masks` contains 1 dropout mask for all gates, or 4 (one per gate),
        each of shape `(batch, input_dim)`. For a sequence `(batch, time,
        input_dim)` the same mask applies at every step.
        """
        if masks is None or masks.shape[0] == 1:
            if masks is not None:
                inputs = inputs * _along_time(masks[0], inputs)
            projected = torch.matmul(inputs, self.kernel)
        else:
            kernels = torch.chunk(self.kernel, NUM_GATES, dim=1)
            projected = torch.cat(
                [
                    torch.matmul(inputs * _along_time(mask, inputs), kernel)
                    for mask, kernel in zip(masks, kernels)
                ],
                dim=-1,
            )
        if self.bias is not None:
            projected = projected + self.bias
        return projected

    def step(
        self,
        projected: torch.Tensor,
        h: torch.Tensor,
        c: torch.Tensor,
        recurrent_masks: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Advance one step from projected inputs `(batch, 4 * units)`.

        Returns the new `(h, c)`. `recurrent_masks` contains one dropout
        mask of `h` per gate, or is None.
        """
        if recurrent_masks is None:
            z = projected + torch.matmul(h, self.recurrent_kernel)
        else:
            kernels = torch.chunk(self.recurrent_kernel, NUM_GATES, dim=1)
            z = projected + torch.cat(
                [
                    torch.matmul(h * mask, kernel)
                    for mask, kernel in zip(recurrent_masks, kernels)
                ],
                dim=-1,
            )
        z_i, z_f, z_c, z_o = torch.chunk(z, NUM_GATES, dim=-1)
        input_gate = self.recurrent_activation(z_i)
        forget_gate = self.recurrent_activation(z_f)
        c = forget_gate * c + input_gate * self.activation(z_c)
        h = self.recurrent_activation(z_o) * self.activation(c)
        return h, c

    def get_initial_state(self, batch_size: int | None = None):
        """Return zero states `[h, c]`, each `(batch_size, units)`."""
        device = self._existing_device()
        return [
            torch.zeros(batch_size, size, dtype=self._dtype, device=device)
            for size in self.state_size
        ]

    def _generator(self, device: torch.device) -> torch.Generator | None:
        if self.seed is None:
            return None
        generator = self._generators.get(device)
        if generator is None:
            generator = torch.Generator(device=device)
            generator.manual_seed(self.seed)
            self._generators[device] = generator
        return generator

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(
            {
                "units": self.units,
                "activation": serialize_keras_object(self.activation),
                "recurrent_activation": serialize_keras_object(
                    self.recurrent_activation
                ),
                "use_bias": self.use_bias,
                "unit_forget_bias": self.unit_forget_bias,
                "kernel_initializer": serialize_keras_object(
                    self.kernel_initializer
                ),
                "recurrent_initializer": serialize_keras_object(
                    self.recurrent_initializer
                ),
                "bias_initializer": serialize_keras_object(
                    self.bias_initializer
                ),
                "kernel_regularizer": serialize_keras_object(
                    self.kernel_regularizer
                ),
                "recurrent_regularizer": serialize_keras_object(
                    self.recurrent_regularizer
                ),
                "bias_regularizer": serialize_keras_object(
                    self.bias_regularizer
                ),
                "kernel_constraint": serialize_keras_object(
                    self.kernel_constraint
                ),
                "recurrent_constraint": serialize_keras_object(
                    self.recurrent_constraint
                ),
                "bias_constraint": serialize_keras_object(self.bias_constraint),
                "dropout": self.dropout,
                "recurrent_dropout": self.recurrent_dropout,
                "seed": self.seed,
            }
        )
        return config


class _ForgetGateOnes:
    """Bias initializer: ones for the forget gate, `base` for the others."""

    def __init__(self, base, units: int):
        self.base = base
        self.units = units

    def __call__(self, shape, dtype=None):
        units = self.units
        return torch.cat(
            [
                torch.as_tensor(self.base((units,), dtype=dtype)),
                torch.ones(units, dtype=dtype),
                torch.as_tensor(self.base((2 * units,), dtype=dtype)),
            ]
        )


def _along_time(mask: torch.Tensor, inputs: torch.Tensor) -> torch.Tensor:
    """Insert a time axis into a `(batch, features)` mask for 3-D inputs."""
    return mask.unsqueeze(1) if inputs.dim() == 3 else mask


def check_units(units: Any) -> None:
    if isinstance(units, bool) or not isinstance(units, int) or units <= 0:
        raise ValueError(
            f"`units` must be a positive integer. Received: units={units!r}"
        )


def check_seed(seed: Any) -> None:
    if seed is not None and (
        isinstance(seed, bool) or not isinstance(seed, int)
    ):
        raise ValueError(
            f"`seed` must be an integer or None. Received: seed={seed!r}"
        )
