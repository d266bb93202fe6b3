"""Divergence, hinge, focal and segmentation losses against Keras 3."""

import os

os.environ["KERAS_BACKEND"] = "torch"

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from torchkeras import losses  # noqa: E402

REDUCTIONS = [
    "sum_over_batch_size",
    "sum",
    "mean",
    "mean_with_sample_weight",
    "none",
    None,
]
SHAPES = [(8, 3), (2, 3, 4), (6, 1)]


def _data(kind, shape, seed=0):
    """Return float32 `(y_true, y_pred)` arrays of `shape` for one kind."""
    rng = np.random.default_rng(seed)
    if kind == "regression":
        y_true, y_pred = rng.normal(size=shape), rng.normal(size=shape)
    elif kind == "distribution":
        y_true = rng.uniform(0, 1, size=shape)
        y_pred = rng.uniform(0, 1, size=shape)
        y_true /= y_true.sum(axis=-1, keepdims=True)
        y_pred /= y_pred.sum(axis=-1, keepdims=True)
    elif kind == "counts":
        y_true = rng.integers(0, 5, size=shape)
        y_pred = rng.uniform(0.1, 4, size=shape)
    elif kind == "binary":
        y_true = rng.integers(0, 2, size=shape)
        y_pred = rng.uniform(0, 1, size=shape)
    elif kind == "signed":
        y_true = rng.choice([-1.0, 1.0], size=shape)
        y_pred = rng.normal(size=shape)
    elif kind == "logits":
        y_true = rng.integers(0, 2, size=shape)
        y_pred = rng.normal(scale=3, size=shape)
    elif kind == "onehot":
        y_true = np.eye(shape[-1])[rng.integers(0, shape[-1], shape[:-1])]
        y_pred = rng.uniform(0.01, 1, size=shape)
    elif kind == "onehot_logits":
        y_true = np.eye(shape[-1])[rng.integers(0, shape[-1], shape[:-1])]
        y_pred = rng.normal(scale=3, size=shape)
    else:
        raise AssertionError(kind)
    return np.float32(y_true), np.float32(y_pred)


CASES = [
    ("kld", "KLDivergence", {}, "distribution"),
    ("poisson", "Poisson", {}, "counts"),
    ("log_cosh", "LogCosh", {}, "regression"),
    ("cosine", "CosineSimilarity", {}, "regression"),
    ("cosine_axis0", "CosineSimilarity", {"axis": 0}, "regression"),
    ("hinge_binary", "Hinge", {}, "binary"),
    ("hinge_signed", "Hinge", {}, "signed"),
    ("squared_hinge_binary", "SquaredHinge", {}, "binary"),
    ("squared_hinge_signed", "SquaredHinge", {}, "signed"),
    ("categorical_hinge", "CategoricalHinge", {}, "onehot"),
    ("bfce", "BinaryFocalCrossentropy", {}, "binary"),
    (
        "bfce_balanced_logits",
        "BinaryFocalCrossentropy",
        {"apply_class_balancing": True, "alpha": 0.4, "from_logits": True},
        "logits",
    ),
    (
        "bfce_smooth_gamma",
        "BinaryFocalCrossentropy",
        {"gamma": 0.5, "label_smoothing": 0.2},
        "binary",
    ),
    ("cfce", "CategoricalFocalCrossentropy", {}, "onehot"),
    (
        "cfce_logits",
        "CategoricalFocalCrossentropy",
        {"alpha": 0.5, "gamma": 1.0, "from_logits": True},
        "onehot_logits",
    ),
    (
        "cfce_smooth",
        "CategoricalFocalCrossentropy",
        {"label_smoothing": 0.1},
        "onehot",
    ),
    ("dice", "Dice", {}, "binary"),
    ("dice_axis", "Dice", {"axis": -1}, "binary"),
    ("tversky", "Tversky", {}, "binary"),
    ("tversky_weighted", "Tversky", {"alpha": 0.3, "beta": 0.7}, "binary"),
    ("tversky_axis", "Tversky", {"axis": -1, "alpha": 0.8}, "binary"),
]


