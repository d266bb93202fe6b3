"""Save and load model weights in Keras 3's `.weights.h5` HDF5 layout.

The file mirrors the layer tree. Each layer writes what its
`save_own_variables(store)` puts in the store into a group `<path>/vars`:
by default its own variables as datasets `"0"`, `"1"`, ... (trainable
first, then non-trainable, in creation order). The group's `name`
attribute is the layer name. The root model's group is `vars`. Sequential
and functional models put their layers under
`layers/<snake_case_class_name>`, with `_1`, `_2`, ... added for repeated
class names. Other layers put sublayers under their attribute names, and
a list attribute names its items by class as above. A subclassed model
also has a `layers` list, visited in sorted attribute order as Keras does.
A layer reached twice (a shared layer) is written once, at the first path
reached. A plain `torch.nn.Module` attribute is written as Keras writes
the `TorchModuleWrapper` it wraps such an attribute in: its `state_dict()`
entries in `<path>/vars`. A layer's persistent `register_buffer` tensors,
which Keras does not have, go to `<path>/buffers`, a group Keras ignores. A compiled model adds its optimizer's
state under `optimizer/vars`: the step count, the learning rate and,
after the first step, the per-weight slots, in Keras's order.
Keras 3.15.1 writes the same layout (the tests compare the group paths),
so files load in both directions.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import re
import warnings
from collections.abc import Iterator

import h5py
import numpy as np
import torch

from torchkeras.layers.layer import Layer
from torchkeras.saving import file_utils
from torchkeras.saving import layer_state

_SUFFIX = ".weights.h5"
# Group beside a layer's `vars` that contains its `register_buffer` tensors.
_BUFFERS = "buffers"


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
    file_utils.check_not_empty(
        filepath, f"a `{_SUFFIX}` file written by `save_weights`"
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
    if optimizer is None:
        return
    # An optimizer that has not stepped yet writes its step count and
    # learning rate only, as Keras's does.
    _write_optimizer(optimizer, file.create_group("optimizer/vars"))
    inner = getattr(optimizer, "inner_optimizer", None)
    if inner is not None:
        # Keras also writes a wrapped optimizer's own state on its own and
        # warns when loading a file without it. Loading here reads only
        # `optimizer/vars`, which contains the inner state too.
        _write_optimizer(inner, file.create_group("optimizer/inner_optimizer/vars"))


def _write_optimizer(optimizer, group: h5py.Group) -> None:
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
    with _reading(source):
        pending = _check_layers(model, file, skip_mismatch, source)
    # Outside `_reading`: errors of a user's `load_own_variables` are not
    # file damage and pass through unchanged.
    pending.apply(skip_mismatch)
    with _reading(source):
        _load_optimizer(model, file, source)


@contextlib.contextmanager
def _reading(source: str) -> Iterator[None]:
    """Turn the errors h5py raises for damaged datasets into ValueError."""
    try:
        yield
    except (OSError, KeyError, RuntimeError) as error:
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
        stepped = "0" in store and int(store["0"]) != 0
        if not stepped and len(store) <= len(optimizer.variables):
            # Saved before the first step: no per-weight state to restore.
            # A LossScaleOptimizer's first entry stays 0, but its store is
            # longer than its unbuilt variables.
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


def _is_torch_state(module) -> bool:
    """Return whether `module` is a plain torch module saved by `state_dict()`.

    Keras on torch wraps such a layer attribute in a `TorchModuleWrapper`,
    whose file entries are the module's `state_dict()`. Metrics are not
    weights and are not written.
    """
    from torchkeras.metrics.metric import Metric

    return (
        isinstance(module, torch.nn.Module)
        and not isinstance(module, (Layer, Metric))
        and not isinstance(module, (torch.nn.ModuleList, torch.nn.ModuleDict))
    )


def _is_saved(module) -> bool:
    return isinstance(module, Layer) or _is_torch_state(module)


def _layer_list(model) -> list:
    """Return a subclassed model's `layers` as Keras lists them.

    Layers and torch modules set as attributes, in assignment order, with
    the items of lists and dicts of layers in place of the container.
    """
    result = []
    for module in model._modules.values():
        if isinstance(module, (torch.nn.ModuleList, torch.nn.ModuleDict)):
            result.extend(_layer_list(module))
        elif _is_saved(module):
            result.append(module)
    return result


def _attribute_key(name: str) -> str:
    """Sort key of attribute names: private names (leading `_`) last."""
    return f"~{name}" if name.startswith("_") else name


def _children(layer, model_layers: bool = True) -> list[tuple[str, object]]:
    """Return `(attribute path, child)` pairs in the order Keras visits them.

    A child is a layer, a plain torch module (saved by its `state_dict()`)
    or a list of them. Sequential and functional models list their
    `layers` first. Other attributes follow in sorted order, with private
    names last. Keras also visits the `layers` property of a subclassed
    model in that sorted order, so a sublayer reached first through it is
    written under `layers/<class name>`. With `model_layers=False` that
    list is left out, which gives the paths torchkeras wrote before it
    followed this rule. A `TorchModuleWrapper` saves its module itself and
    has no children here.
    """
    from torchkeras.layers.core.torch_module_wrapper import TorchModuleWrapper
    from torchkeras.models.functional import Functional
    from torchkeras.models.model import Model
    from torchkeras.models.sequential import Sequential

    if isinstance(layer, TorchModuleWrapper) or not isinstance(layer, Layer):
        return []
    result = []
    named = []
    if isinstance(layer, (Sequential, Functional)):
        result.append(("layers", list(layer.layers)))
    elif isinstance(layer, Model) and model_layers:
        named.append(("layers", _layer_list(layer)))
    for name, module in layer._modules.items():
        if isinstance(module, torch.nn.ModuleList):
            named.append((name, list(module)))
        elif isinstance(module, torch.nn.ModuleDict):
            named.append((name, list(module.values())))
        elif _is_saved(module):
            named.append((name, module))
    named.sort(key=lambda item: _attribute_key(item[0]))
    return result + named


def _container_paths(path: str, items: list) -> list[tuple[str, object]]:
    used: dict[str, int] = {}
    result = []
    for item in items:
        if isinstance(item, Layer):
            base = to_snake_case(type(item).__name__)
        elif _is_torch_state(item):
            # The class Keras wraps a plain torch module in.
            base = "torch_module_wrapper"
        else:
            continue
        if base in used:
            used[base] += 1
            name = f"{base}_{used[base]}"
        else:
            used[base] = 0
            name = base
        result.append((_join(path, name), item))
    return result


def _walk(layer, path: str, visited: set[int], model_layers: bool = True):
    """Yield `(path, layer or torch module)` for every one not yet visited.

    Depth first, in the order of `_children`.
    """
    if id(layer) in visited:
        return
    visited.add(id(layer))
    yield path, layer
    for attribute, child in _children(layer, model_layers):
        child_path = _join(path, attribute)
        if isinstance(child, list):
            for item_path, item in _container_paths(child_path, child):
                yield from _walk(item, item_path, visited, model_layers)
        else:
            yield from _walk(child, child_path, visited, model_layers)


def _save_layer(model, file: h5py.File, path: str, visited: set[int]) -> None:
    for layer_path, node in _walk(model, path, visited):
        group = file.create_group(_join(layer_path, "vars"))
        if _is_torch_state(node):
            group.attrs["name"] = to_snake_case(type(node).__name__)
            store = layer_state.module_state(node)
        else:
            group.attrs["name"] = node.name
            store = {}
            node.save_own_variables(store)
            _save_buffers(node, file, layer_path)
        for key, value in store.items():
            group.create_dataset(str(key), data=layer_state.to_numpy(value))


def _save_buffers(layer, file: h5py.File, path: str) -> None:
    """Write the layer's persistent buffers under `<path>/buffers`.

    Keras has no buffers and reads only the groups of the layers it
    walks, so it ignores this group.
    """
    buffers = layer_state.persistent_buffers(layer)
    if not buffers:
        return
    group = file.create_group(_join(path, _BUFFERS))
    for name, buffer in buffers.items():
        group.create_dataset(name, data=layer_state.to_numpy(buffer))


def _read_store(group) -> dict[str, np.ndarray] | None:
    if group is None:
        return None
    return {key: group[key][()] for key in group}


def _uses_checked_loading(layer) -> bool:
    """Return whether the layer loads with a loader that can be checked first.

    The default `load_own_variables` and `TorchModuleWrapper`'s are
    checked for every layer before any is assigned. An override of a
    user's own runs only after those checks pass.
    """
    from torchkeras.layers.core.torch_module_wrapper import TorchModuleWrapper

    method = type(layer).load_own_variables
    return method in (
        Layer.load_own_variables,
        TorchModuleWrapper.load_own_variables,
    )


def _check_store(node, store, group_path, filepath) -> str | None:
    """Return why the file's entries for one layer or module do not fit it."""
    from torchkeras.layers.core.torch_module_wrapper import TorchModuleWrapper

    if _is_torch_state(node):
        if store is None and not node.state_dict():
            return None
        if store is None:
            return _missing_group(filepath, group_path, node, "torch module")
        return layer_state.module_state_mismatch(node, store, group_path)
    if store is None:
        if not layer_state.own_variables(node) and not (
            isinstance(node, TorchModuleWrapper) and node.module.state_dict()
        ):
            return None
        return _missing_group(filepath, group_path, node, "layer")
    if isinstance(node, TorchModuleWrapper):
        return layer_state.module_state_mismatch(node.module, store, node.name)
    return layer_state.variables_mismatch(node, store)


