"""`set_random_seed` seeds Python, numpy and torch, and checks its argument."""

import os

os.environ["KERAS_BACKEND"] = "torch"

import random

import keras
import numpy as np
import pytest
import torch

from torchkeras.utils.rng_utils import get_random_seed
from torchkeras.utils.rng_utils import set_random_seed


def _draw():
    return (
        random.random(),
        np.random.rand(3).tolist(),
        torch.rand(3).tolist(),
    )


def test_same_seed_repeats_every_generator():
    set_random_seed(42)
    first = _draw()
    set_random_seed(42)
    assert _draw() == first


def test_other_seed_changes_every_generator():
    set_random_seed(1)
    first = _draw()
    set_random_seed(2)
    second = _draw()
    for one, other in zip(first, second):
        assert one != other


def test_seeds_like_keras():
    keras.utils.set_random_seed(7)
    expected = _draw()
    set_random_seed(7)
    assert _draw() == expected


def test_get_random_seed_returns_last_seed():
    set_random_seed(123)
    assert get_random_seed() == 123


def test_numpy_integer_seed_accepted():
    set_random_seed(np.int64(5))
    assert get_random_seed() == 5


@pytest.mark.parametrize("seed", [1.5, "1", None, True])
def test_non_int_seed_raises(seed):
    with pytest.raises(ValueError, match="`seed` must be an int"):
        set_random_seed(seed)


@pytest.mark.parametrize("seed", [-1, 2**32])
def test_out_of_range_seed_raises(seed):
    with pytest.raises(ValueError, match=f"seed={seed}"):
        set_random_seed(seed)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_seed_repeats_cuda_draws():
    set_random_seed(3)
    first = torch.rand(3, device="cuda").tolist()
    set_random_seed(3)
    assert torch.rand(3, device="cuda").tolist() == first
