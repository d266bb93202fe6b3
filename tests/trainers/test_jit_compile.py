"""`compile(jit_compile=...)`: steps under torch.compile, equal to eager.

Most tests compile with the `aot_eager` backend or a counting backend: they
trace the step the same way and skip code generation, which takes seconds
per graph on a CPU. One test runs the default inductor backend.
"""

import numpy as np
import pytest
import torch
from torch._dynamo.testing import CompileCounter

import torchkeras as keras
from torchkeras.trainers import compile_step

NUM_SAMPLES = 100
BATCH_SIZE = 32  # leaves a partial last batch of 4 samples


@pytest.fixture
def backend(monkeypatch):
    monkeypatch.setattr(compile_step, "BACKEND", "aot_eager")


def _data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(NUM_SAMPLES, 6)).astype("float32")
    y = rng.integers(0, 3, size=NUM_SAMPLES)
    return x, y


class _Subclassed(keras.Model):
    def __init__(self):
        super().__init__()
        self.hidden = keras.layers.Dense(8, activation="relu")
        self.dropout = keras.layers.Dropout(0.3)
        self.classifier = keras.layers.Dense(3)

    def call(self, inputs):
        return self.classifier(self.dropout(self.hidden(inputs)))


class _ItemModel(keras.Model):
    """Reads a tensor value into Python, which a single graph cannot hold."""

    def __init__(self):
        super().__init__()
        self.classifier = keras.layers.Dense(3)

    def call(self, inputs):
        scale = 1.0 if inputs.abs().max().item() > 0.0 else 0.0
        return self.classifier(inputs * scale)


def _build(kind):
    if kind == "sequential":
        return keras.Sequential(
            [
                keras.Input((6,)),
                keras.layers.Dense(8, activation="relu"),
                keras.layers.Dense(3, kernel_regularizer="l2"),
            ]
        )
    if kind == "functional":
        inputs = keras.Input((6,))
        hidden = keras.layers.Dense(8, activation="tanh")(inputs)
        hidden = keras.layers.BatchNormalization()(hidden)
        return keras.Model(inputs, keras.layers.Dense(3)(hidden))
    if kind == "item":
        return _ItemModel()
    return _Subclassed()


def _train(kind, jit_compile):
    keras.utils.set_random_seed(7)
    model = _build(kind)
    model.compile(
        optimizer="adam",
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
        jit_compile=jit_compile,
    )
    x, y = _data()
    history = model.fit(
        x, y, batch_size=BATCH_SIZE, epochs=2, validation_split=0.2, verbose=0
    )
    evaluation = model.evaluate(x, y, batch_size=BATCH_SIZE, verbose=0)
    predictions = model.predict(x, batch_size=BATCH_SIZE, verbose=0)
    return model, history.history, evaluation, predictions


def _assert_runs_match(eager, compiled):
    for name, values in eager[1].items():
        np.testing.assert_allclose(compiled[1][name], values, rtol=1e-5)
    np.testing.assert_allclose(compiled[2], eager[2], rtol=1e-5)
    np.testing.assert_allclose(compiled[3], eager[3], rtol=1e-5, atol=1e-6)
    for expected, actual in zip(eager[0].get_weights(), compiled[0].get_weights()):
        np.testing.assert_allclose(actual, expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("kind", ["sequential", "functional", "subclassed"])
def test_compiled_steps_match_eager(backend, kind):
    eager = _train(kind, jit_compile=False)
    compiled = _train(kind, jit_compile=True)
    assert compiled[0].jit_compile is True
    _assert_runs_match(eager, compiled)


def test_inductor_matches_eager():
    # Inductor takes seconds per graph, so only the train step is compiled
    # here, on whole batches; evaluate and predict run on aot_eager above.
    x, y = _data()
    models = []
    histories = []
    for jit_compile in (False, True):
        keras.utils.set_random_seed(7)
        model = _build("sequential")
        model.compile(
            optimizer="adam",
            loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
            metrics=["accuracy"],
            jit_compile=jit_compile,
        )
        history = model.fit(x, y, batch_size=50, epochs=2, verbose=0)
        models.append(model)
        histories.append(history.history)
    assert models[1].jit_compile is True
    for name, values in histories[0].items():
        np.testing.assert_allclose(histories[1][name], values, rtol=1e-5)
    for expected, actual in zip(models[0].get_weights(), models[1].get_weights()):
        np.testing.assert_allclose(actual, expected, rtol=1e-5, atol=1e-6)


def test_item_in_call_falls_back_with_one_warning(backend):
    eager = _train("item", jit_compile=False)
    with pytest.warns(UserWarning, match="runs eagerly. Reason: ") as caught:
        compiled = _train("item", jit_compile=True)
    messages = [str(w.message) for w in caught]
    assert len(messages) == 1, messages
    assert ".item()" in messages[0]
    assert compiled[0].jit_compile is False
    _assert_runs_match(eager, compiled)


def test_compile_count_bounded(monkeypatch):
    counter = CompileCounter()
    monkeypatch.setattr(compile_step, "BACKEND", counter)
    keras.utils.set_random_seed(7)
    model = _build("sequential")
    model.compile(optimizer="sgd", loss="mse", jit_compile=True)
    x, _ = _data()
    y = np.zeros((NUM_SAMPLES, 3), dtype="float32")

    # One graph for the full batches and one for the partial last batch.
    model.fit(x, y, batch_size=BATCH_SIZE, epochs=4, verbose=0)
    assert counter.frame_count == 2
    model.fit(x, y, batch_size=BATCH_SIZE, epochs=2, verbose=0)
    assert counter.frame_count == 2
    model.fit(x, y, batch_size=BATCH_SIZE + 8, epochs=2, verbose=0)
    assert counter.frame_count == 4
    assert model.jit_compile is True


def test_auto_stays_eager_on_cpu():
    model = _build("sequential").cpu()
    model.compile(optimizer="sgd", loss="mse")
    assert model.jit_compile is False


def test_run_eagerly_turns_jit_compile_off():
    model = _build("sequential")
    with pytest.warns(UserWarning, match="`run_eagerly=True` turns"):
        model.compile(
            optimizer="sgd", loss="mse", run_eagerly=True, jit_compile=True
        )
    assert model.jit_compile is False
    assert model.run_eagerly is True


def test_jit_compile_setter(backend):
    model = _build("sequential")
    model.compile(optimizer="sgd", loss="mse", jit_compile=True)
    model.run_eagerly = True
    assert model.jit_compile is False
    model.jit_compile = True
    assert model.jit_compile is True


def test_invalid_jit_compile_raises():
    model = _build("sequential")
    with pytest.raises(ValueError, match="`jit_compile` must be True, False"):
        model.compile(optimizer="sgd", loss="mse", jit_compile="yes")
