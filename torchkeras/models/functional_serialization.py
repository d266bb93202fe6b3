"""Functional model configs in Keras 3's format, both ways.

A config lists every layer and operation with its own config and its calls
(`inbound_nodes`). Each call's arguments keep their structure. Symbolic
tensors become `{"class_name": "__keras_tensor__", ...}` entries naming the
producing layer, the index of its call in this model and the output index.
Keras 3 and torchkeras read each other's configs.
"""

from __future__ import annotations

import collections
from typing import Any

from torchkeras.layers.core.operation import Operation
from torchkeras.layers.core.operation import make_operation
from torchkeras.layers.input_layer import InputLayer
from torchkeras.layers.keras_tensor import KerasTensor
from torchkeras.mixed_precision import _layer_casting
from torchkeras.ops._symbolic import keras_module
from torchkeras.utils.tree import flatten


def functional_config(model) -> dict[str, Any]:
    """Return the Keras config of a functional model."""
    from torchkeras.saving.serialization import serialize_layer

    # Node indices in the config count only this model's calls of a layer.
    reindex: dict[tuple[int, int], int] = {}
    for operation in model._operations:
        kept = 0
        for index, node in enumerate(operation._inbound_nodes):
            if id(node) in model._node_ids:
                reindex[(id(operation), index)] = kept
                kept += 1

    def history(tensor: KerasTensor) -> list:
        operation, node_index, tensor_index = tensor._keras_history
        return [operation.name, reindex[(id(operation), node_index)], tensor_index]

    def encode(value):
        if isinstance(value, KerasTensor):
            return {
                "class_name": "__keras_tensor__",
                "config": {
                    "shape": list(value.shape),
                    "dtype": value.dtype,
                    "keras_history": history(value),
                },
            }
        if isinstance(value, slice):
            return {
                "class_name": "__slice__",
                "config": {"start": value.start, "stop": value.stop, "step": value.step},
            }
        if value is Ellipsis:
            return {"class_name": "__ellipsis__", "config": {}}
        if isinstance(value, (list, tuple)):
            return [encode(v) for v in value]
        if isinstance(value, dict):
            return {k: encode(v) for k, v in value.items()}
        return value

    layers = []
    for operation in model._operations:
        if isinstance(operation, Operation):
            entry = {
                "module": keras_module(type(operation).__name__),
                "class_name": type(operation).__name__,
                "config": operation.get_config(),
                "registered_name": type(operation).__name__,
            }
        else:
            entry = serialize_layer(operation)
        entry["name"] = operation.name
        entry["inbound_nodes"] = [
            {"args": encode(list(node.call_args)), "kwargs": encode(node.call_kwargs)}
            for node in operation._inbound_nodes
            if id(node) in model._node_ids and not node.is_input
        ]
        layers.append(entry)

    def endpoints(structure):
        if isinstance(structure, dict):
            return {k: history(v) for k, v in structure.items()}
        if isinstance(structure, (list, tuple)):
            return [history(v) for v in structure]
        return history(structure)

    return {
        "name": model.name,
        "trainable": model.trainable,
        "layers": layers,
        "input_layers": endpoints(model._inputs_struct),
        "output_layers": endpoints(model._outputs_struct),
    }


def functional_from_config(cls, config: dict[str, Any], custom_objects=None):
    """Rebuild a functional model from `functional_config()` output.

    Raises:
        ValueError: if a call refers to a layer output that no call makes.
    """
    from torchkeras.saving.serialization import deserialize_layer

    created: dict[str, Any] = {}
    outputs_of: dict[tuple[str, int], list] = {}
    pending = collections.deque()
    for entry in config["layers"]:
        layer = _create(entry, custom_objects, deserialize_layer)
        created[entry["name"]] = layer
        if isinstance(layer, InputLayer):
            outputs_of[(entry["name"], 0)] = [layer.output]
        for node_data in entry.get("inbound_nodes", []):
            pending.append((entry["name"], node_data))

    # Calls wait until their inputs exist; each layer's calls keep their order.
    next_node: dict[str, int] = collections.defaultdict(int)
    for name, layer in created.items():
        if isinstance(layer, InputLayer):
            next_node[name] = 1
    stalled = 0
    while pending:
        name, node_data = pending.popleft()
        try:
            args = _decode(node_data.get("args", []), outputs_of)
            kwargs = _decode(node_data.get("kwargs", {}), outputs_of)
        except KeyError:
            pending.append((name, node_data))
            stalled += 1
            if stalled > len(pending):
                raise ValueError(
                    f"The model config of {config.get('name')!r} is invalid: "
                    f"a call of layer {name!r} uses an output that no other "
                    "call produces."
                ) from None
            continue
        stalled = 0
        outputs = created[name](*args, **kwargs)
        outputs_of[(name, next_node[name])] = flatten(outputs)
        next_node[name] += 1

    def resolve(endpoint):
        if isinstance(endpoint, dict):
            return {k: resolve(v) for k, v in endpoint.items()}
        if endpoint and isinstance(endpoint[0], (list, tuple)):
            return [resolve(v) for v in endpoint]
        layer_name, node_index, tensor_index = endpoint
        return outputs_of[(layer_name, node_index)][tensor_index]

    model = cls(
        resolve(config["input_layers"]),
        resolve(config["output_layers"]),
        name=config.get("name"),
        trainable=config.get("trainable", True),
    )
    _layer_casting.cast_beside_mixed_layers(model)
    return model


def _create(entry: dict, custom_objects, deserialize_layer):
    if (entry.get("module") or "").startswith("keras.src.ops"):
        options = dict(entry.get("config", {}))
        name = options.pop("name", None)
        return make_operation(entry["class_name"], name=name, **options)
    return deserialize_layer(entry, custom_objects)


def _decode(value, outputs_of):
    """Turn config arguments back into tensors, slices and tuples."""
    if isinstance(value, dict):
        kind = value.get("class_name")
        if kind == "__keras_tensor__":
            layer_name, node_index, tensor_index = value["config"]["keras_history"]
            return outputs_of[(layer_name, node_index)][tensor_index]
        if kind == "__slice__":
            config = value["config"]
            return slice(config["start"], config["stop"], config["step"])
        if kind == "__ellipsis__":
            return Ellipsis
        return {k: _decode(v, outputs_of) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        decoded = [_decode(v, outputs_of) for v in value]
        # Index keys such as `x[:, 1:3]` are tuples; configs store lists.
        if any(isinstance(v, (slice, type(Ellipsis))) or v is None for v in decoded):
            return tuple(decoded)
        return decoded
    return value
