"""Functional models: a graph of layer calls from symbolic inputs to outputs."""

from __future__ import annotations

from typing import Any

import torch

from torchkeras.layers.core.operation import Operation
from torchkeras.layers.input_layer import InputLayer
from torchkeras.layers.keras_tensor import KerasTensor
from torchkeras.layers.layer import Layer
from torchkeras.layers.node import Node
from torchkeras.models.model import Model
from torchkeras.utils.tree import _keys as _sorted_keys
from torchkeras.utils.tree import flatten


def _check_symbolic(value, argument: str) -> None:
    for tensor in flatten(value):
        if not isinstance(tensor, KerasTensor):
            raise TypeError(
                f"All `{argument}` of a functional model must be symbolic "
                "tensors made with `Input()` or returned by calling layers "
                f"on them. Received: {tensor!r} of type "
                f"{type(tensor).__name__}"
            )


def _pack(structure, flat_values: list):
    """Return `flat_values` arranged like `structure` (tensor, list or dict)."""
    iterator = iter(flat_values)

    def fill(template):
        if isinstance(template, dict):
            return {k: fill(template[k]) for k in _sorted_keys(template)}
        if isinstance(template, (list, tuple)):
            return type(template)(fill(v) for v in template)
        return next(iterator)

    return fill(structure)


class _Step:
    """One node of the graph, ready to run: fast path for one-tensor calls."""

    __slots__ = ("node", "operation", "input_ids", "output_ids", "simple", "kwargs")

    def __init__(self, node: Node):
        self.node = node
        self.operation = node.operation
        self.input_ids = [id(t) for t in node.input_tensors]
        self.output_ids = [id(t) for t in node.output_tensors]
        # Most nodes are `layer(tensor)` or `layer(tensor, **constants)`.
        self.simple = (
            len(node.call_args) == 1
            and isinstance(node.call_args[0], KerasTensor)
            and len(node.input_tensors) == 1
            and len(node.output_tensors) == 1
            and isinstance(node.outputs, KerasTensor)
        )
        self.kwargs = dict(node.call_kwargs)


