"""Optimizer API: lookup, argument checks, state, configs and edge cases."""

import os

os.environ["KERAS_BACKEND"] = "torch"

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from torchkeras import optimizers  # noqa: E402
from torchkeras.backend.variable import Variable  # noqa: E402

CLASSES = {
    "sgd": optimizers.SGD,
    "adam": optimizers.Adam,
    "adamw": optimizers.AdamW,
    "rmsprop": optimizers.RMSprop,
    "adagrad": optimizers.Adagrad,
    "adamax": optimizers.Adamax,
    "adadelta": optimizers.Adadelta,
    "adafactor": optimizers.Adafactor,
    "nadam": optimizers.Nadam,
    "ftrl": optimizers.Ftrl,
    "lion": optimizers.Lion,
    "lamb": optimizers.Lamb,
}


def _weights():
    return [
        torch.nn.Parameter(torch.randn(3, 4)),
        torch.nn.Parameter(torch.randn(4)),
    ]


def _grads(weights):
    return [torch.randn_like(weight) for weight in weights]


# --- optimizers.get ---------------------------------------------------------


@pytest.mark.parametrize("name", list(CLASSES), ids=list(CLASSES))
def test_get_string_returns_new_instance(name):
    first = optimizers.get(name)
    second = optimizers.get(name)

    assert type(first) is CLASSES[name]
    assert first is not second


def test_get_is_case_insensitive():
    assert type(optimizers.get("Adam")) is optimizers.Adam
    assert type(optimizers.get("RMSprop")) is optimizers.RMSprop


def test_get_instance_returned_unchanged():
    optimizer = optimizers.SGD()
    assert optimizers.get(optimizer) is optimizer


def test_get_class_gives_instance():
    assert type(optimizers.get(optimizers.AdamW)) is optimizers.AdamW


def test_get_none_gives_none():
    assert optimizers.get(None) is None


def test_get_config_dict():
    config = optimizers.serialize(optimizers.SGD(0.5, momentum=0.9))

    optimizer = optimizers.get(config)

    assert type(optimizer) is optimizers.SGD
    assert optimizer.learning_rate == 0.5
    assert optimizer.momentum == 0.9


def test_get_unknown_string_lists_close_matches():
    with pytest.raises(ValueError, match="Did you mean 'adam'"):
        optimizers.get("adamm")


def test_get_unknown_string_lists_new_optimizers():
    with pytest.raises(ValueError, match="Did you mean 'nadam'"):
        optimizers.get("nadamm")


def test_get_unimplemented_keras_name_raises():
    with pytest.raises(NotImplementedError, match="'muon' is not available"):
        optimizers.get("muon")


def test_get_other_type_raises():
    with pytest.raises(TypeError, match="Could not interpret optimizer"):
        optimizers.get(3)


# --- constructor arguments --------------------------------------------------


def test_lr_keyword_raises_like_keras():
    with pytest.raises(ValueError) as reference:
        keras.optimizers.Adam(lr=0.1)
    with pytest.raises(ValueError) as ours:
        optimizers.Adam(lr=0.1)

    assert str(reference.value) == "Argument(s) not recognized: {'lr': 0.1}"
    assert str(ours.value).startswith(str(reference.value))
    assert "Use `learning_rate` instead of `lr`" in str(ours.value)


def test_misspelled_argument_suggests_name():
    with pytest.raises(ValueError, match="Did you mean `beta_1`"):
        optimizers.Adam(beta1=0.8)


def test_decay_argument_warns_and_is_ignored():
    with pytest.warns(UserWarning, match="`decay` argument"):
        optimizer = optimizers.SGD(decay=0.1)
    assert "decay" not in optimizer.get_config()


@pytest.mark.parametrize(
    "steps",
    [1, 0, -2, 2.0, True, "2"],
    ids=["1", "0", "-2", "float", "bool", "str"],
)
def test_invalid_accumulation_steps_raise(steps):
    with pytest.raises(
        ValueError,
        match=r"`gradient_accumulation_steps` must be an integer >= 2 or None\. "
        f"Received: gradient_accumulation_steps={steps!r}",
    ):
        optimizers.SGD(gradient_accumulation_steps=steps)


