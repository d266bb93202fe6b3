"""Regularizers, `add_loss` and weight constraints in `fit`, against Keras 3.

Each test builds a Keras model and ours from one spec, copies the Keras
weights into ours, trains both for 2 epochs without shuffling and compares
the reported losses and the final weights.
"""

import os

os.environ["KERAS_BACKEND"] = "torch"

import keras
import numpy as np
import pytest
import torch

import torchkeras

ATOL = 1e-5
# Losses reach about 20 with scaled-up weights, where float32 rounding
# alone differs by more than ATOL, so they are also compared relatively.
LOSS_RTOL = 1e-5


def _data(input_shape, output_size, num_samples=32):
    rng = np.random.default_rng(7)
    x = rng.standard_normal((num_samples,) + input_shape).astype("float32")
    y = rng.standard_normal((num_samples, output_size)).astype("float32")
    return x, y


def _dense_model(module, **layer_kwargs):
    return module.Sequential(
        [
            module.Input((4,)),
            module.layers.Dense(
                3, activation="tanh", bias_initializer="ones", **layer_kwargs
            ),
            module.layers.Dense(2),
        ]
    )


def _conv_model(module, **layer_kwargs):
    return module.Sequential(
        [
            module.Input((5, 5, 2)),
            module.layers.Conv2D(
                3,
                3,
                activation="tanh",
                bias_initializer="ones",
                **layer_kwargs,
            ),
            module.layers.Flatten(),
            module.layers.Dense(2),
        ]
    )


MODELS = {
    "dense": (_dense_model, (4,)),
    "conv2d": (_conv_model, (5, 5, 2)),
}


def _twin_models(build, weight_scale=1.0):
    """Return (ours, theirs) with equal weights, scaled by `weight_scale`."""
    ours, theirs = build(torchkeras), build(keras)
    weights = [w * weight_scale for w in theirs.get_weights()]
    theirs.set_weights(weights)
    ours.set_weights(weights)
    return ours, theirs


def _fit_both(ours, theirs, x, y, optimizer=("SGD", {"learning_rate": 0.1})):
    """Train both models alike and return their `loss` histories."""
    class_name, kwargs = optimizer
    histories = []
    for model, module in ((ours, torchkeras), (theirs, keras)):
        model.compile(
            optimizer=getattr(module.optimizers, class_name)(**kwargs),
            loss="mse",
        )
        history = model.fit(
            x, y, batch_size=8, epochs=2, shuffle=False, verbose=0
        )
        histories.append(history.history["loss"])
    return histories


def _assert_same_training(ours, theirs, x, y, **fit_kwargs):
    our_losses, their_losses = _fit_both(ours, theirs, x, y, **fit_kwargs)
    np.testing.assert_allclose(
        our_losses, their_losses, atol=ATOL, rtol=LOSS_RTOL
    )
    for mine, reference in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(mine, reference, atol=ATOL)


def _losses_of(model):
    return [float(keras.ops.convert_to_numpy(v.detach())) for v in model.losses]


# ----------------------------------------------------------------------
# Regularizers
# ----------------------------------------------------------------------


def _custom_regularizer(module):
    """Return a `Regularizer` subclass instance defined for `module`."""

    class SumOfCubes(module.regularizers.Regularizer):
        def __init__(self, factor):
            self.factor = factor

        def __call__(self, x):
            return self.factor * module.ops.sum(module.ops.abs(x) ** 3)

        def get_config(self):
            return {"factor": self.factor}

    return SumOfCubes(0.02)


REGULARIZERS = {
    "l1": lambda module: "l1",
    "l2": lambda module: "l2",
    "l1l2": lambda module: module.regularizers.L1L2(l1=0.01, l2=0.02),
    "l2_class": lambda module: module.regularizers.L2,
    "custom": _custom_regularizer,
    "function": lambda module: lambda w: 0.01 * module.ops.sum(w**2),
}

SLOTS = ("kernel_regularizer", "bias_regularizer", "activity_regularizer")


def _regularized_case_ids():
    cases, ids = [], []
    for model_name in MODELS:
        for slot in SLOTS:
            for regularizer in REGULARIZERS:
                if slot == "activity_regularizer" and regularizer == "l2_class":
                    continue  # Covered by an xfail test below.
                cases.append((model_name, slot, regularizer))
                ids.append(f"{model_name}-{slot}-{regularizer}")
    return cases, ids


