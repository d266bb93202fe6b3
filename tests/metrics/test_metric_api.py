"""Metric base behaviour: state handling, devices, lookup, config, errors."""

import copy
import os

os.environ["KERAS_BACKEND"] = "torch"

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from torchkeras import metrics  # noqa: E402
from torchkeras.backend.variable import Variable  # noqa: E402


class CountAbove(metrics.Metric):
    """A metric written the Keras way, with `assign` and `assign_add`."""

    def __init__(self, threshold=0.0, name="count_above", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.threshold = threshold
        self.hits = self.add_variable((), "zeros", name="true_positives")
        self.offset = self.add_variable((2,), "ones", name="offset")

    def update_state(self, values):
        above = torch.as_tensor(values) > self.threshold
        self.hits.assign(self.hits + above.sum())

    def result(self):
        return self.hits + self.offset.sum()


class TestState:
    def test_states_are_buffers_in_state_dict(self):
        metric = metrics.Mean()
        assert list(metric.state_dict()) == ["total", "count"]
        assert list(metric.parameters()) == []

    def test_state_key_follows_attribute_name(self):
        metric = CountAbove()
        assert list(metric.state_dict()) == ["hits", "offset"]
        assert metric.hits.name == "true_positives"
        assert metric.hits.path == "count_above/true_positives"

    def test_variables_in_creation_order(self):
        metric = CountAbove()
        assert metric.variables[0] is metric.hits
        assert metric.variables[1] is metric.offset

    def test_reset_restores_initial_values_in_place(self):
        metric = CountAbove()
        state = metric.offset
        metric.offset.assign_add([2.0, 3.0])
        metric.update_state([1.0, 2.0, -1.0])
        metric.reset_state()
        assert metric.offset is state
        assert metric.offset.tolist() == [1.0, 1.0]
        assert metric.hits.item() == 0.0

    def test_reset_states_alias(self):
        metric = metrics.Sum()
        metric.update_state([2.0])
        metric.reset_states()
        assert metric.result().item() == 0.0

    def test_call_updates_and_returns_result(self):
        metric = metrics.Mean()
        assert metric([1.0, 3.0]).item() == 2.0
        assert metric([5.0]).item() == 3.0

    def test_result_is_a_copy(self):
        metric = metrics.Sum()
        first = metric([1.0])
        metric.update_state([1.0])
        assert first.item() == 1.0

    @pytest.mark.parametrize(
        "metric",
        [
            metrics.Mean(),
            metrics.BinaryAccuracy(),
            metrics.RootMeanSquaredError(),
        ],
        ids=["mean", "binary_accuracy", "rmse"],
    )
    def test_result_before_update_is_zero(self, metric):
        assert metric.result().item() == 0.0

    def test_update_keeps_no_graph(self):
        metric = metrics.MeanSquaredError()
        y_pred = torch.rand(4, 2, requires_grad=True)
        metric.update_state(torch.zeros(4, 2), y_pred * 2)
        assert metric.total.grad_fn is None
        assert not metric.total.requires_grad
        copy.deepcopy(metric)

    def test_add_variable_before_init_raises(self):
        class Broken(metrics.Metric):
            def __init__(self):
                self.add_variable((), "zeros")

        with pytest.raises(RuntimeError, match="super\\(\\).__init__\\(\\)"):
            Broken()

    def test_invalid_aggregation_raises(self):
        with pytest.raises(ValueError, match="`aggregation`.*'max'"):
            metrics.Sum().add_variable((), "zeros", aggregation="max")


class TestDevices:
    def test_to_float64_moves_states_and_keeps_api(self):
        metric = CountAbove().to(torch.float64)
        assert metric.hits.dtype == torch.float64
        assert isinstance(metric.hits, Variable)
        metric.update_state([1.0, 2.0])
        assert metric.state_dict()["hits"].item() == 2.0
        assert metric.result().dtype == torch.float64

    def test_load_state_dict_restores_progress(self):
        metric = metrics.Mean()
        metric.update_state([1.0, 2.0, 6.0])
        twin = metrics.Mean()
        twin.load_state_dict(metric.state_dict())
        assert twin.result().item() == 3.0

    def test_load_with_assign_keeps_variables(self):
        twin = CountAbove()
        twin.load_state_dict(CountAbove().state_dict(), assign=True)
        assert isinstance(twin.hits, Variable)

    def test_meta_tensors_need_no_host_sync(self):
        # Meta tensors contain no data, so any `.item()` or host copy would raise.
        metric = metrics.SparseCategoricalAccuracy().to("meta")
        labels = torch.zeros(4, dtype=torch.long, device="meta")
        weights = torch.ones(4, device="meta")
        metric.update_state(labels, torch.rand(4, 3, device="meta"), weights)
        assert metric.result().device.type == "meta"
        metric.reset_state()

    def test_states_follow_input_device(self):
        metric = metrics.Mean()
        metric.update_state(torch.ones(3, device="meta"))
        assert metric.total.device.type == "meta"

    def test_created_in_inference_mode_updates(self):
        with torch.inference_mode():
            metric = metrics.BinaryAccuracy()
            metric.update_state(torch.ones(2, 1), torch.ones(2, 1))
        metric.update_state([[1.0]], [[0.0]])
        assert metric.result().item() == pytest.approx(2 / 3)

    @pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
    def test_cuda_update_keeps_states_on_device(self):
        metric = metrics.CategoricalAccuracy().to("cuda")
        y_true = torch.eye(3, device="cuda")
        metric.update_state(y_true, y_true, sample_weight=[1.0, 2.0, 0.0])
        assert metric.total.device.type == "cuda"
        assert metric.result().item() == 1.0


class TestGet:
    @pytest.mark.parametrize(
        "name, cls",
        [
            ("mse", metrics.MeanSquaredError),
            ("MSE", metrics.MeanSquaredError),
            ("mae", metrics.MeanAbsoluteError),
            ("mape", metrics.MeanAbsolutePercentageError),
            ("msle", metrics.MeanSquaredLogarithmicError),
            ("accuracy", metrics.Accuracy),
            ("acc", metrics.Accuracy),
            ("binary_accuracy", metrics.BinaryAccuracy),
            ("sparse_categorical_accuracy", metrics.SparseCategoricalAccuracy),
            ("top_k_categorical_accuracy", metrics.TopKCategoricalAccuracy),
            ("RootMeanSquaredError", metrics.RootMeanSquaredError),
            ("bce", metrics.BinaryCrossentropy),
            ("mean", metrics.Mean),
        ],
        ids=lambda v: v if isinstance(v, str) else "",
    )
    def test_string_returns_instance(self, name, cls):
        assert type(metrics.get(name)) is cls

    @pytest.mark.parametrize("name", ["mse", "accuracy", "bce", "mean"])
    def test_string_agrees_with_keras(self, name):
        assert (
            type(metrics.get(name)).__name__
            == type(keras.metrics.get(name)).__name__
        )

    def test_unknown_string_lists_close_matches(self):
        with pytest.raises(
            ValueError, match="'binary_acuracy'.*Did you mean 'binary_accuracy'"
        ):
            metrics.get("binary_acuracy")

    def test_rmse_string_is_rejected_like_keras(self):
        with pytest.raises(ValueError, match="Could not interpret metric"):
            metrics.get("rmse")

    def test_class_instance_and_none(self):
        instance = metrics.Sum()
        assert metrics.get(instance) is instance
        assert type(metrics.get(metrics.Mean)) is metrics.Mean
        assert metrics.get(None) is None

    def test_callable_is_wrapped_with_its_name(self):
        def hit_rate(y_true, y_pred):
            return (torch.as_tensor(y_true) == torch.as_tensor(y_pred)).float()

        metric = metrics.get(hit_rate)
        assert isinstance(metric, metrics.MeanMetricWrapper)
        assert metric.name == "hit_rate"
        assert metric([1, 2], [1, 3]).item() == 0.5

    def test_bad_type_raises(self):
        with pytest.raises(TypeError, match="Could not interpret metric"):
            metrics.get(2.5)

    def test_config_dict(self):
        metric = metrics.get(
            {"class_name": "BinaryAccuracy", "config": {"threshold": 0.2}}
        )
        assert metric.threshold == 0.2


CONFIG_CASES = [
    metrics.Mean(name="running"),
    metrics.Sum(dtype="float64"),
    metrics.BinaryAccuracy(threshold=0.7),
    metrics.TopKCategoricalAccuracy(k=3),
    metrics.SparseTopKCategoricalAccuracy(k=2, from_sorted_ids=True),
    metrics.RootMeanSquaredError(),
    metrics.CategoricalCrossentropy(from_logits=True, axis=1),
    metrics.SparseCategoricalCrossentropy(ignore_class=0),
    metrics.MeanMetricWrapper(metrics.binary_accuracy, threshold=0.1),
]


@pytest.mark.parametrize(
    "metric", CONFIG_CASES, ids=[type(m).__name__ for m in CONFIG_CASES]
)
def test_config_round_trip(metric):
    clone = metrics.deserialize(metrics.serialize(metric))
    assert type(clone) is type(metric)
    assert clone.get_config() == metric.get_config()


@pytest.mark.parametrize(
    "cls_name", ["BinaryAccuracy", "SparseTopKCategoricalAccuracy", "Mean"]
)
def test_config_keys_match_keras(cls_name):
    ours = getattr(metrics, cls_name)().get_config()
    theirs = getattr(keras.metrics, cls_name)().get_config()
    assert ours == theirs


def test_metric_dtype_float64():
    metric = metrics.Mean(dtype="float64")
    assert metric.dtype == "float64"
    assert metric.total.dtype == torch.float64
    assert metric(np.array([1.0, 2.0])).dtype == torch.float64


def test_default_names_are_unique():
    first = metrics.MeanMetricWrapper(metrics.mean_squared_error)
    second = metrics.MeanMetricWrapper(metrics.mean_squared_error)
    assert first.name.startswith("mean_metric_wrapper")
    assert first.name != second.name


def test_all_is_sorted():
    assert metrics.__all__ == sorted(metrics.__all__)


def test_losses_all_is_sorted():
    from torchkeras import losses

    assert losses.__all__ == sorted(losses.__all__)
