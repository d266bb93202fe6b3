"""Keras 2's legacy HDF5 files: full models and weights, both ways.

tf.keras 2.x `model.save("m.h5")` writes one HDF5 file with these parts:

- root attribute `model_config`: JSON `{"class_name", "config"}` of the
  model in Keras 2's config format (no `module` keys, `batch_input_shape`,
  layer calls as `inbound_nodes` lists such as `[[["dense", 0, 0, {}]]]`);
- root attribute `training_config`: JSON of the `compile()` arguments
  (`loss`, `metrics`, `weighted_metrics`, `loss_weights`,
  `optimizer_config`), written only for compiled models;
- group `model_weights`: attribute `layer_names` lists the top-level layers
  in `model.layers` order, and one group per layer has a `weight_names`
  attribute and one dataset per name (`dense/dense/kernel:0`). A layer's
  weights are its trainable weights followed by its non-trainable ones,
  which for built-in layers is also Keras 3's order;
- group `optimizer_weights`: the optimizer's slot variables.

`model.save_weights("w.h5")` writes the `model_weights` part alone, at the
root of the file. Keras 3 writes the same layout, with its own config
format inside `model_config`. `_legacy_h5_config` converts the configs;
this module reads and writes the files and matches weights to layers.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import warnings
from collections.abc import Iterator
from collections.abc import Mapping
from typing import Any

import h5py
import numpy as np
import torch

from torchkeras.saving import _legacy_h5_config

# ----------------------------------------------------------------------
# Public functions
# ----------------------------------------------------------------------


def load_model_from_hdf5(
    filepath,
    custom_objects: Mapping[str, Any] | None = None,
    compile: bool = True,
    safe_mode: bool = True,
):
    """Load a full model from a legacy `.h5` file written by `model.save()`.

    Reads files written by tf.keras 2.x, by Keras 3 and by
    `save_model_to_hdf5`. The architecture comes from the root attribute
    `model_config`, the weights from the `model_weights` group, matched by
    layer name. With `compile=True`, a file that has a `training_config`
    gives a compiled model. Arguments that torchkeras cannot restore (a
    metric it lacks, an optimizer option it has no counterpart for) are
    left out with a warning.

    The optimizer state (`optimizer_weights`) is restored when it has one
    value of the same shape for each entry of the compiled optimizer's
    `variables`, as in files written by Keras 3 and `save_model_to_hdf5`.
    Keras 2 optimizers kept a different set of variables, so their state
    is left out with a warning and training starts with a fresh state.

    Args:
        filepath: Path of the `.h5` file.
        custom_objects: Optional dict mapping names to custom classes or
            functions used by the model.
        compile: Whether to compile the model from the file's
            `training_config`.
        safe_mode: Whether to reject configs that carry executable code,
            such as a `Lambda` layer's Python bytecode.

    Returns:
        The model, with the file's weights.

    Raises:
        FileNotFoundError: if `filepath` does not exist.
        ValueError: if the file is not a readable HDF5 file, has no
            `model_config` or `model_weights`, names a layer class that is
            neither built in nor in `custom_objects`, or has weights whose
            names, count or shapes differ from the model's.
        NotImplementedError: if a layer uses a Keras 2 option that
            torchkeras does not support.
    """
    filepath = _check_readable(
        filepath, "a model file written by `model.save()`"
    )
    with _open_hdf5(filepath) as file:
        model_config = _read_json_attribute(file, "model_config", filepath)
        if model_config is None:
            raise ValueError(
                f"The file {filepath} has no `model_config` attribute, so it "
                "does not contain a model architecture. It may be a weights "
                "file written by `save_weights()`: create the model in code "
                "and call `model.load_weights(filepath)` instead."
            )
        training_config = _read_json_attribute(
            file, "training_config", filepath
        )
        config = _legacy_h5_config.convert_model_config(
            model_config, filepath, custom_objects
        )
        model = _legacy_h5_config.create_model(
            config, custom_objects, safe_mode, filepath
        )
        weights_group = file.get("model_weights")
        if not isinstance(weights_group, h5py.Group):
            raise ValueError(
                f"The file {filepath} has no `model_weights` group, so the "
                "model's weights are missing. Expected a file written by "
                "`model.save()` in the `.h5` format."
            )
        _load_weights_by_name(model, weights_group, filepath, complete=True)
        if compile and training_config is not None:
            _legacy_h5_config.compile_from_training_config(
                model, training_config, custom_objects, filepath
            )
            optimizer_group = file.get("optimizer_weights")
            if getattr(model, "compiled", False) and isinstance(
                optimizer_group, h5py.Group
            ):
                _load_optimizer_state(model, optimizer_group, filepath)
    return model


def load_weights_from_hdf5(
    model,
    filepath,
    skip_mismatch: bool = False,
    by_name: bool = False,
) -> None:
    """Load weights from a legacy `.h5` file into a built model.

    Reads the layout of Keras 2's `save_weights("w.h5")` and the
    `model_weights` group of a full-model `.h5` file. By default the
    layers that have weights are matched in order: the n-th such layer of
    the model gets the n-th such layer group of the file, whatever the
    names. With `by_name=True`, each layer group goes to the top-level
    layer of the same name, and groups without a matching layer are
    skipped.

    Args:
        model: A built model (Sequential, functional or subclassed).
        filepath: Path of the `.h5` file.
        skip_mismatch: Whether to skip, with a warning, layers whose
            weight count or shapes differ from the file's, instead of
            raising.
        by_name: Whether to match layers by name instead of by order.

    Raises:
        FileNotFoundError: if `filepath` does not exist.
        ValueError: if the model is not built, the file is not a readable
            HDF5 file in this layout, the number of layers with weights
            differs (matching by order), or a layer's weights differ in
            count or shape (unless `skip_mismatch`). Nothing is assigned
            when an error is raised.
    """
    if not getattr(model, "built", True):
        raise ValueError(
            f"Model {model.name!r} is not built, so it has no weights to "
            "load into. Build it first by calling it on data or with "
            "`build()`."
        )
    filepath = _check_readable(
        filepath, "a weights file written by `save_weights()`"
    )
    with _open_hdf5(filepath) as file:
        group = _find_weights_group(file, filepath)
        if by_name:
            _load_weights_by_name(
                model,
                group,
                filepath,
                complete=False,
                skip_mismatch=skip_mismatch,
            )
        else:
            _load_weights_by_order(model, group, filepath, skip_mismatch)


def save_model_to_hdf5(
    model,
    filepath,
    overwrite: bool = True,
    include_optimizer: bool = True,
) -> None:
    """Write a model to a legacy `.h5` file that Keras 3 can load.

    Writes the layout described in this module's docstring: `model_config`,
    `model_weights` and, for a compiled model with `include_optimizer`,
    `training_config`. Layer configs are written in Keras 3's format (with
    `module` keys), as Keras 3 itself writes `.h5` files, so
    `keras.saving.load_model()` and `load_model_from_hdf5` read the file,
    but tf.keras 2.x does not. The file is written to a temporary file in
    the same folder and renamed into place, so an interrupted save leaves
    any previous file intact.

    Note: the optimizer state is not written, so a reloaded model starts
    training with a fresh optimizer state. With the torch backend, Keras
    3.15.1 builds the optimizer of a `.h5` file that has
    `optimizer_weights` on the wrong variables, after which its `fit()`
    raises "Unknown variable". Leaving the state out keeps the files
    trainable in Keras 3.

    Args:
        model: A built Sequential, functional or serializable model.
        filepath: Path of the `.h5` file to write.
        overwrite: Whether to replace an existing file.
        include_optimizer: Whether to write the `compile()` arguments.

    Raises:
        FileExistsError: if the file exists and `overwrite` is False.
        ValueError: if the model is not built.
        TypeError: if a layer has no config form.
    """
    from torchkeras.saving.serialization import serialize_keras_object

    filepath = os.fspath(filepath)
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(
            f"The file {filepath} already exists. Pass overwrite=True to "
            "replace it."
        )
    if not getattr(model, "built", True):
        raise ValueError(
            f"Model {model.name!r} is not built, so it has no weights to "
            "save. Build it first by calling it on data or with `build()`."
        )
    serialized = serialize_keras_object(model)
    model_config = {
        "class_name": serialized["class_name"],
        "config": _legacy_h5_config.number_nested_model_endpoints(
            serialized["config"]
        ),
    }
    training_config = None
    if include_optimizer and getattr(model, "compiled", False):
        training_config = _legacy_h5_config.training_config(model)

    folder = os.path.dirname(os.path.abspath(filepath))
    os.makedirs(folder, exist_ok=True)
    handle, temporary_path = tempfile.mkstemp(suffix=".h5", dir=folder)
    os.close(handle)
    try:
        with h5py.File(temporary_path, "w") as file:
            _write_model_file(file, model, model_config, training_config)
        os.replace(temporary_path, filepath)
    except BaseException:
        if os.path.exists(temporary_path):
            os.remove(temporary_path)
        raise


# ----------------------------------------------------------------------
# Files and attributes
# ----------------------------------------------------------------------


def _check_readable(filepath, expected: str) -> str:
    filepath = os.fspath(filepath)
    if not os.path.exists(filepath):
        raise FileNotFoundError(
            f"File not found: {filepath}. Expected {expected} in the legacy "
            "`.h5` format."
        )
    if not h5py.is_hdf5(filepath):
        raise ValueError(
            f"The file {filepath} is not an HDF5 file. Expected {expected} "
            "in the legacy `.h5` format. The file may be truncated, "
            "corrupt, or in another format (`.keras` files are zip "
            "archives)."
        )
    return filepath


@contextlib.contextmanager
def _open_hdf5(filepath: str) -> Iterator[h5py.File]:
    """Open `filepath` for reading; turn h5py read errors into ValueError."""
    try:
        file = h5py.File(filepath, "r")
    except OSError as error:
        raise ValueError(
            f"The file {filepath} could not be read as HDF5 ({error}). It is "
            "probably truncated or corrupt: save the model again."
        ) from error
    try:
        yield file
    except OSError as error:
        # h5py raises OSError when a truncated file's data cannot be read.
        raise ValueError(
            f"Reading the file {filepath} failed ({error}). It is probably "
            "truncated or corrupt: save the model again."
        ) from error
    finally:
        file.close()


def _decode(value) -> Any:
    if isinstance(value, (bytes, np.bytes_)):
        return value.decode("utf-8")
    return value


def _read_json_attribute(file, name: str, filepath: str) -> Any:
    if name not in file.attrs:
        return None
    text = _decode(file.attrs[name])
    try:
        return json.loads(text)
    except (TypeError, ValueError) as error:
        raise ValueError(
            f"The `{name}` attribute of {filepath} is not valid JSON "
            f"({error}). The file is probably corrupt."
        ) from error


def _read_string_list(group, name: str) -> list[str]:
    """Read a list-of-strings attribute, joining Keras's numbered chunks.

    Keras splits attributes larger than HDF5's object header limit (64512
    bytes in Keras's code) into `name0`, `name1`, ...
    """
    if name in group.attrs:
        chunks = [group.attrs[name]]
    else:
        chunks = []
        while f"{name}{len(chunks)}" in group.attrs:
            chunks.append(group.attrs[f"{name}{len(chunks)}"])
    return [_decode(item) for chunk in chunks for item in np.atleast_1d(chunk)]


# ----------------------------------------------------------------------
# Reading weights
# ----------------------------------------------------------------------


def _legacy_weights(layer) -> list:
    """Return a layer's weights in Keras 2's file order."""
    return list(layer.trainable_weights) + list(layer.non_trainable_weights)


def _find_weights_group(file, filepath):
    if "layer_names" in file.attrs or "layer_names0" in file.attrs:
        return file
    group = file.get("model_weights")
    if isinstance(group, h5py.Group):
        return group
    if "vars" in file or "layers" in file:
        raise ValueError(
            f"The file {filepath} has Keras 3's `.weights.h5` layout, not "
            "the legacy `.h5` layout. Load it with "
            "`saving.load_weights(model, filepath)` or rename it to end in "
            "`.weights.h5`."
        )
    raise ValueError(
        f"The file {filepath} has no `layer_names` attribute and no "
        "`model_weights` group, so it is not a Keras weights file. Found "
        f"top-level keys: {sorted(file.keys())}."
    )


def _read_layer_weights(group, layer_group_name, filepath):
    """Return `(weight_names, arrays)` of one layer group of the file."""
    layer_group = group.get(layer_group_name)
    if not isinstance(layer_group, h5py.Group):
        raise ValueError(
            f"The file {filepath} lists layer {layer_group_name!r} in "
            "`layer_names` but has no group for it. The file is probably "
            "corrupt."
        )
    names = _read_string_list(layer_group, "weight_names")
    arrays = []
    for name in names:
        dataset = layer_group.get(name)
        if not isinstance(dataset, h5py.Dataset):
            raise ValueError(
                f"The file {filepath} lists weight {name!r} for layer "
                f"{layer_group_name!r} but has no dataset for it. The file "
                "is probably corrupt."
            )
        arrays.append(np.asarray(dataset[()]))
    return names, arrays


def _layers_with_weights(group, filepath) -> list[str]:
    """Return the names in `layer_names` whose groups list weights."""
    result = []
    for name in _read_string_list(group, "layer_names"):
        layer_group = group.get(name)
        if not isinstance(layer_group, h5py.Group):
            raise ValueError(
                f"The file {filepath} lists layer {name!r} in `layer_names` "
                "but has no group for it. The file is probably corrupt."
            )
        if _read_string_list(layer_group, "weight_names"):
            result.append(name)
    return result


def _mismatch(layer, variables, names, arrays, filepath) -> str | None:
    """Describe how the file's arrays differ from the layer's weights."""
    expected = [tuple(v.shape) for v in variables]
    received = [tuple(a.shape) for a in arrays]
    if len(expected) != len(received):
        return (
            f"Layer {layer.name!r} has {len(expected)} weights with shapes "
            f"{expected}, but {filepath} has {len(received)} weights for it "
            f"({names}) with shapes {received}. Check that the model has the "
            "architecture that the file was saved from."
        )
    for variable, name, shape, file_shape in zip(
        variables, names, expected, received
    ):
        if shape != file_shape:
            return (
                f"Layer {layer.name!r} weight {variable.path!r} has shape "
                f"{shape}, but the file {filepath} has shape {file_shape} "
                f"for it ({name!r}). Check that the model has the "
                "architecture that the file was saved from."
            )
    return None


class _Assignments:
    """Collects checked weight values, then assigns them all at once."""

    def __init__(self, filepath: str, skip_mismatch: bool, offer_skip: bool):
        self.filepath = filepath
        self.skip_mismatch = skip_mismatch
        # Whether the caller accepts `skip_mismatch`, so errors can offer it.
        self.offer_skip = offer_skip
        self.pairs: list[tuple[torch.Tensor, np.ndarray]] = []

    def add(self, layer, variables, names, arrays) -> None:
        problem = _mismatch(layer, variables, names, arrays, self.filepath)
        if problem is None:
            self.pairs.extend(zip(variables, arrays))
        elif self.skip_mismatch:
            warnings.warn(
                f"Skipping loading weights for layer {layer.name!r}: {problem}",
                UserWarning,
                stacklevel=4,
            )
        elif self.offer_skip:
            raise ValueError(
                f"{problem} Or pass skip_mismatch=True to skip such layers "
                "with a warning."
            )
        else:
            raise ValueError(problem)

    def assign(self) -> None:
        with torch.no_grad():
            for variable, array in self.pairs:
                value = torch.as_tensor(array, dtype=variable.dtype)
                variable.copy_(value.to(variable.device))


def _load_weights_by_order(model, group, filepath, skip_mismatch) -> None:
    layers = [layer for layer in model.layers if _legacy_weights(layer)]
    file_layers = _layers_with_weights(group, filepath)
    if len(layers) != len(file_layers):
        raise ValueError(
            f"The model has {len(layers)} layers with weights "
            f"({[layer.name for layer in layers]}), but the file {filepath} "
            f"has weights for {len(file_layers)} layers ({file_layers}). "
            "Weights are matched by order: check that the model has the "
            "architecture the file was saved from, or pass by_name=True to "
            "match layers by name."
        )
    assignments = _Assignments(filepath, skip_mismatch, offer_skip=True)
    for layer, file_layer in zip(layers, file_layers):
        names, arrays = _read_layer_weights(group, file_layer, filepath)
        assignments.add(layer, _legacy_weights(layer), names, arrays)
    _add_top_level_weights(model, group, assignments)
    assignments.assign()


def _load_weights_by_name(
    model, group, filepath, complete: bool, skip_mismatch: bool = False
) -> None:
    """Match layer groups to layers by name.

    With `complete`, every layer with weights must have a group and every
    group with weights must have a layer (loading a full model). Without
    it, unmatched groups and layers are skipped (`by_name=True`).
    """
    layers = {layer.name: layer for layer in model.layers}
    file_layers = _layers_with_weights(group, filepath)
    assignments = _Assignments(filepath, skip_mismatch, offer_skip=not complete)
    for name in file_layers:
        layer = layers.get(name)
        if layer is None:
            if complete:
                raise ValueError(
                    f"The file {filepath} has weights for layer {name!r}, "
                    "but the model built from its config has no layer of "
                    "that name. The file is probably corrupt."
                )
            continue
        names, arrays = _read_layer_weights(group, name, filepath)
        assignments.add(layer, _legacy_weights(layer), names, arrays)
    if complete:
        missing = [
            layer.name
            for layer in model.layers
            if _legacy_weights(layer) and layer.name not in file_layers
        ]
        if missing:
            raise ValueError(
                f"The file {filepath} has no weights for layers {missing}, "
                "which have weights in the model built from its config. "
                "The file is probably corrupt or was written incompletely."
            )
    _add_top_level_weights(model, group, assignments)
    assignments.assign()


def _add_top_level_weights(model, group, assignments) -> None:
    """Add the model's own weights, kept in `top_level_model_weights`.

    Later Keras 2 releases and Keras 3 write this group; older files lack it.
    """
    top = group.get("top_level_model_weights")
    if not isinstance(top, h5py.Group):
        return
    names = _read_string_list(top, "weight_names")
    if not names:
        return
    variables = [
        v
        for v in _legacy_weights(model)
        if any(v is own for own in getattr(model, "_variables", []))
    ]
    arrays = [np.asarray(top[name][()]) for name in names]
    assignments.add(model, variables, names, arrays)


# ----------------------------------------------------------------------
# Writing
# ----------------------------------------------------------------------


def _load_optimizer_state(model, group, filepath) -> None:
    """Restore optimizer variables saved in Keras 3's order, or warn."""
    from torchkeras.optimizers import Optimizer

    names = _read_string_list(group, "weight_names")
    values = [np.asarray(group[name][()]) for name in names]
    optimizer = model.optimizer
    if not values or not isinstance(optimizer, Optimizer):
        return
    optimizer.build(list(model.trainable_weights))
    expected = [tuple(variable.shape) for variable in optimizer.variables]
    received = [tuple(value.shape) for value in values]
    if expected != received:
        warnings.warn(
            f"The optimizer state saved in {filepath} is not restored: the "
            f"compiled {type(optimizer).__name__} has {len(expected)} "
            f"variables, and the file has {len(received)} values "
            f"({names[:3]}...). Files written by Keras 2 keep a different "
            "set of optimizer variables. Training continues with a fresh "
            "optimizer state.",
            UserWarning,
            stacklevel=4,
        )
        return
    optimizer.set_weights(values)