@pytest.mark.parametrize(
    "momentum", [1.5, -0.1, "0.9"], ids=["above", "below", "str"]
)
def test_invalid_ema_momentum_raises(momentum):
    with pytest.raises(
        ValueError, match=r"`ema_momentum` must be a float in \[0, 1\]"
    ):
        optimizers.Adam(use_ema=True, ema_momentum=momentum)


def test_ema_momentum_unchecked_without_ema():
    # Keras checks the EMA arguments only when `use_ema` is on.
    assert optimizers.Adam(ema_momentum=5.0).ema_momentum == 5.0


@pytest.mark.parametrize("frequency", [-1, 2.5], ids=["negative", "float"])
def test_invalid_ema_overwrite_frequency_raises(frequency):
    with pytest.raises(
        ValueError, match="`ema_overwrite_frequency` must be an integer >= 1"
    ):
        optimizers.Adam(use_ema=True, ema_overwrite_frequency=frequency)


@pytest.mark.parametrize("factor", [0.0, -2.0, float("inf"), "8"])
def test_invalid_loss_scale_factor_raises(factor):
    with pytest.raises(
        ValueError, match="`loss_scale_factor` must be a finite float > 0"
    ):
        optimizers.Adam(loss_scale_factor=factor)


@pytest.mark.parametrize(
    "clipping",
    [
        {"clipnorm": 1.0, "clipvalue": 0.5},
        {"clipnorm": 1.0, "global_clipnorm": 1.0},
        {"clipvalue": 0.5, "global_clipnorm": 1.0},
    ],
    ids=["norm_value", "norm_global", "value_global"],
)
def test_two_clipping_arguments_raise(clipping):
    with pytest.raises(ValueError, match="Only one of `clipnorm`"):
        optimizers.SGD(**clipping)


@pytest.mark.parametrize(
    "make",
    [
        lambda: optimizers.SGD(clipnorm=-1.0),
        lambda: optimizers.SGD(momentum=1.5),
        lambda: optimizers.Adam(beta_1=1.0),
        lambda: optimizers.Adam(epsilon=-1e-7),
        lambda: optimizers.RMSprop(rho=2.0),
        lambda: optimizers.Adagrad(initial_accumulator_value=-0.1),
        lambda: optimizers.AdamW(weight_decay=None),
        lambda: optimizers.SGD(weight_decay="0.1"),
    ],
    ids=[
        "clipnorm",
        "momentum",
        "beta_1",
        "epsilon",
        "rho",
        "accumulator",
        "adamw_decay",
        "decay_type",
    ],
)
def test_invalid_hyperparameter_raises(make):
    with pytest.raises(ValueError, match="Received"):
        make()


@pytest.mark.parametrize(
    "learning_rate",
    ["0.1", None, [0.1], True],
    ids=["str", "none", "list", "bool"],
)
def test_learning_rate_of_wrong_type_raises(learning_rate):
    with pytest.raises(
        TypeError,
        match="`learning_rate` must be a float, a `LearningRateSchedule` or a "
        "callable",
    ):
        optimizers.SGD(learning_rate=learning_rate)


@pytest.mark.parametrize(
    "learning_rate",
    [-0.1, float("nan"), float("inf")],
    ids=["negative", "nan", "inf"],
)
def test_invalid_learning_rate_value_raises(learning_rate):
    with pytest.raises(
        ValueError, match="`learning_rate` must be a finite float >= 0"
    ):
        optimizers.Adam(learning_rate=learning_rate)


def test_negative_learning_rate_assignment_raises():
    optimizer = optimizers.SGD(learning_rate=0.1)

    with pytest.raises(ValueError, match="Received: learning_rate=-1.0"):
        optimizer.learning_rate = -1.0
    assert optimizer.learning_rate == 0.1


def test_float_cannot_replace_schedule():
    schedule = optimizers.schedules.ExponentialDecay(0.1, 10, 0.5)
    optimizer = optimizers.SGD(learning_rate=schedule)

    with pytest.raises(TypeError, match="a float cannot be assigned"):
        optimizer.learning_rate = 0.01
    optimizer.learning_rate = optimizers.schedules.ExponentialDecay(
        0.2, 10, 0.5
    )
    assert optimizer.learning_rate == pytest.approx(0.2)


