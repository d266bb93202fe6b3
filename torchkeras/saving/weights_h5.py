"""Save and load model weights in Keras 3's `.weights.h5` HDF5 layout.

The file mirrors the layer tree. Each layer's own variables sit in a group
`<path>/vars` as datasets `"0"`, `"1"`, ... (trainable first, then
non-trainable, in creation order), and the group's `name` attribute is
the layer name. The root model's group is `vars`. Sequential and functional
models put their layers under `layers/<snake_case_class_name>`, with `_1`,
`_2`, ... added for repeated class names. Other layers put sublayers under
their attribute names, and a list attribute names its items by class as
above. A layer reached twice (a shared layer) is written
once, at the first path reached. A compiled model adds its optimizer's
state under `optimizer/vars`: the step count, the learning rate and,
after the first step, the per-weight slots, in Keras's order.
Keras 3.15.1 writes the same layout (the tests compare the group paths),
so files load in both directions.
"""

from __future__ import annotations

import os
import re
import warnings

import h5py
import numpy as np
import torch

from torchkeras.layers.layer import Layer
from torchkeras.saving import file_utils

_SUFFIX = ".weights.h5"


def save_weights(
    model, filepath, overwrite: bool = True, max_shard_size=None
) -> None:
    """Write the weights of `model` to a `.weights.h5` file.

    The layers' weights and, once the model is compiled, the optimizer's
    state are written, as Keras 3 does. The file is written to
    a temporary file in the same folder and then renamed into place, so an
    interrupted save leaves any previous file unchanged.

    Raises:
        NotImplementedError: if `max_shard_size` is given.
        ValueError: if `filepath` does not end in `.weights.h5`, or the model
            is not built.
        FileExistsError: if the file exists and `overwrite` is False.
    """
    if max_shard_size is not None:
        raise NotImplementedError(
            "Sharded weight files are not supported: pass max_shard_size=None. "
            f"Received: max_shard_size={max_shard_size!r}"
        )
    filepath = os.fspath(filepath)
    if not filepath.endswith(_SUFFIX):
        raise ValueError(
            f"The filename must end in `{_SUFFIX}`. Received: filepath={filepath}"
        )
    check_built(model, "saving")
    file_utils.check_overwrite(filepath, overwrite)
    with file_utils.atomic_path(filepath, suffix=_SUFFIX) as temporary_path:
        with h5py.File(temporary_path, "w") as file:
            write_weights(model, file)


def load_weights(model, filepath, skip_mismatch: bool = False) -> None:
    """Load weights written by `save_weights` (or Keras 3) into `model`.

    Raises:
        FileNotFoundError: if `filepath` does not exist.
        ValueError: if the model is not built, the file is not HDF5, lacks a group this model
            expects, or contains variables whose count or shapes differ from
            the model's, unless `skip_mismatch` is True. With
            `skip_mismatch`, a mismatched layer keeps its weights and a
            warning names it.
    """
    check_built(model, "loading")
    filepath = os.fspath(filepath)
    if not os.path.exists(filepath):
        raise FileNotFoundError(
            f"Weights file not found: {filepath}. Expected a `{_SUFFIX}` file "
            "written by `save_weights`."
        )
    if not h5py.is_hdf5(filepath):
        raise ValueError(
            f"The file {filepath} is not an HDF5 file. Expected a `{_SUFFIX}` "
            "file written by `save_weights`. The file may be truncated or "
            "corrupt."
        )
    try:
        file = h5py.File(filepath, "r")
    except OSError as error:
        raise ValueError(
            f"The file {filepath} cannot be read as HDF5: {error}. It may be "
            "truncated or corrupt."
        ) from error
    with file:
        read_weights(model, file, filepath, skip_mismatch)


def write_weights(model, file: h5py.File) -> None:
    """Write the layers' variables and the optimizer's state into `file`."""
    _save_layer(model, file, "", set())
    optimizer = _keras_optimizer(model)
    if optimizer is not None:
        # An optimizer that has not stepped yet writes its step count and
        # learning rate only, as Keras's does.
        group = file.create_group("optimizer/vars")
        group.attrs["name"] = optimizer.name
        store: dict[str, np.ndarray] = {}
        optimizer.save_own_variables(store)
        for key, value in store.items():
            group.create_dataset(key, data=value)