def _assert_close(ours, theirs):
    ours = ours.detach().numpy()
    theirs = theirs.detach().cpu().numpy()
    assert ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-6)


def _skip_unsupported(kind, shape):
    if kind.startswith("onehot") and shape[-1] == 1:
        pytest.skip("one-hot targets need more than one class")


@pytest.mark.parametrize("reduction", REDUCTIONS, ids=str)
@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize(
    "case_id, class_name, kwargs, kind", CASES, ids=[c[0] for c in CASES]
)
def test_loss_matches_keras(
    case_id, class_name, kwargs, kind, shape, reduction
):
    _skip_unsupported(kind, shape)
    y_true, y_pred = _data(kind, shape)
    ours = getattr(losses, class_name)(reduction=reduction, **kwargs)
    theirs = getattr(keras.losses, class_name)(reduction=reduction, **kwargs)
    _assert_close(ours(y_true, y_pred), theirs(y_true, y_pred))


@pytest.mark.parametrize("reduction", REDUCTIONS, ids=str)
@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize(
    "case_id, class_name, kwargs, kind", CASES, ids=[c[0] for c in CASES]
)
def test_weighted_loss_matches_keras(
    case_id, class_name, kwargs, kind, shape, reduction
):
    _skip_unsupported(kind, shape)
    y_true, y_pred = _data(kind, shape, seed=1)
    ours = getattr(losses, class_name)(reduction=reduction, **kwargs)
    theirs = getattr(keras.losses, class_name)(reduction=reduction, **kwargs)
    # One weight per per-sample loss, the first of them zero.
    per_sample = getattr(keras.losses, class_name)(reduction=None, **kwargs)
    weight_shape = tuple(per_sample(y_true, y_pred).shape)
    weights = np.random.default_rng(2).uniform(0, 2, size=weight_shape)
    weights = np.float32(weights)
    weights.reshape(-1)[0] = 0.0
    expected = theirs(y_true, y_pred, sample_weight=weights)
    _assert_close(ours(y_true, y_pred, sample_weight=weights), expected)


FUNCTIONS = [
    ("kl_divergence", {}, "distribution"),
    ("poisson", {}, "counts"),
    ("log_cosh", {}, "regression"),
    ("cosine_similarity", {}, "regression"),
    ("cosine_similarity", {"axis": 1}, "regression"),
    ("hinge", {}, "binary"),
    ("hinge", {}, "signed"),
    ("squared_hinge", {}, "binary"),
    ("categorical_hinge", {}, "onehot"),
    ("binary_focal_crossentropy", {"axis": 1}, "binary"),
    (
        "binary_focal_crossentropy",
        {"from_logits": True, "apply_class_balancing": True},
        "logits",
    ),
    ("categorical_focal_crossentropy", {"gamma": 3.0}, "onehot"),
    ("categorical_focal_crossentropy", {"axis": 1}, "onehot"),
    (
        "categorical_focal_crossentropy",
        {"from_logits": True, "label_smoothing": 0.1},
        "onehot_logits",
    ),
    ("dice", {}, "binary"),
    ("dice", {"axis": (1, 2)}, "binary"),
    ("tversky", {"alpha": 0.2, "beta": 0.8}, "binary"),
    ("tversky", {"axis": [1, 2]}, "binary"),
]


@pytest.mark.parametrize(
    "name, kwargs, kind",
    FUNCTIONS,
    ids=[f"{f[0]}-{f[2]}-{f[1]}" for f in FUNCTIONS],
)
def test_loss_function_matches_keras(name, kwargs, kind):
    y_true, y_pred = _data(kind, (2, 3, 4), seed=3)
    y_true, y_pred = torch.from_numpy(y_true), torch.from_numpy(y_pred)
    ours = getattr(losses, name)(y_true, y_pred, **kwargs)
    _assert_close(ours, getattr(keras.losses, name)(y_true, y_pred, **kwargs))