def test_default_names_are_unique():
    assert optimizers.RMSprop().name == "rm_sprop"
    assert optimizers.RMSprop().name == "rm_sprop_1"
    assert optimizers.Adam(name="mine").name == "mine"


# --- config -----------------------------------------------------------------


@pytest.mark.parametrize("name", list(CLASSES), ids=list(CLASSES))
def test_config_round_trip(name):
    optimizer = CLASSES[name](learning_rate=0.25, clipvalue=0.5)
    config = optimizer.get_config()

    restored = CLASSES[name].from_config(config)

    assert restored.get_config() == config
    assert config["learning_rate"] == 0.25


def test_schedule_config_round_trip():
    schedule = optimizers.schedules.CosineDecay(
        0.1, decay_steps=10, warmup_target=0.2, warmup_steps=3
    )
    config = optimizers.Adam(learning_rate=schedule).get_config()

    restored = optimizers.Adam.from_config(config)

    assert config["learning_rate"]["module"] == "keras.optimizers.schedules"
    assert config["learning_rate"]["class_name"] == "CosineDecay"
    assert isinstance(restored._learning_rate, optimizers.schedules.CosineDecay)
    assert restored.get_config() == config


def test_schedule_config_loads_in_keras():
    schedule = optimizers.schedules.ExponentialDecay(0.1, 4, 0.5)
    config = optimizers.Nadam(learning_rate=schedule).get_config()

    reference = keras.optimizers.Nadam.from_config(dict(config))

    assert reference.get_config() == config


def test_keras_schedule_config_loads():
    schedule = keras.optimizers.schedules.PiecewiseConstantDecay(
        [2], [0.1, 0.01]
    )
    config = keras.optimizers.Lion(learning_rate=schedule).get_config()

    ours = optimizers.Lion.from_config(config)

    assert isinstance(
        ours._learning_rate, optimizers.schedules.PiecewiseConstantDecay
    )
    assert ours.get_config() == config


def test_from_config_leaves_config_unchanged():
    schedule = optimizers.schedules.ExponentialDecay(0.1, 4, 0.5)
    config = optimizers.SGD(learning_rate=schedule).get_config()
    serialized = dict(config["learning_rate"])

    optimizers.SGD.from_config(config)

    assert config["learning_rate"] == serialized


# --- learning rate and iterations ---------------------------------------------


def test_learning_rate_is_assignable_float():
    optimizer = optimizers.SGD(learning_rate=0.1)
    optimizer.learning_rate = 0.5

    assert optimizer.learning_rate == 0.5
    assert isinstance(optimizer.learning_rate, float)


def test_learning_rate_accepts_tensor():
    optimizer = optimizers.SGD(learning_rate=torch.tensor(0.25))
    assert optimizer.learning_rate == 0.25


def test_schedule_gets_step_count():
    seen = []

    def schedule(step):
        seen.append(step)
        return 0.1

    optimizer = optimizers.SGD(learning_rate=schedule)
    weights = _weights()
    for _ in range(3):
        optimizer.apply(_grads(weights), weights)

    assert seen == [0, 1, 2]
    assert optimizer.learning_rate == 0.1


def test_schedule_without_arguments_is_called_bare():
    weight = torch.nn.Parameter(torch.ones(2))
    optimizer = optimizers.SGD(learning_rate=lambda: 0.5)

    optimizer.apply([torch.ones(2)], [weight])

    torch.testing.assert_close(weight.detach(), torch.full((2,), 0.5))


def test_iterations_counts_steps():
    optimizer = optimizers.Adam()
    weights = _weights()
    assert optimizer.iterations.dtype == torch.int32
    assert optimizer.iterations.shape == ()

    optimizer.build(weights)
    assert int(optimizer.iterations) == 0
    for _ in range(3):
        optimizer.apply(_grads(weights), weights)
    optimizer.apply([])

    assert int(optimizer.iterations) == 3


def test_iterations_is_read_only_copy():
    optimizer = optimizers.SGD()
    optimizer.iterations.add_(5)
    assert int(optimizer.iterations) == 0


def test_apply_gradients_returns_iterations():
    weights = _weights()
    optimizer = optimizers.SGD()

    result = optimizer.apply_gradients(zip(_grads(weights), weights))

    assert int(result) == 1


