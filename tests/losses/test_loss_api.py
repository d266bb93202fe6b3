"""Loss base behaviour: reductions, errors, lookup, config, devices."""

import os

os.environ["KERAS_BACKEND"] = "torch"

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from torchkeras import losses  # noqa: E402


class TestReduction:
    def test_sum_over_batch_size_ignores_weight_total(self):
        loss = losses.MeanSquaredError()
        value = loss(
            np.zeros((4, 1)), [[1.0], [2.0], [3.0], [4.0]], [1, 0, 0, 0]
        )
        assert value.item() == pytest.approx(0.25)

    def test_mean_with_sample_weight_divides_by_weights(self):
        loss = losses.MeanSquaredError(reduction="mean_with_sample_weight")
        value = loss(
            np.zeros((4, 1)), [[1.0], [2.0], [3.0], [4.0]], [1, 0, 0, 0]
        )
        assert value.item() == pytest.approx(1.0)

    def test_rank_fixup_does_not_broadcast(self):
        y_true = torch.arange(4.0)
        value = losses.MeanSquaredError()(y_true, y_true[:, None])
        assert value.item() == 0.0

    @pytest.mark.parametrize("reduction", [None, "none"], ids=str)
    def test_no_reduction_keeps_samples(self, reduction):
        loss = losses.MeanSquaredError(reduction=reduction)
        assert loss(np.zeros((2, 3)), np.ones((2, 3))).shape == (2,)

    def test_invalid_reduction_raises(self):
        with pytest.raises(ValueError, match="Invalid `reduction`.*'avg'"):
            losses.MeanSquaredError(reduction="avg")

    def test_result_is_0d_float32(self):
        value = losses.BinaryCrossentropy()([[1, 0]], [[0.8, 0.1]])
        assert value.shape == ()
        assert value.dtype == torch.float32

    def test_float64_dtype(self):
        loss = losses.MeanAbsoluteError(dtype="float64")
        assert loss.dtype == "float64"
        assert loss([[1.0]], [[0.5]]).dtype == torch.float64


class TestShapeErrors:
    def test_cce_with_integer_labels_suggests_sparse(self):
        loss = losses.CategoricalCrossentropy()
        with pytest.raises(
            ValueError,
            match="categorical_crossentropy.*"
            r"y_true.shape=\(3,\).*sparse_categorical",
        ):
            loss([0, 2, 1], np.full((3, 4), 0.25))

    def test_cce_with_label_column_suggests_sparse(self):
        with pytest.raises(ValueError, match="sparse_categorical"):
            losses.CategoricalCrossentropy()([[0], [2]], np.ones((2, 4)))

    def test_cce_with_other_shape_asks_for_one_hot(self):
        with pytest.raises(ValueError, match=r"y_pred.shape=\(2, 4\).*one-hot"):
            losses.CategoricalCrossentropy()(np.ones((2, 3)), np.ones((2, 4)))

    def test_scce_with_one_hot_suggests_categorical(self):
        loss = losses.SparseCategoricalCrossentropy()
        with pytest.raises(
            ValueError,
            match=r"sparse_categorical.*\(3,\) or "
            r"\(3, 1\).*'categorical_crossentropy'",
        ):
            loss(np.eye(4)[:3], np.full((3, 4), 0.25))

    def test_bce_with_incompatible_shapes_raises(self):
        with pytest.raises(
            ValueError,
            match="binary_crossentropy.*"
            r"y_true.shape=\(4, 2\), y_pred.shape=\(4, 3\)",
        ):
            losses.BinaryCrossentropy()(np.ones((4, 2)), np.ones((4, 3)) / 2)

    def test_cce_with_one_class_warns(self):
        with pytest.warns(UserWarning, match="binary_crossentropy"):
            losses.CategoricalCrossentropy()([[1.0]], [[0.9]])

    def test_bool_axis_raises(self):
        with pytest.raises(TypeError, match="`axis` must be an int"):
            losses.categorical_crossentropy([[1.0, 0]], [[0.5, 0.5]], axis=True)


