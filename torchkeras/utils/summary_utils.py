"""`model.summary()`: Keras's table of layers, shapes and parameter counts.

The layout reproduces Keras 3's box-drawn table (which Keras renders with
the `rich` package) without depending on `rich`: same columns, same widths
for a given `line_length`, same totals with byte sizes.
"""

from __future__ import annotations

import shutil
from typing import Any, Callable

import torch

from torchkeras.utils import io_utils

_UNITS = ("B", "KB", "MB", "GB", "TB", "PB")


def readable_memory_size(num_bytes: float) -> str:
    """Format a byte count with two decimals and a 1024-based unit."""
    for unit in _UNITS:
        if num_bytes / 1024 < 1:
            return f"{num_bytes:.2f} {unit}"
        num_bytes /= 1024
    return f"{num_bytes:.2f} {_UNITS[-1]}"


def count_params(weights: list[torch.Tensor]) -> int:
    """Return the number of scalars in `weights`, counting shared ones once."""
    seen = {id(w): w for w in weights}
    return int(sum(w.numel() for w in seen.values()))


def weight_memory_size(weights: list[torch.Tensor]) -> int:
    """Return the bytes taken by `weights`, counting shared ones once."""
    seen = {id(w): w for w in weights}
    return int(sum(w.numel() * w.element_size() for w in seen.values()))


def format_shape(shape: Any) -> str:
    """Format a Keras shape like `(None, 3)`; a list of shapes as a list."""
    if shape is None:
        return "?"
    if isinstance(shape, list):
        return "[" + ", ".join(format_shape(s) for s in shape) + "]"
    if isinstance(shape, dict):
        return "{" + ", ".join(f"{k}: {format_shape(v)}" for k, v in shape.items()) + "}"
    if len(shape) == 1:
        return f"({shape[0]},)"
    return "(" + ", ".join(str(d) for d in shape) + ")"


def _ratio_reduce(excess: int, widths: list[int]) -> list[int]:
    """Shrink column widths by `excess` in total, evenly, left column first."""
    remaining, ratio_left = excess, len(widths)
    result = []
    for width in widths:
        cut = min(width, round(remaining / ratio_left))
        result.append(width - cut)
        remaining -= cut
        ratio_left -= 1
    return result


def _wrap(text: str, width: int) -> list[str]:
    """Wrap `text` at spaces into lines of at most `width` characters.

    A word longer than a line is cut and ends with an ellipsis, as Keras's
    table shows it.
    """
    lines: list[str] = []
    stripped = text.lstrip(" ")
    words = stripped.split(" ")
    # Leading spaces (the indent of nested rows) stay with the first word.
    words[0] = " " * (len(text) - len(stripped)) + words[0]
    current = ""
    for word in words:
        if len(word) > width:
            word = word[: width - 1] + "…"
        candidate = f"{current} {word}" if current else word
        if len(candidate) <= width:
            current = candidate
        else:
            lines.append(current)
            current = word
    lines.append(current)
    return lines


class _Table:
    """A box-drawn table with a header row and a rule between rows."""

    def __init__(self, headers, alignments, widths):
        self.headers = headers
        self.alignments = alignments
        self.widths = widths
        self.rows: list[list[str]] = []

    def _line(self, left, fill, middle, right) -> str:
        return left + middle.join(fill * (w + 2) for w in self.widths) + right

    def _cells(self, values, border) -> list[str]:
        wrapped = [_wrap(v, w) for v, w in zip(values, self.widths)]
        height = max(len(lines) for lines in wrapped)
        out = []
        for index in range(height):
            cells = []
            for lines, width, align in zip(wrapped, self.widths, self.alignments):
                text = lines[index] if index < len(lines) else ""
                if align == "right":
                    cells.append(text.rjust(width))
                elif align == "center":
                    cells.append(text.center(width))
                else:
                    cells.append(text.ljust(width))
            out.append(border + border.join(f" {c} " for c in cells) + border)
        return out

    def render(self) -> list[str]:
        lines = [self._line("┏", "━", "┳", "┓")]
        lines += self._cells(self.headers, "┃")
        lines.append(self._line("┡", "━", "╇", "┩"))
        for index, row in enumerate(self.rows):
            if index:
                lines.append(self._line("├", "─", "┼", "┤"))
            lines += self._cells(row, "│")
        lines.append(self._line("└", "─", "┴", "┘"))
        return lines