# --- apply --------------------------------------------------------------------


def test_apply_updates_in_place():
    weights = _weights()
    pointers = [weight.data_ptr() for weight in weights]
    before = [weight.detach().clone() for weight in weights]

    optimizers.Adam(learning_rate=0.1).apply(_grads(weights), weights)

    assert [weight.data_ptr() for weight in weights] == pointers
    for weight, old in zip(weights, before):
        assert not torch.equal(weight.detach(), old)


def test_apply_without_variables_after_build():
    weights = _weights()
    grads = _grads(weights)
    reference = [weight.detach().clone() for weight in weights]
    expected = optimizers.SGD(learning_rate=0.1)
    expected.apply(grads, [torch.nn.Parameter(w) for w in reference])

    optimizer = optimizers.SGD(learning_rate=0.1)
    optimizer.build(weights)
    optimizer.apply(grads)

    for weight, other in zip(weights, expected._trainable_variables):
        torch.testing.assert_close(weight.detach(), other.detach())


def test_apply_without_variables_before_build_raises():
    with pytest.raises(ValueError, match="`trainable_variables` is required"):
        optimizers.SGD().apply([torch.ones(2)])


def test_apply_in_other_order():
    weights = _weights()
    grads = _grads(weights)
    twins = [torch.nn.Parameter(weight.detach().clone()) for weight in weights]
    forward = optimizers.Adam(learning_rate=0.1)
    backward = optimizers.Adam(learning_rate=0.1)
    forward.build(weights)
    backward.build(twins)

    forward.apply(grads, weights)
    backward.apply(grads[::-1], twins[::-1])

    for weight, twin in zip(weights, twins):
        torch.testing.assert_close(weight.detach(), twin.detach())


def test_unknown_variable_raises():
    optimizer = optimizers.SGD()
    optimizer.build(_weights())

    with pytest.raises(ValueError, match="Unknown variable"):
        optimizer.apply([torch.ones(2)], [torch.nn.Parameter(torch.ones(2))])


def test_length_mismatch_raises():
    weights = _weights()
    with pytest.raises(ValueError, match="same length"):
        optimizers.SGD().apply(_grads(weights)[:1], weights)


def test_gradient_shape_mismatch_raises():
    weights = _weights()
    with pytest.raises(
        ValueError, match=r"shape \(4, 1\) for weight 1 of shape \(4,\)"
    ):
        optimizers.SGD().apply([torch.ones(3, 4), torch.ones(4, 1)], weights)


def test_gradient_dtype_and_arrays_converted():
    weights = _weights()
    grads = _grads(weights)
    twins = [torch.nn.Parameter(weight.detach().clone()) for weight in weights]

    optimizers.Adam().apply(grads, weights)
    optimizers.Adam().apply(
        [grads[0].double(), grads[1].numpy()],
        twins,
    )

    for weight, twin in zip(weights, twins):
        torch.testing.assert_close(weight.detach(), twin.detach())


@pytest.mark.parametrize(
    "option",
    [{"clipnorm": 0.1}, {"clipvalue": 0.1}, {"global_clipnorm": 0.1}],
    ids=["clipnorm", "clipvalue", "global_clipnorm"],
)
def test_clipping_leaves_gradients_untouched(option):
    weights = _weights()
    grads = _grads(weights)
    copies = [grad.clone() for grad in grads]

    optimizers.SGD(**option).apply(grads, weights)

    for grad, copy in zip(grads, copies):
        assert torch.equal(grad, copy)


def test_none_gradient_skips_weight_and_state():
    weights = _weights()
    frozen = weights[0].detach().clone()
    optimizer = optimizers.SGD(momentum=0.9)

    with pytest.warns(UserWarning, match=r"weight 0 of shape \(3, 4\)"):
        optimizer.apply([None, torch.ones(4)], weights)

    assert torch.equal(weights[0].detach(), frozen)
    assert torch.equal(optimizer.variables[2], torch.zeros(3, 4))
    assert int(optimizer.iterations) == 1


def test_all_gradients_none_raises():
    weights = _weights()
    with pytest.raises(ValueError, match="No gradients were given"):
        optimizers.SGD().apply([None, None], weights)


