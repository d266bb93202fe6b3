"""Confusion-matrix metrics against Keras 3 (torch backend) on the same data.

Each parity case runs the same sequence on both libraries: an update, a
weighted update, result, reset, and one more update through `__call__`.
Both libraries count at the same thresholds, so even AUC, an
approximation of the exact area, agrees within float tolerance.
"""

import os

os.environ["KERAS_BACKEND"] = "torch"

import keras
import numpy as np
import pytest
import torch

import torchkeras
from torchkeras import metrics

BATCH = 16
TOLERANCE = {"rtol": 1e-5, "atol": 1e-5}


@pytest.fixture(autouse=True)
def _fresh_keras_names():
    """Restart Keras's name counters, as conftest does for torchkeras."""
    keras.backend.clear_session(free_memory=False)


def _batch(kind, rng, size=BATCH):
    """Return float32 `(y_true, y_pred)` arrays of one kind of data."""
    if kind == "binary":
        pair = rng.integers(0, 2, (size, 1)), rng.uniform(0, 1, (size, 1))
    elif kind == "binary_rank1":
        pair = rng.integers(0, 2, size), rng.uniform(0, 1, size)
    elif kind == "on_thresholds":
        # Predictions on multiples of 0.1 land exactly on thresholds.
        scores = np.round(rng.uniform(0, 1, (size, 1)), 1)
        pair = rng.integers(0, 2, (size, 1)), scores
    elif kind == "out_of_range":
        pair = rng.integers(0, 2, (size, 1)), rng.uniform(-0.3, 1.3, (size, 1))
    elif kind == "multi":
        pair = rng.integers(0, 2, (size, 4)), rng.uniform(0, 1, (size, 4))
    elif kind == "logits":
        pair = rng.integers(0, 2, (size, 3)), rng.normal(0, 2, (size, 3))
    else:
        raise AssertionError(kind)
    return [np.asarray(a, dtype="float32") for a in pair]


