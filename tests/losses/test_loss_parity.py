"""Every built-in loss against Keras 3 (torch backend) on the same data."""

import os

os.environ["KERAS_BACKEND"] = "torch"

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from torchkeras import losses  # noqa: E402
from torchkeras.losses.loss import set_mask  # noqa: E402

REDUCTIONS = [
    "sum_over_batch_size",
    "sum",
    "mean",
    "mean_with_sample_weight",
    None,
]
BATCH = 8
CLASSES = 4


def _data(kind, seed=0):
    """Return float32 `(y_true, y_pred)` arrays for one kind of loss."""
    rng = np.random.default_rng(seed)
    if kind == "regression":
        shape = (BATCH, 3)
        return rng.normal(size=shape), rng.normal(size=shape)
    if kind == "positive":
        shape = (BATCH, 3)
        return rng.uniform(0, 3, size=shape), rng.uniform(0, 3, size=shape)
    if kind == "binary":
        y_true = rng.integers(0, 2, size=(BATCH, 3))
        return y_true, rng.uniform(0, 1, size=(BATCH, 3))
    if kind == "logits":
        y_true = rng.integers(0, 2, size=(BATCH, 3))
        return y_true, rng.normal(scale=3, size=(BATCH, 3))
    labels = rng.integers(0, CLASSES, size=BATCH)
    scores = rng.uniform(0.01, 1, size=(BATCH, CLASSES))
    if kind == "onehot":
        return np.eye(CLASSES)[labels], scores
    if kind == "onehot_logits":
        return np.eye(CLASSES)[labels], rng.normal(scale=3, size=scores.shape)
    if kind == "sparse":
        return labels, scores
    if kind == "sparse_column":
        return labels[:, None].astype("float32"), scores
    if kind == "sparse_logits":
        return labels, rng.normal(scale=3, size=scores.shape)
    raise AssertionError(kind)


CASES = [
    ("mse", "MeanSquaredError", {}, "regression"),
    ("mae", "MeanAbsoluteError", {}, "regression"),
    ("mape", "MeanAbsolutePercentageError", {}, "regression"),
    ("msle", "MeanSquaredLogarithmicError", {}, "positive"),
    ("huber", "Huber", {}, "regression"),
    ("huber_delta", "Huber", {"delta": 0.3}, "regression"),
    ("bce", "BinaryCrossentropy", {}, "binary"),
    ("bce_logits", "BinaryCrossentropy", {"from_logits": True}, "logits"),
    ("bce_smooth", "BinaryCrossentropy", {"label_smoothing": 0.2}, "binary"),
    (
        "bce_logits_smooth",
        "BinaryCrossentropy",
        {"from_logits": True, "label_smoothing": 0.1},
        "logits",
    ),
    ("cce", "CategoricalCrossentropy", {}, "onehot"),
    (
        "cce_logits",
        "CategoricalCrossentropy",
        {"from_logits": True},
        "onehot_logits",
    ),
    (
        "cce_smooth",
        "CategoricalCrossentropy",
        {"label_smoothing": 0.1},
        "onehot",
    ),
    ("scce", "SparseCategoricalCrossentropy", {}, "sparse"),
    ("scce_column", "SparseCategoricalCrossentropy", {}, "sparse_column"),
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
    (
        "scce_logits_ignore",
        "SparseCategoricalCrossentropy",
        {"from_logits": True, "ignore_class": 2},
        "sparse_logits",
    ),
]


def _assert_close(ours, theirs, atol=1e-6):
    ours = ours.detach().numpy()
    theirs = theirs.detach().numpy()  # Keras on torch returns CPU tensors.
    assert ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=atol)


def _float32(*arrays):
    return [np.asarray(a, dtype="float32") for a in arrays]


@pytest.mark.parametrize("reduction", REDUCTIONS, ids=str)
@pytest.mark.parametrize(
    "case_id, class_name, kwargs, kind", CASES, ids=[c[0] for c in CASES]
)
def test_loss_matches_keras(case_id, class_name, kwargs, kind, reduction):
    y_true, y_pred = _float32(*_data(kind))
    ours = getattr(losses, class_name)(reduction=reduction, **kwargs)
    theirs = getattr(keras.losses, class_name)(reduction=reduction, **kwargs)
    _assert_close(ours(y_true, y_pred), theirs(y_true, y_pred))


@pytest.mark.parametrize("reduction", REDUCTIONS, ids=str)
@pytest.mark.parametrize(
    "case_id, class_name, kwargs, kind", CASES, ids=[c[0] for c in CASES]
)
def test_weighted_loss_matches_keras(
    case_id, class_name, kwargs, kind, reduction
):
    y_true, y_pred = _float32(*_data(kind, seed=1))
    weights = np.random.default_rng(2).uniform(0, 2, size=BATCH)
    weights[0] = 0.0
    ours = getattr(losses, class_name)(reduction=reduction, **kwargs)
    theirs = getattr(keras.losses, class_name)(reduction=reduction, **kwargs)
    expected = theirs(y_true, y_pred, sample_weight=weights)
    _assert_close(ours(y_true, y_pred, sample_weight=weights), expected)


