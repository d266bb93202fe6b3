"""Conversion between numpy arrays, Python values and torch tensors."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from torchkeras import config


def convert_to_tensor(x: Any, dtype=None, device=None) -> torch.Tensor:
    """Convert an array-like to a tensor, Keras style.

    Float64 numpy arrays and Python floats become `floatx()` unless `dtype`
    is given; integer and boolean arrays keep their type.
    """
    if isinstance(x, torch.Tensor):
        if dtype is not None:
            dtype = config.standardize_dtype(dtype)
            # A no-op `Tensor.to` returns `x` too, but costs about ten times
            # the comparison (torch 2.13, CPU), and losses and metrics call
            # this several times per training step.
            if x.dtype != dtype:
                x = x.to(dtype)
        if device is None or x.device == device:
            return x
        return x.to(device)
    if dtype is not None:
        dtype = config.standardize_dtype(dtype)
    if isinstance(x, np.ndarray):
        if x.dtype == np.float64 and dtype is None:
            dtype = config.standardize_dtype(None)
        if x.dtype == object:
            raise TypeError(
                "Cannot convert an array of Python objects to a tensor. "
                "Pass a numeric array."
            )
        tensor = torch.from_numpy(np.ascontiguousarray(x))
    else:
        if hasattr(x, "to_numpy"):  # pandas objects
            return convert_to_tensor(x.to_numpy(), dtype=dtype, device=device)
        tensor = torch.as_tensor(np.asarray(x))
        if tensor.dtype == torch.float64 and dtype is None:
            dtype = config.standardize_dtype(None)
    if dtype is not None and tensor.dtype != dtype:
        tensor = tensor.to(dtype)
    return tensor if device is None else tensor.to(device)


def convert_to_numpy(x: Any) -> np.ndarray:
    """Convert a tensor (on any device, with or without grad) to numpy."""
    if isinstance(x, torch.Tensor):
        x = x.detach()
        if x.dtype == torch.bfloat16:
            x = x.float()
        return x.cpu().numpy()
    return np.asarray(x)