CASES = [
    ("tp_default", "TruePositives", {}, "binary"),
    ("tp_unsorted", "TruePositives", {"thresholds": [0.7, 0.1]}, "multi"),
    ("fp_list", "FalsePositives", {"thresholds": [0.2, 0.5, 0.8]}, "binary"),
    (
        "tn_even",
        "TrueNegatives",
        {"thresholds": [0.0, 0.5, 1.0]},
        "on_thresholds",
    ),
    (
        "fn_even_out_of_range",
        "FalseNegatives",
        {"thresholds": [0.0, 0.25, 0.5, 0.75, 1.0]},
        "out_of_range",
    ),
    ("precision_default", "Precision", {}, "binary"),
    (
        "precision_list",
        "Precision",
        {"thresholds": [0.3, 0.6]},
        "on_thresholds",
    ),
    ("precision_top_k", "Precision", {"top_k": 2}, "multi"),
    (
        "precision_top_k_class",
        "Precision",
        {"top_k": 2, "class_id": 1},
        "multi",
    ),
    (
        "precision_class",
        "Precision",
        {"class_id": 2, "thresholds": 0.4},
        "multi",
    ),
    (
        "precision_uneven_out_of_range",
        "Precision",
        {"thresholds": [0.9, 0.2]},
        "out_of_range",
    ),
    ("recall_rank1", "Recall", {}, "binary_rank1"),
    ("recall_top_1", "Recall", {"top_k": 1, "thresholds": [0.5]}, "multi"),
    ("recall_class", "Recall", {"class_id": 0}, "multi"),
    (
        "recall_even_out_of_range",
        "Recall",
        {"thresholds": [0.0, 0.5, 1.0]},
        "out_of_range",
    ),
    ("auc_default", "AUC", {}, "binary"),
    ("auc_on_thresholds", "AUC", {}, "on_thresholds"),
    ("auc_11", "AUC", {"num_thresholds": 11}, "on_thresholds"),
    ("auc_pr", "AUC", {"curve": "PR"}, "binary"),
    (
        "auc_pr_7",
        "AUC",
        {"curve": "PR", "num_thresholds": 7},
        "on_thresholds",
    ),
    (
        "auc_pr_minoring",
        "AUC",
        {"curve": "PR", "summation_method": "minoring"},
        "binary",
    ),
    ("auc_roc_majoring", "AUC", {"summation_method": "majoring"}, "binary"),
    ("auc_prgain", "AUC", {"curve": "PRGAIN"}, "binary"),
    (
        "auc_uneven_thresholds",
        "AUC",
        {"thresholds": [0.3, 0.1, 0.6, 0.75]},
        "on_thresholds",
    ),
    (
        "auc_even_thresholds",
        "AUC",
        {"thresholds": [0.25, 0.5, 0.75]},
        "on_thresholds",
    ),
    ("auc_multi_label", "AUC", {"multi_label": True}, "multi"),
    (
        "auc_multi_label_weights_pr",
        "AUC",
        {
            "multi_label": True,
            "num_labels": 4,
            "label_weights": [1.0, 2.0, 0.0, 0.5],
            "curve": "PR",
        },
        "multi",
    ),
    (
        "auc_multi_label_uneven",
        "AUC",
        {"multi_label": True, "thresholds": [0.2, 0.45, 0.5]},
        "multi",
    ),
    (
        "auc_flat_label_weights",
        "AUC",
        {"label_weights": [1.0, 2.0, 0.0, 0.5]},
        "multi",
    ),
    ("auc_logits", "AUC", {"from_logits": True}, "logits"),
    (
        "auc_logits_multi_label",
        "AUC",
        {
            "from_logits": True,
            "multi_label": True,
            "curve": "PR",
            "summation_method": "majoring",
        },
        "logits",
    ),
    ("precision_at_recall", "PrecisionAtRecall", {"recall": 0.5}, "binary"),
    (
        "precision_at_recall_1",
        "PrecisionAtRecall",
        {"recall": 0.8, "num_thresholds": 1},
        "binary",
    ),
    (
        "recall_at_precision",
        "RecallAtPrecision",
        {"precision": 0.6},
        "on_thresholds",
    ),
    (
        "recall_at_precision_class",
        "RecallAtPrecision",
        {"precision": 0.6, "class_id": 1},
        "multi",
    ),
    (
        "sensitivity_at_specificity",
        "SensitivityAtSpecificity",
        {"specificity": 0.5},
        "binary",
    ),
    (
        "sensitivity_at_specificity_2",
        "SensitivityAtSpecificity",
        {"specificity": 0.7, "num_thresholds": 2},
        "on_thresholds",
    ),
    (
        "specificity_at_sensitivity",
        "SpecificityAtSensitivity",
        {"sensitivity": 0.5},
        "binary",
    ),
    (
        "specificity_at_sensitivity_5",
        "SpecificityAtSensitivity",
        {"sensitivity": 0.9, "num_thresholds": 5},
        "on_thresholds",
    ),
]


def _assert_close(ours, theirs):
    theirs = keras.ops.convert_to_numpy(theirs)
    assert tuple(ours.shape) == theirs.shape
    np.testing.assert_allclose(ours.numpy(), theirs, **TOLERANCE)


@pytest.mark.parametrize(
    "case_id, class_name, kwargs, kind", CASES, ids=[c[0] for c in CASES]
)
def test_metric_matches_keras(case_id, class_name, kwargs, kind):
    rng = np.random.default_rng(len(case_id))
    batches = [_batch(kind, rng) for _ in range(3)]
    weights = rng.uniform(0, 2, BATCH).astype("float32")
    weights[0] = 0.0
    ours = getattr(metrics, class_name)(**kwargs)
    theirs = getattr(keras.metrics, class_name)(**kwargs)
    assert ours.name == theirs.name

    for metric in (ours, theirs):
        metric.update_state(*batches[0])
        metric.update_state(*batches[1], sample_weight=weights)
    _assert_close(ours.result(), theirs.result())
    for metric in (ours, theirs):
        metric.reset_state()
    _assert_close(ours(*batches[2]), theirs(*batches[2]))


@pytest.mark.parametrize(
    "class_name, kwargs",
    [
        ("TruePositives", {}),
        ("Precision", {"thresholds": [0.2, 0.6]}),
        ("AUC", {}),
        ("SpecificityAtSensitivity", {"sensitivity": 0.5}),
    ],
    ids=["true_positives", "precision", "auc", "specificity_at_sensitivity"],
)
def test_result_before_update_matches_keras(class_name, kwargs):
    ours = getattr(metrics, class_name)(**kwargs)
    theirs = getattr(keras.metrics, class_name)(**kwargs)
    _assert_close(ours.result(), theirs.result())


