"""Seeding of every random number generator a Keras program on torch uses."""

from __future__ import annotations

import random

import numpy as np
import torch

_MAX_SEED = 2**32 - 1
_GLOBAL_SEED: int | None = None


def set_random_seed(seed: int) -> None:
    """Seed Python's `random`, numpy's global generator and torch.

    `torch.manual_seed` seeds the CPU generator and the generators of every
    CUDA device, so a program that calls this first repeats its weight
    initialization, dropout masks and shuffling, unless it uses
    nondeterministic GPU kernels (see
    `torch.use_deterministic_algorithms`).

    Args:
        seed: An int in `[0, 2**32 - 1]`, the range numpy accepts.

    Raises:
        ValueError: if `seed` is not an int or is out of range.

    Example:

    >>> set_random_seed(1337)
    """
    global _GLOBAL_SEED
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        # Keras raises ValueError here too, so code that catches it works.
        raise ValueError(  # noqa: TRY004
            "`seed` must be an int. "
            f"Received: seed={seed!r} of type {type(seed).__name__}"
        )
    if not 0 <= seed <= _MAX_SEED:
        raise ValueError(
            f"`seed` must be between 0 and 2**32 - 1. Received: seed={seed}"
        )
    seed = int(seed)
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    _GLOBAL_SEED = seed


def get_random_seed() -> int | None:
    """Return the seed of the last `set_random_seed` call, or None."""
    return _GLOBAL_SEED