class TestSparseLabels:
    @pytest.mark.parametrize(
        "labels",
        [
            np.array([1, 0, 2]),
            np.array([[1], [0], [2]]),
            np.array([1.0, 0.0, 2.0], dtype="float32"),
            torch.tensor([[1.0], [0.0], [2.0]]),
        ],
        ids=["int_rank1", "int_column", "float_rank1", "float_column"],
    )
    def test_label_layouts_agree(self, labels):
        y_pred = np.array([[0.2, 0.7, 0.1], [0.5, 0.3, 0.2], [0.1, 0.1, 0.8]])
        value = losses.SparseCategoricalCrossentropy()(labels, y_pred)
        expected = -np.mean(np.log([0.7, 0.5, 0.8]))
        assert value.item() == pytest.approx(expected, rel=1e-6)

    def test_class_axis_one(self):
        y_pred = torch.randn(2, 3, 5)
        labels = torch.randint(0, 3, (2, 5))
        loss = losses.SparseCategoricalCrossentropy(from_logits=True, axis=1)
        expected = torch.nn.functional.cross_entropy(y_pred, labels)
        assert torch.allclose(loss(labels, y_pred), expected)

    def test_ignore_class_gradient_is_finite(self):
        y_pred = torch.tensor([[0.3, 0.7], [0.0, 0.0]], requires_grad=True)
        loss = losses.SparseCategoricalCrossentropy(ignore_class=-1)
        loss([1, -1], y_pred).backward()
        assert torch.isfinite(y_pred.grad).all()


class TestGet:
    @pytest.mark.parametrize(
        "name, expected",
        [
            ("mse", losses.mean_squared_error),
            ("MSE", losses.mean_squared_error),
            ("mae", losses.mean_absolute_error),
            ("mape", losses.mean_absolute_percentage_error),
            ("msle", losses.mean_squared_logarithmic_error),
            ("bce", losses.binary_crossentropy),
            ("BCE", losses.binary_crossentropy),
            ("huber", losses.huber),
            ("categorical_crossentropy", losses.categorical_crossentropy),
        ],
        ids=lambda v: v if isinstance(v, str) else "",
    )
    def test_string_returns_function_like_keras(self, name, expected):
        assert losses.get(name) is expected
        assert keras.losses.get(name).__name__ == expected.__name__

    def test_class_name_returns_instance(self):
        loss = losses.get("SparseCategoricalCrossentropy")
        assert isinstance(loss, losses.SparseCategoricalCrossentropy)

    def test_unknown_string_lists_close_matches(self):
        with pytest.raises(
            ValueError,
            match="'mean_sqared_error'.*Did you mean 'mean_squared_error'",
        ):
            losses.get("mean_sqared_error")

    def test_huber_loss_string_is_rejected_like_keras(self):
        with pytest.raises(ValueError, match="'huber_loss'.*'huber'"):
            losses.get("huber_loss")

    def test_class_instance_and_callable(self):
        instance = losses.Huber()
        assert isinstance(losses.get(losses.Huber), losses.Huber)
        assert losses.get(instance) is instance
        assert losses.get(len) is len
        assert losses.get(None) is None

    def test_bad_type_raises(self):
        with pytest.raises(TypeError, match="Could not interpret loss"):
            losses.get(3)

    def test_config_dict(self):
        loss = losses.get(
            {
                "class_name": "BinaryCrossentropy",
                "config": {"from_logits": True},
            }
        )
        assert isinstance(loss, losses.BinaryCrossentropy)
        assert loss.from_logits is True


CONFIG_CASES = [
    (losses.MeanSquaredError, {"reduction": "sum", "name": "l2"}),
    (losses.MeanAbsoluteError, {}),
    (losses.MeanAbsolutePercentageError, {}),
    (losses.MeanSquaredLogarithmicError, {}),
    (losses.Huber, {"delta": 2.5}),
    (losses.BinaryCrossentropy, {"from_logits": True, "label_smoothing": 0.1}),
    (losses.CategoricalCrossentropy, {"axis": 1, "reduction": None}),
    (losses.SparseCategoricalCrossentropy, {"ignore_class": 0, "axis": 1}),
]


