"""Learning-rate schedules against Keras 3 (torch backend)."""

import math
import os
import random

os.environ["KERAS_BACKEND"] = "torch"

import keras
import numpy as np
import pytest
import torch

import torchkeras
from torchkeras import config
from torchkeras import optimizers
from torchkeras import saving
from torchkeras.optimizers import schedules

# Keras 3.15 reads its variables through numpy's deprecated `__array__`.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:keras.*")

RELATIVE_TOLERANCE = 1e-6

CONFIGS = [
    (
        "exponential",
        "ExponentialDecay",
        {
            "initial_learning_rate": 0.1,
            "decay_steps": 10,
            "decay_rate": 0.9,
        },
    ),
    (
        "exponential_staircase",
        "ExponentialDecay",
        {
            "initial_learning_rate": 0.1,
            "decay_steps": 7,
            "decay_rate": 0.5,
            "staircase": True,
        },
    ),
    (
        "piecewise",
        "PiecewiseConstantDecay",
        {
            "boundaries": [10, 20, 35],
            "values": [1.0, 0.5, 0.1, 0.01],
        },
    ),
    (
        "piecewise_float_boundary",
        "PiecewiseConstantDecay",
        {
            "boundaries": [10.5, 20],
            "values": [1.0, 0.5, 0.1],
        },
    ),
    (
        "polynomial",
        "PolynomialDecay",
        {
            "initial_learning_rate": 0.1,
            "decay_steps": 30,
        },
    ),
    (
        "polynomial_cycle_sqrt",
        "PolynomialDecay",
        {
            "initial_learning_rate": 0.1,
            "decay_steps": 30,
            "end_learning_rate": 0.01,
            "power": 0.5,
            "cycle": True,
        },
    ),
    (
        "polynomial_cycle_square",
        "PolynomialDecay",
        {
            "initial_learning_rate": 0.1,
            "decay_steps": 7,
            "power": 2.0,
            "cycle": True,
        },
    ),
    (
        "inverse_time",
        "InverseTimeDecay",
        {
            "initial_learning_rate": 0.1,
            "decay_steps": 10,
            "decay_rate": 0.5,
        },
    ),
    (
        "inverse_time_staircase",
        "InverseTimeDecay",
        {
            "initial_learning_rate": 0.1,
            "decay_steps": 3,
            "decay_rate": 2.0,
            "staircase": True,
        },
    ),
    (
        "cosine",
        "CosineDecay",
        {
            "initial_learning_rate": 0.1,
            "decay_steps": 500,
        },
    ),
    (
        "cosine_alpha",
        "CosineDecay",
        {
            "initial_learning_rate": 0.1,
            "decay_steps": 50,
            "alpha": 0.1,
        },
    ),
    (
        "cosine_warmup",
        "CosineDecay",
        {
            "initial_learning_rate": 0.0,
            "decay_steps": 50,
            "warmup_target": 0.2,
            "warmup_steps": 20,
        },
    ),
    (
        "cosine_zero_warmup_steps",
        "CosineDecay",
        {
            "initial_learning_rate": 0.01,
            "decay_steps": 33,
            "alpha": 0.05,
            "warmup_target": 0.2,
            "warmup_steps": 0,
        },
    ),
    (
        "cosine_warmup_steps_without_target",
        "CosineDecay",
        {
            "initial_learning_rate": 0.01,
            "decay_steps": 33,
            "warmup_steps": 20,
        },
    ),
    (
        "restarts",
        "CosineDecayRestarts",
        {
            "initial_learning_rate": 0.1,
            "first_decay_steps": 10,
        },
    ),
    (
        "restarts_constant_period",
        "CosineDecayRestarts",
        {
            "initial_learning_rate": 0.1,
            "first_decay_steps": 10,
            "t_mul": 1.0,
            "m_mul": 0.9,
            "alpha": 0.1,
        },
    ),
    (
        "restarts_t_mul_1_5",
        "CosineDecayRestarts",
        {
            "initial_learning_rate": 0.1,
            "first_decay_steps": 10,
            "t_mul": 1.5,
            "m_mul": 0.5,
            "alpha": 0.1,
        },
    ),
    (
        "restarts_t_mul_3",
        "CosineDecayRestarts",
        {
            "initial_learning_rate": 0.1,
            "first_decay_steps": 7,
            "t_mul": 3.0,
            "m_mul": 0.8,
        },
    ),
    (
        "restarts_shrinking_periods",
        "CosineDecayRestarts",
        {
            "initial_learning_rate": 0.1,
            "first_decay_steps": 8,
            "t_mul": 0.5,
        },
    ),
    (
        "restarts_negative_m_mul",
        "CosineDecayRestarts",
        {
            "initial_learning_rate": 0.1,
            "first_decay_steps": 4,
            "t_mul": 2.0,
            "m_mul": -0.5,
        },
    ),
]
CONFIG_IDS = [config_id for config_id, _, _ in CONFIGS]
CONFIG_CASES = [(name, kwargs) for _, name, kwargs in CONFIGS]
CLASS_NAMES = sorted({name for _, name, _ in CONFIGS})
STEPS = [*range(400), *range(400, 3000, 13), 10_000, 123_457]


