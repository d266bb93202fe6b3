"""`export_model`: write a model to an inference file in a chosen format."""

from __future__ import annotations

import contextlib
import importlib.util
import inspect
import os
import warnings
from typing import Any

import torch

from torchkeras.export import export_utils
from torchkeras.utils import io_utils

# The formats torchkeras writes. "torch_export" is another name for "torch".
TORCH_FORMATS = ("onnx", "torch")
_FORMAT_ALIASES = {"torch_export": "torch"}
# The other formats of Keras 3.15's `Model.export`, with the converter each
# one needs.
_MISSING_EXPORTERS = {
    "tf_saved_model": "TensorFlow",
    "litert": "the LiteRT converter",
    "openvino": "OpenVINO",
}
_ONNX_PACKAGES = ("onnx", "onnxscript")


def export_model(
    model,
    filepath,
    format: str = "tf_saved_model",
    verbose: bool | None = None,
    input_signature=None,
    **kwargs: Any,
) -> str:
    """Export `model` for inference, with the arguments of `Model.export`.

    Returns:
        The path written, as a string.

    Raises:
        ValueError: for an unknown format or an invalid argument.
        NotImplementedError: for a Keras format that torch cannot write.
        ImportError: for `format="onnx"` without `onnx` and `onnxscript`.
    """
    format = _standardize_format(format)
    filepath = os.fspath(filepath)
    if format == "onnx":
        _check_onnx_installed()
    signature = export_utils.standardize_signature(model, input_signature)
    with _inference_mode_of(model):
        if format == "torch":
            _export_torch(model, filepath, signature, kwargs)
        else:
            _export_onnx(model, filepath, signature, kwargs)
    if verbose is None or verbose:
        io_utils.print_msg(f"Saved the exported model at '{filepath}'.")
    return filepath


def _standardize_format(format: str) -> str:
    format = _FORMAT_ALIASES.get(format, format)
    if format in _MISSING_EXPORTERS:
        raise NotImplementedError(
            f"torchkeras cannot export format={format!r}: it needs "
            f"{_MISSING_EXPORTERS[format]}, which torchkeras does not use. "
            f"Available formats: {list(TORCH_FORMATS)}. An ONNX file can be "
            "converted for other runtimes."
        )
    if format not in TORCH_FORMATS:
        raise ValueError(
            f"Unknown export format: {format!r}. Available formats: "
            f"{list(TORCH_FORMATS)} (also 'torch_export', another name for "
            "'torch')."
        )
    return format


def _check_onnx_installed() -> None:
    missing = [
        name
        for name in _ONNX_PACKAGES
        if importlib.util.find_spec(name) is None
    ]
    if missing:
        raise ImportError(
            f"Exporting to ONNX needs the packages {missing}, which are not "
            "installed. Install them with `pip install onnx onnxscript`, or "
            "export with format='torch'."
        )


@contextlib.contextmanager
def _inference_mode_of(model):
    """Switch `model` to eval mode (Dropout off, moving statistics used)."""
    modes = [(module, module.training) for module in model.modules()]
    model.eval()
    try:
        yield
    finally:
        for module, training in modes:
            module.training = training


def _export_torch(model, filepath: str, signature, kwargs: dict) -> None:
    if not filepath.endswith(".pt2"):
        raise ValueError(
            "format='torch' writes a torch.export archive, whose file name "
            f"must end in '.pt2'. Received: filepath={filepath!r}"
        )
    options = _check_options(
        kwargs, torch.export.export, ("mod", "args", "kwargs")
    )
    if "dynamic_shapes" not in options:
        options["dynamic_shapes"] = _for_varargs(
            model.forward, export_utils.dynamic_shapes(signature)
        )
    program = torch.export.export(
        model, export_utils.sample_inputs(signature), **options
    )
    torch.export.save(program, filepath)


def _export_onnx(model, filepath: str, signature, kwargs: dict) -> None:
    excluded = ("model", "args", "f", "kwargs", "dynamo", "verbose")
    options = _check_options(kwargs, torch.onnx.export, excluded)
    flat_model = _FlatInputs(model, signature).eval()
    if "dynamic_shapes" not in options:
        options["dynamic_shapes"] = _for_varargs(
            flat_model.forward,
            export_utils.dynamic_shapes(signature, flat=True),
        )
    options.setdefault("input_names", export_utils.flat_input_names(signature))
    inputs = export_utils.flatten(export_utils.sample_inputs(signature))
    with warnings.catch_warnings():
        # All inputs share the batch dimension, and torch warns that it
        # gives the name "batch" to one ONNX axis only.
        warnings.filterwarnings("ignore", message=r".*axis name: batch ")
        # torch's own progress report is switched off: `verbose` controls
        # only the one line torchkeras prints.
        program = torch.onnx.export(
            flat_model,
            tuple(inputs),
            dynamo=True,
            verbose=False,
            **options,
        )
    program.save(filepath)


def _for_varargs(forward, shapes):
    """Nest per-argument `shapes` for a `forward(*args)` signature.

    torch.export matches `dynamic_shapes` to the parameters of `forward`,
    and a `*args` parameter takes all positional arguments as one tuple.
    """
    if shapes is None:
        return None
    parameters = list(inspect.signature(forward).parameters.values())
    if parameters and parameters[0].kind is inspect.Parameter.VAR_POSITIONAL:
        return (shapes,)
    return shapes


class _FlatInputs(torch.nn.Module):
    """Calls a model with one tensor per ONNX input, nested as it expects.

    torch.onnx.export takes a trailing dict argument for keyword
    arguments, so a model whose input is a dict is exported through this
    module, which also gives every ONNX input its own name.
    """

    def __init__(self, model, signature: list[Any]):
        super().__init__()
        self.model = model
        self.signature = signature

    def forward(self, *tensors):
        return self.model(*export_utils.pack_like(self.signature, tensors))


def _check_options(kwargs: dict, exporter, excluded) -> dict:
    """Return `kwargs` after checking that `exporter` takes each of them."""
    accepted = sorted(
        name
        for name in inspect.signature(exporter).parameters
        if name not in excluded
    )
    unknown = sorted(set(kwargs) - set(accepted))
    if unknown:
        raise ValueError(
            f"`{exporter.__module__}.{exporter.__name__}` does not take the "
            f"argument(s) {unknown}. Accepted keyword arguments: {accepted}."
        )
    return dict(kwargs)