CASES, CASE_IDS = _regularized_case_ids()


@pytest.mark.parametrize("model_name,slot,regularizer", CASES, ids=CASE_IDS)
def test_regularized_fit_matches_keras(model_name, slot, regularizer):
    build, input_shape = MODELS[model_name]
    make_regularizer = REGULARIZERS[regularizer]

    def build_regularized(module):
        return build(module, **{slot: make_regularizer(module)})

    ours, theirs = _twin_models(build_regularized)
    x, y = _data(input_shape, 2)
    _assert_same_training(ours, theirs, x, y)


@pytest.mark.parametrize("model_name", list(MODELS))
def test_all_regularizers_with_adam_match_keras(model_name):
    build, input_shape = MODELS[model_name]

    def build_regularized(module):
        return build(
            module,
            kernel_regularizer=module.regularizers.L1L2(l1=0.01, l2=0.01),
            bias_regularizer="l2",
            activity_regularizer="l1",
        )

    ours, theirs = _twin_models(build_regularized)
    x, y = _data(input_shape, 2)
    _assert_same_training(
        ours, theirs, x, y, optimizer=("Adam", {"learning_rate": 0.01})
    )


def test_activity_regularizer_class_matches_keras():
    def build(module):
        return _dense_model(module, activity_regularizer=module.regularizers.L2)

    ours, theirs = _twin_models(build)
    x, y = _data((4,), 2)
    _assert_same_training(ours, theirs, x, y)


def test_regularizer_penalty_included_in_loss():
    # L2(1.0) on a ones kernel with zero inputs and targets: the compiled
    # loss is 0 and the reported loss is the penalty, 4 * 1.0 = 4.0.
    histories = []
    for module in (torchkeras, keras):
        model = module.Sequential(
            [
                module.Input((4,)),
                module.layers.Dense(
                    1,
                    kernel_initializer="ones",
                    kernel_regularizer=module.regularizers.L2(1.0),
                ),
            ]
        )
        model.compile(optimizer=module.optimizers.SGD(0.0), loss="mse")
        history = model.fit(
            np.zeros((4, 4), "float32"),
            np.zeros((4, 1), "float32"),
            epochs=1,
            verbose=0,
        )
        histories.append(history.history["loss"])
    assert histories[0] == pytest.approx([4.0])
    assert histories[1] == pytest.approx([4.0])


# ----------------------------------------------------------------------
# add_loss and model.losses
# ----------------------------------------------------------------------


def _penalty_layer(module):
    """Return a layer that adds a penalty on its inputs with `add_loss`."""

    class OutputPenalty(module.layers.Layer):
        def call(self, inputs):
            self.add_loss(0.05 * module.ops.mean(module.ops.square(inputs)))
            return inputs

    return OutputPenalty()


def _sequential_with_add_loss(module):
    return module.Sequential(
        [
            module.Input((4,)),
            module.layers.Dense(3, activation="tanh"),
            _penalty_layer(module),
            module.layers.Dense(2),
        ]
    )


def _functional_with_add_loss(module):
    inputs = module.Input((4,))
    hidden = module.layers.Dense(3, activation="tanh")(inputs)
    hidden = _penalty_layer(module)(hidden)
    outputs = module.layers.Dense(2)(_penalty_layer(module)(hidden))
    return module.Model(inputs, outputs)


def _subclassed_with_add_loss(module):
    class Net(module.Model):
        def __init__(self):
            super().__init__()
            self.hidden = module.layers.Dense(3, activation="tanh")
            self.head = module.layers.Dense(2)

        def call(self, inputs):
            hidden = self.hidden(inputs)
            self.add_loss(0.1 * module.ops.mean(module.ops.abs(hidden)))
            return self.head(hidden)

    model = Net()
    model(np.zeros((1, 4), "float32"))
    return model


ADD_LOSS_MODELS = {
    "sequential": _sequential_with_add_loss,
    "functional": _functional_with_add_loss,
    "subclassed": _subclassed_with_add_loss,
}


@pytest.mark.parametrize(
    "build", list(ADD_LOSS_MODELS.values()), ids=list(ADD_LOSS_MODELS)
)
def test_add_loss_fit_matches_keras(build):
    ours, theirs = _twin_models(build)
    x, y = _data((4,), 2)
    _assert_same_training(ours, theirs, x, y)


