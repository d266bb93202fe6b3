"""Optimizer state in `.keras` files, exchanged with Keras 3 both ways."""

import keras
import numpy as np
import pytest
import torch

import torchkeras

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:keras.*")

FIT_ARGUMENTS = {"batch_size": 8, "shuffle": False, "verbose": 0}
OPTIMIZERS = [
    ("Adamax", {"learning_rate": 0.01}),
    ("Adadelta", {"learning_rate": 1.0}),
    ("Adafactor", {"learning_rate": 0.05}),
    ("Nadam", {"learning_rate": 0.01}),
    ("Ftrl", {"learning_rate": 0.05}),
    ("Lion", {"learning_rate": 0.003}),
    ("Lamb", {"learning_rate": 0.01}),
    ("Adam", {"use_ema": True, "gradient_accumulation_steps": 2}),
    ("Nadam", {"use_ema": True, "loss_scale_factor": 4.0}),
]
CASE_IDS = [
    "adamax",
    "adadelta",
    "adafactor",
    "nadam",
    "ftrl",
    "lion",
    "lamb",
    "adam_ema_accumulation",
    "nadam_ema_loss_scale",
]


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    # Tiny models: one thread avoids thread start-up costs on every step.
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


def _data():
    rng = np.random.default_rng(5)
    x = rng.standard_normal((24, 4)).astype("float32")
    y = rng.integers(0, 3, 24)
    return x, y


def _classifier(library, class_name, kwargs):
    model = library.Sequential(
        [
            library.Input((4,)),
            library.layers.Dense(5, activation="tanh"),
            library.layers.Dense(3, activation="softmax"),
        ]
    )
    optimizer = getattr(library.optimizers, class_name)(**kwargs)
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy")
    return model


@pytest.mark.parametrize(
    "direction", ["torchkeras_to_keras", "keras_to_torchkeras"]
)
@pytest.mark.parametrize("class_name, kwargs", OPTIMIZERS, ids=CASE_IDS)
def test_training_resumes_across_libraries(
    tmp_path, class_name, kwargs, direction
):
    source, target = (torchkeras, keras)
    if direction == "keras_to_torchkeras":
        source, target = (keras, torchkeras)
    x, y = _data()
    model = _classifier(source, class_name, kwargs)
    model.fit(x, y, epochs=2, **FIT_ARGUMENTS)
    model.save(tmp_path / "model.keras")

    reloaded = target.saving.load_model(tmp_path / "model.keras")

    assert type(reloaded.optimizer).__name__ == class_name
    saved_state = model.optimizer.variables
    loaded_state = reloaded.optimizer.variables
    assert len(loaded_state) == len(saved_state)
    for index, (loaded, saved) in enumerate(zip(loaded_state, saved_state)):
        np.testing.assert_array_equal(
            np.asarray(loaded), np.asarray(saved), err_msg=f"state {index}"
        )
    expected = model.fit(x, y, epochs=1, **FIT_ARGUMENTS)
    resumed = reloaded.fit(x, y, epochs=1, **FIT_ARGUMENTS)
    np.testing.assert_allclose(
        resumed.history["loss"], expected.history["loss"], atol=1e-5
    )
    for mine, reference in zip(reloaded.get_weights(), model.get_weights()):
        np.testing.assert_allclose(
            np.asarray(mine), np.asarray(reference), atol=1e-5
        )


def test_schedule_learning_rate_round_trips(tmp_path):
    schedule = torchkeras.optimizers.schedules.ExponentialDecay(0.05, 4, 0.5)
    x, y = _data()
    model = _classifier(torchkeras, "Lamb", {"learning_rate": schedule})
    model.fit(x, y, epochs=1, **FIT_ARGUMENTS)
    model.save(tmp_path / "model.keras")

    theirs = keras.saving.load_model(tmp_path / "model.keras")
    ours = torchkeras.saving.load_model(tmp_path / "model.keras")

    assert type(theirs.optimizer.learning_rate).__name__ != "float"
    assert ours.optimizer.get_config() == model.optimizer.get_config()
    assert (
        theirs.optimizer.get_config()["learning_rate"]
        == (model.optimizer.get_config()["learning_rate"])
    )
