"""Shared test set-up: Keras 3 runs on its torch backend as the reference."""

import os

os.environ.setdefault("KERAS_BACKEND", "torch")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402


@pytest.fixture(autouse=True)
def _isolated_state():
    """Start every test with fresh name counters and seeded generators."""
    from torchkeras.utils import naming

    naming.reset_names()
    torch.manual_seed(0)
    np.random.seed(0)
    yield