def read_weights(
    model, file: h5py.File, source: str, skip_mismatch: bool = False
) -> None:
    """Load layer variables, then optimizer state, from an open file.

    Args:
        model: A built model.
        file: An open `h5py.File` in the `.weights.h5` layout.
        source: How to name the file in error messages.
        skip_mismatch: Whether to skip mismatched layers with a warning
            instead of raising.
    """
    if "vars" not in file and "layers" not in file:
        raise ValueError(
            f"The file {source} does not have the `.weights.h5` layout: "
            "it has no top-level `vars` or `layers` group. Found top-level "
            f"keys: {sorted(file.keys())}."
        )
    try:
        _load_layer(model, file, "", set(), skip_mismatch, source)
        _load_optimizer(model, file, source)
    except (OSError, KeyError, RuntimeError) as error:
        # h5py raises these for damaged datasets inside a readable file.
        raise ValueError(
            f"The file {source} could not be read: {error}. It may be "
            "truncated or corrupt."
        ) from error


def _keras_optimizer(model):
    """Return the model's torchkeras optimizer, or None for a torch.optim one or none."""
    from torchkeras.optimizers.optimizer import Optimizer

    optimizer = getattr(model, "optimizer", None)
    return optimizer if isinstance(optimizer, Optimizer) else None


def _load_optimizer(model, file: h5py.File, source: str) -> None:
    """Restore the optimizer state saved in `file`, building it if needed.

    A file without optimizer state, or a model without a torchkeras
    optimizer (not compiled, or compiled with a `torch.optim` one), loads
    only the layers, as in Keras. An optimizer that is not built yet is
    built on the model's trainable weights, the set `fit` trains, so that
    training resumes from the saved state.
    """
    group = file.get("optimizer/vars")
    optimizer = _keras_optimizer(model)
    if group is None or optimizer is None:
        return
    store = {key: group[key][()] for key in group}
    if not optimizer.built:
        if "0" not in store or int(store["0"]) == 0:
            # Saved before the first step: no per-weight state to restore.
            return
        optimizer.build(model.trainable_weights)
    if len(store) != len(optimizer.variables):
        warnings.warn(
            f"Skipped loading the state of optimizer {optimizer.name!r} from "
            f"{source}: the optimizer has {len(optimizer.variables)} "
            f"variables and the file has {len(store)}. The layers' weights "
            "were loaded; training starts with a fresh optimizer state.",
            UserWarning,
            stacklevel=4,
        )
        return
    optimizer.load_own_variables(store)


def check_built(model, action: str) -> None:
    # An unbuilt model has no variables yet, so its file would be empty.
    if not getattr(model, "built", True):
        raise ValueError(
            f"Model {model.name!r} is not built, so it has no weights for "
            f"{action}. Build it first by calling it on data or with `build()`."
        )


def to_snake_case(name: str) -> str:
    """Convert a class name such as `BatchNormalization` to `batch_normalization`."""
    name = re.sub(r"\W+", "", name)
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def _join(path: str, name: str) -> str:
    return f"{path}/{name}" if path else name


def _own_variables(layer) -> list[torch.Tensor]:
    """Return the layer's own variables in Keras order: trainable, then not."""
    variables = list(getattr(layer, "_variables", []))
    trainable = [v for v in variables if getattr(v, "_created_trainable", True)]
    frozen = [
        v for v in variables if not getattr(v, "_created_trainable", True)
    ]
    return trainable + frozen