NAMES = [
    "KLDivergence",
    "Poisson",
    "LogCosh",
    "CosineSimilarity",
    "Hinge",
    "SquaredHinge",
    "CategoricalHinge",
    "BinaryFocalCrossentropy",
    "CategoricalFocalCrossentropy",
    "Dice",
    "Tversky",
]
STRINGS = [
    "kl_divergence",
    "kld",
    "KLD",
    "poisson",
    "log_cosh",
    "cosine_similarity",
    "hinge",
    "squared_hinge",
    "categorical_hinge",
    "binary_focal_crossentropy",
    "categorical_focal_crossentropy",
    "dice",
    "tversky",
]


@pytest.mark.parametrize("name", STRINGS)
def test_get_string_matches_keras(name):
    theirs = keras.losses.get(name)
    ours = losses.get(name)
    assert ours.__name__ == theirs.__name__


@pytest.mark.parametrize("name", NAMES)
def test_get_class_name_returns_instance(name):
    ours = losses.get(name)
    assert type(ours).__name__ == name
    assert ours.name == keras.losses.get(name).name


def test_logcosh_string_is_rejected_as_in_keras():
    with pytest.raises(ValueError):
        keras.losses.get("logcosh")
    with pytest.raises(ValueError, match="logcosh"):
        losses.get("logcosh")


@pytest.mark.parametrize("name", NAMES)
def test_config_keys_match_keras(name):
    ours = getattr(losses, name)().get_config()
    theirs = getattr(keras.losses, name)().get_config()
    extra = {"axis"} if name == "CosineSimilarity" else set()
    assert set(ours) == set(theirs) | extra
    assert ours["name"] == theirs["name"]
    assert ours["reduction"] == theirs["reduction"]


@pytest.mark.parametrize("name", NAMES)
def test_serialize_round_trip(name):
    loss = getattr(losses, name)(reduction="sum", name="custom")
    restored = losses.deserialize(losses.serialize(loss))
    assert type(restored) is type(loss)
    assert restored.get_config() == loss.get_config()


def test_cosine_similarity_axis_survives_config():
    loss = losses.CosineSimilarity(axis=0)
    assert losses.CosineSimilarity.from_config(loss.get_config()).axis == 0


def test_wrapped_function_round_trip():
    loss = losses.LossFunctionWrapper(losses.kl_divergence)
    restored = losses.LossFunctionWrapper.from_config(loss.get_config())
    assert restored.fn is losses.kl_divergence


def test_hinge_keeps_labels_outside_zero_one():
    # A 2 among the labels means the batch is not binary, so 0 stays 0.
    y_true = torch.tensor([[0.0, 2.0]])
    y_pred = torch.tensor([[0.5, 0.25]])
    ours = losses.hinge(y_true, y_pred)
    _assert_close(ours, keras.losses.hinge(y_true, y_pred))


def test_cosine_similarity_zero_vector_has_finite_gradient():
    y_pred = torch.zeros(2, 3, requires_grad=True)
    loss = losses.CosineSimilarity()(torch.ones(2, 3), y_pred)
    loss.backward()
    assert loss.item() == 0.0
    assert torch.isfinite(y_pred.grad).all()


def test_log_cosh_large_error_is_finite():
    loss = losses.log_cosh([[0.0]], [[1000.0]])
    assert torch.isfinite(loss).all()
    np.testing.assert_allclose(loss.numpy(), [1000.0 - np.log(2.0)])


