"""fit/evaluate/predict against Keras 3 from equal weights and data."""

import keras
import numpy as np
import pytest
import torch

import torchkeras


def _classification_data(num_samples=64, num_features=4, num_classes=3):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((num_samples, num_features)).astype("float32")
    y = rng.integers(0, num_classes, num_samples)
    return x, y


def _twin_models(module_layers):
    """Build a Keras model and ours from one layer spec, with equal weights."""
    theirs = keras.Sequential([keras.Input((4,))] + [make(keras) for make in module_layers])
    ours = torchkeras.Sequential(
        [torchkeras.Input((4,))] + [make(torchkeras) for make in module_layers]
    )
    ours.set_weights(theirs.get_weights())
    return ours, theirs


MLP = [
    lambda m: m.layers.Dense(8, activation="relu"),
    lambda m: m.layers.Dense(3, activation="softmax"),
]

OPTIMIZERS = {
    "sgd": ("SGD", {"learning_rate": 0.1}),
    "sgd_momentum": ("SGD", {"learning_rate": 0.05, "momentum": 0.9}),
    "sgd_nesterov": ("SGD", {"learning_rate": 0.05, "momentum": 0.9, "nesterov": True}),
    "adam": ("Adam", {}),
    "adam_clipnorm": ("Adam", {"learning_rate": 0.01, "clipnorm": 0.1}),
    "adam_global_clipnorm": ("Adam", {"learning_rate": 0.01, "global_clipnorm": 0.2}),
    "adam_clipvalue": ("Adam", {"learning_rate": 0.01, "clipvalue": 0.05}),
    "adam_weight_decay": ("Adam", {"learning_rate": 0.01, "weight_decay": 0.1}),
    "adamw": ("AdamW", {"learning_rate": 0.01}),
    "rmsprop": ("RMSprop", {}),
    "rmsprop_centered": ("RMSprop", {"momentum": 0.5, "centered": True}),
    "adagrad": ("Adagrad", {"learning_rate": 0.05}),
}


def _assert_histories_close(ours, theirs, atol=1e-5):
    assert list(ours.history) == list(theirs.history)
    for key in theirs.history:
        np.testing.assert_allclose(ours.history[key], theirs.history[key], atol=atol, err_msg=key)


def _assert_weights_close(ours, theirs, atol=1e-5):
    for mine, reference in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(mine, reference, atol=atol)


@pytest.mark.parametrize("name", list(OPTIMIZERS), ids=list(OPTIMIZERS))
def test_fit_matches_keras_for_optimizer(name):
    class_name, kwargs = OPTIMIZERS[name]
    x, y = _classification_data()
    ours, theirs = _twin_models(MLP)
    for model, module in ((ours, torchkeras), (theirs, keras)):
        model.compile(
            optimizer=getattr(module.optimizers, class_name)(**kwargs),
            loss="sparse_categorical_crossentropy",
            metrics=["accuracy"],
        )
    fit_args = dict(batch_size=16, epochs=3, shuffle=False, verbose=0, validation_split=0.25)
    theirs_history = theirs.fit(x, y, **fit_args)
    ours_history = ours.fit(x, y, **fit_args)
    _assert_histories_close(ours_history, theirs_history)
    _assert_weights_close(ours, theirs)
    assert ours_history.params == theirs_history.params


def test_fit_with_schedule_callable_learning_rate():
    x, y = _classification_data()
    ours, theirs = _twin_models(MLP)
    theirs.compile(
        optimizer=keras.optimizers.SGD(
            keras.optimizers.schedules.ExponentialDecay(0.1, decay_steps=2, decay_rate=0.5)
        ),
        loss="sparse_categorical_crossentropy",
    )
    ours.compile(
        optimizer=torchkeras.optimizers.SGD(lambda step: 0.1 * 0.5 ** (step / 2)),
        loss="sparse_categorical_crossentropy",
    )
    fit_args = dict(batch_size=16, epochs=2, shuffle=False, verbose=0)
    _assert_histories_close(ours.fit(x, y, **fit_args), theirs.fit(x, y, **fit_args))
    _assert_weights_close(ours, theirs)


@pytest.mark.parametrize(
    "loss, metrics",
    [
        ("binary_crossentropy", ["accuracy"]),
        ("mse", ["mae"]),
        ("huber", ["mse"]),
    ],
    ids=["binary", "mse", "huber"],
)
def test_fit_single_output_losses_match_keras(loss, metrics):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((48, 4)).astype("float32")
    y = (rng.random(48) > 0.5).astype("float32")
    layers = [
        lambda m: m.layers.Dense(6, activation="tanh"),
        lambda m: m.layers.Dense(1, activation="sigmoid" if loss.startswith("binary") else None),
    ]
    ours, theirs = _twin_models(layers)
    for model in (ours, theirs):
        model.compile(optimizer="adam", loss=loss, metrics=metrics)
    fit_args = dict(batch_size=8, epochs=2, shuffle=False, verbose=0)
    _assert_histories_close(ours.fit(x, y, **fit_args), theirs.fit(x, y, **fit_args))
    _assert_weights_close(ours, theirs)