@pytest.mark.parametrize(
    "weight_shape",
    [(BATCH, 4), (BATCH, 1), ()],
    ids=["per_entry", "column", "scalar"],
)
@pytest.mark.parametrize(
    "class_name, kwargs",
    [
        ("AUC", {}),
        ("AUC", {"multi_label": True}),
        ("Recall", {"thresholds": [0.2, 0.5, 0.5]}),
        ("FalsePositives", {"thresholds": [0.0, 0.5, 1.0]}),
    ],
    ids=["auc", "auc_multi_label", "recall", "false_positives_even"],
)
def test_weight_shapes_match_keras(class_name, kwargs, weight_shape):
    rng = np.random.default_rng(7)
    y_true, y_pred = _batch("multi", rng)
    weights = rng.uniform(0, 2, weight_shape).astype("float32")
    ours = getattr(metrics, class_name)(**kwargs)
    theirs = getattr(keras.metrics, class_name)(**kwargs)
    ours.update_state(y_true, y_pred, sample_weight=weights)
    theirs.update_state(y_true, y_pred, sample_weight=weights)
    _assert_close(ours.result(), theirs.result())


@pytest.mark.parametrize(
    "class_name, kwargs",
    [
        ("AUC", {}),
        ("AUC", {"curve": "PR"}),
        ("AUC", {"curve": "PRGAIN", "num_thresholds": 1000}),
        ("PrecisionAtRecall", {"recall": 0.3}),
        ("Recall", {"thresholds": np.linspace(0, 1, 21).tolist()}),
    ],
    ids=["auc", "auc_pr", "auc_prgain_1000", "precision_at_recall", "recall"],
)
def test_large_batch_matches_keras(class_name, kwargs):
    rng = np.random.default_rng(11)
    y_true, y_pred = _batch("binary", rng, size=20_000)
    weights = rng.uniform(0, 3, 20_000).astype("float32")
    ours = getattr(metrics, class_name)(**kwargs)
    theirs = getattr(keras.metrics, class_name)(**kwargs)
    ours.update_state(y_true, y_pred, sample_weight=weights)
    theirs.update_state(y_true, y_pred, sample_weight=weights)
    _assert_close(ours.result(), theirs.result())


def test_float64_auc_matches_keras():
    rng = np.random.default_rng(12)
    y_true, y_pred = _batch("binary", rng)
    ours = metrics.AUC(dtype="float64")
    theirs = keras.metrics.AUC(dtype="float64")
    assert ours.true_positives.dtype == torch.float64
    _assert_close(ours(y_true, y_pred), theirs(y_true, y_pred))


def test_class_id_selects_per_class_weights():
    # Keras 3.15 raises for weights of shape (N, num_classes) with
    # class_id. Here the class's column of weights is used, which equals
    # Keras on the sliced inputs.
    rng = np.random.default_rng(13)
    y_true, y_pred = _batch("multi", rng)
    weights = rng.uniform(0, 2, (BATCH, 4)).astype("float32")
    ours = metrics.Recall(class_id=2)
    theirs = keras.metrics.Recall()
    ours.update_state(y_true, y_pred, sample_weight=weights)
    theirs.update_state(y_true[:, 2], y_pred[:, 2], sample_weight=weights[:, 2])
    _assert_close(ours.result(), theirs.result())


def test_tuple_thresholds_equal_list():
    # Keras 3.15 raises TypeError for a tuple of thresholds.
    rng = np.random.default_rng(16)
    y_true, y_pred = _batch("binary", rng)
    from_tuple = metrics.Precision(thresholds=(0.3, 0.6))
    from_list = metrics.Precision(thresholds=[0.3, 0.6])
    assert torch.equal(from_tuple(y_true, y_pred), from_list(y_true, y_pred))


def test_negative_class_id_matches_keras():
    rng = np.random.default_rng(14)
    y_true, y_pred = _batch("multi", rng)
    ours = metrics.Precision(class_id=-1)
    theirs = keras.metrics.Precision(class_id=-1)
    _assert_close(ours(y_true, y_pred), theirs(y_true, y_pred))


STRINGS = [
    "auc",
    "AUC",
    "precision",
    "Precision",
    "recall",
    "true_positives",
    "true_negatives",
    "false_positives",
    "false_negatives",
    "FalseNegatives",
]


