"""Save and load whole models: Keras 3's `.keras` archive and its dispatch.

A `.keras` file is a zip archive with three members, as Keras 3 writes it:

- `metadata.json`: the Keras version of the format and the save date.
- `config.json`: the model's config from `serialize_keras_object`, with
  its `build_config` and, once compiled, its `compile_config`.
- `model.weights.h5`: the layers' variables and the optimizer's state in
  the `.weights.h5` layout (see `weights_h5`).

`save_model(..., zipped=False)` writes the same three files into a folder.
File names ending in `.h5` or `.hdf5` go to the legacy Keras 2 format in
`legacy_h5`. Every file is written beside its destination and renamed into
place, so a failed save leaves the previous file as it was.
"""

from __future__ import annotations

import datetime
import io
import json
import os
import warnings
import zipfile
from typing import Any

import h5py

from torchkeras.saving import file_utils
from torchkeras.saving import weights_h5
from torchkeras.saving.serialization import deserialize_keras_object
from torchkeras.saving.serialization import serialize_keras_object

# The Keras release whose `.keras` format these files follow.
KERAS_FORMAT_VERSION = "3.15.1"

_CONFIG_NAME = "config.json"
_METADATA_NAME = "metadata.json"
_WEIGHTS_NAME = "model.weights.h5"
_LEGACY_SUFFIXES = (".h5", ".hdf5")


def save_model(model, filepath, overwrite: bool = True, zipped=None, **kwargs):
    """Save a model's architecture, weights and compile state to one file.

    Args:
        model: A built torchkeras model.
        filepath: A path ending in `.keras` (Keras 3's zip archive), in
            `.h5` or `.hdf5` (the legacy Keras 2 format), or, with
            `zipped=False`, a folder path without the `.keras` suffix.
        overwrite: Whether to replace an existing file. When False and the
            file exists, `FileExistsError` is raised.
        zipped: Whether to write a zip archive (the default) or a folder
            holding the same three files.
        **kwargs: `include_optimizer` (bool, only used by the legacy `.h5`
            format, default True) and `save_format` (accepted for
            compatibility when it agrees with the suffix).

    Raises:
        ValueError: for a file name with an unknown suffix, unknown keyword
            arguments, or a `.keras` suffix with `zipped=False`.
        FileExistsError: if the file exists and `overwrite` is False.
    """
    include_optimizer = kwargs.pop("include_optimizer", True)
    save_format = kwargs.pop("save_format", None)
    if kwargs:
        raise ValueError(
            f"Unknown arguments for saving a model: {sorted(kwargs)}. "
            "Accepted: overwrite, zipped, include_optimizer."
        )
    filepath = os.fspath(filepath)
    _check_save_format(save_format, filepath)
    if zipped is None:
        zipped = True
    if not getattr(model, "built", True):
        warnings.warn(
            f"Model {model.name!r} is not built, so the saved file contains no "
            "weights. Call the model on data or `build()` it before saving.",
            UserWarning,
            stacklevel=3,
        )
    file_utils.check_overwrite(filepath, overwrite)
    if filepath.endswith(_LEGACY_SUFFIXES):
        from torchkeras.saving import legacy_h5

        warnings.warn(_legacy_save_message(filepath), UserWarning, stacklevel=3)
        legacy_h5.save_model_to_hdf5(
            model, filepath, overwrite=True, include_optimizer=include_optimizer
        )
        return
    if not zipped:
        if filepath.endswith(".keras"):
            raise ValueError(
                "With zipped=False the model is saved as a folder, whose "
                "name must not end in `.keras`. Received: "
                f"filepath={filepath}"
            )
        _save_to_folder(model, filepath)
        return
    if not filepath.endswith(".keras"):
        raise ValueError(
            "Cannot tell the file format from the name "
            f"{os.path.basename(filepath)!r}. Use a `.keras` suffix for the "
            "Keras 3 format (recommended) or `.h5` for the legacy Keras 2 "
            "format, or pass zipped=False to write a folder. To export for "
            "inference, use `model.export(filepath, format=...)`. Received: "
            f"filepath={filepath}"
        )
    with file_utils.atomic_path(filepath, suffix=".keras") as temporary_path:
        _write_archive(model, temporary_path)