def _pair(name, kwargs):
    ours = getattr(schedules, name)(**kwargs)
    reference = getattr(keras.optimizers.schedules, name)(**kwargs)
    return ours, reference


def _mismatches(ours, reference, steps, to_step=lambda step: step):
    """Return (step, ours, Keras's) where they differ by more than 1e-6."""
    found = []
    for step in steps:
        expected = float(reference(step))
        actual = float(ours(to_step(step)))
        if math.isnan(expected) and math.isnan(actual):
            continue
        if not abs(actual - expected) <= RELATIVE_TOLERANCE * abs(expected):
            found.append((step, actual, expected))
    return found


class TestValues:
    @pytest.mark.parametrize(("name", "kwargs"), CONFIG_CASES, ids=CONFIG_IDS)
    def test_int_steps_match_keras(self, name, kwargs):
        ours, reference = _pair(name, kwargs)
        assert _mismatches(ours, reference, STEPS) == []

    @pytest.mark.parametrize(("name", "kwargs"), CONFIG_CASES, ids=CONFIG_IDS)
    def test_tensor_steps_match_keras(self, name, kwargs):
        ours, reference = _pair(name, kwargs)
        found = _mismatches(ours, reference, STEPS, torch.tensor)
        assert found == []

    @pytest.mark.parametrize(("name", "kwargs"), CONFIG_CASES, ids=CONFIG_IDS)
    def test_int_step_returns_python_float(self, name, kwargs):
        ours, _ = _pair(name, kwargs)
        for step in (0, 5, 1000, np.int64(7), np.float32(3.0)):
            assert type(ours(step)) is float

    @pytest.mark.parametrize(("name", "kwargs"), CONFIG_CASES, ids=CONFIG_IDS)
    def test_tensor_step_returns_float32_tensor(self, name, kwargs):
        ours, _ = _pair(name, kwargs)
        for step in (torch.tensor(3), torch.tensor(3.0), np.array(3)):
            value = ours(step)
            assert isinstance(value, torch.Tensor)
            assert value.dtype == torch.float32
            assert value.shape == ()

    def test_float_steps_match_keras(self):
        for name, kwargs in CONFIG_CASES:
            ours, reference = _pair(name, kwargs)
            steps = [0.5, 2.25, 9.99, 10.5, 33.3]
            assert _mismatches(ours, reference, steps) == [], name

    def test_restart_boundaries_match_keras(self):
        for t_mul in (1.1, 1.25, 1.5, 2.0, 2.5, 3.0, 0.9, 0.75):
            for first_decay_steps in (1, 2, 3, 7, 10, 16, 25):
                ours, reference = _pair(
                    "CosineDecayRestarts",
                    {
                        "initial_learning_rate": 1.0,
                        "first_decay_steps": first_decay_steps,
                        "t_mul": t_mul,
                        "m_mul": 0.5,
                        "alpha": 0.1,
                    },
                )
                steps = _period_ends(first_decay_steps, t_mul, 20_000)
                found = _mismatches(ours, reference, steps)
                assert found == [], (t_mul, first_decay_steps)

    def test_random_configs_match_keras(self):
        rng = random.Random(0)
        for _ in range(40):
            name, kwargs = _random_config(rng)
            ours, reference = _pair(name, kwargs)
            steps = [*range(120), *range(120, 4000, 37)]
            assert _mismatches(ours, reference, steps) == [], (name, kwargs)
            found = _mismatches(ours, reference, steps[::5], torch.tensor)
            assert found == [], (name, kwargs)

    def test_float64_floatx_matches_keras(self):
        config.set_floatx("float64")
        keras.config.set_floatx("float64")
        try:
            for name, kwargs in CONFIG_CASES:
                ours, reference = _pair(name, kwargs)
                steps = range(0, 200, 3)
                assert _mismatches(ours, reference, steps) == [], name
                assert ours(torch.tensor(4)).dtype == torch.float64
        finally:
            config.set_floatx("float32")
            keras.config.set_floatx("float32")

    def test_float16_floatx_returns_float(self):
        config.set_floatx("float16")
        try:
            schedule = schedules.ExponentialDecay(0.1, 10, 0.5)
            assert schedule(10) == pytest.approx(0.05, rel=1e-3)
            assert schedule(torch.tensor(10)).dtype == torch.float16
        finally:
            config.set_floatx("float32")

    def test_int_step_creates_no_tensor(self, monkeypatch):
        cases = [
            (name, kwargs)
            for name, kwargs in CONFIG_CASES
            if name != "CosineDecayRestarts"
        ]

        def fail(*args, **kwargs):
            raise AssertionError("a tensor was created")

        monkeypatch.setattr(torch, "tensor", fail)
        monkeypatch.setattr(torch, "as_tensor", fail)
        for name, kwargs in cases:
            schedule = getattr(schedules, name)(**kwargs)
            # Early steps, before the cosine nears its minimum.
            for step in range(10):
                schedule(step)

    def test_tensor_step_stays_on_its_device(self):
        schedule = schedules.CosineDecay(0.1, 10, warmup_target=0.2)
        value = schedule(torch.tensor(3, device="meta"))
        assert value.device.type == "meta"

    def test_shrinking_periods_end_in_nan(self):
        schedule = schedules.CosineDecayRestarts(0.1, 8, t_mul=0.5)
        # The periods last 8 + 4 + 2 + ... = 16 steps in total.
        assert not math.isnan(schedule(15))
        assert math.isnan(schedule(17))
        assert math.isnan(float(schedule(torch.tensor(17))))

    def test_examples_from_docstrings(self):
        decay = schedules.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)
        assert decay(20) == pytest.approx(0.025)
        piecewise = schedules.PiecewiseConstantDecay(
            [100, 200], [0.1, 0.01, 0.001]
        )
        assert piecewise(100) == pytest.approx(0.1)
        assert piecewise(101) == pytest.approx(0.01)
        assert piecewise(201) == pytest.approx(0.001)


