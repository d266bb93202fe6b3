"""IoU metrics against Keras 3 (torch backend) on the same data.

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

BATCH = 12
CLASSES = 4
TOLERANCE = {"rtol": 1e-5, "atol": 1e-5}


@pytest.fixture(autouse=True)
def _fresh_keras_names():
    """Restart Keras's name counters, as conftest does for torchkeras."""
    keras.backend.clear_session(free_memory=False)


def _batch(kind, rng):
    """Return one `(y_true, y_pred)` batch of one input kind."""
    if kind == "sparse":
        # Ids outside [0, CLASSES) must be skipped by both libraries.
        return (
            rng.integers(-1, CLASSES + 1, (BATCH, 3)),
            rng.integers(0, CLASSES, (BATCH, 3)),
        )
    if kind == "binary":
        return rng.integers(0, 2, BATCH), rng.uniform(0, 1, BATCH)
    labels = rng.integers(0, CLASSES, BATCH)
    scores = rng.uniform(0, 1, (BATCH, CLASSES)).astype("float32")
    if kind == "onehot":
        return np.eye(CLASSES, dtype="float32")[labels], scores
    return np.eye(CLASSES, dtype="float32")[labels], scores.argmax(-1)


CASES = [
    (
        "iou",
        "IoU",
        {"num_classes": CLASSES, "target_class_ids": [0, 2]},
        "sparse",
    ),
    (
        "iou_ignore",
        "IoU",
        {"num_classes": CLASSES, "target_class_ids": [1, 3], "ignore_class": 2},
        "sparse",
    ),
    (
        "iou_float",
        "IoU",
        {
            "num_classes": CLASSES,
            "target_class_ids": [0, 1],
            "dtype": "float32",
        },
        "sparse",
    ),
    ("binary_iou", "BinaryIoU", {}, "binary"),
    (
        "binary_iou_one",
        "BinaryIoU",
        {"target_class_ids": [1], "threshold": 0.3, "dtype": "float32"},
        "binary",
    ),
    ("mean_iou", "MeanIoU", {"num_classes": CLASSES}, "sparse"),
    (
        "mean_iou_float",
        "MeanIoU",
        {"num_classes": CLASSES, "dtype": "float32", "ignore_class": 0},
        "sparse",
    ),
    (
        "mean_iou_dense",
        "MeanIoU",
        {
            "num_classes": CLASSES,
            "sparse_y_true": False,
            "sparse_y_pred": False,
            "dtype": "float32",
        },
        "onehot",
    ),
    (
        "one_hot_iou",
        "OneHotIoU",
        {
            "num_classes": CLASSES,
            "target_class_ids": [0, 3],
            "dtype": "float32",
        },
        "onehot",
    ),
    (
        "one_hot_iou_sparse_pred",
        "OneHotIoU",
        {
            "num_classes": CLASSES,
            "target_class_ids": [1],
            "sparse_y_pred": True,
        },
        "onehot_sparse_pred",
    ),
    (
        "one_hot_mean_iou",
        "OneHotMeanIoU",
        {"num_classes": CLASSES, "dtype": "float32"},
        "onehot",
    ),
]


@pytest.mark.filterwarnings("ignore:.*weight as `float`:UserWarning")
@pytest.mark.filterwarnings("ignore:.*truncated to integers:UserWarning")
@pytest.mark.parametrize(
    "case_id, class_name, kwargs, kind", CASES, ids=[c[0] for c in CASES]
)
def test_iou_matches_keras(case_id, class_name, kwargs, kind):
    rng = np.random.default_rng(0)
    batches = [_batch(kind, rng) for _ in range(3)]
    # Whole-number weights survive the int32 default dtype of both.
    weights = rng.integers(0, 3, BATCH).astype("float32")
    if kind == "sparse":
        weights = np.repeat(weights[:, None], 3, axis=1)
    ours = getattr(metrics, class_name)(**kwargs)
    theirs = getattr(keras.metrics, class_name)(**kwargs)
    assert ours.name == theirs.name
    for metric in (ours, theirs):
        metric.update_state(*batches[0])
        metric.update_state(*batches[1], sample_weight=weights)
    np.testing.assert_allclose(
        ours.total_cm.numpy(), theirs.total_cm.numpy(), **TOLERANCE
    )
    np.testing.assert_allclose(ours.result(), theirs.result(), **TOLERANCE)
    for metric in (ours, theirs):
        metric.reset_state()
    np.testing.assert_allclose(ours.result(), theirs.result(), **TOLERANCE)
    np.testing.assert_allclose(
        ours(*batches[2]), theirs(*batches[2]), **TOLERANCE
    )


@pytest.mark.parametrize(
    "class_name, kwargs",
    [
        ("IoU", {"num_classes": 3, "target_class_ids": [1]}),
        ("BinaryIoU", {"threshold": 0.7}),
        ("MeanIoU", {"num_classes": 3, "ignore_class": 0}),
        ("OneHotIoU", {"num_classes": 3, "target_class_ids": [0, 2]}),
        ("OneHotMeanIoU", {"num_classes": 3, "axis": 1}),
    ],
)
def test_iou_config_matches_keras(class_name, kwargs):
    ours = getattr(metrics, class_name)(**kwargs)
    theirs = getattr(keras.metrics, class_name)(**kwargs)
    assert ours.get_config() == theirs.get_config()
    rebuilt = type(ours).from_config(ours.get_config())
    assert rebuilt.get_config() == ours.get_config()


def test_iou_get_by_name():
    assert type(metrics.get("BinaryIoU")).__name__ == "BinaryIoU"
    assert type(metrics.get("binary_io_u")).__name__ == "BinaryIoU"


def test_iou_float_weights_on_int_state_warn():
    metric = metrics.MeanIoU(num_classes=2)
    with pytest.warns(UserWarning, match="truncated to integers"):
        metric.update_state([0, 1], [0, 1], sample_weight=np.array([0.5, 2.0]))
    np.testing.assert_array_equal(metric.total_cm.numpy(), [[0, 0], [0, 2]])


def test_iou_state_is_buffer_and_resets():
    metric = metrics.MeanIoU(num_classes=2, dtype="float32")
    metric.update_state(torch.tensor([0, 1]), torch.tensor([1, 1]))
    assert "total_cm" in metric.state_dict()
    assert metric.result().item() == pytest.approx(0.25, abs=1e-6)
    metric.reset_state()
    assert metric.total_cm.sum().item() == 0.0


def test_iou_target_class_out_of_range_raises():
    with pytest.raises(
        ValueError, match=r"in \[0, 3\).*target_class_ids=\[0, 3\]"
    ):
        metrics.IoU(num_classes=3, target_class_ids=[0, 3])


def test_iou_mismatched_shapes_raise():
    metric = metrics.MeanIoU(num_classes=3)
    with pytest.raises(
        ValueError,
        match=r"MeanIoU expects as many.*"
        r"y_true.shape=\(4,\), y_pred.shape=\(3,\)",
    ):
        metric.update_state([0, 1, 2, 0], [0, 1, 2])


def test_iou_wrong_weight_count_raises():
    metric = metrics.MeanIoU(num_classes=3, dtype="float32")
    with pytest.raises(
        ValueError,
        match=r"MeanIoU needs one sample weight.*"
        r"sample_weight.shape=\(2,\) for 6 pairs",
    ):
        metric.update_state(
            np.zeros((2, 3)), np.zeros((2, 3)), sample_weight=[1.0, 2.0]
        )