def _legacy_save_message(filepath: str) -> str:
    if filepath.endswith(".weights.h5"):
        # As in Keras, the `.h5` ending selects the legacy full-model
        # format, which a `.weights.h5` name suggests it is not.
        return (
            f"`save()` writes {filepath} as a whole model (architecture, "
            "weights and compile state) in the legacy Keras 2 HDF5 format, "
            "because the name ends in `.h5`. It does not use the "
            "`.weights.h5` layout. To write only the weights, call "
            "`model.save_weights(filepath)`. To save the whole model, use a "
            "`.keras` name."
        )
    return (
        f"Saving {filepath} in the legacy Keras 2 HDF5 format. Prefer "
        "the `.keras` format, which also stores the optimizer state "
        "that `fit` resumes from: `model.save('model.keras')`."
    )


def _check_save_format(save_format, filepath: str) -> None:
    if not save_format:
        return
    expected = {"keras": (".keras",), "h5": _LEGACY_SUFFIXES}.get(
        str(save_format)
    )
    if expected is None or not filepath.endswith(expected):
        raise ValueError(
            "`save_format` is not used: the format comes from the file "
            "name's suffix (`.keras` or `.h5`). Remove the argument. "
            f"Received: save_format={save_format!r}, filepath={filepath}"
        )


def _config_and_metadata(model) -> tuple[str, str]:
    config_json = json.dumps(serialize_keras_object(model))
    metadata_json = json.dumps(
        {
            "keras_version": KERAS_FORMAT_VERSION,
            "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S"),
        }
    )
    return config_json, metadata_json


def _write_archive(model, path: str) -> None:
    config_json, metadata_json = _config_and_metadata(model)
    weights = io.BytesIO()
    with h5py.File(weights, "w") as file:
        weights_h5.write_weights(model, file)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(_METADATA_NAME, metadata_json)
        archive.writestr(_CONFIG_NAME, config_json)
        archive.writestr(_WEIGHTS_NAME, weights.getvalue())


def _save_to_folder(model, folder: str) -> None:
    os.makedirs(folder, exist_ok=True)
    config_json, metadata_json = _config_and_metadata(model)
    for name, text in ((_METADATA_NAME, metadata_json), (_CONFIG_NAME, config_json)):
        with file_utils.atomic_path(os.path.join(folder, name)) as temporary:
            with open(temporary, "w", encoding="utf-8") as stream:
                stream.write(text)
    weights_path = os.path.join(folder, _WEIGHTS_NAME)
    with file_utils.atomic_path(weights_path, suffix=".h5") as temporary:
        with h5py.File(temporary, "w") as file:
            weights_h5.write_weights(model, file)


# ----------------------------------------------------------------------
# Loading
# ----------------------------------------------------------------------


def load_model(
    filepath, custom_objects=None, compile: bool = True, safe_mode: bool = True
):
    """Load a model saved by `save_model`, `model.save` or Keras.

    Reads `.keras` archives and folders written with `zipped=False` (by
    torchkeras or Keras 3), and legacy `.h5`/`.hdf5` files written by Keras
    2 or with `model.save("model.h5")`. The model comes back with its
    weights and, when `compile` is True, compiled with its saved
    optimizer, loss and metrics, the optimizer's state included, so `fit`
    continues where it stopped.

    Args:
        filepath: Path of the file or folder.
        custom_objects: Dict mapping names to the custom classes and
            functions the config refers to.
        compile: Whether to compile the model from its saved compile
            arguments.
        safe_mode: Whether to refuse configs that carry Python code, such
            as a `Lambda` layer's lambda. Pass False only for files you
            trust.

    Raises:
        FileNotFoundError: if `filepath` does not exist.
        ValueError: if the file is not a model file, is truncated or
            corrupt, names a class that is not registered, or contains weights
            that do not fit the model.
    """
    filepath = os.fspath(filepath)
    if not os.path.exists(filepath):
        raise FileNotFoundError(
            f"No model file found at {filepath}. Expected a `.keras` file or "
            "folder written by `model.save()`, or a legacy `.h5` file."
        )
    file_utils.check_not_empty(
        filepath, "a `.keras` archive or a legacy `.h5` model file"
    )
    if os.path.isdir(filepath):
        return _load_from_folder(filepath, custom_objects, compile, safe_mode)
    if zipfile.is_zipfile(filepath):
        return _load_archive(filepath, custom_objects, compile, safe_mode)
    if h5py.is_hdf5(filepath):
        from torchkeras.saving import legacy_h5

        return legacy_h5.load_model_from_hdf5(
            filepath,
            custom_objects=custom_objects,
            compile=compile,
            safe_mode=safe_mode,
        )
    if filepath.endswith(".keras"):
        raise ValueError(
            f"The file {filepath} is not a `.keras` archive: it is not a "
            "readable zip file. It may be truncated or corrupt; save the "
            "model again with `model.save()`."
        )
    raise ValueError(
        f"The file {filepath} is neither a `.keras` archive (zip) nor a "
        "legacy `.h5` model file (HDF5), the formats `load_model` reads. "
        "For weights alone use `model.load_weights()`; for a torch "
        "state dict use `torch.load(path, weights_only=True)` and "
        "`model.load_state_dict()`."
    )


