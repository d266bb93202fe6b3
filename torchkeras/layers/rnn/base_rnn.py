"""`_BaseRNN`: what recurrent layers share around their cell.

A recurrent layer owns a cell (a layer that computes one time step and
owns the weights) and adds the sequence-level behaviour Keras defines:
`return_sequences`, `return_state`, `go_backwards`, `stateful`, masks and
`initial_state`. Subclasses run the sequence in `_run_sequence`, either on
a fused torch kernel or on `run_step_loop`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch._subclasses.fake_tensor import FakeTensor

from torchkeras.layers.keras_tensor import KerasTensor
from torchkeras.layers.layer import InputSpec
from torchkeras.layers.layer import Layer
from torchkeras.mixed_precision import _layer_casting

# A step function takes the input of one step and the states, and returns
# the step's output and the new states.
StepFunction = Callable[
    [torch.Tensor, list[torch.Tensor]],
    tuple[torch.Tensor, list[torch.Tensor]],
]


class _BaseRNN(Layer):
    """Base of recurrent layers: sequence handling around a cell.

    Args:
        cell: The layer computing one step; it has `state_size` (a list of
            ints) and `output_size`.
        return_sequences: Whether to return the output of every step
            `(batch, timesteps, units)` rather than the last one only.
        return_state: Whether to return the final states after the output.
        go_backwards: Whether to process the sequence in reverse. The
            returned sequence is then in processing order (reversed), as in
            Keras.
        stateful: Whether the final states of a batch are the initial
            states of the next call, for the same batch size.
        unroll: Whether to run the steps as a Python loop.
        zero_output_for_mask: Whether masked steps output zeros rather than
            the output of the previous step.
        **kwargs: Base layer arguments (`name`, `dtype`, `trainable`,
            `activity_regularizer`).
    """

    def __init__(
        self,
        cell: Layer,
        return_sequences: bool = False,
        return_state: bool = False,
        go_backwards: bool = False,
        stateful: bool = False,
        unroll: bool = False,
        zero_output_for_mask: bool = False,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.cell = cell
        self.return_sequences = return_sequences
        self.return_state = return_state
        self.go_backwards = go_backwards
        self.stateful = stateful
        self.unroll = unroll
        self.zero_output_for_mask = zero_output_for_mask
        self.state_size = list(cell.state_size)
        self.supports_masking = True
        self.input_spec = InputSpec(ndim=3)
        # Final states kept between calls when `stateful` is True.
        self.states: list[torch.Tensor] | None = None

    def __call__(self, *args, **kwargs):
        if self.stateful:
            sequences = args[0] if args else kwargs.get("sequences")
            if isinstance(sequences, KerasTensor):
                self._check_static_batch(sequences.shape)
        return super().__call__(*args, **kwargs)

    def _check_static_batch(self, shape) -> None:
        """Raise ValueError if a stateful layer receives an unknown batch size.

        The stored states have one row per sample, so the batch size must be
        known when a model is built.
        """
        if not shape or shape[0] is not None:
            return
        example = ", ".join(["32", *(str(size) for size in shape[1:])])
        raise ValueError(
            f"Layer {self.name!r} ({type(self).__name__}) is stateful, so it "
            "needs a static batch size, but received an input of shape "
            f"{tuple(shape)} whose batch size is unknown (None). Give the "
            "model's `Input` a batch size, for example "
            f"`Input(batch_shape=({example}))` or "
            f"`Input(shape={tuple(shape[1:])}, batch_size=32)`."
        )

    def build(self, sequences_shape, initial_state_shape=None):
        self._check_rank(sequences_shape)
        if not self.cell.built:
            self.cell.build_with_shape(
                (sequences_shape[0],) + tuple(sequences_shape[2:])
            )
            # The cell's weights sit under this layer, as Keras names them
            # (`lstm/lstm_cell/kernel`).
            for variable in self.cell.weights:
                variable._path = f"{self.name}/{variable.path}"
        self.input_spec = InputSpec(ndim=3, axes={-1: sequences_shape[-1]})

    def call(self, sequences, initial_state=None, mask=None, training=None):
        self._check_rank(tuple(sequences.shape))
        self._check_features(sequences)
        if isinstance(mask, (list, tuple)):
            # With `initial_state` in a functional model, the states' masks
            # (None) follow the mask of the sequence.
            mask = mask[0]
        weight_dtype = self._cell_weight_dtype()
        compute_dtype = getattr(self, "_casting_dtype", None) or weight_dtype
        if sequences.dtype != compute_dtype:
            # Keras casts integer and other float inputs to the compute dtype.
            sequences = sequences.to(compute_dtype)
        states = self._initial_states(sequences, initial_state)
        if compute_dtype == weight_dtype:
            last_output, outputs, states = self._run_sequence(
                sequences, states, mask, bool(training)
            )
        else:
            # Under a mixed policy the cell's float32 weights are read as
            # compute-dtype copies, which pass gradients to the originals.
            with _layer_casting.weights_in_dtype(self.cell, compute_dtype):
                last_output, outputs, states = self._run_sequence(
                    sequences, states, mask, bool(training)
                )
        if self.stateful and not _is_placeholder(states[0]):
            # Only calls on real data carry states forward. Symbolic
            # tracing and shape inference run on fake or meta tensors,
            # whose values do not exist.
            self.states = [state.detach() for state in states]
        output = outputs if self.return_sequences else last_output
        if self.return_state:
            return (output, *states)
        return output

    def _run_sequence(self, sequences, states, mask, training):
        """Run the sequence and return `(last_output, outputs, states)`."""
        raise NotImplementedError

    def _initial_states(self, sequences, initial_state) -> list[torch.Tensor]:
        batch_size = sequences.shape[0]
        if initial_state is None and self.stateful:
            initial_state = self._stored_states(batch_size, sequences)
        if initial_state is None:
            return [
                sequences.new_zeros(batch_size, size)
                for size in self.state_size
            ]
        if isinstance(initial_state, torch.Tensor):
            initial_state = [initial_state]
        initial_state = list(initial_state)
        if len(initial_state) != len(self.state_size):
            raise ValueError(
                f"Layer {self.name!r} ({type(self).__name__}) expects "
                f"{len(self.state_size)} initial states of sizes "
                f"{self.state_size}. Received {len(initial_state)} tensors "
                "in `initial_state`."
            )
        states = [
            torch.as_tensor(state, device=sequences.device).to(sequences.dtype)
            for state in initial_state
        ]
        for index, (state, size) in enumerate(zip(states, self.state_size)):
            if tuple(state.shape) != (batch_size, size):
                raise ValueError(
                    f"Layer {self.name!r} ({type(self).__name__}) expects "
                    f"initial state {index} of shape ({batch_size}, {size}): "
                    "the batch size of the sequences and the state size. "
                    f"Received: shape={tuple(state.shape)}."
                )
        return states

    def _check_features(self, sequences) -> None:
        """Raise ValueError if the feature axis differs from the build shape."""
        expected = self.input_spec.axes.get(-1)
        if expected is None or sequences.shape[-1] == expected:
            return
        message = self.input_spec.mismatch(sequences, self.name)
        if message is None:
            message = (
                f"Layer {self.name!r} ({type(self).__name__}) was built for "
                f"{expected} features, but received an input of shape "
                f"{tuple(sequences.shape)}."
            )
        raise ValueError(message)

    def _cell_weight_dtype(self) -> torch.dtype:
        """Return the dtype of the cell's first float weight."""
        for parameter in self.cell._parameters.values():
            if parameter is not None and parameter.is_floating_point():
                return parameter.dtype
        return self._dtype

    def _stored_states(self, batch_size, sequences):
        """Return the states kept from the previous call, or None at first."""
        if self.states is None:
            return None
        expected = self.states[0].shape[0]
        if batch_size != expected:
            raise ValueError(
                f"Stateful layer {self.name!r} ({type(self).__name__}) keeps "
                f"states for a batch size of {expected}, but received a "
                f"batch of {batch_size}. Use the same batch size in every "
                "call, or call `reset_state()` first."
            )
        states = [s.to(sequences.device) for s in self.states]
        if any(s.is_inference() for s in states) and not (
            torch.is_inference_mode_enabled()
        ):
            # States stored by `predict` (inference mode) cannot take part
            # in autograd until copied.
            states = [s.clone() for s in states]
        return states

    def reset_state(self) -> None:
        """Forget the states kept by a stateful layer; the next call starts at zero."""
        self.states = None

    reset_states = reset_state

    def _check_rank(self, shape) -> None:
        if len(shape) != 3:
            received_shape = (None,) + tuple(shape[1:]) if shape else ()
            raise ValueError(
                f"Layer {self.name!r} ({type(self).__name__}) expects a 3-D "
                "input (batch, timesteps, features). Received an input of "
                f"shape {received_shape}. Add a time axis, for example with "
                "`Reshape`, or feed sequences."
            )

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        batch_size = sequences_shape[0]
        units = self.cell.output_size
        if self.return_sequences:
            output_shape = (batch_size, sequences_shape[1], units)
        else:
            output_shape = (batch_size, units)
        if self.return_state:
            state_shapes = [(batch_size, size) for size in self.state_size]
            return (output_shape, *state_shapes)
        return output_shape

    def compute_mask(self, inputs, previous_mask=None):
        if isinstance(previous_mask, (list, tuple)):
            previous_mask = previous_mask[0]
        output_mask = previous_mask if self.return_sequences else None
        if self.return_state:
            return [output_mask] + [None] * len(self.state_size)
        return output_mask

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(
            {
                "return_sequences": self.return_sequences,
                "return_state": self.return_state,
                "go_backwards": self.go_backwards,
                "stateful": self.stateful,
                "unroll": self.unroll,
                "zero_output_for_mask": self.zero_output_for_mask,
            }
        )
        return config


