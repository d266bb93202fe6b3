"""The `torchkeras.ops` namespace mirrors `keras.ops`."""

import re

from torchkeras import ops


def _natural_key(name):
    # ruff's RUF022 orders digit runs by value, so "log2" precedes "log10".
    return [
        int(part) if part.isdigit() else part
        for part in re.split(r"(\d+)", name)
    ]


def test_all_is_sorted_and_unique():
    for module in (ops, ops.numpy, ops.nn, ops.math, ops.core):
        assert module.__all__ == sorted(module.__all__, key=_natural_key)
        assert len(set(module.__all__)) == len(module.__all__)


def test_every_exported_name_exists():
    for name in ops.__all__:
        assert hasattr(ops, name), name


def test_submodules_mirror_keras():
    assert ops.nn.softmax is ops.softmax
    assert ops.numpy.sum is ops.sum
    assert ops.math.top_k is ops.top_k
    assert ops.linalg.norm is ops.norm
    assert ops.core.convert_to_tensor is ops.convert_to_tensor
