"""The `training` value layers receive in fit, evaluate, predict and calls.

A recorder layer keeps every `training` value its `call` receives. Each
model is built in Keras 3 and in torchkeras and both are compared where
the two libraries document the same behaviour. Where torchkeras
deliberately differs (docs/index.md, "Training mode"), the test pins
our documented behaviour and Keras's as observed in Keras 3.15:

- A plain `model(x)` gives layers `False` in torchkeras (the layer's torch
  `eval()` mode); Keras passes the `call` default, `None`. Both mean
  inference.
- In a subclassed model whose `call` has no `training` argument, `fit`
  runs Dropout in training mode in torchkeras; Keras passes `None`, so
  Dropout stays inactive there.
"""

import os

os.environ["KERAS_BACKEND"] = "torch"

import keras
import numpy as np
import pytest
import torch

import torchkeras

BATCH_SIZE = 4
NUM_SAMPLES = 8
STEPS = NUM_SAMPLES // BATCH_SIZE


def _data():
    rng = np.random.default_rng(5)
    x = rng.standard_normal((NUM_SAMPLES, 3)).astype("float32")
    y = rng.standard_normal((NUM_SAMPLES, 3)).astype("float32")
    return x, y


def _recorder(module):
    """Return a layer that records the `training` value of each call."""

    class TrainingRecorder(module.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.seen = []

        def call(self, inputs, training=None):
            self.seen.append(training)
            return inputs

    return TrainingRecorder()


# ----------------------------------------------------------------------
# Models: each builder returns (model, recorder)
# ----------------------------------------------------------------------


def _sequential(module):
    recorder = _recorder(module)
    model = module.Sequential(
        [module.Input((3,)), module.layers.Dense(3), recorder]
    )
    return model, recorder


def _functional(module):
    recorder = _recorder(module)
    inputs = module.Input((3,))
    outputs = recorder(module.layers.Dense(3)(inputs))
    return module.Model(inputs, outputs), recorder


def _sequential_in_functional(module):
    recorder = _recorder(module)
    inner = module.Sequential([module.Input((3,)), recorder])
    inputs = module.Input((3,))
    outputs = inner(module.layers.Dense(3)(inputs))
    return module.Model(inputs, outputs), recorder


def _sequential_in_sequential(module):
    recorder = _recorder(module)
    inner = module.Sequential([module.Input((3,)), recorder])
    model = module.Sequential(
        [module.Input((3,)), module.layers.Dense(3), inner]
    )
    return model, recorder


def _subclassed(module, passes_training=False, nested=False):
    """Return a subclassed model whose `call` takes `training`."""
    recorder = _recorder(module)

    class Net(module.Model):
        def __init__(self):
            super().__init__()
            self.dense = module.layers.Dense(3)
            self.inner = module.Sequential([recorder]) if nested else recorder

        def call(self, inputs, training=None):
            hidden = self.dense(inputs)
            if passes_training:
                return self.inner(hidden, training=training)
            return self.inner(hidden)

    return Net(), recorder


def _subclassed_without_training(module):
    recorder = _recorder(module)

    class Net(module.Model):
        def __init__(self):
            super().__init__()
            self.dense = module.layers.Dense(3)
            self.recorder = recorder

        def call(self, inputs):
            return self.recorder(self.dense(inputs))

    return Net(), recorder


# Models for which Keras and torchkeras document the same training values.
MODELS = {
    "sequential": _sequential,
    "functional": _functional,
    "sequential_in_functional": _sequential_in_functional,
    "sequential_in_sequential": _sequential_in_sequential,
    "subclassed": _subclassed,
    "subclassed_passes_training": lambda module: _subclassed(
        module, passes_training=True
    ),
    "subclassed_nested_sequential": lambda module: _subclassed(
        module, nested=True
    ),
    "subclassed_nested_passes_training": lambda module: _subclassed(
        module, passes_training=True, nested=True
    ),
}

ALL_MODELS = {
    **MODELS,
    "subclassed_without_training": _subclassed_without_training,
}

ACTIONS = {
    "fit": lambda model, x, y: model.fit(
        x, y, batch_size=BATCH_SIZE, epochs=2, verbose=0
    ),
    "fit_with_validation": lambda model, x, y: model.fit(
        x,
        y,
        batch_size=BATCH_SIZE,
        epochs=2,
        validation_data=(x, y),
        verbose=0,
    ),
    "evaluate": lambda model, x, y: model.evaluate(
        x, y, batch_size=BATCH_SIZE, verbose=0
    ),
    "predict": lambda model, x, y: model.predict(
        x, batch_size=BATCH_SIZE, verbose=0
    ),
    "train_on_batch": lambda model, x, y: model.train_on_batch(x, y),
    "test_on_batch": lambda model, x, y: model.test_on_batch(x, y),
    "predict_on_batch": lambda model, x, y: model.predict_on_batch(x),
    "call_training_true": lambda model, x, y: model(x, training=True),
    "call_training_false": lambda model, x, y: model(x, training=False),
}

# Values every library receives, per action: fit runs 2 epochs of STEPS
# steps, and validation runs STEPS steps after each epoch.
EXPECTED = {
    "fit": [True] * 2 * STEPS,
    "fit_with_validation": ([True] * STEPS + [False] * STEPS) * 2,
    "evaluate": [False] * STEPS,
    "predict": [False] * STEPS,
    "train_on_batch": [True],
    "test_on_batch": [False],
    "predict_on_batch": [False],
    "call_training_true": [True],
    "call_training_false": [False],
}


def _record(module, build, action):
    """Return the `training` values received while running `action`.

    The model is compiled and trained for one step first, so calls that
    only build a model (Keras traces some with `training=False`) are not
    recorded.
    """
    model, recorder = build(module)
    x, y = _data()
    model.compile(optimizer=module.optimizers.SGD(0.01), loss="mse")
    model.fit(x[:BATCH_SIZE], y[:BATCH_SIZE], epochs=1, verbose=0)
    recorder.seen.clear()
    ACTIONS[action](model, x, y)
    return list(recorder.seen)


@pytest.mark.parametrize("action", list(ACTIONS))
@pytest.mark.parametrize("model_name", list(MODELS))
def test_training_values_match_keras(model_name, action):
    build = MODELS[model_name]
    theirs = _record(keras, build, action)
    ours = _record(torchkeras, build, action)
    assert theirs == EXPECTED[action]
    assert ours == EXPECTED[action]


@pytest.mark.parametrize("model_name", list(ALL_MODELS))
def test_plain_call_runs_inference(model_name):
    x = _data()[0]
    received = []
    for module in (torchkeras, keras):
        model, recorder = ALL_MODELS[model_name](module)
        model(x)  # The first call may also build the model.
        recorder.seen.clear()
        model(x)
        received.append(recorder.seen)
    assert received[0] == [False]
    assert received[1] == [None]


@pytest.mark.parametrize("model_name", list(ALL_MODELS))
def test_plain_call_after_fit_runs_inference(model_name):
    # fit switches the model to train() and restores eval() afterwards.
    model, recorder = ALL_MODELS[model_name](torchkeras)
    x, y = _data()
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, y, batch_size=BATCH_SIZE, epochs=1, verbose=0)
    recorder.seen.clear()
    model(x)
    assert recorder.seen == [False]
    layers = [m for m in model.modules() if isinstance(m, torchkeras.Layer)]
    assert not any(layer.training for layer in layers)


