"""F1Score and FBetaScore against Keras 3 (torch backend) on the same data.

Each parity case runs the same sequence on both libraries: an update, a
weighted update, result, reset, and one more update through `__call__`.
"""

import os

os.environ["KERAS_BACKEND"] = "torch"

import keras
import numpy as np
import pytest

from torchkeras import metrics

BATCH = 12
CLASSES = 4
TOLERANCE = {"rtol": 1e-5, "atol": 1e-5}


def _batches(kind, rng):
    """Return three float32 `(y_true, y_pred)` batches of one label kind."""
    batches = []
    for _ in range(3):
        if kind == "onehot":
            y_true = np.eye(CLASSES)[rng.integers(0, CLASSES, BATCH)]
        else:
            y_true = rng.integers(0, 2, (BATCH, CLASSES))
        # Rounding makes ties at the top score, which argmax mode keeps.
        y_pred = np.round(rng.uniform(0, 1, (BATCH, CLASSES)), 1)
        batches.append((y_true.astype("float32"), y_pred.astype("float32")))
    return batches


def _run_sequence(ours, theirs, batches, weights):
    for metric in (ours, theirs):
        metric.update_state(*batches[0])
        metric.update_state(*batches[1], sample_weight=weights)
    np.testing.assert_allclose(
        ours.result().numpy(), theirs.result().numpy(), **TOLERANCE
    )
    for metric in (ours, theirs):
        metric.reset_state()
    np.testing.assert_allclose(
        ours.result().numpy(), theirs.result().numpy(), **TOLERANCE
    )
    np.testing.assert_allclose(
        ours(*batches[2]).numpy(), theirs(*batches[2]).numpy(), **TOLERANCE
    )


CASES = [
    ("f1_default", "F1Score", {}, "onehot"),
    ("f1_micro", "F1Score", {"average": "micro"}, "onehot"),
    (
        "f1_macro_threshold",
        "F1Score",
        {"average": "macro", "threshold": 0.5},
        "multilabel",
    ),
    (
        "f1_weighted",
        "F1Score",
        {"average": "weighted", "threshold": 0.3},
        "multilabel",
    ),
    ("fbeta_default", "FBetaScore", {}, "onehot"),
    (
        "fbeta_beta2",
        "FBetaScore",
        {"beta": 2.0, "threshold": 0.6},
        "multilabel",
    ),
    ("fbeta_micro", "FBetaScore", {"average": "micro", "beta": 0.5}, "onehot"),
    (
        "fbeta_weighted",
        "FBetaScore",
        {"average": "weighted", "beta": 3.0},
        "onehot",
    ),
]


@pytest.mark.parametrize(
    "case_id, class_name, kwargs, kind", CASES, ids=[c[0] for c in CASES]
)
def test_f_score_matches_keras(case_id, class_name, kwargs, kind):
    rng = np.random.default_rng(0)
    batches = _batches(kind, rng)
    weights = rng.uniform(0, 2, BATCH).astype("float32")
    weights[0] = 0.0
    ours = getattr(metrics, class_name)(**kwargs)
    theirs = getattr(keras.metrics, class_name)(**kwargs)
    assert ours.name == theirs.name
    _run_sequence(ours, theirs, batches, weights)


@pytest.mark.parametrize("class_name", ["F1Score", "FBetaScore"])
def test_f_score_config_matches_keras(class_name):
    kwargs = {"average": "macro", "threshold": 0.4}
    ours = getattr(metrics, class_name)(**kwargs)
    theirs = getattr(keras.metrics, class_name)(**kwargs)
    assert ours.get_config() == theirs.get_config()
    rebuilt = type(ours).from_config(ours.get_config())
    assert rebuilt.get_config() == ours.get_config()


@pytest.mark.parametrize(
    "identifier, class_name",
    [
        ("F1Score", "F1Score"),
        ("f1_score", "F1Score"),
        ("FBetaScore", "FBetaScore"),
        ("f_beta_score", "FBetaScore"),
    ],
)
def test_f_score_get_by_name(identifier, class_name):
    assert type(metrics.get(identifier)).__name__ == class_name


def test_f_score_states_follow_device_and_reset():
    metric = metrics.F1Score()
    metric.update_state([[0.0, 1.0]], [[0.2, 0.8]])
    assert len(metric.variables) == 4
    assert metric.true_positives.shape == (2,)
    assert "true_positives" in metric.state_dict()
    metric.reset_state()
    np.testing.assert_array_equal(metric.true_positives.numpy(), [0, 0])


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"average": "mean"}, "Invalid `average`.*average='mean'"),
        ({"beta": 1}, "`beta` must be a Python float.*beta=1 of type int"),
        ({"beta": -0.5}, r"`beta` must be > 0.*beta=-0.5"),
        ({"threshold": 1}, "`threshold` must be a Python float"),
        ({"threshold": 1.5}, r"`threshold` must be in \(0, 1\]"),
        ({"threshold": 0.0}, r"`threshold` must be in \(0, 1\]"),
    ],
)
def test_f_score_invalid_argument_raises(kwargs, match):
    with pytest.raises(ValueError, match=match):
        metrics.FBetaScore(**kwargs)


def test_f_score_non_2d_inputs_raise():
    metric = metrics.F1Score()
    with pytest.raises(
        ValueError, match=r"F1Score expects 2D.*y_true.shape=\(3,\)"
    ):
        metric.update_state([1.0, 0.0, 1.0], [0.2, 0.3, 0.9])


def test_f_score_mismatched_shapes_raise():
    metric = metrics.FBetaScore()
    with pytest.raises(
        ValueError,
        match=r"FBetaScore expects .* same shape.*"
        r"y_true.shape=\(2, 3\), y_pred.shape=\(2, 2\)",
    ):
        metric.update_state(np.ones((2, 3)), np.ones((2, 2)))


def test_f_score_new_class_count_raises():
    metric = metrics.F1Score()
    metric.update_state(np.eye(3), np.eye(3))
    with pytest.raises(ValueError, match=r"counts 3 classes.*\(2, 2\)"):
        metric.update_state(np.eye(2), np.eye(2))


def test_f_score_result_before_update_raises():
    with pytest.raises(RuntimeError, match=r"F1Score.result\(\) was called"):
        metrics.F1Score().result()