@pytest.mark.parametrize(
    "cls, kwargs", CONFIG_CASES, ids=[c[0].__name__ for c in CONFIG_CASES]
)
def test_config_round_trip(cls, kwargs):
    loss = cls(**kwargs)
    clone = losses.deserialize(losses.serialize(loss))
    assert type(clone) is cls
    assert clone.get_config() == loss.get_config()


@pytest.mark.parametrize(
    "cls", [losses.MeanSquaredError, losses.BinaryCrossentropy]
)
def test_config_keys_match_keras(cls):
    ours = cls().get_config()
    theirs = getattr(keras.losses, cls.__name__)().get_config()
    assert ours == theirs


def test_wrapper_config_round_trip():
    loss = losses.LossFunctionWrapper(losses.huber, name="h", delta=0.5)
    clone = losses.LossFunctionWrapper.from_config(loss.get_config())
    assert clone.fn is losses.huber
    assert clone.get_config() == loss.get_config()


@pytest.mark.parametrize(
    "loss",
    [
        losses.BinaryCrossentropy(),
        losses.CategoricalCrossentropy(from_logits=True),
        losses.SparseCategoricalCrossentropy(ignore_class=0),
        losses.Huber(),
    ],
    ids=["bce", "cce_logits", "scce_ignore", "huber"],
)
def test_meta_tensors_need_no_host_sync(loss):
    # Meta tensors contain no data, so any `.item()` or host copy would raise.
    y_pred = torch.rand(4, 3, device="meta")
    y_true = torch.zeros(4, 3, device="meta")
    if isinstance(loss, losses.SparseCategoricalCrossentropy):
        y_true = torch.zeros(4, dtype=torch.long, device="meta")
    value = loss(y_true, y_pred, sample_weight=torch.ones(4, device="meta"))
    assert value.device.type == "meta"
    assert value.shape == ()


def test_bce_runs_under_autocast():
    y_pred = torch.rand(4, 1, dtype=torch.bfloat16)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        value = losses.BinaryCrossentropy()(torch.ones(4, 1), y_pred)
    assert value.dtype == torch.float32


class TestBinaryCrossentropyPaths:
    """The fused CPU kernel and the written-out form give the same losses."""

    def _inputs(self):
        rs = np.random.RandomState(0)
        y_pred = torch.tensor(rs.uniform(0, 1, (6, 3)), dtype=torch.float32)
        y_pred[0, 0], y_pred[1, 1] = 0.0, 1.0
        y_true = torch.tensor(rs.uniform(0, 1, (6, 3)), dtype=torch.float32)
        return y_true, y_pred

    def test_nan_prediction_gives_nan_loss(self):
        y_true, y_pred = self._inputs()
        y_pred[2, 0] = float("nan")
        values = losses.binary_crossentropy(y_true, y_pred)
        assert torch.isnan(values[2])
        assert torch.isfinite(values[[0, 1, 3, 4, 5]]).all()

    def test_target_gradient_is_computed(self):
        # torch's fused kernel has no gradient for the target, so targets
        # that need one take the written-out form.
        y_true, y_pred = self._inputs()
        y_true.requires_grad_(True)
        losses.binary_crossentropy(y_true, y_pred).sum().backward()
        expected = -(torch.log(y_pred.clamp(1e-7, 1 - 1e-7)) - torch.log1p(
            -y_pred.clamp(1e-7, 1 - 1e-7)
        )) / 3
        np.testing.assert_allclose(y_true.grad.numpy(), expected.numpy(), rtol=1e-5)

    def test_fused_and_written_out_forms_agree(self):
        y_true, y_pred = self._inputs()
        fused = losses.binary_crossentropy(y_true, y_pred)
        with_grad_target = losses.binary_crossentropy(
            y_true.clone().requires_grad_(True), y_pred
        )
        np.testing.assert_allclose(
            fused.numpy(), with_grad_target.detach().numpy(), rtol=1e-6
        )
        reference = keras.losses.binary_crossentropy(y_true.numpy(), y_pred.numpy())
        np.testing.assert_allclose(
            fused.numpy(), keras.ops.convert_to_numpy(reference), rtol=1e-5
        )
