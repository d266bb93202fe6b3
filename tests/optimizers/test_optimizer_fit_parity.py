"""Three epochs of `fit` with every optimizer and option, against Keras 3."""

import keras
import numpy as np
import pytest
import torch

import torchkeras

# Keras 3.15 reads its variables through numpy's deprecated `__array__`.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:keras.*")

TOLERANCE = 1e-5
FIT_ARGUMENTS = {"batch_size": 8, "epochs": 3, "shuffle": False, "verbose": 0}

OPTIMIZERS = [
    ("SGD", {"learning_rate": 0.05, "momentum": 0.9}),
    ("Adam", {"learning_rate": 0.01}),
    ("AdamW", {"learning_rate": 0.01}),
    ("RMSprop", {"learning_rate": 0.01}),
    ("Adagrad", {"learning_rate": 0.05}),
    ("Adamax", {"learning_rate": 0.01}),
    ("Adadelta", {"learning_rate": 1.0}),
    ("Adafactor", {"learning_rate": 0.05}),
    ("Nadam", {"learning_rate": 0.01}),
    ("Ftrl", {"learning_rate": 0.05}),
    ("Lion", {"learning_rate": 0.003}),
    ("Lamb", {"learning_rate": 0.01}),
]
OPTIONS = [
    ("plain", {}),
    ("clipnorm", {"clipnorm": 0.1}),
    ("clipvalue", {"clipvalue": 0.02}),
    ("global_clipnorm", {"global_clipnorm": 0.2}),
    ("weight_decay", {"weight_decay": 0.1}),
    ("ema", {"use_ema": True, "ema_momentum": 0.9}),
    (
        "ema_overwrite",
        {"use_ema": True, "ema_momentum": 0.9, "ema_overwrite_frequency": 3},
    ),
    ("accumulation", {"gradient_accumulation_steps": 3}),
    ("loss_scale", {"loss_scale_factor": 8.0}),
]


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    # The models are tiny, so thread start-up dominates each step: one
    # thread makes these tests about ten times faster on a 2-core machine.
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


def _data(num_samples=40):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((num_samples, 4)).astype("float32")
    y = rng.integers(0, 3, num_samples)
    return x, y


def _twin_models():
    """Return our model and Keras's, with equal weights."""
    theirs = keras.Sequential(
        [
            keras.Input((4,)),
            keras.layers.Dense(6, activation="tanh"),
            keras.layers.Dense(3, activation="softmax"),
        ]
    )
    ours = torchkeras.Sequential(
        [
            torchkeras.Input((4,)),
            torchkeras.layers.Dense(6, activation="tanh"),
            torchkeras.layers.Dense(3, activation="softmax"),
        ]
    )
    ours.set_weights(theirs.get_weights())
    return ours, theirs


def _fit_both(class_name, kwargs):
    """Fit our model and Keras's with the same optimizer arguments."""
    x, y = _data()
    ours, theirs = _twin_models()
    for model, module in ((ours, torchkeras), (theirs, keras)):
        model.compile(
            optimizer=getattr(module.optimizers, class_name)(**kwargs),
            loss="sparse_categorical_crossentropy",
            metrics=["accuracy"],
        )
    their_history = theirs.fit(x, y, **FIT_ARGUMENTS)
    our_history = ours.fit(x, y, **FIT_ARGUMENTS)
    return (ours, our_history), (theirs, their_history)


def _assert_fits_match(ours, theirs):
    (our_model, our_history), (their_model, their_history) = ours, theirs
    assert list(our_history.history) == list(their_history.history)
    for key, values in their_history.history.items():
        np.testing.assert_allclose(
            our_history.history[key], values, atol=TOLERANCE, err_msg=key
        )
    for index, (mine, reference) in enumerate(
        zip(our_model.get_weights(), their_model.get_weights())
    ):
        np.testing.assert_allclose(
            mine, reference, atol=TOLERANCE, err_msg=f"weight {index}"
        )
    assert int(our_model.optimizer.iterations) == int(
        their_model.optimizer.iterations
    )


@pytest.mark.parametrize(
    "option", [kwargs for _, kwargs in OPTIONS], ids=[i for i, _ in OPTIONS]
)
@pytest.mark.parametrize(
    "class_name, kwargs", OPTIMIZERS, ids=[name for name, _ in OPTIMIZERS]
)
def test_fit_matches_keras(class_name, kwargs, option):
    ours, theirs = _fit_both(class_name, {**kwargs, **option})

    _assert_fits_match(ours, theirs)


@pytest.mark.parametrize(
    "class_name, kwargs", OPTIMIZERS, ids=[name for name, _ in OPTIMIZERS]
)
def test_fit_with_schedule_matches_keras(class_name, kwargs):
    def make_schedule(module):
        return module.optimizers.schedules.ExponentialDecay(
            kwargs["learning_rate"], decay_steps=4, decay_rate=0.5
        )

    x, y = _data()
    ours, theirs = _twin_models()
    for model, module in ((ours, torchkeras), (theirs, keras)):
        optimizer_class = getattr(module.optimizers, class_name)
        model.compile(
            optimizer=optimizer_class(
                **{**kwargs, "learning_rate": make_schedule(module)}
            ),
            loss="sparse_categorical_crossentropy",
        )
    their_history = theirs.fit(x, y, **FIT_ARGUMENTS)
    our_history = ours.fit(x, y, **FIT_ARGUMENTS)

    _assert_fits_match((ours, our_history), (theirs, their_history))


def _learning_rate_lowering_callback(module):
    """Return a callback that sets the learning rate to 0.001 at epoch 1."""

    class LowerLearningRate(module.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            if epoch == 1:
                self.model.optimizer.learning_rate = 0.001

    return LowerLearningRate()


@pytest.mark.parametrize("class_name", ["Adam", "Nadam", "Ftrl"])
def test_learning_rate_assigned_in_callback(class_name):
    x, y = _data()
    ours, theirs = _twin_models()
    for model, module in ((ours, torchkeras), (theirs, keras)):
        model.compile(
            optimizer=getattr(module.optimizers, class_name)(
                learning_rate=0.05
            ),
            loss="sparse_categorical_crossentropy",
        )
    their_history = theirs.fit(
        x,
        y,
        callbacks=[_learning_rate_lowering_callback(keras)],
        **FIT_ARGUMENTS,
    )
    our_history = ours.fit(
        x,
        y,
        callbacks=[_learning_rate_lowering_callback(torchkeras)],
        **FIT_ARGUMENTS,
    )

    _assert_fits_match((ours, our_history), (theirs, their_history))
    assert ours.optimizer.learning_rate == pytest.approx(0.001)
