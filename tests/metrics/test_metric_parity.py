"""Every built-in metric against Keras 3 (torch backend) on the same data.

Each case runs the same sequence on both libraries: result before any
update, an update, a weighted update, reset, and one more update.
"""

import os

os.environ["KERAS_BACKEND"] = "torch"

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from torchkeras import metrics  # noqa: E402
from torchkeras.losses.loss import set_mask  # noqa: E402

BATCH = 8
CLASSES = 5


def _batch(kind, rng):
    """Return float32 `(y_true, y_pred)` arrays for one kind of metric."""
    if kind == "regression":
        return rng.normal(size=(BATCH, 3)), rng.normal(size=(BATCH, 3))
    if kind == "positive":
        return rng.uniform(0, 3, (BATCH, 3)), rng.uniform(0, 3, (BATCH, 3))
    if kind == "binary_column":
        return rng.integers(0, 2, (BATCH, 1)), rng.uniform(0, 1, (BATCH, 1))
    if kind == "binary_rank1_labels":
        return rng.integers(0, 2, BATCH), rng.uniform(0, 1, (BATCH, 1))
    if kind == "binary_logits":
        return rng.integers(0, 2, (BATCH, 3)), rng.normal(size=(BATCH, 3))
    if kind == "exact":
        return rng.integers(0, 3, (BATCH, 1)), rng.integers(0, 3, (BATCH, 1))
    labels = rng.integers(0, CLASSES, BATCH)
    # Rounding makes ties, which top-k metrics must count like Keras.
    scores = np.round(rng.uniform(0, 1, (BATCH, CLASSES)), 1) + 1e-3
    if kind == "onehot":
        return np.eye(CLASSES)[labels], scores
    if kind == "sparse":
        return labels, scores
    if kind == "sparse_column":
        return labels[:, None], scores
    if kind == "sparse_logits":
        return labels, rng.normal(scale=3, size=(BATCH, CLASSES))
    raise AssertionError(kind)


CASES = [
    ("accuracy", "Accuracy", {}, "exact"),
    ("binary_accuracy", "BinaryAccuracy", {}, "binary_column"),
    ("binary_accuracy_rank1", "BinaryAccuracy", {}, "binary_rank1_labels"),
    (
        "binary_accuracy_logits",
        "BinaryAccuracy",
        {"threshold": 0.0},
        "binary_logits",
    ),
    ("categorical_accuracy", "CategoricalAccuracy", {}, "onehot"),
    ("sparse_categorical_accuracy", "SparseCategoricalAccuracy", {}, "sparse"),
    (
        "sparse_categorical_accuracy_column",
        "SparseCategoricalAccuracy",
        {},
        "sparse_column",
    ),
    ("top_k", "TopKCategoricalAccuracy", {"k": 2}, "onehot"),
    ("top_k_default", "TopKCategoricalAccuracy", {}, "onehot"),
    ("sparse_top_k", "SparseTopKCategoricalAccuracy", {"k": 2}, "sparse"),
    (
        "sparse_top_k_column",
        "SparseTopKCategoricalAccuracy",
        {"k": 3},
        "sparse_column",
    ),
    ("mse", "MeanSquaredError", {}, "regression"),
    ("mae", "MeanAbsoluteError", {}, "regression"),
    ("mape", "MeanAbsolutePercentageError", {}, "regression"),
    ("msle", "MeanSquaredLogarithmicError", {}, "positive"),
    ("rmse", "RootMeanSquaredError", {}, "regression"),
    ("bce", "BinaryCrossentropy", {}, "binary_column"),
    (
        "bce_logits",
        "BinaryCrossentropy",
        {"from_logits": True, "label_smoothing": 0.1},
        "binary_logits",
    ),
    ("cce", "CategoricalCrossentropy", {"label_smoothing": 0.2}, "onehot"),
    ("scce", "SparseCategoricalCrossentropy", {}, "sparse"),
    (
        "scce_logits",
        "SparseCategoricalCrossentropy",
        {"from_logits": True},
        "sparse_logits",
    ),
    (
        "scce_ignore",
        "SparseCategoricalCrossentropy",
        {"ignore_class": 1},
        "sparse",
    ),
]


def _assert_close(ours, theirs):
    assert ours.shape == ()
    expected = float(theirs)
    assert float(ours) == pytest.approx(expected, rel=1e-5, abs=1e-5)


def _run_sequence(ours, theirs, batches, weights):
    """Apply the same update sequence to both metrics, comparing results."""
    _assert_close(ours.result(), theirs.result())
    for metric in (ours, theirs):
        metric.update_state(*batches[0])
        metric.update_state(*batches[1], sample_weight=weights)
    _assert_close(ours.result(), theirs.result())

    for metric in (ours, theirs):
        metric.reset_state()
    _assert_close(ours.result(), theirs.result())
    _assert_close(ours(*batches[2]), theirs(*batches[2]))


