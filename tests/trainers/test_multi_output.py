"""Training models with several outputs, against Keras 3 from equal weights.

Each twin is a model with two Dense heads, `zz` (2 units, linear) and `bb`
(3 units, softmax), built the same way in Keras and torchkeras. It is a
subclass returning a list, a tuple or a dict `{"z": ..., "b": ...}`, or a
functional model returning a list.
"""

import os

os.environ["KERAS_BACKEND"] = "torch"

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import torchkeras  # noqa: E402

NUM_SAMPLES = 40
RNG = np.random.default_rng(0)
X = RNG.standard_normal((NUM_SAMPLES, 4)).astype("float32")
Y_REGRESSION = RNG.standard_normal((NUM_SAMPLES, 2)).astype("float32")
Y_ONE_HOT = np.eye(3)[RNG.integers(0, 3, NUM_SAMPLES)].astype("float32")
SAMPLE_WEIGHT = RNG.random(NUM_SAMPLES).astype("float32")
ONES = np.ones(NUM_SAMPLES, dtype="float32")
Y_LIST = [Y_REGRESSION, Y_ONE_HOT]
Y_DICT = {"z": Y_REGRESSION, "b": Y_ONE_HOT}
Y_BY_LAYER = {"zz": Y_REGRESSION, "bb": Y_ONE_HOT}


def _subclassed(module, structure):
    class TwoHeads(module.Model):
        def __init__(self):
            super().__init__()
            self.head_z = module.layers.Dense(2, name="zz")
            self.head_b = module.layers.Dense(
                3, activation="softmax", name="bb"
            )

        def call(self, inputs):
            z, b = self.head_z(inputs), self.head_b(inputs)
            if structure == "dict":
                return {"z": z, "b": b}
            return [z, b] if structure == "list" else (z, b)

    model = TwoHeads()
    model(X[:1])
    return model


def _functional(module):
    inputs = module.Input((4,))
    z = module.layers.Dense(2, name="zz")(inputs)
    b = module.layers.Dense(3, activation="softmax", name="bb")(inputs)
    return module.Model(inputs, [z, b])


def _make(module, structure):
    if structure == "functional":
        return _functional(module)
    return _subclassed(module, structure)


def _twins(structure):
    """Return (ours, theirs) with equal weights, copied layer by layer."""
    theirs = _make(keras, structure)
    ours = _make(torchkeras, structure)
    ours_layers = {layer.name: layer for layer in ours.layers}
    for layer in theirs.layers:
        if layer.weights:
            ours_layers[layer.name].set_weights(layer.get_weights())
    return ours, theirs


def _fit_twins(structure, y, compile_args, fit_args=None, epochs=2):
    """Compile and fit both twins alike, and return models and histories."""
    ours, theirs = _twins(structure)
    fit_args = dict(fit_args or {})
    fit_args.setdefault("validation_data", (X, y))
    histories = []
    for model, module in ((ours, torchkeras), (theirs, keras)):
        model.compile(
            optimizer=module.optimizers.SGD(0.05), **compile_args(module)
        )
        history = model.fit(
            X,
            y,
            batch_size=16,
            epochs=epochs,
            shuffle=False,
            verbose=0,
            **fit_args,
        )
        histories.append(history.history)
    return ours, theirs, histories[0], histories[1]


def _assert_histories_close(ours, theirs):
    assert sorted(ours) == sorted(theirs)
    for key in theirs:
        np.testing.assert_allclose(
            ours[key], theirs[key], atol=1e-5, err_msg=key
        )


def _assert_weights_close(ours, theirs):
    ours_layers = {layer.name: layer for layer in ours.layers}
    for layer in theirs.layers:
        if not layer.weights:
            continue
        for mine, reference in zip(
            ours_layers[layer.name].get_weights(), layer.get_weights()
        ):
            np.testing.assert_allclose(
                mine, reference, atol=1e-5, err_msg=layer.name
            )


