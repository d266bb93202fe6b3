"""Metrics that average a per-sample loss, against Keras 3 (torch backend).

Each parity case runs the same sequence on both libraries: an update, a
weighted update, result, reset, and one more update through `__call__`.
"""

import os

os.environ["KERAS_BACKEND"] = "torch"

import keras
import numpy as np
import pytest
import torch

from torchkeras import metrics

BATCH = 8
CLASSES = 4
TOLERANCE = {"rtol": 1e-5, "atol": 1e-5}


def _batch(kind, rng):
    """Return float32 `(y_true, y_pred)` arrays of one kind of data."""
    if kind == "regression":
        pair = rng.normal(size=(BATCH, 3)), rng.normal(scale=3, size=(BATCH, 3))
    elif kind == "binary":
        pair = rng.integers(0, 2, (BATCH, 3)), rng.normal(size=(BATCH, 3))
    elif kind == "signed":
        pair = rng.choice([-1, 1], (BATCH, 3)), rng.normal(size=(BATCH, 3))
    elif kind == "onehot":
        labels = rng.integers(0, CLASSES, BATCH)
        pair = np.eye(CLASSES)[labels], rng.normal(size=(BATCH, CLASSES))
    elif kind == "probabilities":
        pair = (
            rng.dirichlet(np.ones(CLASSES), BATCH),
            rng.dirichlet(np.ones(CLASSES), BATCH),
        )
    else:
        pair = rng.poisson(2.0, (BATCH, 3)), rng.uniform(0.1, 4, (BATCH, 3))
    return tuple(np.asarray(a, "float32") for a in pair)


CASES = [
    ("LogCoshError", {}, "regression"),
    ("KLDivergence", {}, "probabilities"),
    ("Poisson", {}, "counts"),
    ("CosineSimilarity", {}, "regression"),
    ("CosineSimilarity", {"axis": 0}, "regression"),
    ("Hinge", {}, "binary"),
    ("Hinge", {}, "signed"),
    ("SquaredHinge", {}, "binary"),
    ("SquaredHinge", {}, "signed"),
    ("CategoricalHinge", {}, "onehot"),
]


@pytest.mark.parametrize(
    "class_name, kwargs, kind",
    CASES,
    ids=[f"{c[0]}-{c[2]}-{len(c[1])}" for c in CASES],
)
def test_loss_metric_matches_keras(class_name, kwargs, kind):
    rng = np.random.default_rng(0)
    batches = [_batch(kind, rng) for _ in range(3)]
    weights = rng.uniform(0, 2, BATCH).astype("float32")
    weights[0] = 0.0
    ours = getattr(metrics, class_name)(**kwargs)
    theirs = getattr(keras.metrics, class_name)(**kwargs)
    assert ours.name == theirs.name
    assert ours.get_config() == theirs.get_config()
    if kwargs.get("axis") == 0:
        # A per-feature similarity has one value per column, not per row.
        weights = weights[:3]
    for metric in (ours, theirs):
        metric.update_state(*batches[0])
        metric.update_state(*batches[1], sample_weight=weights)
    np.testing.assert_allclose(ours.result(), theirs.result(), **TOLERANCE)
    for metric in (ours, theirs):
        metric.reset_state()
    np.testing.assert_allclose(ours.result(), theirs.result(), **TOLERANCE)
    np.testing.assert_allclose(
        ours(*batches[2]), theirs(*batches[2]), **TOLERANCE
    )


@pytest.mark.parametrize(
    "identifier, class_name",
    [
        ("LogCoshError", "LogCoshError"),
        ("log_cosh_error", "LogCoshError"),
        ("kl_divergence", "KLDivergence"),
        ("poisson", "Poisson"),
        ("cosine_similarity", "CosineSimilarity"),
        ("hinge", "Hinge"),
        ("squared_hinge", "SquaredHinge"),
        ("categorical_hinge", "CategoricalHinge"),
    ],
)
def test_loss_metric_get_by_name(identifier, class_name):
    assert type(metrics.get(identifier)).__name__ == class_name


def test_loss_metric_from_config_round_trip():
    metric = metrics.Hinge(name="margin")
    rebuilt = metrics.Hinge.from_config(metric.get_config())
    assert rebuilt.name == "margin"
    assert rebuilt.get_config() == metric.get_config()


def test_loss_metric_large_errors_stay_finite():
    metric = metrics.LogCoshError()
    result = metric([[0.0]], [[1000.0]])
    assert torch.isfinite(result)
    assert result.item() == pytest.approx(1000.0 - np.log(2.0), rel=1e-6)


def test_loss_metric_zero_vector_similarity_is_zero():
    metric = metrics.CosineSimilarity()
    assert metric([[0.0, 0.0]], [[1.0, 2.0]]).item() == 0.0


def test_loss_metric_incompatible_shapes_raise():
    metric = metrics.Poisson()
    with pytest.raises(
        ValueError,
        match=r"Poisson expects .* broadcast together.*"
        r"y_true.shape=\(4, 3\), y_pred.shape=\(4, 2\)",
    ):
        metric.update_state(np.ones((4, 3)), np.ones((4, 2)))
