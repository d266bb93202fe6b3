"""LSTM inside models: masks from Embedding, fit, and Keras files."""

import keras
import numpy as np
import pytest
import torch

import torchkeras


def _token_ids(padding):
    ids = np.random.default_rng(0).integers(1, 10, size=(16, 7))
    ids[0, 5:] = 0
    ids[3, 2:] = 0
    if padding == "arbitrary":
        ids[5, 1] = 0
        ids[6, :3] = 0
    return ids


def _embedding_model(module):
    return module.Sequential(
        [
            module.Input((7,)),
            module.layers.Embedding(10, 4, mask_zero=True),
            module.layers.LSTM(5, return_sequences=True),
            module.layers.LSTM(3, go_backwards=True),
            module.layers.Dense(1),
        ]
    )


def _twins(build):
    theirs, ours = build(keras), build(torchkeras)
    ours.set_weights(theirs.get_weights())
    return ours, theirs


@pytest.mark.parametrize("padding", ["right", "arbitrary"])
def test_embedding_mask_matches_keras(padding):
    ours, theirs = _twins(_embedding_model)
    ids = _token_ids(padding)
    expected = theirs.predict(ids, verbose=0)
    np.testing.assert_allclose(
        ours.predict(ids, verbose=0), expected, atol=1e-5
    )


def _functional_model(module):
    sequences = module.Input((6, 3))
    h, c = module.Input((4,)), module.Input((4,))
    outputs, last_h, last_c = module.layers.LSTM(
        4, return_sequences=True, return_state=True
    )(sequences, initial_state=[h, c])
    summary = module.layers.LSTM(2, go_backwards=True)(outputs)
    return module.Model([sequences, h, c], [summary, last_h, last_c])


def test_functional_initial_state_matches_keras():
    ours, theirs = _twins(_functional_model)
    rng = np.random.default_rng(1)
    inputs = [
        rng.standard_normal(shape).astype("float32")
        for shape in [(5, 6, 3), (5, 4), (5, 4)]
    ]
    expected = theirs.predict(inputs, verbose=0)
    actual = ours.predict(inputs, verbose=0)
    assert len(actual) == len(expected)
    for mine, reference in zip(actual, expected):
        np.testing.assert_allclose(mine, reference, atol=1e-5)


def _regression_model(module):
    return module.Sequential(
        [
            module.Input((6, 3)),
            module.layers.LSTM(4, return_sequences=True),
            module.layers.LSTM(3, go_backwards=True),
            module.layers.Dense(1),
        ]
    )


@pytest.mark.parametrize("data", ["dense", "masked"])
def test_fit_matches_keras(data):
    build = _regression_model if data == "dense" else _embedding_model
    ours, theirs = _twins(build)
    rng = np.random.default_rng(2)
    x = (
        rng.standard_normal((32, 6, 3)).astype("float32")
        if data == "dense"
        else np.concatenate([_token_ids("right"), _token_ids("arbitrary")])
    )
    y = rng.standard_normal((len(x), 1)).astype("float32")
    for model, module in ((ours, torchkeras), (theirs, keras)):
        model.compile(
            optimizer=module.optimizers.Adam(0.01), loss="mse", metrics=["mae"]
        )
    fit = {"epochs": 3, "batch_size": 8, "shuffle": False, "verbose": 0}
    their_history = theirs.fit(x, y, **fit).history
    our_history = ours.fit(x, y, **fit).history
    assert list(our_history) == list(their_history)
    for key in their_history:
        np.testing.assert_allclose(
            our_history[key], their_history[key], atol=1e-5
        )
    for mine, reference in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(mine, reference, atol=1e-5)


def test_predict_before_fit_trains():
    model = _regression_model(torchkeras)
    model.compile(optimizer="adam", loss="mse")
    x = np.random.default_rng(3).standard_normal((8, 6, 3)).astype("float32")
    model.predict(x, verbose=0)
    before = model.get_weights()
    model.fit(x, np.ones((8, 1), "float32"), epochs=1, verbose=0)
    assert not np.allclose(model.get_weights()[0], before[0])


def test_keras_file_loads_in_torchkeras(tmp_path):
    theirs = _embedding_model(keras)
    path = str(tmp_path / "model.keras")
    theirs.save(path)
    ours = torchkeras.saving.load_model(path)
    ids = _token_ids("right")
    expected = theirs.predict(ids, verbose=0)
    np.testing.assert_allclose(
        ours.predict(ids, verbose=0), expected, atol=1e-5
    )


def test_torchkeras_file_loads_in_keras(tmp_path):
    ours = _embedding_model(torchkeras)
    path = str(tmp_path / "model.keras")
    ours.save(path)
    theirs = keras.saving.load_model(path)
    ids = _token_ids("arbitrary")
    expected = theirs.predict(ids, verbose=0)
    np.testing.assert_allclose(
        ours.predict(ids, verbose=0), expected, atol=1e-5
    )


def test_weights_file_exchanges_with_keras(tmp_path):
    ours, theirs = _embedding_model(torchkeras), _embedding_model(keras)
    ours.save_weights(str(tmp_path / "ours.weights.h5"))
    theirs.load_weights(str(tmp_path / "ours.weights.h5"))
    for mine, reference in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_array_equal(mine, reference)
    theirs = _embedding_model(keras)
    theirs.save_weights(str(tmp_path / "theirs.weights.h5"))
    ours.load_weights(str(tmp_path / "theirs.weights.h5"))
    for mine, reference in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_array_equal(mine, reference)


def test_model_state_dict_round_trip():
    first, second = _regression_model(torchkeras), _regression_model(torchkeras)
    second.load_state_dict(first.state_dict(), strict=True)
    x = torch.ones(2, 6, 3)
    torch.testing.assert_close(second(x), first(x))