def _load_archive(filepath, custom_objects, compile, safe_mode):
    try:
        with zipfile.ZipFile(filepath, "r") as archive:
            _check_members(archive.namelist(), filepath)
            config_json = _read_member(archive, _CONFIG_NAME, filepath)
            weights = None
            if _WEIGHTS_NAME in archive.namelist():
                weights = io.BytesIO(
                    _read_member(archive, _WEIGHTS_NAME, filepath)
                )
    except zipfile.BadZipFile as error:
        raise ValueError(
            f"The file {filepath} is not a readable `.keras` archive: "
            f"{error}. It may be truncated or corrupt."
        ) from error
    model = _model_from_config(
        config_json, filepath, custom_objects, compile, safe_mode
    )
    if weights is not None:
        _read_weights_file(model, weights, f"{filepath} ({_WEIGHTS_NAME})")
    return model


def _load_from_folder(folder, custom_objects, compile, safe_mode):
    names = os.listdir(folder)
    _check_members(names, folder)
    with open(os.path.join(folder, _CONFIG_NAME), "rb") as stream:
        config_json = stream.read()
    model = _model_from_config(
        config_json, folder, custom_objects, compile, safe_mode
    )
    weights_path = os.path.join(folder, _WEIGHTS_NAME)
    if os.path.exists(weights_path):
        _read_weights_file(model, weights_path, weights_path)
    return model


def _check_members(names, source: str) -> None:
    if _CONFIG_NAME not in names:
        raise ValueError(
            f"{source} is not a saved Keras model: it has no `{_CONFIG_NAME}`. "
            f"Expected `{_METADATA_NAME}`, `{_CONFIG_NAME}` and "
            f"`{_WEIGHTS_NAME}`. Found: {sorted(names)}."
        )


def _read_member(archive: zipfile.ZipFile, name: str, filepath: str) -> bytes:
    try:
        return archive.read(name)
    except (zipfile.BadZipFile, EOFError, OSError) as error:
        raise ValueError(
            f"The member `{name}` of {filepath} could not be read: {error}. "
            "The file may be truncated or corrupt."
        ) from error


def _model_from_config(config_json, source, custom_objects, compile, safe_mode):
    try:
        config: Any = json.loads(config_json)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(
            f"The `{_CONFIG_NAME}` of {source} is not valid JSON: {error}. "
            "The file may be corrupt."
        ) from error
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(
            f"The `{_CONFIG_NAME}` of {source} does not describe a model: "
            "expected a JSON object with a `class_name` entry. Received: "
            f"{str(config)[:200]}"
        )
    if not compile:
        config["compile_config"] = None
    return deserialize_keras_object(
        config, custom_objects=custom_objects, safe_mode=safe_mode
    )


def _read_weights_file(model, source_file, source: str) -> None:
    try:
        file = h5py.File(source_file, "r")
    except OSError as error:
        raise ValueError(
            f"The weights in {source} cannot be read as HDF5: {error}. The "
            "file may be truncated or corrupt."
        ) from error
    with file:
        weights_h5.read_weights(model, file, source)


