"""Every optimizer against Keras 3 (torch backend) on the same gradients."""

import os

os.environ["KERAS_BACKEND"] = "torch"

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from torchkeras import optimizers  # noqa: E402
from torchkeras.backend.variable import Variable  # noqa: E402

# Keras 3.15 reads its variables through numpy's deprecated `__array__`.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:keras.*")

SHAPES = [(3, 4), (5,), (2, 3, 2), ()]
NUM_STEPS = 5
# The learning rate is changed before this step in every run.
CHANGE_LEARNING_RATE_AT = 3
TOLERANCE = 1e-6

OPTIMIZERS = [
    ("sgd", "SGD", {}),
    ("sgd_momentum", "SGD", {"momentum": 0.9}),
    ("sgd_nesterov", "SGD", {"momentum": 0.9, "nesterov": True}),
    ("adam", "Adam", {}),
    ("adam_amsgrad", "Adam", {"amsgrad": True}),
    ("adam_betas", "Adam", {"beta_1": 0.5, "beta_2": 0.9, "epsilon": 1e-3}),
    ("adamw", "AdamW", {}),
    ("adamw_amsgrad", "AdamW", {"amsgrad": True, "weight_decay": 0.1}),
    ("rmsprop", "RMSprop", {}),
    ("rmsprop_momentum", "RMSprop", {"momentum": 0.5}),
    ("rmsprop_centered", "RMSprop", {"centered": True}),
    ("rmsprop_both", "RMSprop", {"centered": True, "momentum": 0.5}),
    ("adagrad", "Adagrad", {}),
    ("adagrad_args", "Adagrad", {"initial_accumulator_value": 0.5}),
    ("adamax", "Adamax", {}),
    ("adamax_betas", "Adamax", {"beta_1": 0.5, "beta_2": 0.9}),
    ("adadelta", "Adadelta", {}),
    ("adadelta_args", "Adadelta", {"rho": 0.5, "epsilon": 1e-3}),
    ("adafactor", "Adafactor", {}),
    ("adafactor_args", "Adafactor", {"beta_2_decay": -0.5, "epsilon_2": 0.1}),
    ("nadam", "Nadam", {}),
    ("nadam_betas", "Nadam", {"beta_1": 0.5, "beta_2": 0.9}),
    ("ftrl", "Ftrl", {}),
    (
        "ftrl_regularized",
        "Ftrl",
        {
            "learning_rate_power": -0.7,
            "l1_regularization_strength": 0.01,
            "l2_regularization_strength": 0.1,
            "l2_shrinkage_regularization_strength": 0.05,
            "beta": 0.2,
        },
    ),
    ("lion", "Lion", {}),
    ("lion_betas", "Lion", {"beta_1": 0.5, "beta_2": 0.9}),
    ("lamb", "Lamb", {}),
    ("lamb_betas", "Lamb", {"beta_1": 0.5, "beta_2": 0.9}),
]
OPTIONS = [
    ("plain", {}),
    ("clipnorm", {"clipnorm": 0.5}),
    ("clipvalue", {"clipvalue": 0.1}),
    ("global_clipnorm", {"global_clipnorm": 0.5}),
    ("weight_decay", {"weight_decay": 0.05}),
    ("ema", {"use_ema": True, "ema_momentum": 0.5}),
    (
        "ema_overwrite",
        {"use_ema": True, "ema_momentum": 0.5, "ema_overwrite_frequency": 2},
    ),
    ("accumulation", {"gradient_accumulation_steps": 2}),
    ("loss_scale", {"loss_scale_factor": 4.0}),
]


def _initial_weights(dtype="float32"):
    rng = np.random.default_rng(1)
    return [rng.normal(size=shape).astype(dtype) for shape in SHAPES]


def _gradient_steps(dtype="float32"):
    rng = np.random.default_rng(2)
    return [
        [rng.normal(size=shape).astype(dtype) for shape in SHAPES]
        for _ in range(NUM_STEPS)
    ]


def _run_keras(class_name, kwargs, weights, steps, learning_rates):
    variables = [keras.Variable(weight) for weight in weights]
    optimizer = getattr(keras.optimizers, class_name)(**kwargs)
    for step, grads in enumerate(steps):
        if step in learning_rates:
            optimizer.learning_rate = learning_rates[step]
        optimizer.apply_gradients(
            zip([torch.tensor(grad) for grad in grads], variables)
        )
    return variables, optimizer


def _run_ours(class_name, kwargs, weights, steps, learning_rates):
    variables = [torch.nn.Parameter(torch.tensor(weight)) for weight in weights]
    optimizer = getattr(optimizers, class_name)(**kwargs)
    for step, grads in enumerate(steps):
        if step in learning_rates:
            optimizer.learning_rate = learning_rates[step]
        optimizer.apply([torch.tensor(grad) for grad in grads], variables)
    return variables, optimizer