def _layer_output_shape(layer) -> str:
    nodes = getattr(layer, "_inbound_nodes", None)
    if nodes:
        # As Keras does, the shape shown is that of the layer's last call.
        shapes = [format_shape(t.shape) for t in nodes[-1].output_tensors]
        if len(shapes) == 1:
            return shapes[0]
        return "[" + ", ".join(shapes) + "]"
    shape = getattr(layer, "_summary_output_shape", None)
    if shape is None and getattr(layer, "built", False):
        build_shapes = getattr(layer, "_build_shapes", None)
        if build_shapes:
            try:
                shape = layer.compute_output_shape(build_shapes["input_shape"])
            except Exception:  # noqa: BLE001 - the summary shows "?" instead
                shape = None
    return format_shape(shape)


def _layer_params(layer) -> str:
    if not hasattr(layer, "built"):
        return f"{count_params(list(layer.parameters())):,}"
    if not layer.built:
        return "0 (unbuilt)"
    return f"{layer.count_params():,}"


def print_summary(
    model,
    line_length: int | None = None,
    positions: list[float] | None = None,
    print_fn: Callable | None = None,
    expand_nested: bool = False,
    show_trainable: bool = False,
    layer_range=None,
) -> None:
    """Print a table of the model's layers, then the parameter totals.

    Args:
        model: The model to describe.
        line_length: Total width; default 88 or the terminal width minus 4,
            whichever is smaller.
        positions: Right edges of the columns as fractions of the width.
        print_fn: Function called once with the whole text; default prints.
        expand_nested: Whether to list the layers of nested models.
        show_trainable: Whether to add a column telling if each layer is
            trainable.
        layer_range: Pair of layer names (or indices) bounding the rows.
    """
    graph_nodes = getattr(model, "_nodes_by_depth", None)
    sequential_like = graph_nodes is None or _is_sequential_like(model)
    if sequential_like:
        headers = ["Layer (type)", "Output Shape", "Param #"]
        alignments = ["left", "left", "right"]
        default_length = 88
        positions = list(positions or [0.45, 0.80, 1.0])
    else:
        headers = ["Layer (type)", "Output Shape", "Param #", "Connected to"]
        alignments = ["left", "left", "right", "left"]
        default_length = 108
        positions = list(positions or [0.3, 0.56, 0.74, 1.0])
    if show_trainable:
        default_length += 12
        positions = [p * 0.90 for p in positions] + [1.0]
        headers.append("Trainable")
        alignments.append("center")
    default_length = min(default_length, shutil.get_terminal_size().columns - 4)
    line_length = line_length or default_length

    requested, current = [], 0
    for position in positions:
        width = int(position * line_length) - current
        if width < 4:
            raise ValueError(
                "Insufficient console width to print summary. Received: "
                f"line_length={line_length}, positions={positions}"
            )
        requested.append(width)
        current += width
    cell_widths = [w + 2 for w in requested]
    available = line_length - (len(cell_widths) + 1)
    if sum(cell_widths) > available:
        cell_widths = _ratio_reduce(sum(cell_widths) - available, cell_widths)
    table = _Table(headers, alignments, [w - 2 for w in cell_widths])

    layers = list(model.operations) if graph_nodes is not None else list(model.layers)
    node_ids = None if sequential_like else getattr(model, "_node_ids", None)
    start, stop = _layer_range_bounds(layers, layer_range)
    for layer in layers[start:stop]:
        for row in _layer_rows(layer, 0, expand_nested, show_trainable, node_ids):
            table.rows.append(row)

    trainable = model.trainable_weights
    non_trainable = model.non_trainable_weights
    optimizer = getattr(model, "optimizer", None)
    optimizer_variables = []
    if getattr(model, "compiled", False) and optimizer is not None and getattr(
        optimizer, "built", False
    ):
        optimizer_variables = list(optimizer.variables)
    total = count_params(trainable) + count_params(non_trainable) + count_params(
        optimizer_variables
    )
    total_size = (
        weight_memory_size(trainable)
        + weight_memory_size(non_trainable)
        + weight_memory_size(optimizer_variables)
    )
    lines = [f'Model: "{model.name}"']
    lines += table.render()
    lines.append(f" Total params: {total:,} ({readable_memory_size(total_size)})")
    lines.append(
        f" Trainable params: {count_params(trainable):,} "
        f"({readable_memory_size(weight_memory_size(trainable))})"
    )
    lines.append(
        f" Non-trainable params: {count_params(non_trainable):,} "
        f"({readable_memory_size(weight_memory_size(non_trainable))})"
    )
    if optimizer_variables:
        lines.append(
            f" Optimizer params: {count_params(optimizer_variables):,} "
            f"({readable_memory_size(weight_memory_size(optimizer_variables))})"
        )
    text = "\n".join(lines) + "\n"
    if print_fn is None:
        io_utils.print_msg(text, line_break=False)
    else:
        print_fn(text)