def test_fit_sample_and_class_weights_match_keras():
    x, y = _classification_data()
    weights = np.linspace(0.5, 2.0, len(x)).astype("float32")
    for extra in ({"sample_weight": weights}, {"class_weight": {0: 1.0, 1: 2.0, 2: 0.5}}):
        ours, theirs = _twin_models(MLP)
        for model in (ours, theirs):
            model.compile(
                optimizer="adam",
                loss="sparse_categorical_crossentropy",
                metrics=["accuracy"],
                weighted_metrics=["accuracy"],
            )
        fit_args = dict(batch_size=16, epochs=2, shuffle=False, verbose=0, **extra)
        _assert_histories_close(ours.fit(x, y, **fit_args), theirs.fit(x, y, **fit_args))
        _assert_weights_close(ours, theirs)


def test_fit_batch_normalization_matches_keras():
    x, y = _classification_data()
    # No bias before the normalization: its true gradient is zero, and Adam
    # would turn each library's rounding noise into different updates.
    layers = [
        lambda m: m.layers.Dense(8, use_bias=False),
        lambda m: m.layers.BatchNormalization(),
        lambda m: m.layers.Activation("relu"),
        lambda m: m.layers.Dense(3, activation="softmax"),
    ]
    ours, theirs = _twin_models(layers)
    for model in (ours, theirs):
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["acc"])
    fit_args = dict(batch_size=16, epochs=2, shuffle=False, verbose=0, validation_data=(x[:16], y[:16]))
    _assert_histories_close(ours.fit(x, y, **fit_args), theirs.fit(x, y, **fit_args))
    _assert_weights_close(ours, theirs)


def test_fit_regularization_loss_matches_keras():
    x, y = _classification_data()
    layers = [
        lambda m: m.layers.Dense(8, activation="relu", kernel_regularizer=m.regularizers.L2(0.01)),
        lambda m: m.layers.Dense(3, activation="softmax", activity_regularizer="l1"),
    ]
    ours, theirs = _twin_models(layers)
    for model in (ours, theirs):
        model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    fit_args = dict(batch_size=16, epochs=2, shuffle=False, verbose=0)
    _assert_histories_close(ours.fit(x, y, **fit_args), theirs.fit(x, y, **fit_args))
    _assert_weights_close(ours, theirs)


def test_one_hot_targets_resolve_categorical_accuracy():
    x, y = _classification_data()
    y_one_hot = keras.utils.to_categorical(y, 3)
    ours, theirs = _twin_models(MLP)
    for model in (ours, theirs):
        model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    fit_args = dict(batch_size=16, epochs=1, shuffle=False, verbose=0)
    _assert_histories_close(
        ours.fit(x, y_one_hot, **fit_args), theirs.fit(x, y_one_hot, **fit_args)
    )
    assert type(ours._compile_metrics.metrics[0]).__name__ == "CategoricalAccuracy"


def test_evaluate_and_predict_match_keras():
    x, y = _classification_data()
    ours, theirs = _twin_models(MLP)
    for model in (ours, theirs):
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    np.testing.assert_allclose(
        ours.evaluate(x, y, verbose=0), theirs.evaluate(x, y, verbose=0), atol=1e-6
    )
    ours_dict = ours.evaluate(x, y, verbose=0, return_dict=True)
    theirs_dict = theirs.evaluate(x, y, verbose=0, return_dict=True)
    assert list(ours_dict) == list(theirs_dict)
    predictions = ours.predict(x, verbose=0)
    assert isinstance(predictions, np.ndarray)
    assert predictions.dtype == np.float32
    np.testing.assert_allclose(predictions, theirs.predict(x, verbose=0), atol=1e-6)
    np.testing.assert_allclose(ours.predict_on_batch(x[:5]), theirs.predict_on_batch(x[:5]), atol=1e-6)


def test_evaluate_loss_only_returns_float():
    x, y = _classification_data()
    ours, theirs = _twin_models(MLP)
    for model in (ours, theirs):
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    result = ours.evaluate(x, y, verbose=0)
    assert isinstance(result, float)
    assert result == pytest.approx(theirs.evaluate(x, y, verbose=0), abs=1e-6)


def test_train_and_test_on_batch_match_keras():
    x, y = _classification_data()
    ours, theirs = _twin_models(MLP)
    for model in (ours, theirs):
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    for _ in range(2):
        np.testing.assert_allclose(
            ours.train_on_batch(x[:16], y[:16]), theirs.train_on_batch(x[:16], y[:16]), atol=1e-6
        )
    ours_logs = ours.test_on_batch(x[16:32], y[16:32], return_dict=True)
    theirs_logs = theirs.test_on_batch(x[16:32], y[16:32], return_dict=True)
    assert list(ours_logs) == list(theirs_logs)
    np.testing.assert_allclose(list(ours_logs.values()), list(theirs_logs.values()), atol=1e-6)
    _assert_weights_close(ours, theirs)


def test_fit_accepts_torch_optimizer():
    x, y = _classification_data()
    ours, reference = _twin_models(MLP)
    reference_ours = torchkeras.Sequential([torchkeras.Input((4,))] + [make(torchkeras) for make in MLP])
    reference_ours.set_weights(ours.get_weights())
    ours.compile(
        optimizer=torch.optim.SGD(ours.parameters(), lr=0.1),
        loss="sparse_categorical_crossentropy",
    )
    reference_ours.compile(optimizer=torchkeras.optimizers.SGD(0.1), loss="sparse_categorical_crossentropy")
    fit_args = dict(batch_size=16, epochs=2, shuffle=False, verbose=0)
    _assert_histories_close(ours.fit(x, y, **fit_args), reference_ours.fit(x, y, **fit_args))
    _assert_weights_close(ours, reference_ours)