@pytest.mark.parametrize(
    "make",
    [
        lambda: torch.nn.Parameter(torch.ones(3)),
        lambda: torch.ones(3, requires_grad=True),
        lambda: Variable(torch.ones(3), name="bias"),
    ],
    ids=["parameter", "leaf_tensor", "variable"],
)
def test_accepts_every_kind_of_weight(make):
    weight = make()

    optimizers.SGD(learning_rate=0.5).apply([torch.ones(3)], [weight])

    torch.testing.assert_close(weight.detach(), torch.full((3,), 0.5))


@pytest.mark.parametrize(
    "weight, error",
    [
        (torch.ones(2, dtype=torch.int64), ValueError),
        (torch.ones(2, requires_grad=True) * 2, ValueError),
        ([1.0, 2.0], TypeError),
    ],
    ids=["integer", "non_leaf", "list"],
)
def test_build_rejects_bad_weights(weight, error):
    with pytest.raises(error):
        optimizers.SGD().build([weight])


def test_build_rejects_duplicate_weight():
    weight = torch.nn.Parameter(torch.ones(2))
    with pytest.raises(ValueError, match="only once"):
        optimizers.SGD().build([weight, weight])


def test_mixed_dtypes_match_separate_runs():
    weights = [
        torch.nn.Parameter(torch.randn(3, 4)),
        torch.nn.Parameter(torch.randn(4, dtype=torch.float64)),
    ]
    grads = _grads(weights)
    twins = [torch.nn.Parameter(weight.detach().clone()) for weight in weights]

    optimizers.Adam(learning_rate=0.1).apply(grads, weights)
    for grad, twin in zip(grads, twins):
        optimizers.Adam(learning_rate=0.1).apply([grad], [twin])

    for weight, twin in zip(weights, twins):
        assert weight.dtype == twin.dtype
        torch.testing.assert_close(weight.detach(), twin.detach())


def test_global_clipnorm_spans_dtype_groups():
    weights = [
        torch.nn.Parameter(torch.zeros(2)),
        torch.nn.Parameter(torch.zeros(1, dtype=torch.float64)),
    ]
    grads = [torch.tensor([3.0, 0.0]), torch.tensor([4.0], dtype=torch.float64)]

    optimizers.SGD(learning_rate=1.0, global_clipnorm=1.0).apply(grads, weights)

    # The global norm is 5, so every gradient is scaled by 1/5.
    torch.testing.assert_close(weights[0].detach(), torch.tensor([-0.6, 0.0]))
    torch.testing.assert_close(
        weights[1].detach(), torch.tensor([-0.8], dtype=torch.float64)
    )


def test_global_clipnorm_propagates_nan():
    weight = torch.nn.Parameter(torch.zeros(2))
    optimizer = optimizers.SGD(global_clipnorm=1.0)

    optimizer.apply([torch.tensor([float("inf"), 0.0])], [weight])

    assert torch.isnan(weight).all()


def test_constraint_applied_after_update():
    weight = Variable(torch.zeros(3), constraint=lambda w: w.clamp(-0.1, 0.1))

    optimizers.SGD(learning_rate=1.0).apply([torch.ones(3)], [weight])

    torch.testing.assert_close(weight.detach(), torch.full((3,), -0.1))


def test_exclude_weight_list_from_decay():
    weights = [torch.nn.Parameter(torch.ones(2)) for _ in range(2)]
    optimizer = optimizers.SGD(learning_rate=0.1, weight_decay=0.5)
    optimizer.exclude_from_weight_decay(var_list=[weights[1]])

    optimizer.apply([torch.zeros(2), torch.zeros(2)], weights)

    torch.testing.assert_close(weights[0].detach(), torch.full((2,), 0.95))
    torch.testing.assert_close(weights[1].detach(), torch.ones(2))


# --- state --------------------------------------------------------------------


@pytest.mark.parametrize(
    "make",
    [
        lambda: optimizers.Adam(amsgrad=True),
        lambda: optimizers.RMSprop(momentum=0.5, centered=True),
        lambda: optimizers.SGD(momentum=0.9),
        lambda: optimizers.Adagrad(),
    ],
    ids=["adam", "rmsprop", "sgd", "adagrad"],
)
def test_variables_follow_keras_order(make):
    ours = make()
    reference = keras.optimizers.get(ours.__class__.__name__).from_config(
        ours.get_config()
    )
    weights = _weights()
    ours.build(weights)
    reference.build([keras.Variable(w.detach()) for w in weights])

    shapes = [tuple(v.shape) for v in ours.variables]

    assert shapes == [tuple(v.shape) for v in reference.variables]