@pytest.mark.parametrize(
    "build", list(ADD_LOSS_MODELS.values()), ids=list(ADD_LOSS_MODELS)
)
def test_add_loss_values_match_keras(build):
    ours, theirs = _twin_models(build)
    x, _ = _data((4,), 2)
    ours(torch.as_tensor(x))
    theirs(x)
    np.testing.assert_allclose(_losses_of(ours), _losses_of(theirs), atol=1e-6)

    # A second call replaces the losses of the first one.
    ours(torch.as_tensor(x[:8]))
    theirs(x[:8])
    np.testing.assert_allclose(_losses_of(ours), _losses_of(theirs), atol=1e-6)


def _many_losses_model(module):
    """Return a model with activity, kernel and bias penalties and add_loss."""
    return module.Sequential(
        [
            module.Input((3,)),
            module.layers.Dense(
                3, kernel_regularizer="l2", activity_regularizer="l1"
            ),
            _penalty_layer(module),
            module.layers.Dense(
                2,
                kernel_regularizer="l1",
                bias_regularizer="l2",
                bias_initializer="ones",
                activity_regularizer="l2",
            ),
        ]
    )


def test_layer_losses_match_keras():
    ours, theirs = _twin_models(_many_losses_model)
    x, _ = _data((3,), 2)
    ours(torch.as_tensor(x))
    theirs(x)
    for our_layer, their_layer in zip(ours.layers, theirs.layers):
        np.testing.assert_allclose(
            _losses_of(our_layer), _losses_of(their_layer), atol=1e-6
        )


def test_model_losses_values_match_keras():
    ours, theirs = _twin_models(_many_losses_model)
    x, _ = _data((3,), 2)
    ours(torch.as_tensor(x))
    theirs(x)
    assert len(ours.losses) == len(theirs.losses)
    np.testing.assert_allclose(
        sorted(_losses_of(ours)), sorted(_losses_of(theirs)), atol=1e-6
    )
    np.testing.assert_allclose(
        sum(_losses_of(ours)), sum(_losses_of(theirs)), atol=1e-6
    )


def test_model_losses_order_matches_keras():
    ours, theirs = _twin_models(_many_losses_model)
    x, _ = _data((3,), 2)
    ours(torch.as_tensor(x))
    theirs(x)
    np.testing.assert_allclose(_losses_of(ours), _losses_of(theirs), atol=1e-6)


def test_frozen_layer_penalty_left_out():
    ours, theirs = _twin_models(_many_losses_model)
    ours.layers[0].trainable = False
    theirs.layers[0].trainable = False
    x, _ = _data((3,), 2)
    ours(torch.as_tensor(x))
    theirs(x)
    np.testing.assert_allclose(
        sorted(_losses_of(ours)), sorted(_losses_of(theirs)), atol=1e-6
    )


def test_frozen_layer_penalty_left_out_of_fit():
    ours, theirs = _twin_models(_many_losses_model)
    ours.layers[0].trainable = False
    theirs.layers[0].trainable = False
    x, y = _data((3,), 2)
    _assert_same_training(ours, theirs, x, y)


# ----------------------------------------------------------------------
# Constraints
# ----------------------------------------------------------------------

CONSTRAINTS = {
    "max_norm": lambda module: module.constraints.MaxNorm(2),
    "non_neg": lambda module: module.constraints.NonNeg(),
    "unit_norm": lambda module: module.constraints.UnitNorm(),
    "min_max_norm": lambda module: module.constraints.MinMaxNorm(0.5, 1.0),
    "max_norm_string": lambda module: "max_norm",
    "non_neg_string": lambda module: "non_neg",
    "unit_norm_string": lambda module: "unit_norm",
    "min_max_norm_string": lambda module: "min_max_norm",
    "max_norm_class": lambda module: module.constraints.MaxNorm,
}


def _constrained_case_ids():
    cases = [(m, c) for m in MODELS for c in CONSTRAINTS]
    return cases, [f"{m}-{c}" for m, c in cases]


CONSTRAINT_CASES, CONSTRAINT_IDS = _constrained_case_ids()