def _period_ends(first_decay_steps, t_mul, max_step):
    """Return the steps around each restart of CosineDecayRestarts."""
    steps = set()
    total, length = 0.0, float(first_decay_steps)
    for _ in range(60):
        total += length
        length *= t_mul
        if total > max_step:
            break
        steps.update({round(total) - 1, round(total), round(total) + 1})
    return sorted(steps)


def _random_config(rng):
    name = rng.choice(CLASS_NAMES)
    rate = rng.choice([0.1, 1e-3, 0.05, 2.0, 3e-4])
    steps = rng.choice([1, 3, 10, 37, 100, 1000])
    if name in ("ExponentialDecay", "InverseTimeDecay"):
        return name, {
            "initial_learning_rate": rate,
            "decay_steps": steps,
            "decay_rate": rng.choice([0.9, 0.5, 0.96, 2.0]),
            "staircase": rng.random() < 0.5,
        }
    if name == "PolynomialDecay":
        return name, {
            "initial_learning_rate": rate,
            "decay_steps": steps,
            "end_learning_rate": rng.choice([0.0, 1e-4, 0.01]),
            "power": rng.choice([1.0, 0.5, 2.0, 3.0]),
            "cycle": rng.random() < 0.5,
        }
    if name == "CosineDecay":
        return name, {
            "initial_learning_rate": rate,
            "decay_steps": steps,
            "alpha": rng.choice([0.0, 0.1]),
            "warmup_target": rng.choice([None, rate * 2, 0.3]),
            "warmup_steps": rng.choice([0, 5, 50]),
        }
    if name == "CosineDecayRestarts":
        return name, {
            "initial_learning_rate": rate,
            "first_decay_steps": steps,
            "t_mul": rng.choice([1.0, 2.0, 1.5, 1.1, 3.0, 0.9]),
            "m_mul": rng.choice([1.0, 0.5, 0.9]),
            "alpha": rng.choice([0.0, 0.1]),
        }
    boundaries = sorted(rng.sample(range(1, 500), 3))
    values = [rate, rate / 2, rate / 10, rate / 100]
    return name, {"boundaries": boundaries, "values": values}


