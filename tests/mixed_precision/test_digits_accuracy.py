"""A ConvNet on scikit-learn's digits trains as well in mixed_bfloat16 as in float32."""

import numpy as np
import pytest
import torch

import torchkeras
from torchkeras import mixed_precision

datasets = pytest.importorskip("sklearn.datasets")


def _train_and_score(policy):
    mixed_precision.set_global_policy(policy)
    digits = datasets.load_digits()
    x = (digits.images / 16.0).astype("float32")[..., None]
    y = digits.target.astype("int64")
    order = np.random.RandomState(0).permutation(len(x))
    x, y = x[order], y[order]
    split = 1400
    torch.manual_seed(0)
    model = torchkeras.Sequential([
        torchkeras.Input((8, 8, 1)),
        torchkeras.layers.Conv2D(16, 3, activation="relu"),
        torchkeras.layers.Flatten(),
        torchkeras.layers.Dense(64, activation="relu"),
        torchkeras.layers.Dense(10, activation="softmax", dtype="float32"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x[:split], y[:split], epochs=5, batch_size=32, verbose=0)
    assert all(w.dtype == torch.float32 for w in model.weights)
    return model.evaluate(x[split:], y[split:], verbose=0)[1]


def test_mixed_bfloat16_accuracy_matches_float32():
    float32_accuracy = _train_and_score("float32")
    mixed_accuracy = _train_and_score("mixed_bfloat16")
    assert float32_accuracy > 0.9
    assert abs(mixed_accuracy - float32_accuracy) <= 0.02