@pytest.mark.parametrize("identifier", STRINGS)
def test_get_accepts_keras_strings(identifier):
    ours = metrics.get(identifier)
    theirs = keras.metrics.get(identifier)
    assert type(ours).__name__ == type(theirs).__name__


def test_get_rate_metric_needs_its_target():
    # Keras finds the class too, and then cannot build it without a value.
    with pytest.raises(TypeError, match="recall"):
        metrics.get("precision_at_recall")


CONFIG_CASES = [
    ("TruePositives", {}),
    ("FalseNegatives", {"thresholds": [0.3, 0.6]}),
    ("Precision", {"top_k": 3, "class_id": 1}),
    ("Recall", {"thresholds": 0.7}),
    ("AUC", {}),
    ("AUC", {"thresholds": [0.6, 0.3], "curve": "PR"}),
    ("AUC", {"multi_label": True, "num_labels": 2, "from_logits": True}),
    ("PrecisionAtRecall", {"recall": 0.4, "num_thresholds": 50}),
    ("RecallAtPrecision", {"precision": 0.9, "class_id": 2}),
    ("SensitivityAtSpecificity", {"specificity": 0.1}),
    ("SpecificityAtSensitivity", {"sensitivity": 0.2}),
]


@pytest.mark.parametrize(
    "class_name, kwargs",
    CONFIG_CASES,
    ids=[f"{c[0]}_{i}" for i, c in enumerate(CONFIG_CASES)],
)
def test_config_matches_keras(class_name, kwargs):
    ours = getattr(metrics, class_name)(name="metric", **kwargs)
    theirs = getattr(keras.metrics, class_name)(name="metric", **kwargs)
    expected = dict(theirs.get_config())
    if "thresholds" in expected and class_name == "AUC":
        expected["thresholds"] = [float(t) for t in expected["thresholds"]]
    assert ours.get_config() == expected


@pytest.mark.parametrize(
    "class_name, kwargs",
    CONFIG_CASES,
    ids=[f"{c[0]}_{i}" for i, c in enumerate(CONFIG_CASES)],
)
def test_config_round_trip(class_name, kwargs):
    metric = getattr(metrics, class_name)(**kwargs)
    clone = metrics.deserialize(metrics.serialize(metric))
    assert type(clone) is type(metric)
    assert clone.get_config() == metric.get_config()


def test_auc_label_weights_in_config():
    metric = metrics.AUC(multi_label=True, label_weights=[0.5, 2.0])
    assert metric.get_config()["label_weights"] == [0.5, 2.0]
    clone = metrics.AUC.from_config(metric.get_config())
    assert torch.equal(clone.label_weights, metric.label_weights)


@pytest.mark.parametrize(
    "class_name, kwargs",
    [
        ("TruePositives", {}),
        ("Recall", {}),
        ("AUC", {}),
        ("SensitivityAtSpecificity", {"specificity": 0.5}),
    ],
    ids=["true_positives", "recall", "auc", "sensitivity_at_specificity"],
)
def test_state_names_match_keras(class_name, kwargs):
    ours = getattr(metrics, class_name)(**kwargs)
    theirs = getattr(keras.metrics, class_name)(**kwargs)
    assert [v.name for v in ours.variables] == [
        v.name for v in theirs.variables
    ]
    assert list(ours.state_dict()) == [v.name for v in theirs.variables]


def test_auc_thresholds_match_keras():
    ours = metrics.AUC(num_thresholds=5)
    theirs = keras.metrics.AUC(num_thresholds=5)
    np.testing.assert_allclose(ours.thresholds, theirs.thresholds)


def test_multi_label_auc_builds_on_first_update():
    metric = metrics.AUC(multi_label=True)
    assert metric.variables == []
    assert float(metric.result()) == 0.0
    metric.reset_state()

    metric.update_state(np.ones((3, 5)), np.full((3, 5), 0.5))
    assert metric.true_positives.shape == (200, 5)
    assert sorted(metric.state_dict()) == [
        "false_negatives",
        "false_positives",
        "true_negatives",
        "true_positives",
    ]


def test_states_follow_dtype_and_state_dict():
    metric = metrics.Precision(thresholds=[0.3, 0.6]).to(torch.float64)
    assert metric.true_positives.dtype == torch.float64
    metric.update_state([1.0, 0.0], [0.5, 0.7])
    clone = metrics.Precision(thresholds=[0.3, 0.6]).to(torch.float64)
    clone.load_state_dict(metric.state_dict())
    assert torch.equal(clone.result(), metric.result())