class TestConfig:
    @pytest.mark.parametrize(("name", "kwargs"), CONFIG_CASES, ids=CONFIG_IDS)
    def test_get_config_matches_keras(self, name, kwargs):
        ours, reference = _pair(name, kwargs)
        assert ours.get_config() == reference.get_config()

    @pytest.mark.parametrize("name", CLASS_NAMES)
    def test_default_config_matches_keras(self, name):
        kwargs = _minimal_arguments(name)
        ours, reference = _pair(name, kwargs)
        assert ours.get_config() == reference.get_config()

    @pytest.mark.parametrize(("name", "kwargs"), CONFIG_CASES, ids=CONFIG_IDS)
    def test_serialize_matches_keras(self, name, kwargs):
        ours, reference = _pair(name, kwargs)
        expected = keras.saving.serialize_keras_object(reference)
        assert schedules.serialize(ours) == expected
        assert saving.serialize_keras_object(ours) == expected
        assert keras.optimizers.schedules.serialize(reference) == expected

    @pytest.mark.parametrize(("name", "kwargs"), CONFIG_CASES, ids=CONFIG_IDS)
    def test_keras_loads_our_config(self, name, kwargs):
        ours, reference = _pair(name, kwargs)
        loaded = keras.optimizers.schedules.deserialize(
            schedules.serialize(ours)
        )
        assert type(loaded).__name__ == name
        assert loaded.get_config() == reference.get_config()
        loaded = keras.saving.deserialize_keras_object(
            saving.serialize_keras_object(ours)
        )
        assert loaded.get_config() == reference.get_config()

    @pytest.mark.parametrize(("name", "kwargs"), CONFIG_CASES, ids=CONFIG_IDS)
    def test_we_load_keras_config(self, name, kwargs):
        ours, reference = _pair(name, kwargs)
        serialized = keras.saving.serialize_keras_object(reference)
        for loaded in (
            schedules.deserialize(serialized),
            saving.deserialize_keras_object(serialized),
        ):
            assert type(loaded) is type(ours)
            assert loaded.get_config() == ours.get_config()
            assert _mismatches(loaded, reference, range(60)) == []

    def test_from_config_round_trip(self):
        for name, kwargs in CONFIG_CASES:
            ours, _ = _pair(name, kwargs)
            copy = type(ours).from_config(ours.get_config())
            assert copy.get_config() == ours.get_config()

    def test_deserialize_without_module(self):
        loaded = schedules.deserialize(
            {
                "class_name": "PolynomialDecay",
                "config": {
                    "initial_learning_rate": 0.1,
                    "decay_steps": 10,
                    "end_learning_rate": 0.01,
                    "power": 0.5,
                    "cycle": False,
                    "name": None,
                },
            }
        )
        assert isinstance(loaded, schedules.PolynomialDecay)
        assert loaded.name is None
        assert loaded(10) == pytest.approx(0.01)

    def test_deserialize_unknown_class_raises(self):
        with pytest.raises(ValueError, match="Could not find the class"):
            schedules.deserialize(
                {
                    "module": "keras.optimizers.schedules",
                    "class_name": "ExponentialDecayy",
                    "config": {},
                    "registered_name": None,
                }
            )

    def test_names_match_keras(self):
        expected = sorted(
            name
            for name in dir(keras.optimizers.schedules)
            if not name.startswith("_")
        )
        assert schedules.__all__ == expected
        assert sorted(schedules.__all__) == schedules.__all__
        assert optimizers.schedules is schedules


