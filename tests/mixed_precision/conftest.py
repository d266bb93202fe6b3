"""Every test here starts and ends with the float32 policy in both libraries."""

import keras
import pytest

from torchkeras import mixed_precision


@pytest.fixture(autouse=True)
def _float32_policy():
    mixed_precision.set_global_policy("float32")
    keras.mixed_precision.set_global_policy("float32")
    yield
    mixed_precision.set_global_policy("float32")
    keras.mixed_precision.set_global_policy("float32")