def test_set_weights_restores_state():
    weights = _weights()
    grads = [_grads(weights) for _ in range(4)]
    twins = [torch.nn.Parameter(weight.detach().clone()) for weight in weights]
    first = optimizers.Adam(learning_rate=0.1)
    second = optimizers.Adam(learning_rate=0.1)
    first.apply(grads[0], weights)
    first.apply(grads[1], weights)
    second.build(twins)

    second.set_weights([v.clone() for v in first.variables])
    with torch.no_grad():
        for twin, weight in zip(twins, weights):
            twin.copy_(weight)
    first.apply(grads[2], weights)
    second.apply(grads[2], twins)

    assert int(second.iterations) == 3
    for weight, twin in zip(weights, twins):
        torch.testing.assert_close(weight.detach(), twin.detach())


def test_set_weights_checks_count_and_shape():
    optimizer = optimizers.SGD(momentum=0.9)
    optimizer.build(_weights())

    with pytest.raises(ValueError, match="Expected 4 values"):
        optimizer.set_weights([0])
    with pytest.raises(ValueError, match="shape"):
        optimizer.set_weights([0, 0.1, np.zeros(2), np.zeros(4)])


# --- custom optimizers and host syncs ---------------------------------------


class _KerasStyleMomentum(optimizers.Optimizer):
    """SGD with momentum written the way Keras documents custom optimizers."""

    def __init__(self, learning_rate=0.01, momentum=0.9, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.momentum = momentum

    def build(self, variables):
        if self.built:
            return
        super().build(variables)
        self.momentums = [
            self.add_variable_from_reference(variable, "momentum")
            for variable in variables
        ]

    def update_step(self, gradient, variable, learning_rate):
        velocity = self.momentums[self._get_variable_index(variable)]
        self.assign(
            velocity, velocity * self.momentum - gradient * learning_rate
        )
        self.assign_add(variable, velocity)


def test_custom_update_step_optimizer():
    weights = _weights()
    twins = [torch.nn.Parameter(weight.detach().clone()) for weight in weights]
    custom = _KerasStyleMomentum(learning_rate=0.1)
    builtin = optimizers.SGD(learning_rate=0.1, momentum=0.9)

    for _ in range(3):
        grads = _grads(weights)
        custom.apply(grads, weights)
        builtin.apply(grads, twins)

    assert len(custom.variables) == len(builtin.variables)
    for weight, twin in zip(weights, twins):
        torch.testing.assert_close(weight.detach(), twin.detach())


def test_custom_optimizer_with_ema_and_accumulation():
    options = {"use_ema": True, "gradient_accumulation_steps": 2}
    weights = _weights()
    twins = [torch.nn.Parameter(weight.detach().clone()) for weight in weights]
    custom = _KerasStyleMomentum(learning_rate=0.1, **options)
    builtin = optimizers.SGD(learning_rate=0.1, momentum=0.9, **options)

    for _ in range(4):
        grads = _grads(weights)
        custom.apply(grads, weights)
        builtin.apply(grads, twins)

    assert int(custom.iterations) == 2
    for weight, twin in zip(weights, twins):
        torch.testing.assert_close(weight.detach(), twin.detach())
    for ours, reference in zip(custom.variables, builtin.variables):
        torch.testing.assert_close(ours, reference)


def test_base_optimizer_without_update_step_raises():
    weight = torch.nn.Parameter(torch.ones(2))
    with pytest.raises(NotImplementedError, match="must implement"):
        optimizers.Optimizer(learning_rate=0.1).apply([torch.ones(2)], [weight])


@pytest.mark.parametrize(
    "make",
    [
        lambda: optimizers.SGD(momentum=0.9, nesterov=True, clipnorm=1.0),
        lambda: optimizers.Adam(amsgrad=True, global_clipnorm=1.0),
        lambda: optimizers.AdamW(clipvalue=0.5),
        lambda: optimizers.RMSprop(momentum=0.5, centered=True),
        lambda: optimizers.Adagrad(weight_decay=0.1),
        lambda: optimizers.Adamax(clipnorm=1.0),
        lambda: optimizers.Adadelta(),
        lambda: optimizers.Adafactor(),
        lambda: optimizers.Nadam(use_ema=True, ema_overwrite_frequency=2),
        lambda: optimizers.Ftrl(l1_regularization_strength=0.1),
        lambda: optimizers.Lion(gradient_accumulation_steps=2),
        lambda: optimizers.Lamb(loss_scale_factor=2.0),
    ],
    ids=[
        "sgd",
        "adam",
        "adamw",
        "rmsprop",
        "adagrad",
        "adamax",
        "adadelta",
        "adafactor",
        "nadam",
        "ftrl",
        "lion",
        "lamb",
    ],
)
def test_step_reads_no_tensor_values(make, monkeypatch):
    weights = _weights()
    optimizer = make()
    optimizer.build(weights)

    def fail(*args, **kwargs):
        raise AssertionError("a step read a tensor value on the host")

    for method in ("item", "tolist", "numpy", "cpu", "__float__", "__bool__"):
        monkeypatch.setattr(torch.Tensor, method, fail)
    for _ in range(2):
        optimizer.apply(_grads(weights), weights)


# --- moving averages, accumulation and loss scaling ---------------------------


def _trained_ema_optimizer():
    weights = _weights()
    optimizer = optimizers.SGD(
        learning_rate=0.1, use_ema=True, ema_momentum=0.5
    )
    for _ in range(3):
        optimizer.apply(_grads(weights), weights)
    return optimizer, weights


def test_swap_ema_weights_twice_restores():
    optimizer, weights = _trained_ema_optimizer()
    trained = [weight.detach().clone() for weight in weights]
    averages = [
        average.detach().clone() for average in optimizer._moving_averages
    ]

    optimizer.swap_ema_weights()
    for weight, average in zip(weights, averages):
        assert torch.equal(weight.detach(), average)
    optimizer.swap_ema_weights()

    for weight, value in zip(weights, trained):
        assert torch.equal(weight.detach(), value)
    for average, value in zip(optimizer._moving_averages, averages):
        assert torch.equal(average, value)


def test_copy_weights_to_ema():
    optimizer, weights = _trained_ema_optimizer()

    optimizer.copy_weights_to_ema()

    for weight, average in zip(weights, optimizer._moving_averages):
        assert torch.equal(weight.detach(), average)


def test_finalize_variable_values_writes_averages():
    optimizer, weights = _trained_ema_optimizer()
    stranger = torch.nn.Parameter(torch.ones(2))

    optimizer.finalize_variable_values([stranger, *weights])

    assert torch.equal(stranger.detach(), torch.ones(2))
    for weight, average in zip(weights, optimizer._moving_averages):
        assert torch.equal(weight.detach(), average)


def test_finalize_without_ema_does_nothing():
    weights = _weights()
    before = [weight.detach().clone() for weight in weights]

    optimizers.SGD().finalize_variable_values(weights)

    for weight, value in zip(weights, before):
        assert torch.equal(weight.detach(), value)


@pytest.mark.parametrize("method", ["swap_ema_weights", "copy_weights_to_ema"])
def test_ema_methods_need_use_ema(method):
    optimizer = optimizers.SGD()
    optimizer.build(_weights())

    with pytest.raises(
        ValueError, match="Create the optimizer with `use_ema=True`"
    ):
        getattr(optimizer, method)()


@pytest.mark.parametrize("method", ["swap_ema_weights", "copy_weights_to_ema"])
def test_ema_methods_need_built_optimizer(method):
    optimizer = optimizers.SGD(use_ema=True)

    with pytest.raises(ValueError, match="needs a built optimizer"):
        getattr(optimizer, method)()


def test_fit_ends_with_moving_averages():
    import torchkeras

    model = torchkeras.Sequential(
        [torchkeras.Input((3,)), torchkeras.layers.Dense(1)]
    )
    model.compile(optimizer=optimizers.SGD(0.1, use_ema=True), loss="mse")
    x, y = np.ones((8, 3), "float32"), np.zeros((8, 1), "float32")

    model.fit(x, y, batch_size=4, epochs=2, verbose=0)

    for weight, average in zip(
        model.trainable_weights, model.optimizer._moving_averages
    ):
        assert torch.equal(weight.detach(), average)


def test_accumulation_counts_updates():
    weights = _weights()
    optimizer = optimizers.SGD(gradient_accumulation_steps=3)
    for _ in range(7):
        optimizer.apply(_grads(weights), weights)

    assert int(optimizer.iterations) == 2
    # The saved count is the number of `apply()` calls, as in Keras.
    assert int(optimizer.variables[0]) == 7


def test_accumulation_applies_mean_gradient():
    weight = torch.nn.Parameter(torch.zeros(2))
    optimizer = optimizers.SGD(learning_rate=1.0, gradient_accumulation_steps=2)

    optimizer.apply([torch.tensor([1.0, 2.0])], [weight])
    assert torch.equal(weight.detach(), torch.zeros(2))
    optimizer.apply([torch.tensor([3.0, 4.0])], [weight])

    torch.testing.assert_close(weight.detach(), torch.tensor([-2.0, -3.0]))
    assert torch.equal(optimizer.variables[2], torch.zeros(2))


def test_schedule_sees_apply_calls_with_accumulation():
    seen = []

    def schedule(step):
        seen.append(step)
        return 0.1

    weights = _weights()
    optimizer = optimizers.SGD(
        learning_rate=schedule, gradient_accumulation_steps=2
    )
    for _ in range(4):
        optimizer.apply(_grads(weights), weights)

    assert seen == [1, 3]


def test_scale_loss_and_unscaled_gradients():
    weight = torch.nn.Parameter(torch.zeros(2))
    optimizer = optimizers.SGD(learning_rate=1.0, loss_scale_factor=4.0)

    assert float(optimizer.scale_loss(torch.tensor(2.0))) == 8.0
    optimizer.apply([torch.tensor([4.0, -8.0])], [weight])

    torch.testing.assert_close(weight.detach(), torch.tensor([-1.0, 2.0]))


def test_scale_loss_without_factor_returns_loss():
    loss = torch.tensor(2.0)
    assert optimizers.SGD().scale_loss(loss) is loss


def test_state_names_follow_keras():
    import torchkeras

    layer = torchkeras.layers.Dense(2, name="dense")
    layer.build((None, 3))
    optimizer = optimizers.Adam(name="adam", use_ema=True)
    optimizer.build(layer.trainable_weights)

    paths = [variable.path for variable in optimizer.variables]

    assert paths[:4] == [
        "adam/iteration",
        "adam/learning_rate",
        "adam/dense_kernel_average",
        "adam/dense_bias_average",
    ]
    assert paths[4:6] == [
        "adam/dense_kernel_momentum",
        "adam/dense_kernel_velocity",
    ]
    assert optimizer.variables[4].name == "dense_kernel_momentum"
    assert not optimizer.variables[4].requires_grad


def test_nadam_state_survives_set_weights():
    weights = _weights()
    twins = [torch.nn.Parameter(weight.detach().clone()) for weight in weights]
    steps = [_grads(weights) for _ in range(4)]
    first, second = optimizers.Nadam(0.1), optimizers.Nadam(0.1)
    for grads in steps[:2]:
        first.apply(grads, weights)
    second.build(twins)
    second.set_weights([v.clone() for v in first.variables])
    with torch.no_grad():
        for twin, weight in zip(twins, weights):
            twin.copy_(weight)

    for grads in steps[2:]:
        first.apply(grads, weights)
        second.apply(grads, twins)

    for weight, twin in zip(weights, twins):
        torch.testing.assert_close(weight.detach(), twin.detach())


def test_learning_rate_has_variable_methods():
    optimizer = optimizers.Adam(learning_rate=0.01)
    value = optimizer.learning_rate
    assert isinstance(value, float)
    assert value.numpy() == np.float32(0.01)
    value.assign(0.5)
    assert optimizer.learning_rate == 0.5


def test_negative_weight_decay_raises():
    with pytest.raises(ValueError, match=r"`weight_decay` must be a float >= 0.0. Received: weight_decay=-1.0"):
        optimizers.Adam(weight_decay=-1.0)