def _minimal_arguments(name):
    if name == "PiecewiseConstantDecay":
        return {"boundaries": [5], "values": [1.0, 0.5]}
    if name == "CosineDecayRestarts":
        return {"initial_learning_rate": 0.1, "first_decay_steps": 10}
    if name in ("ExponentialDecay", "InverseTimeDecay"):
        return {
            "initial_learning_rate": 0.1,
            "decay_steps": 10,
            "decay_rate": 0.5,
        }
    return {"initial_learning_rate": 0.1, "decay_steps": 10}


@saving.register_keras_serializable(package="ScheduleTests")
class HalvingSchedule(schedules.LearningRateSchedule):
    """Halve the rate every `period` steps: a user-defined schedule."""

    def __init__(self, initial_learning_rate, period):
        self.initial_learning_rate = initial_learning_rate
        self.period = period

    def __call__(self, step):
        return self.initial_learning_rate * 0.5 ** (step // self.period)

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "period": self.period,
        }


class TestSubclass:
    def test_registered_subclass_round_trips(self):
        schedule = HalvingSchedule(0.1, period=10)
        serialized = saving.serialize_keras_object(schedule)
        assert serialized["class_name"] == "HalvingSchedule"
        assert serialized["registered_name"] == "ScheduleTests>HalvingSchedule"
        assert serialized["config"] == {
            "initial_learning_rate": 0.1,
            "period": 10,
        }
        for loaded in (
            saving.deserialize_keras_object(serialized),
            schedules.deserialize(serialized),
        ):
            assert type(loaded) is HalvingSchedule
            assert loaded(25) == pytest.approx(0.025)

    def test_serialize_subclass_matches_keras_form(self):
        serialized = schedules.serialize(HalvingSchedule(0.1, period=10))
        assert serialized == saving.serialize_keras_object(
            HalvingSchedule(0.1, period=10)
        )
        assert serialized["module"] == __name__

    def test_subclass_through_custom_objects(self):
        class Constant(schedules.LearningRateSchedule):
            def __init__(self, value):
                self.value = value

            def __call__(self, step):
                return self.value

            def get_config(self):
                return {"value": self.value}

        serialized = schedules.serialize(Constant(0.3))
        loaded = schedules.deserialize(
            serialized, custom_objects={"Constant": Constant}
        )
        assert loaded(7) == 0.3

    def test_subclass_trains_with_optimizer(self):
        schedule = HalvingSchedule(0.1, period=2)
        weight = torch.nn.Parameter(torch.zeros(3))
        optimizer = optimizers.SGD(learning_rate=schedule)
        for _ in range(4):
            optimizer.apply([torch.ones(3)], [weight])
        # Rates 0.1, 0.1, 0.05, 0.05.
        torch.testing.assert_close(weight.detach(), torch.full((3,), -0.3))

    def test_base_call_raises(self):
        with pytest.raises(
            NotImplementedError, match=r"must override `__call__"
        ):
            schedules.LearningRateSchedule()(3)

    def test_base_get_config_raises(self):
        with pytest.raises(
            NotImplementedError, match=r"must\s+override `get_config"
        ):
            schedules.LearningRateSchedule().get_config()

    def test_unserializable_subclass_raises(self):
        class NoConfig(schedules.LearningRateSchedule):
            def __call__(self, step):
                return 0.1

        with pytest.raises(NotImplementedError, match="NoConfig"):
            saving.serialize_keras_object(NoConfig())