def _assert_evaluate_matches(ours, theirs, y, sample_weight=None):
    args = {"batch_size": 16, "verbose": 0, "sample_weight": sample_weight}
    ours_list, theirs_list = (
        ours.evaluate(X, y, **args),
        theirs.evaluate(X, y, **args),
    )
    np.testing.assert_allclose(ours_list, theirs_list, atol=1e-5)
    ours_dict = ours.evaluate(X, y, return_dict=True, **args)
    theirs_dict = theirs.evaluate(X, y, return_dict=True, **args)
    assert list(ours_dict) == list(theirs_dict)
    np.testing.assert_allclose(
        list(ours_dict.values()), list(theirs_dict.values()), atol=1e-5
    )
    assert ours.metrics_names == theirs.metrics_names


# id: (structure, y, compile arguments for a module, fit arguments)
PARITY_CASES = {
    "one_loss_for_dict_outputs": (
        "dict",
        Y_DICT,
        lambda m: {"loss": "mse"},
        None,
    ),
    "loss_list": (
        "list",
        Y_LIST,
        lambda m: {
            "loss": ["mse", "categorical_crossentropy"],
            "metrics": ["mae", "accuracy"],
        },
        None,
    ),
    "loss_list_of_objects": (
        "list",
        Y_LIST,
        lambda m: {
            "loss": [
                m.losses.MeanSquaredError(),
                m.losses.MeanAbsoluteError(name="l1"),
            ]
        },
        None,
    ),
    "loss_list_of_functions": (
        "list",
        Y_LIST,
        lambda m: {
            "loss": [
                m.losses.mean_squared_error,
                lambda t, p: m.ops.mean(m.ops.abs(t - p), axis=-1),
            ]
        },
        None,
    ),
    "loss_dict": (
        "dict",
        Y_DICT,
        lambda m: {
            "loss": {"z": "mse", "b": "categorical_crossentropy"},
            "metrics": {"z": "mae", "b": ["accuracy"]},
        },
        None,
    ),
    "loss_dict_in_other_order": (
        "dict",
        Y_DICT,
        lambda m: {"loss": {"b": "mse", "z": "mae"}},
        None,
    ),
    "loss_list_for_dict_outputs": (
        "dict",
        Y_DICT,
        lambda m: {
            "loss": ["categorical_crossentropy", "mse"],
            "metrics": [["accuracy"], ["mae"]],
        },
        None,
    ),
    "loss_weights_list": (
        "list",
        Y_LIST,
        lambda m: {
            "loss": ["mse", "categorical_crossentropy"],
            "loss_weights": [0.5, 2.0],
        },
        None,
    ),
    "loss_weights_dict": (
        "dict",
        Y_DICT,
        lambda m: {
            "loss": {"z": "mse", "b": "categorical_crossentropy"},
            "loss_weights": {"z": 1.0, "b": 0.1},
        },
        None,
    ),
    "loss_weights_list_for_dict_loss": (
        "dict",
        Y_DICT,
        lambda m: {
            "loss": {"z": "mse", "b": "mae"},
            "loss_weights": [0.5, 2.0],
        },
        None,
    ),
    "loss_weight_number": (
        "dict",
        Y_DICT,
        lambda m: {"loss": "mse", "loss_weights": 0.5},
        None,
    ),
    "metrics_list_one_per_output": (
        "dict",
        Y_DICT,
        lambda m: {"loss": "mse", "metrics": ["accuracy", "mae"]},
        None,
    ),
    "metrics_list_of_lists": (
        "list",
        Y_LIST,
        lambda m: {
            "loss": ["mse", "mae"],
            "metrics": [
                ["mae", "mse"],
                [
                    "accuracy",
                    m.metrics.TopKCategoricalAccuracy(k=2, name="top2"),
                ],
            ],
        },
        None,
    ),
    "metrics_dict_for_some_outputs": (
        "dict",
        Y_DICT,
        lambda m: {"loss": "mse", "metrics": {"b": "accuracy"}},
        None,
    ),
    "weighted_metrics_one_sample_weight": (
        "list",
        Y_LIST,
        lambda m: {
            "loss": ["mse", "mae"],
            "metrics": [["mae"], None],
            "weighted_metrics": [["mse"], ["accuracy"]],
        },
        {"sample_weight": SAMPLE_WEIGHT},
    ),
    "weighted_metrics_sample_weight_list": (
        "list",
        Y_LIST,
        lambda m: {
            "loss": ["mse", "mae"],
            "weighted_metrics": [["mae"], ["mse"]],
        },
        {"sample_weight": [SAMPLE_WEIGHT, ONES]},
    ),
    "weighted_metrics_sample_weight_dict": (
        "dict",
        Y_DICT,
        lambda m: {
            "loss": "mse",
            "weighted_metrics": {"z": "mae"},
            "metrics": {"z": "mae"},
        },
        {"sample_weight": {"z": SAMPLE_WEIGHT, "b": ONES}},
    ),
    "none_loss_for_one_output": (
        "list",
        Y_LIST,
        lambda m: {
            "loss": [None, "categorical_crossentropy"],
            "metrics": [["mae"], None],
        },
        None,
    ),
    "dict_loss_for_one_output": (
        "dict",
        Y_DICT,
        lambda m: {"loss": {"z": "mse"}, "metrics": {"b": ["accuracy"]}},
        None,
    ),
    "tuple_outputs": (
        "tuple",
        Y_LIST,
        lambda m: {"loss": ("mse", "categorical_crossentropy")},
        None,
    ),
    "list_targets_for_dict_outputs": (
        "dict",
        [Y_ONE_HOT, Y_REGRESSION],
        lambda m: {"loss": "mse"},
        None,
    ),
    "targets_only_for_losses": (
        "list",
        Y_ONE_HOT,
        lambda m: {"loss": [None, "mse"]},
        None,
    ),
    "target_dict_only_for_losses": (
        "dict",
        {"b": Y_ONE_HOT},
        lambda m: {"loss": {"b": "mse"}},
        None,
    ),
    "validation_split": (
        "list",
        Y_LIST,
        lambda m: {
            "loss": ["mse", "categorical_crossentropy"],
            "metrics": [["mae"], ["accuracy"]],
        },
        {"validation_split": 0.25, "validation_data": None},
    ),
    "functional_one_loss": (
        "functional",
        Y_LIST,
        lambda m: {"loss": "mse", "metrics": [["mae"], ["mae"]]},
        None,
    ),
    "functional_loss_list": (
        "functional",
        Y_LIST,
        lambda m: {
            "loss": ["mse", "categorical_crossentropy"],
            "metrics": ["mae", "accuracy"],
        },
        None,
    ),
    "functional_loss_dict": (
        "functional",
        Y_LIST,
        lambda m: {
            "loss": {"bb": "categorical_crossentropy", "zz": "mae"},
            "metrics": {"bb": "accuracy"},
            "loss_weights": {"zz": 2.0, "bb": 1.0},
            "weighted_metrics": {"zz": ["mse"]},
        },
        None,
    ),
    "functional_target_dict": (
        "functional",
        Y_BY_LAYER,
        lambda m: {"loss": ["mse", "mae"], "metrics": {"zz": "mae"}},
        None,
    ),
    "functional_none_loss": (
        "functional",
        Y_LIST,
        lambda m: {"loss": [None, "mse"], "metrics": [["mae"], None]},
        None,
    ),
}