@pytest.mark.parametrize(
    "name, class_name",
    [
        ("kl_divergence", "KLDivergence"),
        ("poisson", "Poisson"),
        ("log_cosh", "LogCosh"),
        ("cosine_similarity", "CosineSimilarity"),
        ("hinge", "Hinge"),
        ("squared_hinge", "SquaredHinge"),
        ("categorical_hinge", "CategoricalHinge"),
        ("binary_focal_crossentropy", "BinaryFocalCrossentropy"),
        ("categorical_focal_crossentropy", "CategoricalFocalCrossentropy"),
        ("dice", "Dice"),
        ("tversky", "Tversky"),
    ],
)
def test_incompatible_shapes_raise(name, class_name):
    y_true = np.zeros((4, 3), dtype="float32")
    y_pred = np.zeros((4, 5), dtype="float32")
    match = rf"`{name}`.*y_true.shape=\(4, 3\).*y_pred.shape=\(4, 5\)"
    with pytest.raises(ValueError, match=match):
        getattr(losses, name)(y_true, y_pred)
    with pytest.raises(ValueError, match=match):
        getattr(losses, class_name)()(y_true, y_pred)


def test_focal_config_round_trip_keeps_options():
    loss = losses.BinaryFocalCrossentropy(
        apply_class_balancing=True, alpha=0.4, gamma=1.5, from_logits=True
    )
    restored = losses.BinaryFocalCrossentropy.from_config(loss.get_config())
    assert restored.apply_class_balancing is True
    assert restored.alpha == 0.4
    assert restored.gamma == 1.5
    assert restored.from_logits is True


def test_categorical_focal_one_class_warns():
    with pytest.warns(UserWarning, match="num_classes > 1"):
        losses.categorical_focal_crossentropy([[1.0]], [[1.0]])


def test_categorical_focal_bool_axis_raises():
    with pytest.raises(TypeError, match="axis=True"):
        losses.categorical_focal_crossentropy(
            [[1.0, 0.0]], [[0.5, 0.5]], axis=True
        )


def test_dice_keeps_keras_argument_order():
    loss = losses.Dice("sum", "overlap", (1, 2))
    assert loss.reduction == "sum"
    assert loss.name == "overlap"
    assert loss.axis == (1, 2)


def test_tversky_equals_dice_at_half_weights():
    y_true, y_pred = _data("binary", (2, 3, 4), seed=7)
    _assert_close(
        losses.Tversky()(y_true, y_pred), losses.Dice()(y_true, y_pred)
    )


@pytest.mark.parametrize("reduction", REDUCTIONS, ids=str)
def test_dice_batch_value_with_sample_weights(reduction):
    # With axis=None the loss is one value, which the weights then scale.
    y_true, y_pred = _data("binary", (8, 3), seed=8)
    weights = np.float32(np.random.default_rng(9).uniform(0, 2, size=(8,)))
    ours = losses.Dice(reduction=reduction)
    theirs = keras.losses.Dice(reduction=reduction)
    expected = theirs(y_true, y_pred, sample_weight=weights)
    _assert_close(ours(y_true, y_pred, sample_weight=weights), expected)


@pytest.mark.parametrize("from_logits", [False, True])
@pytest.mark.parametrize("label", [5, -1], ids=["too_large", "negative"])
def test_sparse_crossentropy_class_id_out_of_range(label, from_logits):
    loss = losses.SparseCategoricalCrossentropy(from_logits=from_logits)
    y_pred = np.full((2, 4, 3), 0.5, dtype="float32")
    y_true = np.zeros((2, 4), dtype="int64")
    y_true[1, 2] = label
    match = (
        r"`sparse_categorical_crossentropy`.*\[0, 3\).*"
        r"y_pred.shape\[axis\]=3.*y_pred.shape=\(2, 4, 3\).*"
        rf"Target {label} is out of bounds"
    )
    with pytest.raises(ValueError, match=match):
        loss(y_true, y_pred)


def test_sparse_crossentropy_class_axis_out_of_range():
    y_pred = np.full((2, 3, 4), 0.25, dtype="float32")
    with pytest.raises(ValueError, match=r"\[0, 3\).*shape=\(2, 3, 4\)"):
        losses.sparse_categorical_crossentropy(
            [[0, 1, 2, 3]] * 2, y_pred, axis=1
        )