def load_weights(model, filepath, skip_mismatch: bool = False, **kwargs) -> None:
    """Load weights into a built model from any file Keras 3 reads them from.

    `.weights.h5` files (torchkeras or Keras 3), the weights inside a
    `.keras` archive, and legacy Keras 2 `.h5`/`.hdf5` weight or model
    files (`by_name=True` matches those by layer name). A `.weights.h5`
    name whose file has the legacy layout (as `model.save("w.weights.h5")`
    writes it) is read as a legacy file.

    Raises:
        ValueError: for other suffixes, unknown keyword arguments, or
            `by_name` with a file that is not a legacy `.h5` file.
    """
    by_name = kwargs.pop("by_name", None)
    if kwargs:
        raise ValueError(
            f"Unknown arguments for loading weights: {sorted(kwargs)}. "
            "Accepted: skip_mismatch, and by_name for legacy `.h5` files."
        )
    filepath = os.fspath(filepath)
    if filepath.endswith(".weights.h5") and not _has_legacy_layout(filepath):
        _reject_by_name(by_name, filepath)
        weights_h5.load_weights(model, filepath, skip_mismatch=skip_mismatch)
    elif filepath.endswith(".keras"):
        _reject_by_name(by_name, filepath)
        _load_weights_from_archive(model, filepath, skip_mismatch)
    elif filepath.endswith(_LEGACY_SUFFIXES):
        from torchkeras.saving import legacy_h5

        legacy_h5.load_weights_from_hdf5(
            model, filepath, skip_mismatch=skip_mismatch, by_name=bool(by_name)
        )
    else:
        raise ValueError(
            "Cannot tell the weights format from the file name "
            f"{os.path.basename(filepath)!r}. `load_weights` reads "
            "`.weights.h5` files, `.keras` archives and legacy `.h5` or "
            f"`.hdf5` files. Received: filepath={filepath}"
        )


def _has_legacy_layout(filepath: str) -> bool:
    """Return whether an HDF5 file has the legacy Keras 2 weights layout.

    `model.save("w.weights.h5")` writes that layout, because the name ends
    in `.h5`: a `model_weights` group, or `layer_names` at the top for
    Keras 2's `save_weights`.
    """
    if not os.path.isfile(filepath) or not h5py.is_hdf5(filepath):
        return False
    try:
        with h5py.File(filepath, "r") as file:
            return (
                "model_weights" in file
                or "layer_names" in file.attrs
                or "layer_names0" in file.attrs
            )
    except OSError:
        # Unreadable: `weights_h5.load_weights` reports it.
        return False


def _reject_by_name(by_name, filepath: str) -> None:
    if by_name is not None:
        raise ValueError(
            "`by_name` applies only to legacy `.h5` and `.hdf5` files, whose "
            "weights are stored by layer name. Received: "
            f"by_name={by_name!r}, filepath={filepath}"
        )


def _load_weights_from_archive(model, filepath: str, skip_mismatch: bool) -> None:
    weights_h5.check_built(model, "loading")
    if not os.path.exists(filepath):
        raise FileNotFoundError(
            f"No model file found at {filepath}. Expected a `.keras` file "
            "written by `model.save()`."
        )
    file_utils.check_not_empty(filepath, "a `.keras` archive")
    try:
        with zipfile.ZipFile(filepath, "r") as archive:
            if _WEIGHTS_NAME not in archive.namelist():
                raise ValueError(
                    f"The archive {filepath} is missing `{_WEIGHTS_NAME}`. "
                    f"Found: {sorted(archive.namelist())}."
                )
            data = _read_member(archive, _WEIGHTS_NAME, filepath)
    except zipfile.BadZipFile as error:
        raise ValueError(
            f"The file {filepath} is not a readable `.keras` archive: "
            f"{error}. It may be truncated or corrupt."
        ) from error
    source = f"{filepath} ({_WEIGHTS_NAME})"
    try:
        file = h5py.File(io.BytesIO(data), "r")
    except OSError as error:
        raise ValueError(
            f"The weights in {source} cannot be read as HDF5: {error}. The "
            "file may be truncated or corrupt."
        ) from error
    with file:
        weights_h5.read_weights(model, file, source, skip_mismatch)
