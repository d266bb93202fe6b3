"""A layer's saved state as a flat store: names mapped to arrays.

`Layer.save_own_variables(store)` fills a dict that `weights_h5` writes
as the datasets of one HDF5 group (`<path>/vars`), and
`Layer.load_own_variables(store)` reads such a dict back. This module
contains the default behaviour of those two methods, the check that runs
before anything is assigned, and the same three steps for plain
`torch.nn.Module` state, which is stored under its `state_dict()` keys
as Keras's `TorchModuleWrapper` stores it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch


def own_variables(layer) -> list[torch.Tensor]:
    """Return the layer's own variables in Keras order: trainable, then not.

    Each group keeps creation order. Sublayers' variables are not included.
    """
    variables = list(getattr(layer, "_variables", []))
    trainable = [v for v in variables if getattr(v, "_created_trainable", True)]
    frozen = [
        v for v in variables if not getattr(v, "_created_trainable", True)
    ]
    return trainable + frozen


def to_numpy(value: Any) -> np.ndarray:
    """Convert a store entry (tensor, variable, array or number) to numpy."""
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy()
    return np.asarray(value)


def _sorted_keys(store) -> list[str]:
    """Return the store's keys, numeric ones in numeric order first."""
    keys = [str(key) for key in store.keys()]
    numeric = sorted((k for k in keys if k.isdigit()), key=int)
    return numeric + sorted(k for k in keys if not k.isdigit())


def variables_mismatch(layer, store) -> str | None:
    """Return why `store` does not fit the layer's own variables, or None.

    `store` is expected to hold one array per variable under the keys
    `"0"`, `"1"`, ... in the order of `own_variables`.
    """
    variables = own_variables(layer)
    keys = _sorted_keys(store)
    received = [tuple(np.shape(store[key])) for key in keys]
    if not variables and keys and not getattr(layer, "built", True):
        return (
            f"Layer {layer.name!r} is not built, so it has no variables yet, "
            f"but the file has {len(keys)} variables for it (shapes "
            f"{received}). Build the model before loading its weights: call "
            "it on a batch of data. A custom layer or model must create its "
            "sublayers' weights in `build(input_shape)`, or implement "
            "`build_from_config()` so that loading can build it from what "
            "`get_build_config()` saved."
        )
    expected = [tuple(v.shape) for v in variables]
    if len(keys) != len(variables):
        return (
            f"Layer {layer.name!r} expected {len(expected)} variables, but "
            f"received {len(received)} variables during loading. Expected "
            f"shapes: {expected}. Received shapes: {received}."
        )
    expected_keys = [str(index) for index in range(len(variables))]
    if keys != expected_keys:
        return (
            f"Layer {layer.name!r} expected its variables under the keys "
            f"{expected_keys}, but the file has the keys {keys}. The file "
            "was probably saved from a different layer."
        )
    for variable, shape, array_shape in zip(variables, expected, received):
        if shape != array_shape:
            return (
                f"Layer {layer.name!r} variable "
                f"{getattr(variable, 'name', '?')!r} has shape {shape}, but "
                f"the file has shape {array_shape}."
            )
    return None


def assign_variables(layer, store) -> None:
    """Copy `store["0"]`, `store["1"]`, ... into the layer's own variables.

    The caller has checked the store with `variables_mismatch`.
    """
    with torch.no_grad():
        for index, variable in enumerate(own_variables(layer)):
            _copy_into(variable, store[str(index)])


def module_state(module: torch.nn.Module) -> dict[str, np.ndarray]:
    """Return a module's `state_dict()` entries as numpy arrays."""
    return {
        key: to_numpy(value) for key, value in module.state_dict().items()
    }


def module_state_mismatch(module: torch.nn.Module, store, name: str):
    """Return why `store` does not fit the module's `state_dict()`, or None.

    Args:
        module: The torch module to load into.
        store: Mapping from `state_dict()` keys to arrays.
        name: How to name the module in the message.
    """
    state = module.state_dict()
    keys = set(_sorted_keys(store))
    missing = sorted(set(state) - keys)
    unexpected = sorted(keys - set(state))
    if missing or unexpected:
        return (
            f"The torch module {name!r} ({type(module).__name__}) expected "
            f"the state_dict keys {sorted(state)}, but the file has "
            f"{sorted(keys)}. Missing: {missing}. Unexpected: {unexpected}."
        )
    for key, tensor in state.items():
        array_shape = tuple(np.shape(store[key]))
        if tuple(tensor.shape) != array_shape:
            return (
                f"The torch module {name!r} ({type(module).__name__}) entry "
                f"{key!r} has shape {tuple(tensor.shape)}, but the file has "
                f"shape {array_shape}."
            )
    return None


def load_module_state(module: torch.nn.Module, store) -> None:
    """Load a store of `state_dict()` entries into `module`, strictly."""
    state = {
        str(key): torch.as_tensor(np.asarray(store[key])) for key in store
    }
    module.load_state_dict(state, strict=True)


def persistent_buffers(layer) -> dict[str, torch.Tensor]:
    """Return the layer's own buffers that `state_dict()` includes.

    Buffers registered with `persistent=False` are scratch values, not
    state, and are left out, as torch leaves them out of `state_dict()`.
    """
    skipped = getattr(layer, "_non_persistent_buffers_set", set())
    return {
        name: buffer
        for name, buffer in layer._buffers.items()
        if buffer is not None and name not in skipped
    }


def buffers_mismatch(layer, buffers, store) -> str | None:
    """Return why `store` does not fit the layer's buffers, or None."""
    for name, buffer in buffers.items():
        if name not in store:
            return (
                f"Layer {layer.name!r} has the buffer {name!r}, but the "
                f"file's buffers for it are {_sorted_keys(store)}."
            )
        array_shape = tuple(np.shape(store[name]))
        if tuple(buffer.shape) != array_shape:
            return (
                f"Layer {layer.name!r} buffer {name!r} has shape "
                f"{tuple(buffer.shape)}, but the file has shape {array_shape}."
            )
    return None


def assign_buffers(buffers, store) -> None:
    with torch.no_grad():
        for name, buffer in buffers.items():
            _copy_into(buffer, store[name])


def _copy_into(tensor: torch.Tensor, array) -> None:
    value = torch.as_tensor(np.asarray(array), dtype=tensor.dtype)
    tensor.copy_(value.to(tensor.device))