def test_update_keeps_no_graph():
    y_pred = torch.rand(8, 1, requires_grad=True)
    metric = metrics.AUC()
    value = metric(torch.ones(8, 1), y_pred)
    assert not value.requires_grad
    assert not metric.true_positives.requires_grad


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
@pytest.mark.parametrize(
    "class_name, kwargs",
    [
        ("AUC", {}),
        ("AUC", {"multi_label": True, "thresholds": [0.2, 0.7]}),
        ("Precision", {"top_k": 2}),
        ("SensitivityAtSpecificity", {"specificity": 0.5}),
    ],
    ids=["auc", "auc_multi_label", "precision_top_k", "sensitivity"],
)
def test_cuda_update_does_not_sync(class_name, kwargs):
    metric = getattr(metrics, class_name)(**kwargs).to("cuda")
    y_true = torch.randint(0, 2, (64, 3), device="cuda").float()
    y_pred = torch.rand(64, 3, device="cuda")
    weights = torch.rand(64, device="cuda")
    metric.update_state(y_true, y_pred, sample_weight=weights)
    torch.cuda.set_sync_debug_mode("error")
    try:
        metric.update_state(y_true, y_pred, sample_weight=weights)
    finally:
        torch.cuda.set_sync_debug_mode("default")
    assert metric.result().device.type == "cuda"


def test_fit_with_auc_string_matches_keras():
    rng = np.random.default_rng(15)
    x = rng.normal(size=(64, 4)).astype("float32")
    y = (rng.uniform(size=(64, 1)) < 0.5).astype("float32")
    reference = keras.Sequential(
        [keras.Input((4,)), keras.layers.Dense(1, activation="sigmoid")]
    )
    ours = torchkeras.Sequential(
        [
            torchkeras.Input((4,)),
            torchkeras.layers.Dense(1, activation="sigmoid"),
        ]
    )
    ours.set_weights(reference.get_weights())
    histories = []
    for model in (ours, reference):
        model.compile(
            optimizer="sgd",
            loss="binary_crossentropy",
            metrics=["auc", "precision", "recall"],
        )
        history = model.fit(
            x,
            y,
            batch_size=16,
            epochs=3,
            shuffle=False,
            validation_data=(x[:32], y[:32]),
            verbose=0,
        )
        histories.append(history.history)

    assert sorted(histories[0]) == sorted(histories[1])
    for key, values in histories[1].items():
        np.testing.assert_allclose(histories[0][key], values, **TOLERANCE)


CONSTRUCTOR_ERRORS = [
    (
        "threshold_above_one",
        lambda: metrics.TruePositives(thresholds=[0.5, 1.2]),
        ValueError,
        r"Every threshold must be a float in \[0, 1\]",
    ),
    (
        "threshold_none",
        lambda: metrics.Precision(thresholds=[None]),
        ValueError,
        r"Every threshold must be a float in \[0, 1\]",
    ),
    (
        "top_k_zero",
        lambda: metrics.Precision(top_k=0),
        ValueError,
        "`top_k` must be an integer >= 1",
    ),
    (
        "top_k_float",
        lambda: metrics.Recall(top_k=1.5),
        TypeError,
        "`top_k` must be an integer or None",
    ),
    (
        "class_id_string",
        lambda: metrics.PrecisionAtRecall(0.5, class_id="1"),
        TypeError,
        "`class_id` must be an integer or None",
    ),
    (
        "recall_target",
        lambda: metrics.PrecisionAtRecall(1.5),
        ValueError,
        r"`recall` must be a float in \[0, 1\]",
    ),
    (
        "precision_target",
        lambda: metrics.RecallAtPrecision(-0.1),
        ValueError,
        r"`precision` must be a float in \[0, 1\]",
    ),
    (
        "specificity_target",
        lambda: metrics.SensitivityAtSpecificity(2),
        ValueError,
        r"`specificity` must be a float in \[0, 1\]",
    ),
    (
        "sensitivity_target",
        lambda: metrics.SpecificityAtSensitivity(-1),
        ValueError,
        r"`sensitivity` must be a float in \[0, 1\]",
    ),
    (
        "rate_num_thresholds",
        lambda: metrics.SpecificityAtSensitivity(0.5, num_thresholds=0),
        ValueError,
        "`num_thresholds` must be an integer > 0",
    ),
    (
        "auc_num_thresholds",
        lambda: metrics.AUC(num_thresholds=1),
        ValueError,
        "`num_thresholds` must be an integer > 1",
    ),
    (
        "auc_curve",
        lambda: metrics.AUC(curve="DET"),
        ValueError,
        "Invalid `curve`: expected one of",
    ),
    (
        "auc_summation_method",
        lambda: metrics.AUC(summation_method="trapezoid"),
        ValueError,
        "Invalid `summation_method`: expected one of",
    ),
    (
        "auc_num_labels_without_multi_label",
        lambda: metrics.AUC(num_labels=3),
        ValueError,
        "`num_labels` is only used with `multi_label=True`",
    ),
    (
        "auc_label_weights_rank",
        lambda: metrics.AUC(label_weights=[[1.0, 2.0]]),
        ValueError,
        "`label_weights` must be a list with one weight per label",
    ),
    (
        "auc_label_weights_count",
        lambda: metrics.AUC(
            multi_label=True, num_labels=2, label_weights=[1.0, 2.0, 3.0]
        ),
        ValueError,
        "`label_weights` has 3 weights, but num_labels=2",
    ),
]


