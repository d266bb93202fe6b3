"""A Keras-style progress bar that redraws a few times a second at most."""

from __future__ import annotations

import time
from typing import Any

from torchkeras.utils import io_utils

_BAR_WIDTH = 20


def format_value(value: float) -> str:
    """Format a metric value as Keras does: 4 decimals above 1e-3, else an exponent."""
    if abs(value) > 1e-3:
        return f"{value:.4f}"
    return f"{value:.4e}"


def format_logs(logs: dict[str, Any]) -> str:
    """Return ` - name: value` for each entry, as in Keras's progress lines."""
    return "".join(
        f" - {key}: {format_value(float(logs[key]))}" for key in sorted(logs)
    )


def _format_time_per_unit(seconds: float, unit_name: str) -> str:
    if seconds >= 1:
        return f"{seconds:.0f}s/{unit_name}"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.0f}ms/{unit_name}"
    return f"{seconds * 1e6:.0f}us/{unit_name}"


class Progbar:
    """Displays a progress bar with timing and metric values.

    With `verbose=1` on a terminal the line is redrawn at most every
    `interval` seconds; off a terminal (logs, CI) only the final line is
    written. `verbose=2` writes one line when `target` is reached.

    Args:
        target: Total number of steps, or None if unknown.
        width: Width of the bar in characters.
        verbose: 0 (silent), 1 (bar) or 2 (one line at the end).
        interval: Minimum seconds between redraws.
        stateful_metrics: Accepted for Keras compatibility; values passed
            to `update` are always shown as given.
        unit_name: Name of one step in the timing text.
    """

    def __init__(
        self,
        target: int | None,
        width: int = _BAR_WIDTH,
        verbose: int = 1,
        interval: float = 0.2,
        stateful_metrics=None,
        unit_name: str = "step",
    ):
        self.target = target
        self.width = width
        self.verbose = verbose
        self.interval = interval
        self.unit_name = unit_name
        self._start = time.perf_counter()
        self._last_draw = 0.0
        self._interactive = io_utils.is_interactive()
        self._previous_length = 0

    def should_draw(self, current: int) -> bool:
        """Return whether `update(current, ...)` would redraw the bar now.

        Callers use it to skip reading metric values (a device sync) on
        steps where nothing is shown. Only an interactive `verbose=1` bar
        redraws before the end.
        """
        if self.verbose != 1 or not self._interactive:
            return False
        return time.perf_counter() - self._last_draw >= self.interval

    def update(self, current: int, values: dict[str, Any] | None = None, finalize: bool | None = None) -> None:
        """Show progress `current` with the metric `values`."""
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        if not finalize and not self.should_draw(current):
            return
        now = time.perf_counter()
        self._last_draw = now
        elapsed = now - self._start
        per_unit = elapsed / max(current, 1)
        text_values = format_logs(values or {})
        if self.verbose == 2:
            line = (
                f"{current}/{self.target} - {elapsed:.0f}s - "
                f"{_format_time_per_unit(per_unit, self.unit_name)}{text_values}"
            )
            io_utils.print_msg(line)
            return
        line = self._bar_text(current) + (
            f" {elapsed:.0f}s {_format_time_per_unit(per_unit, self.unit_name)}"
            f"{text_values}"
        )
        if self._interactive:
            padding = " " * max(self._previous_length - len(line), 0)
            self._previous_length = len(line)
            io_utils.print_msg("\r" + line + padding, line_break=finalize)
        elif finalize:
            io_utils.print_msg(line)

    def _bar_text(self, current: int) -> str:
        if self.target is None:
            return f"{current}/Unknown"
        digits = len(str(self.target))
        done = int(self.width * min(current, self.target) / max(self.target, 1))
        bar = "━" * done + " " * (self.width - done) if not self._interactive else (
            "━" * done + "\x1b[37m" + "━" * (self.width - done) + "\x1b[0m"
        )
        return f"{current:>{digits}}/{self.target} {bar}"