@pytest.mark.parametrize("action", list(ACTIONS))
def test_subclassed_without_training_argument(action):
    # torchkeras follows the torch mode that fit, evaluate and predict set.
    # Keras passes None unless the model is called with an explicit
    # `training=` value.
    ours = _record(torchkeras, _subclassed_without_training, action)
    theirs = _record(keras, _subclassed_without_training, action)
    assert ours == EXPECTED[action]
    if action.startswith("call_"):
        assert theirs == EXPECTED[action]
    else:
        assert theirs == [None] * len(EXPECTED[action])


def test_recorded_training_false_wins_over_fit():
    # A training= value given on symbolic tensors is part of the graph,
    # so fit keeps the base in inference mode (docs/functional.md).
    # Keras 3.15 on torch overrides it with True.
    def build(module):
        recorder = _recorder(module)
        base = module.Sequential([module.Input((3,)), recorder])
        inputs = module.Input((3,))
        hidden = base(inputs, training=False)
        return module.Model(inputs, module.layers.Dense(3)(hidden)), recorder

    ours = _record(torchkeras, build, "fit")
    theirs = _record(keras, build, "fit")
    assert ours == [False] * 2 * STEPS
    assert theirs == [True] * 2 * STEPS


def test_call_default_training_true_matches_keras():
    received = []
    for module in (torchkeras, keras):

        class Augment(module.layers.Layer):
            def __init__(self):
                super().__init__()
                self.seen = []

            def call(self, inputs, training=True):
                self.seen.append(training)
                return inputs

        layer = Augment()
        layer(_data()[0])
        received.append(layer.seen)
    assert received[0] == received[1]


# ----------------------------------------------------------------------
# Dropout
# ----------------------------------------------------------------------