@pytest.mark.parametrize(
    "build, error, match",
    [case[1:] for case in CONSTRUCTOR_ERRORS],
    ids=[case[0] for case in CONSTRUCTOR_ERRORS],
)
def test_invalid_argument_raises(build, error, match):
    with pytest.raises(error, match=match):
        build()


def test_auc_accepts_curve_names_in_any_case():
    metric = metrics.AUC(curve="pr", summation_method="Majoring")
    assert metric.curve == "PR"
    assert metric.summation_method == "majoring"


MATRIX = np.full((4, 3), 0.5, dtype="float32")
LABELS = np.ones((4, 3), dtype="float32")

UPDATE_ERRORS = [
    (
        "shape_mismatch",
        metrics.Precision,
        (np.ones((4, 2)), MATRIX),
        {},
        "expects `y_true` and `y_pred` of the same shape",
    ),
    (
        "sample_weight_shape",
        metrics.AUC,
        (LABELS, MATRIX),
        {"sample_weight": np.ones(5)},
        r"`sample_weight` of shape \(5,\) does not broadcast",
    ),
    (
        "label_weights_shape",
        lambda: metrics.AUC(label_weights=[1.0, 2.0]),
        (LABELS, MATRIX),
        {},
        r"`label_weights` of shape \(2,\) does not broadcast",
    ),
    (
        "top_k_too_large",
        lambda: metrics.Recall(top_k=4),
        (LABELS, MATRIX),
        {},
        "`top_k` must be at most the size of the last axis",
    ),
    (
        "class_id_rank_1",
        lambda: metrics.Precision(class_id=0),
        (np.ones(4), np.full(4, 0.5)),
        {},
        r"With `class_id`, `y_pred` must have shape",
    ),
    (
        "class_id_out_of_range",
        lambda: metrics.SensitivityAtSpecificity(0.5, class_id=3),
        (LABELS, MATRIX),
        {},
        "`class_id` must index one of the 3 classes",
    ),
    (
        "multi_label_rank",
        lambda: metrics.AUC(multi_label=True),
        (np.ones((2, 3, 4)), np.full((2, 3, 4), 0.5)),
        {},
        r"With `multi_label=True`, `y_pred` must have shape",
    ),
    (
        "multi_label_columns",
        lambda: metrics.AUC(multi_label=True, num_labels=2),
        (LABELS, MATRIX),
        {},
        "This AUC counts 2 labels, but `y_pred` has 3 columns",
    ),
]


@pytest.mark.parametrize(
    "build, inputs, kwargs, match",
    [case[1:] for case in UPDATE_ERRORS],
    ids=[case[0] for case in UPDATE_ERRORS],
)
def test_invalid_update_raises(build, inputs, kwargs, match):
    metric = build()
    with pytest.raises(ValueError, match=match):
        metric.update_state(*inputs, **kwargs)


def test_multi_label_columns_checked_after_lazy_build():
    metric = metrics.AUC(multi_label=True)
    metric.update_state(LABELS, MATRIX)
    with pytest.raises(ValueError, match="counts 3 labels"):
        metric.update_state(np.ones((4, 2)), np.full((4, 2), 0.5))