class TestOptimizer:
    def test_learning_rate_follows_schedule(self):
        schedule = schedules.ExponentialDecay(0.1, 2, 0.5, staircase=True)
        weight = torch.nn.Parameter(torch.zeros(2))
        optimizer = optimizers.SGD(learning_rate=schedule)
        seen = []
        for _ in range(5):
            seen.append(optimizer.learning_rate)
            optimizer.apply([torch.ones(2)], [weight])
        assert seen == pytest.approx([0.1, 0.1, 0.05, 0.05, 0.025])

    @pytest.mark.parametrize("optimizer_name", ["SGD", "Adam"])
    @pytest.mark.parametrize(
        ("name", "kwargs"),
        [
            (
                "ExponentialDecay",
                {
                    "initial_learning_rate": 0.1,
                    "decay_steps": 3,
                    "decay_rate": 0.5,
                },
            ),
            (
                "CosineDecayRestarts",
                {
                    "initial_learning_rate": 0.05,
                    "first_decay_steps": 2,
                },
            ),
            (
                "PiecewiseConstantDecay",
                {
                    "boundaries": [4, 8],
                    "values": [0.1, 0.05, 0.01],
                },
            ),
        ],
        ids=["exponential", "restarts", "piecewise"],
    )
    def test_fit_matches_keras(self, optimizer_name, name, kwargs):
        rng = np.random.default_rng(0)
        x = rng.normal(size=(64, 5)).astype("float32")
        y = rng.normal(size=(64, 2)).astype("float32")
        reference = _small_model(keras)
        model = _small_model(torchkeras)
        model.set_weights(reference.get_weights())
        reference_schedule = getattr(keras.optimizers.schedules, name)(**kwargs)
        reference.compile(
            getattr(keras.optimizers, optimizer_name)(reference_schedule),
            loss="mse",
        )
        schedule = getattr(schedules, name)(**kwargs)
        model.compile(getattr(optimizers, optimizer_name)(schedule), loss="mse")

        fit_options = {"batch_size": 16, "epochs": 3, "shuffle": False}
        expected = reference.fit(x, y, verbose=0, **fit_options).history
        history = model.fit(x, y, verbose=0, **fit_options).history

        for ours, theirs in zip(model.get_weights(), reference.get_weights()):
            np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-5)
        np.testing.assert_allclose(history["loss"], expected["loss"], rtol=1e-5)


def _small_model(library):
    return library.Sequential(
        [
            library.Input((5,)),
            library.layers.Dense(8, activation="tanh"),
            library.layers.Dense(2),
        ]
    )


