"""LossScaleOptimizer against Keras 3's numbers, and compile's wrapping."""

import keras
import numpy as np
import pytest
import torch

import torchkeras
from torchkeras import mixed_precision
from torchkeras import optimizers


def _pair(initial_scale=8.0, dynamic_growth_steps=2):
    optimizer = mixed_precision.LossScaleOptimizer(
        optimizers.SGD(0.1),
        initial_scale=initial_scale,
        dynamic_growth_steps=dynamic_growth_steps,
    )
    reference = keras.mixed_precision.LossScaleOptimizer(
        keras.optimizers.SGD(0.1),
        initial_scale=initial_scale,
        dynamic_growth_steps=dynamic_growth_steps,
    )
    return optimizer, reference


def _step(optimizer, variable, grad):
    optimizer.apply([torch.tensor(grad, dtype=torch.float32)], [variable])


@pytest.mark.parametrize("bad", [np.inf, np.nan])
def test_non_finite_step_is_skipped_and_scale_halves(bad):
    optimizer, reference = _pair()
    variable = torchkeras.Variable(torch.ones(2))
    reference_variable = keras.Variable(np.ones(2, "float32"))
    _step(optimizer, variable, [bad, 1.0])
    _step(reference, reference_variable, [bad, 1.0])
    assert float(optimizer.dynamic_scale) == float(reference.dynamic_scale) == 4.0
    assert int(optimizer.step_counter) == int(reference.step_counter) == 0
    assert int(optimizer.iterations) == int(reference.iterations) == 0
    np.testing.assert_array_equal(variable.detach().numpy(), [1.0, 1.0])


def test_scale_doubles_after_growth_steps():
    optimizer, reference = _pair(initial_scale=8.0, dynamic_growth_steps=2)
    variable = torchkeras.Variable(torch.ones(2))
    reference_variable = keras.Variable(np.ones(2, "float32"))
    scales, expected = [], []
    for _ in range(5):
        _step(optimizer, variable, [8.0, -8.0])
        _step(reference, reference_variable, [8.0, -8.0])
        scales.append((float(optimizer.dynamic_scale), int(optimizer.step_counter)))
        expected.append((float(reference.dynamic_scale), int(reference.step_counter)))
    assert scales == expected
    assert scales[-1] == (32.0, 1)
    np.testing.assert_allclose(
        variable.detach().numpy(), reference_variable.numpy(), rtol=1e-6
    )


def test_gradients_are_unscaled():
    optimizer, _ = _pair(initial_scale=4.0)
    variable = torchkeras.Variable(torch.zeros(1))
    _step(optimizer, variable, [4.0])
    np.testing.assert_allclose(variable.detach().numpy(), [-0.1], rtol=1e-6)


def test_scale_loss_and_state_match_keras():
    optimizer, reference = _pair(initial_scale=8.0)
    assert float(optimizer.scale_loss(torch.tensor(2.0))) == 16.0
    variable = torchkeras.Variable(torch.ones(2))
    reference_variable = keras.Variable(np.ones(2, "float32"))
    _step(optimizer, variable, [np.inf, 1.0])
    _step(reference, reference_variable, [np.inf, 1.0])
    # Keras numbers optimizer names process-wide, so only the last part of
    # each path is compared.
    names = [v.path.split("/")[-1] for v in optimizer.variables]
    assert names == [v.path.split("/")[-1] for v in reference.variables]
    for value, expected in zip(optimizer.variables, reference.variables):
        np.testing.assert_array_equal(value.detach().numpy(), expected.numpy())


def test_learning_rate_is_the_inner_optimizers():
    optimizer, _ = _pair()
    optimizer.learning_rate = 0.5
    assert optimizer.inner_optimizer.learning_rate == 0.5
    assert optimizer.learning_rate == 0.5


def test_config_round_trip():
    optimizer, reference = _pair(initial_scale=64.0, dynamic_growth_steps=7)
    config = optimizers.serialize(optimizer)
    restored = optimizers.deserialize(config)
    assert isinstance(restored, mixed_precision.LossScaleOptimizer)
    assert restored.initial_scale == 64.0
    assert restored.dynamic_growth_steps == 7
    assert restored.inner_optimizer.learning_rate == pytest.approx(0.1)
    assert set(config["config"]) == set(reference.get_config())


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"dynamic": False}, "dynamic=False"),
        ({"clipnorm": 1.0}, "does not take `clipnorm`"),
        ({"unknown": 1}, "does not take the arguments unknown"),
        ({"initial_scale": 0.0}, "`initial_scale` must be a positive"),
        ({"dynamic_growth_steps": 0}, "`dynamic_growth_steps` must be a positive"),
    ],
)
def test_invalid_arguments_raise(arguments, message):
    with pytest.raises(ValueError, match=message):
        mixed_precision.LossScaleOptimizer(optimizers.SGD(), **arguments)


def test_torch_optimizer_raises():
    inner = torch.optim.SGD([torch.nn.Parameter(torch.ones(1))], lr=0.1)
    with pytest.raises(TypeError, match="GradScaler"):
        mixed_precision.LossScaleOptimizer(inner)


def _model():
    return torchkeras.Sequential([
        torchkeras.Input((4,)),
        torchkeras.layers.Dense(3, activation="softmax", dtype="float32"),
    ])


def test_compile_wraps_optimizer_under_mixed_float16():
    mixed_precision.set_global_policy("mixed_float16")
    model = _model()
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    assert isinstance(model.optimizer, mixed_precision.LossScaleOptimizer)
    assert model.optimizer.name == "loss_scale_optimizer"
    model.compile(optimizer="sgd", loss="mse", auto_scale_loss=False)
    assert not isinstance(model.optimizer, mixed_precision.LossScaleOptimizer)


@pytest.mark.parametrize("policy", ["float32", "mixed_bfloat16"])
def test_compile_does_not_wrap_other_policies(policy):
    mixed_precision.set_global_policy(policy)
    model = _model()
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    assert isinstance(model.optimizer, optimizers.SGD)


def test_fit_under_mixed_float16_trains():
    mixed_precision.set_global_policy("mixed_float16")
    model = torchkeras.Sequential([
        torchkeras.Input((4,)),
        torchkeras.layers.Dense(8, activation="relu"),
        torchkeras.layers.Dense(3, activation="softmax", dtype="float32"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    rs = np.random.RandomState(0)
    x = rs.randn(128, 4).astype("float32")
    y = (x[:, 0] > 0).astype("int64")
    history = model.fit(x, y, epochs=3, batch_size=32, verbose=0)
    losses = history.history["loss"]
    assert np.all(np.isfinite(losses))
    assert losses[-1] < losses[0]
    assert all(w.dtype == torch.float32 for w in model.weights)