def _children(layer) -> list[tuple[str, object]]:
    """Return `(attribute path, child)` pairs in the order Keras visits them.

    A child is a layer or a list of layers. Sequential and functional models
    list their `layers` first. Other attributes follow in sorted order, with
    private names (leading `_`) last.
    """
    from torchkeras.models.functional import Functional
    from torchkeras.models.sequential import Sequential

    result = []
    if isinstance(layer, (Sequential, Functional)):
        result.append(("layers", list(layer.layers)))
    modules = getattr(layer, "_modules", {})
    for name in sorted(
        modules, key=lambda n: f"~{n}" if n.startswith("_") else n
    ):
        module = modules[name]
        if isinstance(module, Layer):
            result.append((name, module))
        elif isinstance(module, torch.nn.ModuleList):
            result.append((name, list(module)))
        elif isinstance(module, torch.nn.ModuleDict):
            result.append((name, list(module.values())))
        # NOTE: plain torch.nn.Module children (not torchkeras layers) are
        # not written, since Keras has no group layout for them.
    return result


def _container_paths(path: str, items: list) -> list[tuple[str, Layer]]:
    used: dict[str, int] = {}
    result = []
    for item in items:
        if not isinstance(item, Layer):
            continue
        base = to_snake_case(type(item).__name__)
        if base in used:
            used[base] += 1
            name = f"{base}_{used[base]}"
        else:
            used[base] = 0
            name = base
        result.append((_join(path, name), item))
    return result


def _walk(layer, path: str, visited: set[int]):
    """Yield `(path, layer)` for every layer not yet visited, depth first."""
    if id(layer) in visited:
        return
    visited.add(id(layer))
    yield path, layer
    for attribute, child in _children(layer):
        child_path = _join(path, attribute)
        if isinstance(child, Layer):
            yield from _walk(child, child_path, visited)
        else:
            for item_path, item in _container_paths(child_path, child):
                yield from _walk(item, item_path, visited)


def _save_layer(model, file: h5py.File, path: str, visited: set[int]) -> None:
    for layer_path, layer in _walk(model, path, visited):
        group = file.create_group(_join(layer_path, "vars"))
        group.attrs["name"] = layer.name
        for index, variable in enumerate(_own_variables(layer)):
            group.create_dataset(
                str(index), data=variable.detach().cpu().numpy()
            )


def _load_layer(model, file, path, visited, skip_mismatch, filepath) -> None:
    # Check every layer before assigning any, so a failed load (without
    # `skip_mismatch`) leaves the model unchanged.
    assignments = []
    for layer_path, layer in _walk(model, path, visited):
        variables = _own_variables(layer)
        group_path = _join(layer_path, "vars")
        group = file.get(group_path)
        if group is None:
            if not variables:
                continue
            raise ValueError(
                f"The file {filepath} has no group {group_path!r} for layer "
                f"{layer.name!r}, which has {len(variables)} variables. The file "
                "was probably saved from a different architecture."
            )
        arrays = [
            group[str(i)][()] for i in range(len(group)) if str(i) in group
        ]
        problem = _mismatch(layer, variables, arrays)
        if problem is None:
            assignments.extend(zip(variables, arrays))
        elif skip_mismatch:
            warnings.warn(
                f"Skipping loading weights for layer {layer.name!r}: {problem}",
                stacklevel=2,
            )
        else:
            raise ValueError(problem)
    with torch.no_grad():
        for variable, array in assignments:
            value = torch.as_tensor(np.asarray(array), dtype=variable.dtype)
            variable.copy_(value.to(variable.device))


def _mismatch(layer, variables, arrays) -> str | None:
    """Return a message describing how `arrays` differ from `variables`, or None."""
    expected = [tuple(v.shape) for v in variables]
    received = [tuple(a.shape) for a in arrays]
    if len(expected) != len(received):
        return (
            f"Layer {layer.name!r} expected {len(expected)} variables, but "
            f"received {len(received)} variables during loading. Expected "
            f"shapes: {expected}. Received shapes: {received}."
        )
    for variable, shape, array_shape in zip(variables, expected, received):
        if shape != array_shape:
            return (
                f"Layer {layer.name!r} variable {getattr(variable, 'name', '?')!r} "
                f"has shape {shape}, but the file has shape {array_shape}."
            )
    return None
