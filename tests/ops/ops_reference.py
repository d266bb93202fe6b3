"""Keras 3 on its torch backend, the reference for ops parity tests."""

import os

os.environ["KERAS_BACKEND"] = "torch"

import keras
import numpy as np
import torch

assert keras.backend.backend() == "torch", (
    "keras was imported with another backend before KERAS_BACKEND was set"
)


def to_numpy(value):
    """Return `value` (tensor, array or scalar) as a numpy array."""
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu()
        if value.dtype == torch.bfloat16:
            value = value.float()
        return value.numpy()
    return np.asarray(value)


def dtype_name(value):
    """Return the dtype name of a tensor or array, such as `"float32"`."""
    if isinstance(value, torch.Tensor):
        return str(value.dtype).replace("torch.", "")
    return np.asarray(value).dtype.name


def assert_same_result(ours, theirs, rtol=1e-6, atol=1e-6, check_dtype=True):
    """Check that two op results match in structure, shape, dtype and values."""
    if isinstance(theirs, (tuple, list)):
        assert isinstance(ours, (tuple, list)), type(ours)
        assert len(ours) == len(theirs)
        for our_item, their_item in zip(ours, theirs):
            assert_same_result(our_item, their_item, rtol, atol, check_dtype)
        return
    if isinstance(theirs, str):
        assert ours == theirs
        return
    if isinstance(theirs, torch.Tensor):
        assert isinstance(ours, torch.Tensor), type(ours)
    assert to_numpy(ours).shape == to_numpy(theirs).shape
    if check_dtype:
        assert dtype_name(ours) == dtype_name(theirs)
    np.testing.assert_allclose(
        to_numpy(ours).astype(np.float64),
        to_numpy(theirs).astype(np.float64),
        rtol=rtol,
        atol=atol,
        equal_nan=True,
    )