def _missing_group(filepath, group_path, node, kind) -> str:
    name = getattr(node, "name", type(node).__name__)
    return (
        f"The file {filepath} has no group {group_path!r} for {kind} "
        f"{name!r}, which has weights. The file was probably saved from a "
        "different architecture."
    )


@dataclasses.dataclass
class _PendingLoad:
    """The assignments of a load, collected after every check has passed."""

    checked: list = dataclasses.field(default_factory=list)
    buffers: list = dataclasses.field(default_factory=list)
    unchecked: list = dataclasses.field(default_factory=list)

    def apply(self, skip_mismatch: bool) -> None:
        for node, store in self.checked:
            if _is_torch_state(node):
                layer_state.load_module_state(node, store)
            else:
                node.load_own_variables(store)
        for layer_buffers, store in self.buffers:
            layer_state.assign_buffers(layer_buffers, store)
        # A user's own `load_own_variables` cannot be checked ahead, so
        # it runs last.
        for layer, store in self.unchecked:
            _load_unchecked(layer, store, skip_mismatch)


def _check_layers(model, file, skip_mismatch, filepath) -> _PendingLoad:
    """Read and check every layer's entries without assigning any.

    A failed load (without `skip_mismatch`) so leaves the model unchanged.
    """
    pending = _PendingLoad()
    earlier_paths = None
    for layer_path, node in _walk(model, "", set()):
        group_path = _join(layer_path, "vars")
        group = file.get(group_path)
        if group is None:
            # Files torchkeras wrote before it visited a subclassed
            # model's `layers` list keep such sublayers at their
            # attribute paths.
            if earlier_paths is None:
                earlier_paths = {
                    id(earlier): path
                    for path, earlier in _walk(model, "", set(), False)
                }
            earlier_path = earlier_paths.get(id(node))
            if earlier_path is not None and earlier_path != layer_path:
                group = file.get(_join(earlier_path, "vars"))
                layer_path = earlier_path if group is not None else layer_path
        store = _read_store(group)
        if isinstance(node, Layer) and not _uses_checked_loading(node):
            if store is not None:
                pending.unchecked.append((node, store))
        else:
            problem = _check_store(node, store, group_path, filepath)
            if problem is None:
                if store is not None:
                    pending.checked.append((node, store))
            elif skip_mismatch:
                _warn_skipped(node, problem)
            else:
                raise ValueError(problem)
        if isinstance(node, Layer):
            pending.buffers.extend(
                _check_buffers(node, file, layer_path, skip_mismatch, filepath)
            )
    return pending