def _dropout_sequential(module):
    return module.Sequential(
        [
            module.Input((3,)),
            module.layers.Dense(16),
            module.layers.Dropout(0.5),
            module.layers.Dense(3),
        ]
    )


def _dropout_functional(module):
    inputs = module.Input((3,))
    hidden = module.layers.Dropout(0.5)(module.layers.Dense(16)(inputs))
    return module.Model(inputs, module.layers.Dense(3)(hidden))


def _dropout_subclassed(module, takes_training=True):
    class Net(module.Model):
        def __init__(self):
            super().__init__()
            self.hidden = module.layers.Dense(16)
            self.dropout = module.layers.Dropout(0.5)
            self.head = module.layers.Dense(3)

    class WithTraining(Net):
        def call(self, inputs, training=None):
            return self.head(self.dropout(self.hidden(inputs)))

    class WithoutTraining(Net):
        def call(self, inputs):
            return self.head(self.dropout(self.hidden(inputs)))

    model = WithTraining() if takes_training else WithoutTraining()
    model(np.zeros((1, 3), "float32"))
    return model


DROPOUT_MODELS = {
    "sequential": _dropout_sequential,
    "functional": _dropout_functional,
    "subclassed": _dropout_subclassed,
}


def _twin_dropout_models(build):
    ours, theirs = build(torchkeras), build(keras)
    ours.set_weights(theirs.get_weights())
    for model, module in ((ours, torchkeras), (theirs, keras)):
        # A zero learning rate keeps the weights, so fit and evaluate see
        # the same model and differ only by Dropout.
        model.compile(optimizer=module.optimizers.SGD(0.0), loss="mse")
    return ours, theirs


def _fit_and_evaluate_losses(model):
    x, y = _data()
    history = model.fit(
        x, y, batch_size=NUM_SAMPLES, epochs=1, shuffle=False, verbose=0
    )
    evaluated = model.evaluate(x, y, batch_size=NUM_SAMPLES, verbose=0)
    return history.history["loss"][0], evaluated


@pytest.mark.parametrize(
    "build", list(DROPOUT_MODELS.values()), ids=list(DROPOUT_MODELS)
)
def test_dropout_active_in_fit(build):
    ours, theirs = _twin_dropout_models(build)
    for model in (ours, theirs):
        fit_loss, eval_loss = _fit_and_evaluate_losses(model)
        assert abs(fit_loss - eval_loss) > 1e-3, type(model).__module__


@pytest.mark.parametrize(
    "build", list(DROPOUT_MODELS.values()), ids=list(DROPOUT_MODELS)
)
def test_dropout_inactive_in_evaluate_and_predict(build):
    ours, theirs = _twin_dropout_models(build)
    x, y = _data()
    our_losses = _evaluate_twice(ours, x, y)
    their_losses = _evaluate_twice(theirs, x, y)
    assert our_losses[0] == our_losses[1]
    np.testing.assert_allclose(our_losses, their_losses, rtol=1e-6)

    our_predictions = ours.predict(x, verbose=0)
    their_predictions = theirs.predict(x, verbose=0)
    np.testing.assert_array_equal(our_predictions, ours.predict(x, verbose=0))
    np.testing.assert_allclose(our_predictions, their_predictions, atol=1e-6)
    np.testing.assert_allclose(
        ours(torch.as_tensor(x)).detach().numpy(), our_predictions, atol=1e-6
    )


def _evaluate_twice(model, x, y):
    return [
        model.evaluate(x, y, batch_size=BATCH_SIZE, verbose=0) for _ in range(2)
    ]


def test_dropout_without_training_argument_active_in_fit():
    # The documented difference: torchkeras trains Dropout in fit even
    # when the subclassed model's call has no `training` argument, while
    # Keras 3.15 leaves it inactive, so its fit loss equals its eval loss.
    def build(module):
        return _dropout_subclassed(module, takes_training=False)

    ours, theirs = _twin_dropout_models(build)
    our_fit_loss, our_eval_loss = _fit_and_evaluate_losses(ours)
    their_fit_loss, their_eval_loss = _fit_and_evaluate_losses(theirs)
    assert abs(our_fit_loss - our_eval_loss) > 1e-3
    assert their_fit_loss == pytest.approx(their_eval_loss, rel=1e-6)
    assert our_eval_loss == pytest.approx(their_eval_loss, rel=1e-6)


def test_dropout_call_with_training_true_drops_units():
    model = _dropout_sequential(torchkeras)
    x = torch.as_tensor(_data()[0])
    inference = model(x)
    assert torch.equal(model(x), inference)
    assert not torch.equal(model(x, training=True), inference)