def _is_sequential_like(model) -> bool:
    """Return whether a graph model is a plain chain, as Keras decides it.

    Such a model is summarized without the "Connected to" column.
    """
    for nodes in model._nodes_by_depth.values():
        if len(nodes) > 1 or (len(nodes) == 1 and len(nodes[0].input_tensors) > 1):
            return False
    for layer in model.layers:
        calls = [n for n in layer._inbound_nodes if id(n) in model._node_ids]
        if len(calls) > 1:
            return False
    return True


def _connections(layer, node_ids) -> str:
    """Return `name[node][tensor]` for each input of the layer's calls."""
    parts = []
    for node in layer._inbound_nodes:
        if id(node) not in node_ids:
            continue
        for tensor in node.input_tensors:
            history = tensor._keras_history
            parts.append(
                f"{history.operation.name}[{history.node_index}][{history.tensor_index}]"
            )
    return ", ".join(parts) or "-"


def _layer_rows(layer, level: int, expand_nested: bool, show_trainable: bool, node_ids=None):
    prefix = "   " * level + "└ " if level else ""
    row = [
        f"{prefix}{getattr(layer, 'name', type(layer).__name__)} ({type(layer).__name__})",
        _layer_output_shape(layer),
        _layer_params(layer),
    ]
    if node_ids is not None:
        row.append(_connections(layer, node_ids))
    if show_trainable:
        weights = getattr(layer, "weights", [])
        if not weights:
            row.append("-")
        else:
            row.append("Y" if layer.trainable else "N")
    rows = [row]
    nested = getattr(layer, "layers", None)
    if expand_nested and nested:
        for child in nested:
            # Nested layers are not called by this model's graph, so a graph
            # summary shows "-" in their "Connected to" cell, as Keras does.
            rows += _layer_rows(child, level + 1, expand_nested, show_trainable, node_ids)
    return rows


def _layer_range_bounds(layers, layer_range) -> tuple[int, int]:
    if layer_range is None:
        return 0, len(layers)
    if len(layer_range) != 2:
        raise ValueError(
            "`layer_range` must be a list or tuple of two layer names. "
            f"Received: layer_range={layer_range!r}"
        )
    names = [layer.name for layer in layers]
    bounds = []
    for pattern in layer_range:
        matches = [i for i, name in enumerate(names) if pattern in name]
        if not matches:
            raise ValueError(
                f"No layer name contains {pattern!r}. Layer names: {names}"
            )
        bounds.append(matches[0])
    return bounds[0], bounds[1] + 1