def _check_buffers(layer, file, path, skip_mismatch, filepath) -> list:
    """Return `[(buffers, store)]` to assign, or [] after a warning."""
    layer_buffers = layer_state.persistent_buffers(layer)
    if not layer_buffers:
        return []
    store = _read_store(file.get(_join(path, _BUFFERS)))
    if store is None:
        warnings.warn(
            f"The file {filepath} has no values for the buffers "
            f"{sorted(layer_buffers)} of layer {layer.name!r}, so they keep "
            "their current values. Keras files never contain buffers. To "
            "save such state in a way Keras "
            "reads too, create it with `add_weight(trainable=False)` instead "
            "of `register_buffer`.",
            UserWarning,
            stacklevel=5,
        )
        return []
    problem = layer_state.buffers_mismatch(layer, layer_buffers, store)
    if problem is None:
        return [(layer_buffers, store)]
    if skip_mismatch:
        _warn_skipped(layer, problem)
        return []
    raise ValueError(problem)


def _load_unchecked(layer, store, skip_mismatch) -> None:
    if not skip_mismatch:
        layer.load_own_variables(store)
        return
    try:
        layer.load_own_variables(store)
    except (ValueError, KeyError, TypeError, RuntimeError) as error:
        _warn_skipped(layer, f"{type(error).__name__}: {error}")


def _warn_skipped(node, problem: str) -> None:
    name = getattr(node, "name", type(node).__name__)
    warnings.warn(
        f"Skipping loading weights for layer {name!r}: {problem}",
        UserWarning,
        stacklevel=5,
    )
