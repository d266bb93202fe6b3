"""The one place where torchkeras writes progress text to the console."""

from __future__ import annotations

import sys


def print_msg(message: str, line_break: bool = True) -> None:
    """Write `message` to standard output, ending it with a newline by default."""
    stream = sys.stdout
    stream.write(message + ("\n" if line_break else ""))
    stream.flush()


def is_interactive() -> bool:
    """Return whether standard output is a terminal that can redraw a line."""
    isatty = getattr(sys.stdout, "isatty", None)
    return bool(isatty and isatty())