def _assert_all_close(ours, reference, tolerance=TOLERANCE):
    assert len(ours) == len(reference)
    for index, (actual, expected) in enumerate(zip(ours, reference)):
        np.testing.assert_allclose(
            np.asarray(actual),
            np.asarray(expected),
            rtol=tolerance,
            atol=tolerance,
            err_msg=f"entry {index}",
        )


@pytest.mark.parametrize(
    "option", [kwargs for _, kwargs in OPTIONS], ids=[i for i, _ in OPTIONS]
)
@pytest.mark.parametrize(
    "class_name, kwargs",
    [(name, kwargs) for _, name, kwargs in OPTIMIZERS],
    ids=[case_id for case_id, _, _ in OPTIMIZERS],
)
def test_weights_and_state_match_keras(class_name, kwargs, option):
    kwargs = {**kwargs, **option}
    weights, steps = _initial_weights(), _gradient_steps()
    learning_rates = {CHANGE_LEARNING_RATE_AT: 0.05}

    keras_vars, keras_opt = _run_keras(
        class_name, kwargs, weights, steps, learning_rates
    )
    our_vars, our_opt = _run_ours(
        class_name, kwargs, weights, steps, learning_rates
    )

    tolerance = TOLERANCE
    if class_name == "Ftrl" and (
        "clipnorm" in option or "global_clipnorm" in option
    ):
        # FTRL divides differences of square roots by the learning rate,
        # so the last-bit rounding differences of norm clipping grow to
        # about 1e-5 relative in its linear term.
        tolerance = 1e-4
    _assert_all_close(
        [v.detach().numpy() for v in our_vars],
        [v.numpy() for v in keras_vars],
        tolerance,
    )
    # State in Keras's order: iterations, learning rate, per-weight slots.
    _assert_all_close(
        [v.numpy() for v in our_opt.variables],
        [v.numpy() for v in keras_opt.variables],
        tolerance,
    )


@pytest.mark.parametrize("class_name", ["SGD", "Adam", "RMSprop", "Adagrad"])
def test_float64_weights_match_keras(class_name):
    # Keras stores the learning rate as float32, so pick one that float32
    # represents exactly and compare at float64 precision.
    kwargs = {"learning_rate": 2.0**-7}
    if class_name == "SGD":
        kwargs["momentum"] = 0.9
    weights, steps = _initial_weights("float64"), _gradient_steps("float64")

    keras_vars, _ = _run_keras(class_name, kwargs, weights, steps, {})
    our_vars, _ = _run_ours(class_name, kwargs, weights, steps, {})

    assert our_vars[0].dtype == torch.float64
    _assert_all_close(
        [v.detach().numpy() for v in our_vars],
        [v.numpy() for v in keras_vars],
        tolerance=1e-12,
    )


@pytest.mark.parametrize("class_name", ["SGD", "Adam", "AdamW", "RMSprop"])
def test_schedule_matches_keras_schedule(class_name):
    class InverseTime(keras.optimizers.schedules.LearningRateSchedule):
        def __call__(self, step):
            return 0.1 / (1.0 + keras.ops.cast(step, "float32"))

    weights, steps = _initial_weights(), _gradient_steps()
    keras_vars, _ = _run_keras(
        class_name, {"learning_rate": InverseTime()}, weights, steps, {}
    )
    our_vars, _ = _run_ours(
        class_name,
        {"learning_rate": lambda step: 0.1 / (1.0 + step)},
        weights,
        steps,
        {},
    )

    _assert_all_close(
        [v.detach().numpy() for v in our_vars],
        [v.numpy() for v in keras_vars],
    )


def test_none_gradient_matches_keras():
    weights, steps = _initial_weights(), _gradient_steps()
    for grads in steps:
        grads[1] = None
    keras_vars = [keras.Variable(weight) for weight in weights]
    keras_opt = keras.optimizers.Adam(learning_rate=0.1, clipnorm=1.0)
    our_vars = [torch.nn.Parameter(torch.tensor(w)) for w in weights]
    our_opt = optimizers.Adam(learning_rate=0.1, clipnorm=1.0)

    for grads in steps:
        tensors = [None if g is None else torch.tensor(g) for g in grads]
        with pytest.warns(UserWarning):
            keras_opt.apply(tensors, keras_vars)
        with pytest.warns(UserWarning, match="No gradient was given"):
            our_opt.apply(tensors, our_vars)

    _assert_all_close(
        [v.detach().numpy() for v in our_vars],
        [v.numpy() for v in keras_vars],
    )
    _assert_all_close(
        [v.numpy() for v in our_opt.variables],
        [v.numpy() for v in keras_opt.variables],
    )