# Cases that leave one head without a loss, so its weights get no gradient.
UNTRAINED_HEAD_CASES = {
    "none_loss_for_one_output",
    "dict_loss_for_one_output",
    "targets_only_for_losses",
    "target_dict_only_for_losses",
    "functional_none_loss",
}


@pytest.mark.parametrize("case", list(PARITY_CASES), ids=list(PARITY_CASES))
def test_fit_and_evaluate_match_keras(case):
    structure, y, compile_args, fit_args = PARITY_CASES[case]
    if case in UNTRAINED_HEAD_CASES:
        with pytest.warns(
            UserWarning, match="No gradient was given for weight"
        ):
            fitted = _fit_twins(structure, y, compile_args, fit_args)
    else:
        fitted = _fit_twins(structure, y, compile_args, fit_args)
    ours, theirs, ours_history, theirs_history = fitted
    _assert_histories_close(ours_history, theirs_history)
    _assert_weights_close(ours, theirs)
    sample_weight = (fit_args or {}).get("sample_weight")
    _assert_evaluate_matches(ours, theirs, y, sample_weight)


def test_history_keys_for_named_outputs():
    def compile_args(module):
        return {
            "loss": {"z": "mse", "b": "categorical_crossentropy"},
            "metrics": {"z": ["mae"], "b": ["accuracy"]},
        }

    _, _, ours_history, _ = _fit_twins("dict", Y_DICT, compile_args, epochs=1)
    expected = ["b_accuracy", "b_loss", "loss", "z_loss", "z_mae"]
    assert sorted(ours_history) == sorted(
        expected + [f"val_{key}" for key in expected]
    )