class TestBadInput:
    @pytest.mark.parametrize(
        "name",
        [
            "ExponentialDecay",
            "PolynomialDecay",
            "InverseTimeDecay",
            "CosineDecay",
        ],
    )
    @pytest.mark.parametrize("decay_steps", [0, -5, -0.5])
    def test_non_positive_decay_steps_raises(self, name, decay_steps):
        kwargs = _minimal_arguments(name)
        kwargs["decay_steps"] = decay_steps
        with pytest.raises(
            ValueError,
            match=rf"`decay_steps` must be greater than 0\. "
            rf"Received: decay_steps={decay_steps}",
        ):
            getattr(schedules, name)(**kwargs)

    def test_non_positive_first_decay_steps_raises(self):
        with pytest.raises(
            ValueError, match="`first_decay_steps` must be greater than 0"
        ):
            schedules.CosineDecayRestarts(0.1, first_decay_steps=0)

    @pytest.mark.parametrize("t_mul", [0.0, -1.0])
    def test_non_positive_t_mul_raises(self, t_mul):
        with pytest.raises(
            ValueError, match=rf"`t_mul` must be greater than 0\. .*{t_mul}"
        ):
            schedules.CosineDecayRestarts(0.1, 10, t_mul=t_mul)

    def test_decay_steps_string_raises(self):
        with pytest.raises(
            TypeError,
            match=r"`decay_steps` must be a Python or numpy number\. "
            r"Received: decay_steps='10' of type str",
        ):
            schedules.ExponentialDecay(0.1, "10", 0.5)

    @pytest.mark.parametrize("name", CLASS_NAMES)
    def test_learning_rate_not_number_raises(self, name):
        if name == "PiecewiseConstantDecay":
            kwargs = {"boundaries": [5], "values": [1.0, "0.5"]}
            argument = r"values\[1\]"
        else:
            kwargs = _minimal_arguments(name)
            kwargs["initial_learning_rate"] = None
            argument = "initial_learning_rate"
        with pytest.raises(TypeError, match=f"`{argument}` must be a Python"):
            getattr(schedules, name)(**kwargs)

    def test_bool_decay_steps_raises(self):
        with pytest.raises(TypeError, match="of type bool"):
            schedules.InverseTimeDecay(0.1, True, 0.5)

    @pytest.mark.parametrize("name", ["ExponentialDecay", "InverseTimeDecay"])
    def test_negative_decay_rate_raises(self, name):
        with pytest.raises(
            ValueError,
            match=r"`decay_rate` must be 0 or greater, because .* "
            r"Received: decay_rate=-0.5",
        ):
            getattr(schedules, name)(0.1, 10, -0.5)

    def test_negative_power_raises(self):
        with pytest.raises(
            ValueError, match=r"`power` must be 0 or greater.*power=-1"
        ):
            schedules.PolynomialDecay(0.1, 10, power=-1)

    def test_negative_warmup_steps_raises(self):
        with pytest.raises(
            ValueError, match=r"`warmup_steps` must be 0 or greater"
        ):
            schedules.CosineDecay(0.1, 10, warmup_target=0.2, warmup_steps=-1)

    def test_warmup_target_not_number_raises(self):
        with pytest.raises(TypeError, match="`warmup_target` must be"):
            schedules.CosineDecay(0.1, 10, warmup_target="high")

    @pytest.mark.parametrize(
        ("boundaries", "values"),
        [([10, 20], [1.0, 0.5]), ([10], [1.0, 0.5, 0.1]), ([10], [])],
    )
    def test_piecewise_length_mismatch_raises(self, boundaries, values):
        with pytest.raises(
            ValueError,
            match=r"`values` must have one more element than `boundaries`.*"
            rf"\({len(boundaries)} elements\).*\({len(values)} elements\)",
        ):
            schedules.PiecewiseConstantDecay(boundaries, values)

    @pytest.mark.parametrize(
        "boundaries", [[10, 10], [20, 10], [1, 5, 3]], ids=str
    )
    def test_piecewise_not_increasing_raises(self, boundaries):
        with pytest.raises(
            ValueError, match=r"`boundaries` must be strictly increasing"
        ):
            schedules.PiecewiseConstantDecay(
                boundaries, [0.1] * (len(boundaries) + 1)
            )

    def test_piecewise_empty_boundaries_raises(self):
        with pytest.raises(
            ValueError, match=r"`boundaries` must contain at least one step"
        ):
            schedules.PiecewiseConstantDecay([], [0.1])

    def test_piecewise_not_list_raises(self):
        with pytest.raises(
            TypeError,
            match=r"`boundaries` must be a list or tuple of numbers\. "
            r"Received: boundaries=10 of type int",
        ):
            schedules.PiecewiseConstantDecay(10, [0.1, 0.01])