@pytest.mark.parametrize(
    "model_name,constraint", CONSTRAINT_CASES, ids=CONSTRAINT_IDS
)
def test_constrained_fit_matches_keras(model_name, constraint):
    build, input_shape = MODELS[model_name]
    make_constraint = CONSTRAINTS[constraint]

    def build_constrained(module):
        return build(module, kernel_constraint=make_constraint(module))

    # Scaled-up weights have kernel slice norms above 1 (above 2 in the
    # Dense kernel), so the norm constraints change the kernel from the
    # first step on.
    ours, theirs = _twin_models(build_constrained, weight_scale=3.0)
    kernel = theirs.layers[0].get_weights()[0]
    norms = np.sqrt(np.sum(kernel**2, axis=0))
    assert norms.max() > (2.0 if model_name == "dense" else 1.0)
    x, y = _data(input_shape, 2)
    _assert_same_training(ours, theirs, x, y)


def _counting_constraint(module):
    """Return an identity constraint that counts its calls."""

    class CountCalls(module.constraints.Constraint):
        def __init__(self):
            self.calls = 0

        def __call__(self, w):
            self.calls += 1
            return w

    return CountCalls()


def test_constraint_applied_once_per_step():
    x, y = _data((4,), 2)
    calls = []
    for module in (torchkeras, keras):
        constraint = _counting_constraint(module)
        model = _dense_model(module, kernel_constraint=constraint)
        model.compile(optimizer=module.optimizers.SGD(0.1), loss="mse")
        model.fit(x, y, batch_size=8, epochs=1, verbose=0)
        calls.append(constraint.calls)
    assert calls[1] == 4
    assert calls[0] == calls[1]


@pytest.mark.parametrize("model_name", list(MODELS))
def test_partial_rate_min_max_norm_matches_keras(model_name):
    build, input_shape = MODELS[model_name]

    def build_constrained(module):
        constraint = module.constraints.MinMaxNorm(0.5, 1.0, rate=0.5)
        return build(module, kernel_constraint=constraint)

    ours, theirs = _twin_models(build_constrained, weight_scale=3.0)
    x, y = _data(input_shape, 2)
    _assert_same_training(ours, theirs, x, y)


def test_constraint_with_torch_optimizer_applied():
    # A torch.optim optimizer does not apply constraints, so the trainer
    # applies them after its step.
    x, y = _data((4,), 2)
    model = _dense_model(torchkeras, kernel_constraint="non_neg")
    model.compile(
        optimizer=torch.optim.SGD(model.parameters(), lr=0.5), loss="mse"
    )
    model.fit(x, y, batch_size=8, epochs=2, verbose=0)
    assert model.layers[0].kernel.min().item() >= 0.0


def test_conv_max_norm_over_filter_axes_matches_keras():
    def build(module):
        return _conv_model(
            module,
            kernel_constraint=module.constraints.MaxNorm(1.5, axis=[0, 1, 2]),
            bias_constraint="non_neg",
        )

    ours, theirs = _twin_models(build, weight_scale=3.0)
    x, y = _data((5, 5, 2), 2)
    _assert_same_training(
        ours, theirs, x, y, optimizer=("Adam", {"learning_rate": 0.01})
    )
    kernel = ours.layers[0].kernel.detach().numpy()
    norms = np.sqrt(np.sum(kernel**2, axis=(0, 1, 2)))
    assert np.all(norms <= 1.5 + 1e-5)
    assert np.all(ours.layers[0].bias.detach().numpy() >= 0.0)


def test_constraints_hold_after_fit():
    x, y = _data((4,), 2)
    expected_norms = {"max_norm": (0.0, 2.0), "min_max_norm": (0.5, 1.0)}
    for name, (low, high) in expected_norms.items():

        def build(module, name=name):
            return _dense_model(module, kernel_constraint=name)

        ours, theirs = _twin_models(build, weight_scale=3.0)
        _fit_both(ours, theirs, x, y)
        kernel = ours.layers[0].kernel.detach().numpy()
        norms = np.sqrt(np.sum(kernel**2, axis=0))
        assert np.all(norms >= low - 1e-5), name
        assert np.all(norms <= high + 1e-5), name


# ----------------------------------------------------------------------
# String identifiers
# ----------------------------------------------------------------------

REGULARIZER_NAMES = [
    "l1",
    "l2",
    "L1",
    "L2",
    "L1L2",
    "l1l2",
    "l1_l2",
    "orthogonal_regularizer",
    "OrthogonalRegularizer",
    "weight_decay",
]

