"""`LSTM`: the long short-term memory layer, on torch's fused kernel."""

from __future__ import annotations

from typing import Any

import torch
from torch._subclasses.fake_tensor import FakeTensor
from torch.nn.utils.rnn import PackedSequence
from torch.nn.utils.rnn import pack_padded_sequence
from torch.nn.utils.rnn import pad_packed_sequence

from torchkeras import activations
from torchkeras.layers.rnn.base_rnn import _BaseRNN
from torchkeras.layers.rnn.base_rnn import run_step_loop
from torchkeras.layers.rnn.lstm_cell import NUM_GATES
from torchkeras.layers.rnn.lstm_cell import LSTMCell
from torchkeras.saving.serialization import serialize_keras_object

_TANH = (activations.tanh, torch.tanh)
_SIGMOID = (activations.sigmoid, torch.sigmoid)
_HALF_DTYPES = (torch.float16, torch.bfloat16)


class LSTM(_BaseRNN):
    """Long short-term memory layer (Hochreiter and Schmidhuber, 1997).

    The weights are stored as Keras stores them, in a cell named
    `lstm_cell`: `kernel` `(input_dim, 4 * units)`, `recurrent_kernel`
    `(units, 4 * units)` and one `bias` `(4 * units,)`, gates in the order
    input, forget, cell candidate, output. So `get_weights()`,
    `set_weights()` and Keras's weight and model files exchange with
    Keras 3.

    Where Keras would use cuDNN, the layer runs torch's fused LSTM kernel
    (`torch._VF.lstm`, the kernel behind `torch.nn.LSTM`), passing it
    transposed views of the kernels and a zero second bias. That needs
    `activation="tanh"`, `recurrent_activation="sigmoid"`, `unroll=False`,
    `use_cudnn` not False, no recurrent dropout in training, and either no
    mask or a right-padded one (`True` then `False` in each row, with at
    least one `True`). Any other case runs a Python loop over the steps
    with the same numbers. With `use_cudnn="auto"`, a float16 or bfloat16
    compute dtype on the CPU also runs the loop, as Keras does there.

    Under a mixed policy (`"mixed_float16"`, `"mixed_bfloat16"`) the
    weights stay float32, the computation and the outputs use the compute
    dtype, and inputs of any other dtype, integers included, are cast to
    it.

    Args:
        units: Positive integer, the size of the output and of each state.
        activation: Activation of the cell candidate and of the output.
            None means linear.
        recurrent_activation: Activation of the gates. None means linear.
        use_bias: Whether the layer has a bias vector.
        kernel_initializer: Initializer of `kernel`.
        recurrent_initializer: Initializer of `recurrent_kernel`.
        bias_initializer: Initializer of `bias`.
        unit_forget_bias: If True, the forget-gate quarter of the bias
            starts at 1 and the rest comes from `bias_initializer`.
        kernel_regularizer: Optional penalty on `kernel`.
        recurrent_regularizer: Optional penalty on `recurrent_kernel`.
        bias_regularizer: Optional penalty on `bias`.
        activity_regularizer: Optional penalty on the outputs.
        kernel_constraint: Optional projection of `kernel` after updates.
        recurrent_constraint: Optional projection of `recurrent_kernel`.
        bias_constraint: Optional projection of `bias`.
        dropout: Fraction of the inputs dropped in training, one mask per
            sequence. Clipped to [0, 1]; 1 turns dropout off, as in Keras.
        recurrent_dropout: Fraction of the previous output dropped in
            training. Training with it runs the step loop.
        seed: Optional integer seed of the dropout masks.
        return_sequences: Whether to return the output of every step
            rather than the last one.
        return_state: Whether to return `[output, h, c]`.
        go_backwards: Whether to process the sequence in reverse; the
            returned sequence is then in processing order, as in Keras.
        stateful: Whether the final states of a call are the initial
            states of the next one (same batch size). `reset_state()`
            clears them.
        unroll: Whether to run the Python step loop.
        use_cudnn: `"auto"` uses the fused kernel when the configuration
            allows it; False always runs the step loop; True raises
            ValueError for a configuration the fused kernel cannot run.
        **kwargs: Base layer arguments (`name`, `dtype`, `trainable`), and
            Keras's `zero_output_for_mask` (masked steps output zeros) and
            `implementation` (accepted and unused: both of Keras's
            formulations give the same numbers).

    Call arguments:
        sequences: Tensor `(batch, timesteps, features)`.
        initial_state: Optional list `[h, c]` of tensors `(batch, units)`.
        mask: Optional boolean tensor `(batch, timesteps)`; False marks a
            step to skip. `Embedding(mask_zero=True)` passes one.
        training: Whether dropout is applied.

    Input shape:
        3-D tensor `(batch, timesteps, features)`.

    Output shape:
        `(batch, units)`, or `(batch, timesteps, units)` with
        `return_sequences`; with `return_state`, a list of that output and
        the states `h` and `c`, each `(batch, units)`.

    Raises:
        ValueError: for `units` that is not a positive integer, an unknown
            activation, a `use_cudnn` value other than "auto", True or
            False, an input that is not 3-D, an input whose feature size
            differs from the one the layer was built for, an
            `initial_state` tensor that is not `(batch, units)`, a stateful
            layer in a model whose batch size is unknown, or
            `use_cudnn=True` with a configuration or mask the fused kernel
            cannot run.

    Example:

    >>> layer = LSTM(4, return_sequences=True)
    >>> layer(torch.ones(2, 5, 3)).shape
    torch.Size([2, 5, 4])
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
        activity_regularizer=None,
        kernel_constraint=None,
        recurrent_constraint=None,
        bias_constraint=None,
        dropout: float = 0.0,
        recurrent_dropout: float = 0.0,
        seed: int | None = None,
        return_sequences: bool = False,
        return_state: bool = False,
        go_backwards: bool = False,
        stateful: bool = False,
        unroll: bool = False,
        use_cudnn="auto",
        **kwargs,
    ):
        if use_cudnn not in ("auto", True, False):
            raise ValueError(
                "`use_cudnn` must be 'auto', True or False. "
                f"Received: use_cudnn={use_cudnn!r}"
            )
        cell = LSTMCell(
            units,
            activation=activation,
            recurrent_activation=recurrent_activation,
            use_bias=use_bias,
            kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer,
            unit_forget_bias=unit_forget_bias,
            kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint,
            dropout=dropout,
            recurrent_dropout=recurrent_dropout,
            seed=seed,
            implementation=kwargs.pop("implementation", None),
            dtype=kwargs.get("dtype"),
            trainable=kwargs.get("trainable", True),
            name="lstm_cell",
        )
        super().__init__(
            cell,
            return_sequences=return_sequences,
            return_state=return_state,
            go_backwards=go_backwards,
            stateful=stateful,
            unroll=unroll,
            activity_regularizer=activity_regularizer,
            **kwargs,
        )
        self.use_cudnn = use_cudnn
        self._fusable = (
            cell.activation in _TANH
            and cell.recurrent_activation in _SIGMOID
            and not unroll
            and use_cudnn is not False
        )
        if use_cudnn is True:
            self._check_fusable()

    def _check_fusable(self) -> None:
        """Raise ValueError if the fused kernel cannot run this configuration."""
        reasons = []
        if self.cell.activation not in _TANH:
            reasons.append("activation is not 'tanh'")
        if self.cell.recurrent_activation not in _SIGMOID:
            reasons.append("recurrent_activation is not 'sigmoid'")
        if self.unroll:
            reasons.append("unroll=True")
        if self.cell.recurrent_dropout:
            reasons.append("recurrent_dropout is not 0")
        if reasons:
            raise ValueError(
                f"Layer {self.name!r} was created with use_cudnn=True, but "
                "the fused LSTM kernel cannot run this configuration: "
                f"{', '.join(reasons)}. Pass use_cudnn='auto' to fall back "
                "to the step loop."
            )

    def build(self, sequences_shape, initial_state_shape=None):
        super().build(sequences_shape, initial_state_shape)
        # torch's fused kernel takes two bias vectors and Keras has one. The
        # second is this zero buffer, made once rather than on every call,
        # and outside inference mode so that training can use it later.
        with torch.inference_mode(False):
            zero_bias = torch.zeros(
                NUM_GATES * self.units,
                dtype=self.cell.kernel.dtype,
                device=self.cell.kernel.device,
            )
        self.register_buffer("_zero_bias", zero_bias, persistent=False)

    def _run_sequence(self, sequences, states, mask, training):
        cell = self.cell
        recurrent_dropout = training and 0.0 < cell.recurrent_dropout < 1.0
        # torch.compile (torch 2.13, CPU) fails on the fused kernel with
        # trainable weights, so compiled code runs the step loop.
        compiling = torch.compiler.is_compiling()
        # Keras runs half precision on the CPU as a step loop, and matching
        # its rounding needs the same loop.
        half_on_cpu = (
            sequences.dtype in _HALF_DTYPES
            and sequences.device.type == "cpu"
            and self.use_cudnn == "auto"
        )
        fused = (
            self._fusable
            and not recurrent_dropout
            and not compiling
            and not half_on_cpu
        )
        lengths = None
        if mask is not None and fused:
            lengths = _right_padded_lengths(mask)
            fused = lengths is not None
            if fused and bool((lengths == sequences.shape[1]).all()):
                mask = None  # Nothing is masked.
        if self.use_cudnn is True and not fused and not compiling:
            raise ValueError(
                f"Layer {self.name!r} was created with use_cudnn=True, but "
                "the fused LSTM kernel can only run masks that are "
                "right-padded (True then False in each row, with at least "
                "one True). Pass use_cudnn='auto' to fall back to the step "
                "loop, or pad the sequences at the end."
            )
        if not fused:
            return self._run_step_loop(sequences, states, mask, training)

        input_masks = cell.dropout_masks(
            sequences[:, 0], cell.dropout, 1, training
        )
        if input_masks is not None:
            sequences = sequences * input_masks[0].unsqueeze(1)
        if mask is None:
            return self._run_fused(sequences, states)
        return self._run_fused_masked(sequences, states, lengths, mask)

    def _kernel_parameters(self) -> list[torch.Tensor]:
        """Return the weights in the layout of torch's kernel, as views."""
        # NOTE: only the CPU kernel is tested. On CUDA, cuDNN packs these
        # views into one flat weight buffer on every call, a copy that
        # torch's own nn.LSTM avoids by storing its weights packed.
        cell = self.cell
        weights = [cell.kernel.t(), cell.recurrent_kernel.t()]
        if cell.bias is not None:
            # A no-op unless the weights are cast to a mixed compute dtype.
            weights += [cell.bias, self._zero_bias.to(cell.bias.dtype)]
        return weights

    def _run_fused(self, sequences, states):
        if self.go_backwards:
            sequences = sequences.flip(1)
        outputs, h, c = self._fused_kernel(sequences, states)
        return h, outputs, [h, c]

    def _fused_kernel(self, sequences, states, batch_sizes=None):
        """Call torch's LSTM kernel on a batch-major or a packed sequence.

        Returns `(outputs, h, c)` with `h` and `c` of shape
        `(batch, units)`.
        """
        h0, c0 = (state.unsqueeze(0) for state in states)
        arguments = (
            self._kernel_parameters(),
            self.cell.use_bias,
            1,  # num_layers
            0.0,  # dropout between layers
            torch.is_grad_enabled(),
            False,  # bidirectional
        )
        if batch_sizes is None:
            outputs, h, c = torch._VF.lstm(
                sequences,
                (h0, c0),
                *arguments,
                True,  # batch_first
            )
        else:
            outputs, h, c = torch._VF.lstm(
                sequences, batch_sizes, (h0, c0), *arguments
            )
        return outputs, h.squeeze(0), c.squeeze(0)

    def _run_fused_masked(self, sequences, states, lengths, mask):
        """Run a right-padded batch on the fused kernel.

        Each row's valid steps run first (with `go_backwards`, reversed
        within the row's length). When the final cell state is needed
        (`return_state`, `stateful`) the batch runs as a packed sequence,
        which stops each row at its length. Otherwise the whole padded
        batch runs and the steps after each row's length are discarded,
        because torch's CPU kernel runs packed sequences much slower.
        """
        device = sequences.device
        device_lengths = lengths.to(device)
        if self.go_backwards:
            sequences = _reverse_within_lengths(sequences, device_lengths)
        if self.return_state or self.stateful:
            valid_outputs, h, c = self._run_packed(sequences, states, lengths)
        else:
            outputs, _, _ = self._fused_kernel(sequences, states)
            steps = torch.arange(sequences.shape[1], device=device)
            valid = (steps < device_lengths.unsqueeze(1)).unsqueeze(-1)
            valid_outputs = torch.where(valid, outputs, 0.0)
            last = (device_lengths - 1).view(-1, 1, 1)
            h = outputs.gather(1, last.expand(-1, 1, outputs.shape[-1]))
            # NOTE: the final cell state is not computed on this path and
            # nothing reads it, because neither return_state nor stateful
            # is set.
            h, c = h.squeeze(1), None
        last_output, outputs = self._place_masked_outputs(
            valid_outputs, h, device_lengths, mask
        )
        return last_output, outputs, [h, c]

    def _run_packed(self, sequences, states, lengths):
        """Return `(outputs, h, c)`, outputs zero after each row's length."""
        packed = pack_padded_sequence(
            sequences, lengths, batch_first=True, enforce_sorted=False
        )
        order, restore = packed.sorted_indices, packed.unsorted_indices
        data, h, c = self._fused_kernel(
            packed.data,
            [state.index_select(0, order) for state in states],
            batch_sizes=packed.batch_sizes,
        )
        padded, _ = pad_packed_sequence(
            PackedSequence(data, packed.batch_sizes, order, restore),
            batch_first=True,
            total_length=sequences.shape[1],
        )
        return padded, h.index_select(0, restore), c.index_select(0, restore)

    def _place_masked_outputs(self, valid_outputs, h, lengths, mask):
        """Return `(last_output, outputs)` as Keras's step loop places them.

        `valid_outputs` has each row's outputs first and zeros after its
        length. Masked steps repeat the last output (or are zero with
        `zero_output_for_mask`). With `go_backwards` the masked steps come
        first in processing order, before any output, so they are zero.
        """
        if not self.return_sequences:
            last_output = h
            if self.zero_output_for_mask and not self.go_backwards:
                last_output = torch.where(mask[:, -1:].to(torch.bool), h, 0.0)
            return last_output, None
        time_steps = valid_outputs.shape[1]
        lengths = lengths.unsqueeze(1)
        if self.go_backwards:
            # Step t of the output is step t - (time_steps - length) of the
            # run. Earlier steps point at the zeros after the length.
            steps = torch.arange(time_steps, device=lengths.device)
            index = (steps.unsqueeze(0) + lengths) % time_steps
            outputs = valid_outputs.gather(
                1, index.unsqueeze(-1).expand(-1, -1, valid_outputs.shape[-1])
            )
        elif self.zero_output_for_mask:
            outputs = valid_outputs
        else:
            valid = mask.to(torch.bool).unsqueeze(-1)
            outputs = torch.where(valid, valid_outputs, h.unsqueeze(1))
        return outputs[:, -1], outputs

    def _run_step_loop(self, sequences, states, mask, training):
        cell = self.cell
        recurrent_masks = cell.dropout_masks(
            states[0], cell.recurrent_dropout, NUM_GATES, training
        )
        # Keras draws one input mask per gate when recurrent dropout is on.
        count = 1 if recurrent_masks is None else NUM_GATES
        input_masks = cell.dropout_masks(
            sequences[:, 0], cell.dropout, count, training
        )
        projected = cell.project_inputs(sequences, input_masks)

        def step(projected_t, step_states):
            h, c = cell.step(projected_t, *step_states, recurrent_masks)
            return h, [h, c]

        return run_step_loop(
            step,
            projected,
            states,
            mask,
            go_backwards=self.go_backwards,
            zero_output_for_mask=self.zero_output_for_mask,
            return_sequences=self.return_sequences,
        )

    @property
    def units(self) -> int:
        return self.cell.units

    @property
    def activation(self):
        return self.cell.activation

    @property
    def recurrent_activation(self):
        return self.cell.recurrent_activation

    @property
    def use_bias(self) -> bool:
        return self.cell.use_bias

    @property
    def dropout(self) -> float:
        return self.cell.dropout

    @property
    def recurrent_dropout(self) -> float:
        return self.cell.recurrent_dropout

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        cell_config = self.cell.get_config()
        for key in ("name", "trainable", "dtype"):
            del cell_config[key]
        config.update(cell_config)
        config["activity_regularizer"] = serialize_keras_object(
            self.activity_regularizer
        )
        return config


def _right_padded_lengths(mask: torch.Tensor) -> torch.Tensor | None:
    """Return the row lengths of a right-padded mask on the CPU, else None.

    None also covers rows without any True, which neither fused path can
    run, and fake tensors (symbolic shape inference), which have no values.
    The mask is copied to the CPU once, because the checks read its values
    there and a packed sequence needs the lengths there.
    """
    if isinstance(mask, FakeTensor):
        return None
    mask = mask.to(device="cpu", dtype=torch.bool)
    lengths = mask.sum(dim=1)
    steps = torch.arange(mask.shape[1])
    if not bool((mask == (steps < lengths.unsqueeze(1))).all()):
        return None
    if bool((lengths == 0).any()):
        return None
    return lengths


def _reverse_within_lengths(sequences, lengths) -> torch.Tensor:
    """Reverse each row's first `length` steps; later steps stay in place."""
    time_steps = sequences.shape[1]
    steps = torch.arange(time_steps, device=sequences.device).unsqueeze(0)
    lengths = lengths.unsqueeze(1)
    index = torch.where(steps < lengths, lengths - 1 - steps, steps)
    return sequences.gather(
        1, index.unsqueeze(-1).expand(-1, -1, sequences.shape[-1])
    )