def test_one_loss_logs_no_output_loss():
    def compile_args(module):
        return {"loss": [None, "mse"]}

    with pytest.warns(UserWarning, match="No gradient was given for weight"):
        _, _, ours_history, theirs_history = _fit_twins(
            "list", Y_LIST, compile_args, epochs=1
        )
    assert list(ours_history) == ["loss", "val_loss"]
    assert list(theirs_history) == ["loss", "val_loss"]


def test_unnamed_outputs_log_loss_names():
    def compile_args(module):
        return {"loss": ["mse", "mae"], "metrics": [["mae"], ["mae"]]}

    _, _, ours_history, theirs_history = _fit_twins(
        "list", Y_LIST, compile_args, epochs=1
    )
    assert sorted(ours_history) == sorted(theirs_history)
    assert [key for key in ours_history if not key.startswith("val_")] == [
        "loss",
        "mae",
        "mae_1",
        "mae_loss",
        "mse_loss",
    ]


def test_shared_log_name_keeps_last_output():
    # Both unnamed outputs log their loss as `mse_loss`, and the second wins.
    ours, theirs, ours_history, theirs_history = _fit_twins(
        "list", Y_LIST, lambda m: {"loss": "mse"}
    )
    _assert_histories_close(ours_history, theirs_history)
    theirs_dict = theirs.evaluate(
        X, Y_LIST, batch_size=16, verbose=0, return_dict=True
    )
    ours_list = ours.evaluate(X, Y_LIST, batch_size=16, verbose=0)
    # Keras 3.15 repeats the shared value in the list, torchkeras lists it once.
    assert ours.metrics_names == theirs.metrics_names
    np.testing.assert_allclose(
        ours_list, [theirs_dict["loss"], theirs_dict["mse_loss"]], atol=1e-5
    )


def test_evaluate_before_fit_matches_keras():
    ours, theirs = _twins("dict")
    for model, module in ((ours, torchkeras), (theirs, keras)):
        model.compile(
            optimizer=module.optimizers.SGD(0.05),
            loss="mse",
            metrics={"b": ["accuracy"]},
        )
    _assert_evaluate_matches(ours, theirs, Y_DICT)
    ours_history = ours.fit(
        X, Y_DICT, batch_size=16, epochs=2, shuffle=False, verbose=0
    )
    theirs_history = theirs.fit(
        X, Y_DICT, batch_size=16, epochs=2, shuffle=False, verbose=0
    )
    _assert_histories_close(ours_history.history, theirs_history.history)


@pytest.mark.parametrize("structure", ["list", "tuple", "dict", "functional"])
def test_predict_keeps_output_structure(structure):
    ours, theirs = _twins(structure)
    ours_outputs, theirs_outputs = (
        ours.predict(X, verbose=0),
        theirs.predict(X, verbose=0),
    )
    assert type(ours_outputs) is type(theirs_outputs)
    if structure == "dict":
        assert list(ours_outputs) == list(theirs_outputs)
        ours_outputs = list(ours_outputs.values())
        theirs_outputs = list(theirs_outputs.values())
    for mine, reference in zip(ours_outputs, theirs_outputs):
        assert isinstance(mine, np.ndarray)
        np.testing.assert_allclose(mine, reference, atol=1e-5)


def test_single_batch_methods_return_structures():
    ours, _ = _twins("dict")
    ours.compile(
        optimizer="sgd", loss={"z": "mse", "b": "categorical_crossentropy"}
    )
    logs = ours.train_on_batch(X, Y_DICT, return_dict=True)
    assert sorted(logs) == ["b_loss", "loss", "z_loss"]
    assert len(ours.test_on_batch(X, Y_DICT)) == 3
    assert sorted(ours.predict_on_batch(X)) == ["b", "z"]