CONSTRAINT_NAMES = [
    "max_norm",
    "non_neg",
    "unit_norm",
    "min_max_norm",
    "MaxNorm",
    "NonNeg",
    "UnitNorm",
    "MinMaxNorm",
    "Constraint",
    "maxnorm",
    "nonneg",
    "unitnorm",
    "non_negative",
]


def _resolve(get, identifier):
    """Return (class name, config) for an identifier, or None if rejected."""
    try:
        resolved = get(identifier)
    except ValueError:
        return None
    return type(resolved).__name__, resolved.get_config()


@pytest.mark.parametrize("identifier", REGULARIZER_NAMES)
def test_regularizer_names_match_keras(identifier):
    expected = _resolve(keras.regularizers.get, identifier)
    actual = _resolve(torchkeras.regularizers.get, identifier)
    if expected is None:
        assert actual is None
        return
    assert actual[0] == expected[0]
    assert actual[1] == pytest.approx(expected[1])


@pytest.mark.parametrize("identifier", CONSTRAINT_NAMES)
def test_constraint_names_match_keras(identifier):
    expected = _resolve(keras.constraints.get, identifier)
    actual = _resolve(torchkeras.constraints.get, identifier)
    assert actual == expected


# ----------------------------------------------------------------------
# Regularizer and constraint objects
# ----------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["rows", "columns"])
@pytest.mark.parametrize("shape", [(4, 3), (3, 5)], ids=str)
def test_orthogonal_regularizer_matches_keras(mode, shape):
    # Keras 3.15 mis-broadcasts a numpy weight in columns mode, so both
    # libraries receive a tensor.
    weight = torch.randn(shape, generator=torch.Generator().manual_seed(3))
    expected = keras.regularizers.OrthogonalRegularizer(0.1, mode=mode)(weight)
    actual = torchkeras.regularizers.OrthogonalRegularizer(0.1, mode=mode)(
        weight
    )
    np.testing.assert_allclose(
        actual.item(), float(keras.ops.convert_to_numpy(expected)), rtol=1e-6
    )


def test_orthogonal_regularizer_fit_matches_keras():
    def build(module):
        regularizer = module.regularizers.OrthogonalRegularizer(0.5)
        return _dense_model(module, kernel_regularizer=regularizer)

    ours, theirs = _twin_models(build)
    x, y = _data((4,), 2)
    _assert_same_training(ours, theirs, x, y)


def test_orthogonal_regularizer_rejects_rank_3():
    regularizer = torchkeras.regularizers.OrthogonalRegularizer()
    with pytest.raises(ValueError, match="rank-2"):
        regularizer(torch.ones(2, 3, 4))


def test_orthogonal_regularizer_rejects_unknown_mode():
    with pytest.raises(ValueError, match="mode='diagonal'"):
        torchkeras.regularizers.OrthogonalRegularizer(mode="diagonal")


@pytest.mark.parametrize(
    "value", [-0.1, float("nan"), float("inf"), "0.1"], ids=repr
)
@pytest.mark.parametrize("class_name", ["L1", "L2", "L1L2"])
def test_invalid_factor_raises_as_keras(class_name, value):
    with pytest.raises(ValueError):
        getattr(keras.regularizers, class_name)(value)
    with pytest.raises(ValueError, match="non-negative float"):
        getattr(torchkeras.regularizers, class_name)(value)


@pytest.mark.parametrize("class_name", ["L1", "L2", "L1L2"])
def test_none_factor_means_default(class_name):
    expected = getattr(keras.regularizers, class_name)(None).get_config()
    actual = getattr(torchkeras.regularizers, class_name)(None).get_config()
    assert actual == pytest.approx(expected)


@pytest.mark.parametrize("class_name", ["MaxNorm", "UnitNorm", "MinMaxNorm"])
def test_constraint_epsilon_follows_config(class_name):
    weight = np.full((3, 2), 1e-3, dtype="float32")
    default = torchkeras.config.epsilon(), keras.config.epsilon()
    torchkeras.config.set_epsilon(0.01)
    keras.config.set_epsilon(0.01)
    try:
        expected = getattr(keras.constraints, class_name)()(weight)
        actual = getattr(torchkeras.constraints, class_name)()(
            torch.as_tensor(weight)
        )
    finally:
        torchkeras.config.set_epsilon(default[0])
        keras.config.set_epsilon(default[1])
    np.testing.assert_allclose(
        actual.numpy(), keras.ops.convert_to_numpy(expected), rtol=1e-6
    )
