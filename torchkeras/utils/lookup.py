"""Resolution of string identifiers (`"adam"`, `"mse"`) with helpful errors."""

from __future__ import annotations

import difflib
from typing import Any, Mapping


def lookup(identifier: str, table: Mapping[str, Any], kind: str) -> Any:
    """Return `table[identifier]`, or raise a ValueError listing close matches.

    Args:
        identifier: The string the user passed.
        table: Known names and their values.
        kind: What is being looked up, such as `"loss"` or `"optimizer"`,
            used in the error message.
    """
    if identifier in table:
        return table[identifier]
    lowered = identifier.lower()
    if lowered in table:
        return table[lowered]
    matches = difflib.get_close_matches(lowered, list(table), n=3, cutoff=0.6)
    hint = f" Did you mean {', '.join(repr(m) for m in matches)}?" if matches else ""
    raise ValueError(
        f"Could not interpret {kind} identifier: {identifier!r}.{hint} "
        f"Known {kind} names: {', '.join(sorted(table))}."
    )