def _unique_names(names: list[str]) -> list[str]:
    """Make repeated names unique (datasets need unique keys) with `_1`, ..."""
    result = []
    for name in names:
        unique = name
        count = 0
        while unique in result:
            count += 1
            unique = f"{name}_{count}"
        result.append(unique)
    return result


def _write_string_list(group, name: str, values: list[str]) -> None:
    encoded = [value.encode("utf-8") for value in values]
    group.attrs[name] = np.array(encoded, dtype=_string_dtype(encoded))


def _string_dtype(encoded: list[bytes]) -> str:
    return f"S{max([len(item) for item in encoded] + [1])}"


def _write_model_file(file, model, model_config, training_config) -> None:
    from torchkeras import __version__

    file.attrs["keras_version"] = __version__
    file.attrs["backend"] = "torch"
    file.attrs["model_config"] = json.dumps(model_config).encode("utf-8")
    if training_config is not None:
        file.attrs["training_config"] = json.dumps(training_config).encode(
            "utf-8"
        )
    group = file.create_group("model_weights")
    group.attrs["backend"] = b"torch"
    group.attrs["keras_version"] = __version__.encode("utf-8")
    _write_string_list(
        group, "layer_names", [layer.name for layer in model.layers]
    )
    # Keras writes groups in name order so that no name is a prefix of a
    # group created before it.
    for layer in sorted(model.layers, key=lambda layer: layer.name):
        _write_weights(group.create_group(layer.name), _legacy_weights(layer))
    own = [
        v
        for v in _legacy_weights(model)
        if any(v is mine for mine in getattr(model, "_variables", []))
    ]
    _write_weights(group.create_group("top_level_model_weights"), own)


def _write_weights(group, variables) -> None:
    names = _unique_names(
        [getattr(variable, "path", None) or "weight" for variable in variables]
    )
    _write_string_list(group, "weight_names", names)
    for name, variable in zip(names, variables):
        group.create_dataset(name, data=variable.detach().cpu().numpy())
