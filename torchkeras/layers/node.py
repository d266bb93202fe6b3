"""`Node`: one call of a layer on symbolic tensors, a vertex of a model graph."""

from __future__ import annotations

from typing import Any

from torchkeras.layers.keras_tensor import KerasHistory
from torchkeras.layers.keras_tensor import KerasTensor
from torchkeras.utils.tree import flatten


class Node:
    """Records that `operation` was called on some symbolic tensors.

    Creating a node appends it to `operation._inbound_nodes` and stamps each
    output tensor with its `KerasHistory`, so the graph can be walked back
    from any output.

    Args:
        operation: The layer (or recorded operation) that was called.
        call_args: Positional arguments of the call, symbolic tensors
            included.
        call_kwargs: Keyword arguments of the call.
        outputs: The symbolic outputs (a tensor or a nest of them).
    """

    def __init__(self, operation, call_args=(), call_kwargs=None, outputs=None):
        self.operation = operation
        self.call_args = tuple(call_args)
        self.call_kwargs = dict(call_kwargs or {})
        self.outputs = outputs
        self.input_tensors: list[KerasTensor] = [
            value
            for value in flatten((self.call_args, self.call_kwargs))
            if isinstance(value, KerasTensor)
        ]
        self.output_tensors: list[KerasTensor] = [
            value for value in flatten(outputs) if isinstance(value, KerasTensor)
        ]
        node_index = len(operation._inbound_nodes)
        operation._inbound_nodes.append(self)
        for tensor_index, tensor in enumerate(self.output_tensors):
            tensor._keras_history = KerasHistory(operation, node_index, tensor_index)

    @property
    def is_input(self) -> bool:
        """Whether this node is the creation of a model input."""
        return not self.input_tensors

    @property
    def parent_nodes(self) -> list[Node]:
        """The nodes that produced this node's inputs."""
        parents = []
        for tensor in self.input_tensors:
            history = tensor._keras_history
            if history is not None:
                parents.append(history.operation._inbound_nodes[history.node_index])
        return parents

    def arguments_with(self, values: dict[int, Any]) -> tuple[tuple, dict]:
        """Return the call arguments with each symbolic tensor replaced.

        Args:
            values: Mapping from `id(symbolic_tensor)` to its value.
        """

        def replace(value):
            if isinstance(value, KerasTensor):
                return values[id(value)]
            if isinstance(value, (list, tuple)):
                return type(value)(replace(v) for v in value)
            if isinstance(value, dict):
                return {k: replace(v) for k, v in value.items()}
            return value

        return replace(self.call_args), replace(self.call_kwargs)