def _is_placeholder(tensor: torch.Tensor) -> bool:
    """Return whether `tensor` has a shape and dtype but no values."""
    return isinstance(tensor, FakeTensor) or tensor.device.type == "meta"


def run_step_loop(
    step: StepFunction,
    inputs: torch.Tensor,
    states: list[torch.Tensor],
    mask: torch.Tensor | None,
    go_backwards: bool,
    zero_output_for_mask: bool,
    return_sequences: bool,
) -> tuple[torch.Tensor, torch.Tensor | None, list[torch.Tensor]]:
    """Run `step` over the time axis of `inputs` with Keras's mask rules.

    At a masked step the states keep their previous values and the output
    repeats the previous step's output (zeros before the first step), or is
    zero with `zero_output_for_mask`.

    Args:
        step: Function `(input_t, states) -> (output_t, new_states)`.
        inputs: Tensor `(batch, time, ...)`, such as the projected inputs.
        states: Initial states, each `(batch, ...)`.
        mask: Boolean tensor `(batch, time)`, or None.
        go_backwards: Whether to run from the last step to the first.
        zero_output_for_mask: Whether masked steps output zeros.
        return_sequences: Whether to stack the output of every step.

    Returns:
        `(last_output, outputs, states)`: `outputs` is `(batch, time,
        units)` in processing order, or None without `return_sequences`.
    """
    time_steps = inputs.shape[1]
    order = range(time_steps - 1, -1, -1) if go_backwards else range(time_steps)
    if mask is not None:
        mask = mask.to(torch.bool).unsqueeze(-1)
    outputs = []
    output = None
    for t in order:
        new_output, new_states = step(inputs[:, t], states)
        if mask is None:
            output, states = new_output, new_states
        else:
            keep = mask[:, t]
            if zero_output_for_mask or output is None:
                previous = torch.zeros_like(new_output)
            else:
                previous = output
            output = torch.where(keep, new_output, previous)
            states = [
                torch.where(keep, new, old)
                for new, old in zip(new_states, states)
            ]
        if return_sequences:
            outputs.append(output)
    stacked = torch.stack(outputs, dim=1) if return_sequences else None
    return output, stacked, states
