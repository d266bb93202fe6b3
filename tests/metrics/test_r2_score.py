"""R2Score against Keras 3 (torch backend) on the same data.

Each parity case runs the same sequence on both libraries: an update, a
weighted update, result, reset, and one more update through `__call__`.
"""

import os

os.environ["KERAS_BACKEND"] = "torch"

import keras
import numpy as np
import pytest

from torchkeras import metrics

BATCH = 10
OUTPUTS = 3
TOLERANCE = {"rtol": 1e-5, "atol": 1e-5}


def _batch(rng, outputs=OUTPUTS):
    y_true = rng.normal(size=(BATCH, outputs)).astype("float32")
    noise = rng.normal(scale=0.5, size=(BATCH, outputs)).astype("float32")
    return y_true, y_true + noise


@pytest.mark.parametrize(
    "kwargs, weight_shape",
    [
        ({}, (BATCH,)),
        ({"class_aggregation": None}, (BATCH, OUTPUTS)),
        ({"class_aggregation": "variance_weighted_average"}, (BATCH, 1)),
        ({"num_regressors": 2}, (BATCH,)),
    ],
    ids=["uniform", "per_output", "variance_weighted", "adjusted"],
)
def test_r2_score_matches_keras(kwargs, weight_shape):
    rng = np.random.default_rng(0)
    batches = [_batch(rng) for _ in range(3)]
    weights = rng.uniform(0, 2, weight_shape).astype("float32")
    ours = metrics.R2Score(**kwargs)
    theirs = keras.metrics.R2Score(**kwargs)
    assert ours.name == theirs.name
    for metric in (ours, theirs):
        metric.update_state(*batches[0])
        metric.update_state(*batches[1], sample_weight=weights)
    np.testing.assert_allclose(ours.result(), theirs.result(), **TOLERANCE)
    for metric in (ours, theirs):
        metric.reset_state()
        metric.update_state(*batches[2])
    np.testing.assert_allclose(ours.result(), theirs.result(), **TOLERANCE)


def test_r2_score_single_output_rank1_labels():
    rng = np.random.default_rng(1)
    y_true, y_pred = _batch(rng, outputs=1)
    ours = metrics.R2Score()
    theirs = keras.metrics.R2Score()
    np.testing.assert_allclose(
        ours(y_true[:, 0], y_pred), theirs(y_true[:, 0], y_pred), **TOLERANCE
    )


def test_r2_score_constant_column_matches_keras():
    y_true = np.array([[1.0, 0.0], [1.0, 1.0], [1.0, 3.0]], "float32")
    y_pred = np.array([[0.5, 0.2], [1.5, 1.1], [1.0, 2.0]], "float32")
    ours = metrics.R2Score(class_aggregation=None)
    theirs = keras.metrics.R2Score(class_aggregation=None)
    np.testing.assert_allclose(
        ours(y_true, y_pred), theirs(y_true, y_pred), **TOLERANCE
    )


def test_r2_score_too_many_regressors_warns():
    rng = np.random.default_rng(2)
    metric = metrics.R2Score(num_regressors=40)
    metric.update_state(*_batch(rng))
    plain = metrics.R2Score()
    plain.update_state(*_batch(np.random.default_rng(2)))
    with pytest.warns(UserWarning, match="num_regressors=40.*30 label"):
        result = metric.result()
    np.testing.assert_allclose(result, plain.result(), **TOLERANCE)


def test_r2_score_config_matches_keras():
    kwargs = {"class_aggregation": None, "num_regressors": 1}
    ours = metrics.R2Score(**kwargs)
    theirs = keras.metrics.R2Score(**kwargs)
    assert ours.get_config() == theirs.get_config()
    assert metrics.R2Score.from_config(ours.get_config()).num_regressors == 1


def test_r2_score_get_by_name():
    assert type(metrics.get("r2_score")).__name__ == "R2Score"
    assert type(metrics.get("R2Score")).__name__ == "R2Score"


def test_r2_score_states_are_buffers():
    metric = metrics.R2Score()
    metric.update_state(*_batch(np.random.default_rng(3)))
    assert len(metric.variables) == 5
    assert "total_mse" in metric.state_dict()
    metric.reset_state()
    assert metric.count.sum().item() == 0.0


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"class_aggregation": "mean"}, "Invalid `class_aggregation`"),
        ({"num_regressors": -1}, r"`num_regressors` must be >= 0.*=-1"),
    ],
)
def test_r2_score_invalid_argument_raises(kwargs, match):
    with pytest.raises(ValueError, match=match):
        metrics.R2Score(**kwargs)


def test_r2_score_bad_shapes_raise():
    metric = metrics.R2Score()
    with pytest.raises(ValueError, match=r"R2Score expects 2D.*\(2, 2, 1\)"):
        metric.update_state(np.ones((2, 2, 1)), np.ones((2, 2, 1)))
    with pytest.raises(ValueError, match=r"same shape.*\(2, 3\).*\(2, 2\)"):
        metric.update_state(np.ones((2, 3)), np.ones((2, 2)))
    metric.update_state(np.ones((2, 3)), np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"sums 3 output columns"):
        metric.update_state(np.ones((2, 2)), np.ones((2, 2)))


def test_r2_score_result_before_update_raises():
    with pytest.raises(RuntimeError, match=r"R2Score.result\(\) was called"):
        metrics.R2Score().result()