class Functional(Model):
    """A model defined by its symbolic inputs and outputs.

    Created by `Model(inputs, outputs)`. The layers called between them
    form a directed acyclic graph. Shared layers, several inputs and
    outputs, nested models and operations on symbolic tensors (`x + y`,
    `x[:, 0]`) are all recorded. Layers are registered in a
    `torch.nn.ModuleList` named `layers` in `model.layers` order, so
    `state_dict()` keys read `layers.1.kernel` whatever the layer names.

    Args:
        inputs: A symbolic tensor from `Input()`, or a list or dict of them.
        outputs: Symbolic tensors computed from `inputs` (tensor, list or
            dict).
        name: Optional name of the model.

    Example:

    >>> inputs = Input(shape=(4,))
    >>> hidden = Dense(8, activation="relu")(inputs)
    >>> model = Model(inputs, Dense(1)(hidden))
    >>> model.output_shape
    (None, 1)
    """

    def __init__(self, inputs, outputs, name=None, trainable=True, **kwargs):
        if kwargs:
            raise TypeError(
                f"Model() received unexpected keyword arguments: {sorted(kwargs)}"
            )
        if isinstance(inputs, tuple):
            inputs = list(inputs)
        if isinstance(outputs, tuple):
            outputs = list(outputs)
        _check_symbolic(inputs, "inputs")
        _check_symbolic(outputs, "outputs")
        super().__init__(name=name, trainable=trainable)
        object.__setattr__(self, "_inputs_struct", inputs)
        object.__setattr__(self, "_outputs_struct", outputs)
        flat_inputs = flatten(inputs)
        flat_outputs = flatten(outputs)
        for tensor in flat_inputs:
            operation = tensor._keras_history.operation
            if not isinstance(operation, InputLayer):
                raise ValueError(
                    "Every input of a functional model must come directly "
                    f"from `Input()`. Received {tensor!r}, the output of "
                    f"layer {operation.name!r}. Pass that layer's input "
                    "tensors instead."
                )
        object.__setattr__(self, "_flat_inputs", flat_inputs)
        object.__setattr__(self, "_flat_outputs", flat_outputs)
        self._build_graph()
        self.built = True

    # ------------------------------------------------------------------
    # Graph construction
    # ------------------------------------------------------------------

    def _build_graph(self) -> None:
        nodes, depths, _ = self._collect_nodes()
        self._check_connected(nodes)
        operations = self._ordered_operations(nodes, depths)
        layers = [op for op in operations if not isinstance(op, Operation)]
        self._check_unique_names(layers)

        self._modules["layers"] = torch.nn.ModuleList(layers)
        object.__setattr__(self, "_operations", operations)
        object.__setattr__(self, "_nodes", [n for n in nodes if not n.is_input])
        object.__setattr__(self, "_node_ids", {id(n) for n in nodes})
        object.__setattr__(self, "_nodes_by_depth", _group_by_depth(nodes, depths))
        object.__setattr__(self, "_steps", [_Step(n) for n in self._nodes])
        object.__setattr__(
            self,
            "_uses_masks",
            any(type(op).compute_mask is not Layer.compute_mask for op in operations),
        )

        # As in Keras, outputs are named by the layers producing them; dict
        # outputs come in sorted key order.
        output_names = [t._keras_history.operation.name for t in self._flat_outputs]
        object.__setattr__(self, "output_names", output_names)
        object.__setattr__(
            self, "input_names", [t._keras_history.operation.name for t in self._flat_inputs]
        )

    # ------------------------------------------------------------------
    # Pickling
    # ------------------------------------------------------------------

    def __getstate__(self) -> dict[str, Any]:
        # The run plan and the node set key symbolic tensors and nodes by
        # `id()`, which changes when pickle or deepcopy makes new objects,
        # so both are rebuilt from the copied nodes in `__setstate__`.
        state = super().__getstate__()
        state.pop("_steps", None)
        state.pop("_node_ids", None)
        return state

    def __reduce_ex__(self, protocol):
        # A Model subclass called with inputs and outputs runs as a class
        # made at run time (see `_functional_subclass`), which pickle cannot
        # find by name, so loading recreates it from the user's class.
        reduced = super().__reduce_ex__(protocol)
        user_class = _graph_user_class(type(self))
        if user_class is None:
            return reduced
        return (_new_functional_subclass, (user_class,), *reduced[2:])

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        all_nodes = [
            node for nodes in self._nodes_by_depth.values() for node in nodes
        ]
        object.__setattr__(self, "_node_ids", {id(n) for n in all_nodes})
        object.__setattr__(self, "_steps", [_Step(n) for n in self._nodes])

    def _check_connected(self, nodes: list[Node]) -> None:
        input_ids = {id(t) for t in self._flat_inputs}
        for node in nodes:
            if node.is_input and id(node.output_tensors[0]) not in input_ids:
                layer = node.operation
                raise ValueError(
                    f"Functional model {self.name!r} is disconnected: the "
                    f"outputs depend on input {layer.name!r} "
                    f"(shape {layer.batch_shape}), which is not in `inputs`. "
                    f"Inputs given: {[t._keras_history.operation.name for t in self._flat_inputs]}."
                )

    def _ordered_operations(self, nodes: list[Node], depths: dict[int, int]) -> list[Layer]:
        """Return layers and operations ordered as Keras lists them.

        Deeper operations (closer to the inputs) come first; ties keep the
        order in which the graph walk finished them.
        """
        operations: list[Layer] = []
        operation_depth: dict[int, int] = {}
        for node in nodes:
            operation = node.operation
            depth = depths[id(node)]
            if id(operation) not in operation_depth:
                operations.append(operation)
                operation_depth[id(operation)] = depth
            else:
                operation_depth[id(operation)] = max(operation_depth[id(operation)], depth)
        first_seen = {id(op): i for i, op in enumerate(operations)}
        for index, tensor in enumerate(self._flat_inputs):
            operation = tensor._keras_history.operation
            if id(operation) not in first_seen:
                operations.append(operation)
                first_seen[id(operation)] = len(operations)
                operation_depth[id(operation)] = max(operation_depth.values(), default=0) + 1
        operations.sort(key=lambda op: (-operation_depth[id(op)], first_seen[id(op)]))
        return operations

    def _check_unique_names(self, layers: list[Layer]) -> None:
        names = [layer.name for layer in layers]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(
                f"The name {duplicates[0]!r} is used {names.count(duplicates[0])} "
                f"times in the model {self.name!r}. All layer names should "
                "be unique. Pass a unique `name` to each layer."
            )

    def _collect_nodes(self):
        """Return the graph's nodes in execution order, depths and discovery order."""
        ordered: list[Node] = []
        finished: set[int] = set()
        in_progress: set[int] = set()
        depths: dict[int, int] = {}

        def visit(node: Node, depth: int) -> None:
            key = id(node)
            depths[key] = max(depths.get(key, 0), depth)
            if key in finished:
                return
            if key in in_progress:
                raise ValueError("The layer graph has a cycle.")
            in_progress.add(key)
            for parent in node.parent_nodes:
                visit(parent, depth + 1)
            in_progress.discard(key)
            finished.add(key)
            ordered.append(node)

        for tensor in self._flat_outputs:
            history = tensor._keras_history
            visit(history.operation._inbound_nodes[history.node_index], 0)
        # Depths must grow along every path, so propagate once more upstream.
        for node in reversed(ordered):
            for parent in node.parent_nodes:
                depths[id(parent)] = max(depths[id(parent)], depths[id(node)] + 1)
        # An input that no output uses still belongs to the graph. Keras gives
        # it depth 0 and lists it before the other layers of that depth.
        for tensor in reversed(self._flat_inputs):
            history = tensor._keras_history
            node = history.operation._inbound_nodes[history.node_index]
            if id(node) not in finished:
                finished.add(id(node))
                depths[id(node)] = 0
                ordered.insert(0, node)
        return ordered, depths, {id(n): i for i, n in enumerate(ordered)}

    # ------------------------------------------------------------------
    # Running the graph
    # ------------------------------------------------------------------

    def call(self, inputs, training=None, mask=None):
        values: dict[int, Any] = {}
        for tensor, value in zip(self._flat_inputs, self._flatten_inputs(inputs)):
            values[id(tensor)] = value
        if self._uses_masks:
            return self._run_with_masks(values, mask)
        for step in self._steps:
            if step.simple:
                values[step.output_ids[0]] = step.operation(
                    values[step.input_ids[0]], **step.kwargs
                )
                continue
            args, kwargs = step.node.arguments_with(values)
            outputs = step.operation(*args, **kwargs)
            for key, value in zip(step.output_ids, flatten(outputs)):
                values[key] = value
        return _pack(self._outputs_struct, [values[id(t)] for t in self._flat_outputs])

    def _run_with_masks(self, values: dict[int, Any], mask) -> Any:
        masks: dict[int, Any] = {}
        if mask is not None:
            for tensor, value in zip(self._flat_inputs, flatten(mask)):
                masks[id(tensor)] = value
        for step in self._steps:
            args, kwargs = step.node.arguments_with(values)
            input_masks = [masks.get(key) for key in step.input_ids]
            operation = step.operation
            if operation._call_accepts_mask and "mask" not in kwargs and any(
                m is not None for m in input_masks
            ):
                kwargs["mask"] = input_masks[0] if len(input_masks) == 1 else input_masks
            outputs = operation(*args, **kwargs)
            flat_outputs = flatten(outputs)
            for key, value in zip(step.output_ids, flat_outputs):
                values[key] = value
            first_input = args[0] if args else None
            previous = input_masks[0] if len(input_masks) == 1 else input_masks
            if not any(m is not None for m in input_masks):
                previous = None
            output_mask = operation.compute_mask(first_input, previous)
            for key, value in zip(step.output_ids, flatten(output_mask) if output_mask is not None else []):
                masks[key] = value
        return _pack(self._outputs_struct, [values[id(t)] for t in self._flat_outputs])

    def _flatten_inputs(self, inputs) -> list:
        """Match call inputs to the model inputs: by structure, else by name."""
        structure = self._inputs_struct
        if isinstance(inputs, dict) and not isinstance(structure, dict):
            missing = [n for n in self.input_names if n not in inputs]
            if missing:
                raise ValueError(
                    f"Model {self.name!r} received a dict of inputs without "
                    f"the keys {missing}. Expected keys: {self.input_names}."
                )
            return [inputs[n] for n in self.input_names]
        if isinstance(structure, dict):
            if not isinstance(inputs, dict):
                raise ValueError(
                    f"Model {self.name!r} expects a dict of inputs with keys "
                    f"{list(structure)}. Received: {type(inputs).__name__}"
                )
            return flatten({k: inputs[k] for k in structure})  # sorted keys
        flat = flatten(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
        if len(flat) != len(self._flat_inputs):
            raise ValueError(
                f"Model {self.name!r} expects {len(self._flat_inputs)} "
                f"input(s), but it received {len(flat)} input tensor(s)."
            )
        return [
            self._convert_inputs(value) if not isinstance(value, torch.Tensor) else value
            for value in flat
        ]

    def compute_output_shape(self, input_shape):
        return _pack(self._outputs_struct, [t.shape for t in self._flat_outputs])

    # ------------------------------------------------------------------
    # Structure
    # ------------------------------------------------------------------

    @property
    def layers(self) -> torch.nn.ModuleList:
        """The layers of the graph, input layers included, as Keras lists them."""
        return self._modules["layers"]

    @property
    def operations(self) -> list[Layer]:
        """Layers and recorded operations (`x + y`), in graph order."""
        return list(self._operations)

    @property
    def inputs(self) -> list[KerasTensor]:
        """The symbolic inputs, as a flat list."""
        return list(self._flat_inputs)

    @property
    def outputs(self) -> list[KerasTensor]:
        """The symbolic outputs, as a flat list."""
        return list(self._flat_outputs)

    @property
    def input(self):
        """The symbolic inputs in the structure given to `Model()`."""
        return self._inputs_struct

    @property
    def output(self):
        """The symbolic outputs in the structure given to `Model()`."""
        return self._outputs_struct

    @property
    def input_shape(self):
        """The input shape(s), batch axis included."""
        shapes = [t.shape for t in self._flat_inputs]
        return shapes[0] if len(shapes) == 1 else _pack(self._inputs_struct, shapes)

    @property
    def output_shape(self):
        """The output shape(s), batch axis included."""
        shapes = [t.shape for t in self._flat_outputs]
        return shapes[0] if len(shapes) == 1 else _pack(self._outputs_struct, shapes)

    def get_layer(self, name=None, index=None):
        """Return a layer by name or by index in `layers` (input layers included)."""
        if index is not None and name is None:
            layers = self.layers
            if len(layers) <= index:
                raise ValueError(
                    f"Was asked to retrieve layer at index {index} but model "
                    f"only has {len(layers)} layers."
                )
            return layers[index]
        return super().get_layer(name=name, index=index)

    def get_config(self) -> dict[str, Any]:
        """Return the graph in Keras 3's config format."""
        from torchkeras.models.functional_serialization import functional_config

        return functional_config(self)

    @classmethod
    def from_config(cls, config, custom_objects=None) -> Functional:
        """Rebuild a functional model (new weights) from `get_config()`."""
        from torchkeras.models.functional_serialization import functional_from_config

        return functional_from_config(Functional, config, custom_objects)


def _graph_user_class(cls: type) -> type | None:
    """Return the user's class that `cls` was made from, or None."""
    from torchkeras.models.model import _FUNCTIONAL_SUBCLASSES

    user_class = cls.__bases__[0]
    if _FUNCTIONAL_SUBCLASSES.get(user_class) is cls:
        return user_class
    return None


def _new_functional_subclass(user_class: type) -> Functional:
    """Return an uninitialized graph model of `user_class` for pickle."""
    from torchkeras.models.model import _functional_subclass

    cls = _functional_subclass(user_class)
    return cls.__new__(cls)


def _group_by_depth(nodes: list[Node], depths: dict[int, int]) -> dict[int, list[Node]]:
    grouped: dict[int, list[Node]] = {}
    for node in nodes:
        grouped.setdefault(depths[id(node)], []).append(node)
    return grouped