@pytest.mark.parametrize(
    "case_id, class_name, kwargs, kind", CASES, ids=[c[0] for c in CASES]
)
def test_metric_matches_keras(case_id, class_name, kwargs, kind):
    rng = np.random.default_rng(0)
    batches = [
        [np.asarray(a, dtype="float32") for a in _batch(kind, rng)]
        for _ in range(3)
    ]
    weights = rng.uniform(0, 2, BATCH).astype("float32")
    weights[0] = 0.0
    ours = getattr(metrics, class_name)(**kwargs)
    theirs = getattr(keras.metrics, class_name)(**kwargs)
    assert ours.name == theirs.name
    _run_sequence(ours, theirs, batches, weights)


@pytest.mark.parametrize("class_name", ["Mean", "Sum"])
@pytest.mark.parametrize(
    "shape, weight_shape",
    [
        ((6,), (6,)),
        ((6, 4), (6,)),
        ((6, 4), (6, 4)),
        ((6, 4, 2), (6, 1)),
        ((), ()),
    ],
    ids=[
        "rank1",
        "rank2_sample_weights",
        "rank2_full_weights",
        "rank3",
        "scalar",
    ],
)
def test_reduction_metric_matches_keras(class_name, shape, weight_shape):
    rng = np.random.default_rng(1)
    batches = [[rng.normal(size=shape).astype("float32")] for _ in range(3)]
    weights = rng.uniform(0, 2, weight_shape).astype("float32")
    ours = getattr(metrics, class_name)()
    theirs = getattr(keras.metrics, class_name)()
    _run_sequence(ours, theirs, batches, weights)


def test_wrapper_of_custom_function_matches_keras():
    def squared_log_ratio(y_true, y_pred, offset=1.0):
        ratio = (torch.as_tensor(y_pred) + offset) / (
            torch.as_tensor(y_true) + offset
        )
        return torch.log(ratio) ** 2

    rng = np.random.default_rng(2)
    batches = [
        [rng.uniform(0, 2, (BATCH, 3)).astype("float32") for _ in range(2)]
        for _ in range(3)
    ]
    weights = rng.uniform(0, 1, BATCH).astype("float32")
    ours = metrics.MeanMetricWrapper(squared_log_ratio, offset=2.0)
    theirs = keras.metrics.MeanMetricWrapper(squared_log_ratio, offset=2.0)
    _run_sequence(ours, theirs, batches, weights)


def test_masked_predictions_match_keras():
    rng = np.random.default_rng(3)
    y_true = torch.from_numpy(rng.integers(0, CLASSES, (4, 6)))
    y_pred = torch.from_numpy(
        rng.normal(size=(4, 6, CLASSES)).astype("float32")
    )
    set_mask(y_pred, torch.from_numpy(rng.uniform(size=(4, 6)) > 0.3))
    weights = rng.uniform(0, 2, (4, 6)).astype("float32")
    ours = metrics.SparseCategoricalAccuracy()
    theirs = keras.metrics.SparseCategoricalAccuracy()
    for metric in (ours, theirs):
        metric.update_state(y_true, y_pred)
        metric.update_state(y_true, y_pred, sample_weight=weights)
    _assert_close(ours.result(), theirs.result())


@pytest.mark.parametrize(
    "name, kwargs, kind",
    [
        ("binary_accuracy", {"threshold": 0.3}, "binary_column"),
        ("categorical_accuracy", {}, "onehot"),
        ("sparse_categorical_accuracy", {}, "sparse_column"),
        ("top_k_categorical_accuracy", {"k": 2}, "onehot"),
        ("sparse_top_k_categorical_accuracy", {"k": 2}, "sparse"),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_metric_function_matches_keras(name, kwargs, kind):
    rng = np.random.default_rng(4)
    y_true, y_pred = (np.asarray(a, "float32") for a in _batch(kind, rng))
    ours = getattr(metrics, name)(y_true, y_pred, **kwargs)
    theirs = getattr(keras.metrics, name)(y_true, y_pred, **kwargs)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy())


def test_sorted_ids_match_keras():
    y_true = np.array([2, 0, 4, 1])
    sorted_ids = np.array([[2, 1, 0], [1, 3, 0], [0, 1, 2], [3, 2, 1]])
    ours = metrics.SparseTopKCategoricalAccuracy(k=2, from_sorted_ids=True)
    theirs = keras.metrics.SparseTopKCategoricalAccuracy(
        k=2, from_sorted_ids=True
    )
    _assert_close(ours(y_true, sorted_ids), theirs(y_true, sorted_ids))