def _compiled(structure, **compile_args):
    model = _make(torchkeras, structure)
    model.compile(optimizer="sgd", **compile_args)
    return model


def _fit(model, y, **fit_args):
    return model.fit(X, y, batch_size=16, epochs=1, verbose=0, **fit_args)


@pytest.mark.parametrize(
    "loss",
    [["mse"], ["mse", "mse", "mse"]],
    ids=["short", "long"],
)
def test_loss_list_of_wrong_length_raises(loss):
    model = _compiled("list", loss=loss)
    with pytest.raises(
        ValueError,
        match=r"`loss` must have one entry per model output\. "
        r"The model has 2 outputs without names",
    ):
        _fit(model, Y_LIST)


def test_loss_dict_for_unnamed_outputs_raises():
    model = _compiled("list", loss={"zz": "mse"})
    with pytest.raises(
        ValueError,
        match=r"`loss` is a dict, but the model's 2 outputs have no names",
    ):
        _fit(model, Y_LIST)


def test_loss_dict_unknown_key_lists_names():
    model = _compiled("dict", loss={"z": "mse", "q": "mse"})
    with pytest.raises(
        ValueError,
        match=r"name no model output: \['q'\]\. "
        r"The model's output names are \['b', 'z'\]",
    ):
        _fit(model, Y_DICT)


def test_functional_loss_dict_unknown_key_lists_names():
    model = _compiled("functional", loss={"zz": "mse", "qq": "mse"})
    with pytest.raises(
        ValueError,
        match=r"\['qq'\]\. The model's output names are \['zz', 'bb'\]",
    ):
        _fit(model, Y_LIST)


def test_loss_weights_list_of_wrong_length_raises():
    model = _compiled("list", loss="mse", loss_weights=[1.0])
    with pytest.raises(
        ValueError,
        match=r"`loss_weights` must have one entry per model output"
        r".*has 1 entry\.",
    ):
        _fit(model, Y_LIST)


def test_loss_weights_dict_missing_output_raises():
    model = _compiled("dict", loss="mse", loss_weights={"z": 1.0})
    with pytest.raises(
        ValueError,
        match=r"`loss_weights` is a dict without an entry "
        r"for the outputs \['b'\]",
    ):
        _fit(model, Y_DICT)


def test_loss_weights_dict_unknown_key_raises():
    model = _compiled(
        "dict", loss="mse", loss_weights={"z": 1.0, "b": 1.0, "q": 2.0}
    )
    with pytest.raises(
        ValueError,
        match=r"`loss_weights` has keys that name no model output: \['q'\]",
    ):
        _fit(model, Y_DICT)


def test_loss_weights_of_wrong_type_raises():
    with pytest.raises(
        TypeError, match="`loss_weights` must be a number, or a list or dict"
    ):
        _compiled("list", loss="mse", loss_weights="heavy")


def test_metrics_list_of_wrong_length_raises():
    model = _compiled("functional", loss="mse", metrics=["mae"])
    with pytest.raises(
        ValueError,
        match=r"`metrics` must have one entry per model output"
        r".*named \['zz', 'bb'\]",
    ):
        _fit(model, Y_LIST)


def test_metrics_dict_unknown_key_raises():
    model = _compiled("functional", loss="mse", metrics={"qq": "mae"})
    with pytest.raises(
        ValueError,
        match=r"`metrics` has keys that name no model output: \['qq'\]",
    ):
        _fit(model, Y_LIST)


def test_weighted_metrics_dict_unknown_key_raises():
    model = _compiled("dict", loss="mse", weighted_metrics={"q": "mae"})
    with pytest.raises(
        ValueError,
        match=r"`weighted_metrics` has keys that name no model output: \['q'\]",
    ):
        _fit(model, Y_DICT)


def test_metrics_dict_for_unnamed_outputs_raises():
    model = _compiled("list", loss="mse", metrics={"z": "mae"})
    with pytest.raises(
        ValueError,
        match=r"`metrics` is a dict, but the model's 2 outputs have no names",
    ):
        _fit(model, Y_LIST)