FUNCTIONS = [
    ("mean_squared_error", {}, "regression"),
    ("mean_absolute_error", {}, "regression"),
    ("mean_absolute_percentage_error", {}, "regression"),
    ("mean_squared_logarithmic_error", {}, "positive"),
    ("huber", {"delta": 0.5}, "regression"),
    ("binary_crossentropy", {"label_smoothing": 0.1}, "binary"),
    ("binary_crossentropy", {"from_logits": True}, "logits"),
    ("categorical_crossentropy", {"label_smoothing": 0.1}, "onehot"),
    ("categorical_crossentropy", {"from_logits": True}, "onehot_logits"),
    ("sparse_categorical_crossentropy", {}, "sparse"),
    ("sparse_categorical_crossentropy", {"from_logits": True}, "sparse_logits"),
]


@pytest.mark.parametrize(
    "name, kwargs, kind",
    FUNCTIONS,
    ids=[f"{f[0]}-{f[2]}" for f in FUNCTIONS],
)
def test_loss_function_matches_keras(name, kwargs, kind):
    y_true, y_pred = (torch.from_numpy(a) for a in _float32(*_data(kind, 3)))
    ours = getattr(losses, name)(y_true, y_pred, **kwargs)
    _assert_close(ours, getattr(keras.losses, name)(y_true, y_pred, **kwargs))


@pytest.mark.parametrize(
    "y_true_shape, y_pred_shape",
    [((BATCH,), (BATCH, 1)), ((BATCH, 1), (BATCH,)), ((BATCH, 1), (BATCH, 1))],
    ids=["true_rank1", "pred_rank1", "same_rank"],
)
@pytest.mark.parametrize(
    "class_name", ["MeanSquaredError", "BinaryCrossentropy", "Huber"]
)
def test_rank_fixup_matches_keras(class_name, y_true_shape, y_pred_shape):
    rng = np.random.default_rng(4)
    y_true = rng.integers(0, 2, size=y_true_shape).astype("float32")
    y_pred = rng.uniform(0, 1, size=y_pred_shape).astype("float32")
    weights = rng.uniform(0, 1, size=(BATCH,)).astype("float32")
    ours = getattr(losses, class_name)()(y_true, y_pred, sample_weight=weights)
    theirs = getattr(keras.losses, class_name)()
    _assert_close(ours, theirs(y_true, y_pred, sample_weight=weights))


def test_sequence_loss_with_mask_matches_keras():
    rng = np.random.default_rng(5)
    y_true = torch.from_numpy(rng.integers(0, CLASSES, size=(3, 5)))
    y_pred = torch.from_numpy(
        rng.normal(size=(3, 5, CLASSES)).astype("float32")
    )
    set_mask(y_pred, torch.from_numpy(rng.uniform(size=(3, 5)) > 0.4))
    weights = rng.uniform(0, 2, size=(3, 5)).astype("float32")
    for reduction in REDUCTIONS:
        kwargs = {"from_logits": True, "reduction": reduction}
        ours = losses.SparseCategoricalCrossentropy(**kwargs)
        theirs = keras.losses.SparseCategoricalCrossentropy(**kwargs)
        _assert_close(ours(y_true, y_pred), theirs(y_true, y_pred))
        expected = theirs(y_true, y_pred, sample_weight=weights)
        _assert_close(ours(y_true, y_pred, sample_weight=weights), expected)


def test_wrapper_of_custom_function_matches_keras():
    def scaled_error(y_true, y_pred, scale=1.0):
        return scale * torch.abs(y_true - y_pred).sum(dim=-1)

    y_true, y_pred = _float32(*_data("regression", 6))
    ours = losses.LossFunctionWrapper(scaled_error, reduction="sum", scale=3.0)
    theirs = keras.src.losses.LossFunctionWrapper(
        scaled_error, reduction="sum", scale=3.0
    )
    _assert_close(ours(y_true, y_pred), theirs(y_true, y_pred))


@pytest.mark.parametrize(
    "class_name, y_true, y_pred",
    [
        ("BinaryCrossentropy", [[1.0]], [[0.0]]),
        ("CategoricalCrossentropy", [[0.0, 1.0, 0.0]], [[0.5, 0.5, 0.5]]),
        ("SparseCategoricalCrossentropy", [0], [[0.0, 2.0, 3.0]]),
    ],
    ids=["bce_clip", "cce_renormalize", "scce_zero_probability"],
)
def test_probability_clipping_matches_keras(class_name, y_true, y_pred):
    y_true, y_pred = _float32(y_true, y_pred)
    ours = getattr(losses, class_name)()(y_true, y_pred)
    _assert_close(ours, getattr(keras.losses, class_name)()(y_true, y_pred))