def test_excluded_weight_names_match_keras():
    weights, steps = _initial_weights(), _gradient_steps()
    names = ["kernel", "bias", "kernel_2", "scale"]
    keras_vars = [
        keras.Variable(weight, name=name)
        for weight, name in zip(weights, names)
    ]
    our_vars = [
        Variable(torch.tensor(weight), name=name)
        for weight, name in zip(weights, names)
    ]
    keras_opt = keras.optimizers.AdamW(weight_decay=0.5)
    our_opt = optimizers.AdamW(weight_decay=0.5)
    keras_opt.exclude_from_weight_decay(var_names=["bias"])
    our_opt.exclude_from_weight_decay(var_names=["bias"])

    for grads in steps:
        keras_opt.apply([torch.tensor(g) for g in grads], keras_vars)
        our_opt.apply([torch.tensor(g) for g in grads], our_vars)

    _assert_all_close(
        [v.detach().numpy() for v in our_vars],
        [v.numpy() for v in keras_vars],
    )


def test_state_loaded_from_keras_continues_in_step():
    weights, steps = _initial_weights(), _gradient_steps()
    keras_vars, keras_opt = _run_keras("Adam", {}, weights, steps[:3], {})
    our_vars = [torch.nn.Parameter(torch.tensor(v.numpy())) for v in keras_vars]
    our_opt = optimizers.Adam()
    our_opt.build(our_vars)
    our_opt.set_weights([v.numpy() for v in keras_opt.variables])

    for grads in steps[3:]:
        keras_opt.apply([torch.tensor(g) for g in grads], keras_vars)
        our_opt.apply([torch.tensor(g) for g in grads], our_vars)

    assert int(our_opt.iterations) == NUM_STEPS
    _assert_all_close(
        [v.detach().numpy() for v in our_vars],
        [v.numpy() for v in keras_vars],
    )


ALL_CLASSES = [
    "SGD",
    "Adam",
    "AdamW",
    "RMSprop",
    "Adagrad",
    "Adamax",
    "Adadelta",
    "Adafactor",
    "Nadam",
    "Ftrl",
    "Lion",
    "Lamb",
]


@pytest.mark.parametrize("class_name", ALL_CLASSES)
def test_config_keys_match_keras(class_name):
    ours = getattr(optimizers, class_name)().get_config()
    reference = getattr(keras.optimizers, class_name)().get_config()

    assert list(ours) == list(reference)


@pytest.mark.parametrize("class_name", ALL_CLASSES)
def test_config_equals_keras(class_name):
    kwargs = {
        "name": "opt",
        "learning_rate": 0.25,
        "clipnorm": 1.5,
        "use_ema": True,
        "ema_momentum": 0.9,
        "ema_overwrite_frequency": 5,
        "loss_scale_factor": 16.0,
        "gradient_accumulation_steps": 4,
    }
    ours = getattr(optimizers, class_name)(**kwargs).get_config()
    reference = getattr(keras.optimizers, class_name)(**kwargs).get_config()

    assert ours == reference


@pytest.mark.parametrize("class_name", ALL_CLASSES)
@pytest.mark.parametrize(
    "option",
    [{}, {"use_ema": True, "gradient_accumulation_steps": 2}],
    ids=["plain", "ema_accumulation"],
)
def test_variables_match_keras_after_build(class_name, option):
    names = ["kernel", "bias", "kernel_2", "scale"]
    weights = _initial_weights()
    our_vars = [
        Variable(torch.tensor(w), name=n, path=f"dense/{n}")
        for w, n in zip(weights, names)
    ]
    keras_layer = keras.layers.Layer(name="dense")
    keras_vars = [
        keras_layer.add_weight(shape=w.shape, name=n)
        for w, n in zip(weights, names)
    ]
    ours = getattr(optimizers, class_name)(name="opt", **option)
    reference = getattr(keras.optimizers, class_name)(name="opt", **option)
    ours.build(our_vars)
    reference.build(keras_vars)

    def describe(variables):
        return [
            (tuple(v.shape), str(v.dtype).split(".")[-1]) for v in variables
        ]

    assert describe(ours.variables) == describe(reference.variables)
    our_names = [v.name for v in ours.variables]
    reference_names = [v.name for v in reference.variables]
    if class_name == "Nadam":
        # Keras names Nadam's momentum product with a process-wide counter
        # ("variable", "variable_1", ...); torchkeras always uses "variable".
        assert reference_names.pop().startswith("variable")
        assert our_names.pop() == "variable"
    assert our_names == reference_names


@pytest.mark.parametrize("class_name", ALL_CLASSES)
def test_from_keras_config(class_name):
    reference = getattr(keras.optimizers, class_name)(clipnorm=2.0)
    config = reference.get_config()

    ours = getattr(optimizers, class_name).from_config(config)

    assert ours.get_config().keys() == config.keys()
    assert ours.clipnorm == 2.0
    assert ours.learning_rate == pytest.approx(config["learning_rate"])