def test_metrics_string_raises():
    with pytest.raises(
        TypeError,
        match="Expected `metrics` argument to be a list, tuple, or dict",
    ):
        _compiled("list", loss="mse", metrics="mae")


def test_too_many_targets_raise():
    model = _compiled("list", loss="mse")
    with pytest.raises(
        ValueError,
        match=r"`y` does not match the model's outputs"
        r".*Received a list of 3 arrays",
    ):
        _fit(model, [Y_REGRESSION, Y_ONE_HOT, Y_ONE_HOT])


def test_one_target_for_two_losses_raises():
    model = _compiled("list", loss="mse")
    with pytest.raises(
        ValueError, match=r"Received one array of shape \(16, 2\)"
    ):
        _fit(model, Y_REGRESSION)


def test_target_dict_unknown_key_raises():
    model = _compiled("dict", loss="mse")
    with pytest.raises(
        ValueError,
        match=r"`y` has keys that name no model output: \['q'\]"
        r".*y=a dict with keys",
    ):
        _fit(model, {"z": Y_REGRESSION, "q": Y_ONE_HOT})


def test_target_dict_for_unnamed_outputs_raises():
    model = _compiled("list", loss="mse")
    with pytest.raises(
        ValueError,
        match=r"`y` is a dict, but the model's 2 outputs have no names",
    ):
        _fit(model, {"z": Y_REGRESSION, "b": Y_ONE_HOT})


def test_missing_target_for_loss_raises():
    model = _compiled("dict", loss="mse")
    with pytest.raises(
        ValueError, match=r"No target in `y` for output 'b', which has a loss"
    ):
        _fit(model, {"z": Y_REGRESSION})


def test_missing_target_for_metric_raises():
    model = _compiled("dict", loss={"z": "mse"}, metrics={"b": ["mae"]})
    with pytest.raises(
        ValueError, match=r"No target in `y` for output 'b', which has metrics"
    ):
        _fit(model, {"z": Y_REGRESSION})


def test_sample_weight_dict_unknown_key_raises():
    model = _compiled("dict", loss="mse")
    with pytest.raises(
        ValueError,
        match=r"`sample_weight` has keys that name no model output: \['q'\]",
    ):
        _fit(model, Y_DICT, sample_weight={"z": ONES, "q": ONES})


def test_several_losses_for_one_output_not_supported():
    model = _compiled("list", loss=[["mse", "mae"], "mse"])
    with pytest.raises(
        NotImplementedError,
        match="Several losses for one output are not supported yet",
    ):
        _fit(model, Y_LIST)


def test_nested_outputs_not_supported():
    class Nested(torchkeras.Model):
        def __init__(self):
            super().__init__()
            self.head = torchkeras.layers.Dense(2)

        def call(self, inputs):
            output = self.head(inputs)
            return {"pair": [output, output]}

    model = Nested()
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(NotImplementedError, match="nested more than one level"):
        _fit(model, {"pair": [Y_REGRESSION, Y_REGRESSION]})


def _single_output_model():
    inputs = torchkeras.Input((4,))
    outputs = torchkeras.layers.Dense(2, name="head")(inputs)
    return torchkeras.Model(inputs, outputs)


def test_single_output_several_losses_not_supported():
    model = _single_output_model()
    model.compile(optimizer="sgd", loss=["mse", "mae"])
    with pytest.raises(
        NotImplementedError, match="Keras adds up several losses on one output"
    ):
        _fit(model, Y_REGRESSION)


def test_single_output_loss_dict_checks_name():
    model = _single_output_model()
    model.compile(optimizer="sgd", loss={"other": "mse"})
    with pytest.raises(
        ValueError,
        match=r"name no model output: \['other'\]\. "
        r"The model's output names are \['head'\]",
    ):
        _fit(model, Y_REGRESSION)


def test_single_output_accepts_one_entry_forms():
    model = _single_output_model()
    model.compile(
        optimizer="sgd",
        loss={"head": "mse"},
        loss_weights=[2.0],
        metrics={"head": ["mae"]},
    )
    history = _fit(model, [Y_REGRESSION])
    assert sorted(history.history) == ["loss", "mae"]
