"""fit accepts tensors, DataLoaders, Datasets, generators and PyDatasets."""

import numpy as np
import pytest
import torch

import torchkeras
from torchkeras import layers

X = np.random.default_rng(0).standard_normal((48, 4)).astype("float32")
Y = np.random.default_rng(1).integers(0, 3, 48)


def _model():
    torchkeras.utils.set_random_seed(0)
    model = torchkeras.Sequential(
        [torchkeras.Input((4,)), layers.Dense(5, activation="relu"), layers.Dense(3, activation="softmax")]
    )
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def _reference_history():
    return _model().fit(X, Y, batch_size=8, epochs=2, shuffle=False, verbose=0).history


def _assert_same_history(history):
    reference = _reference_history()
    assert list(history) == list(reference)
    for key in reference:
        np.testing.assert_allclose(history[key], reference[key], atol=1e-6)


def test_fit_on_tensors():
    history = _model().fit(
        torch.from_numpy(X), torch.from_numpy(Y), batch_size=8, epochs=2, shuffle=False, verbose=0
    )
    _assert_same_history(history.history)


def test_fit_on_float64_arrays_casts_to_float32():
    model = _model()
    model.fit(X.astype("float64"), Y, batch_size=8, epochs=1, verbose=0)
    assert model.layers[0].kernel.dtype == torch.float32


def test_fit_on_data_loader():
    dataset = torch.utils.data.TensorDataset(torch.from_numpy(X), torch.from_numpy(Y))
    loader = torch.utils.data.DataLoader(dataset, batch_size=8, shuffle=False)
    history = _model().fit(loader, epochs=2, verbose=0)
    _assert_same_history(history.history)


def test_fit_on_dataset_uses_batch_size():
    dataset = torch.utils.data.TensorDataset(torch.from_numpy(X), torch.from_numpy(Y))
    history = _model().fit(dataset, batch_size=8, epochs=2, shuffle=False, verbose=0)
    _assert_same_history(history.history)
    assert history.params["steps"] == 6


def test_fit_on_generator_with_steps():
    def batches():
        while True:
            for start in range(0, 48, 8):
                yield X[start:start + 8], Y[start:start + 8]

    history = _model().fit(batches(), steps_per_epoch=6, epochs=2, verbose=0)
    _assert_same_history(history.history)


def test_fit_on_py_dataset():
    class Batches(torchkeras.utils.PyDataset):
        def __len__(self):
            return 6

        def __getitem__(self, index):
            return X[index * 8:(index + 1) * 8], Y[index * 8:(index + 1) * 8]

    history = _model().fit(Batches(), epochs=2, shuffle=False, verbose=0)
    _assert_same_history(history.history)


def test_loader_with_sample_weights():
    weights = torch.linspace(0.5, 1.5, 48)
    dataset = torch.utils.data.TensorDataset(torch.from_numpy(X), torch.from_numpy(Y), weights)
    loader = torch.utils.data.DataLoader(dataset, batch_size=8)
    with_loader = _model().fit(loader, epochs=1, verbose=0).history
    with_arrays = _model().fit(
        X, Y, sample_weight=weights.numpy(), batch_size=8, epochs=1, shuffle=False, verbose=0
    ).history
    np.testing.assert_allclose(with_loader["loss"], with_arrays["loss"], atol=1e-6)


def test_validation_data_as_loader():
    dataset = torch.utils.data.TensorDataset(torch.from_numpy(X), torch.from_numpy(Y))
    history = _model().fit(
        X, Y, epochs=1, verbose=0, validation_data=torch.utils.data.DataLoader(dataset, batch_size=16)
    )
    assert sorted(history.history) == ["accuracy", "loss", "val_accuracy", "val_loss"]


def test_validation_split_takes_the_tail():
    model = _model()
    history = model.fit(X, Y, validation_split=0.25, epochs=1, shuffle=False, verbose=0)
    expected = _model().evaluate(X[36:], Y[36:], verbose=0, return_dict=True)
    assert history.params["steps"] == 2
    assert "val_loss" in history.history
    assert expected["loss"] > 0


def test_shuffle_changes_batches_between_epochs():
    model = _model()
    seen = []
    original = model.train_step

    def recording_step(data):
        seen.append(data[0][0].clone())
        return original(data)

    model.train_step = recording_step
    model.fit(X, Y, batch_size=48, epochs=2, shuffle=True, verbose=0)
    assert not torch.equal(seen[0], seen[1])


def test_predict_on_data_loader_ignores_targets():
    dataset = torch.utils.data.TensorDataset(torch.from_numpy(X), torch.from_numpy(Y))
    model = _model()
    from_loader = model.predict(torch.utils.data.DataLoader(dataset, batch_size=10), verbose=0)
    np.testing.assert_allclose(from_loader, model.predict(X, verbose=0), atol=1e-6)


def test_lazy_model_builds_on_first_batch():
    model = torchkeras.Sequential([layers.Dense(5, activation="relu"), layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(X, Y, epochs=1, verbose=0)
    assert model.built
    assert model.layers[0].kernel.shape == (4, 5)


def test_predict_before_fit_builds_trainable_weights():
    model = torchkeras.Sequential([layers.Dense(3)])
    model.compile(optimizer="sgd", loss="mse")
    model.predict(X, verbose=0)
    model.fit(X, np.zeros((48, 3), "float32"), epochs=1, verbose=0)
    assert model.layers[0].kernel.requires_grad


def test_py_dataset_with_workers_and_shuffle():
    class Batches(torchkeras.utils.PyDataset):
        def __init__(self):
            super().__init__(workers=2)
            self.epochs_ended = 0

        def __len__(self):
            return 6

        def __getitem__(self, index):
            return X[index * 8:(index + 1) * 8], Y[index * 8:(index + 1) * 8]

        def on_epoch_end(self):
            self.epochs_ended += 1

    dataset = Batches()
    history = _model().fit(dataset, epochs=2, shuffle=True, verbose=0)
    assert history.params["steps"] == 6
    assert dataset.epochs_ended == 2


def test_endless_py_dataset_needs_steps():
    class Endless(torchkeras.utils.PyDataset):
        @property
        def num_batches(self):
            return None

        def __getitem__(self, index):
            return X[:8], Y[:8]

    with pytest.raises(ValueError, match="`steps_per_epoch` is required"):
        _model().fit(Endless(), epochs=1, verbose=0)
    history = _model().fit(Endless(), epochs=1, steps_per_epoch=3, verbose=0)
    assert history.params["steps"] == 3


class _ModeRecorder(torchkeras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.modes = []

    def on_test_batch_begin(self, batch, logs=None):
        self.modes.append(torch.is_inference_mode_enabled())

    def on_test_batch_end(self, batch, logs=None):
        self.modes.append(torch.is_inference_mode_enabled())


def test_evaluate_callbacks_run_outside_inference_mode():
    # Array batches are taken inside one inference-mode region, which the
    # callbacks step out of, so tensors they make can still be trained.
    model = _model()
    recorder = _ModeRecorder()
    model.evaluate(X, Y, batch_size=8, callbacks=[recorder], verbose=0)
    assert recorder.modes == [False] * 12


def test_evaluate_generator_runs_outside_inference_mode():
    seen = []

    def batches():
        for start in range(0, 48, 8):
            seen.append(torch.is_inference_mode_enabled())
            yield X[start:start + 8], Y[start:start + 8]

    model = _model()
    from_generator = model.evaluate(batches(), verbose=0)
    from_arrays = model.evaluate(X, Y, batch_size=8, verbose=0)
    assert seen == [False] * 6
    np.testing.assert_allclose(from_generator, from_arrays, rtol=1e-6)


def _evaluate_models():
    torchkeras.utils.set_random_seed(0)
    plain = _model()
    penalized = torchkeras.Sequential([
        torchkeras.Input((4,)),
        layers.Dense(5, activation="relu", activity_regularizer="l2"),
        layers.Dense(3, activation="softmax"),
    ])
    penalized.compile(
        optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"]
    )
    masked = torchkeras.Sequential([
        torchkeras.Input((4,), dtype="int64"),
        layers.Embedding(6, 3, mask_zero=True),
        layers.Dense(1, activation="sigmoid"),
    ])
    masked.compile(optimizer="adam", loss="binary_crossentropy", metrics=["auc"])
    return {"plain": plain, "penalized": penalized, "masked": masked}


@pytest.mark.parametrize("name", ["plain", "penalized", "masked"])
def test_evaluate_short_step_matches_generic(monkeypatch, name):
    model = _evaluate_models()[name]
    if name == "masked":
        x = np.random.default_rng(2).integers(0, 6, (48, 4))
        y = np.random.default_rng(3).integers(0, 2, (48, 4, 1)).astype("float32")
    else:
        x, y = X, Y
    short = model.evaluate(x, y, batch_size=8, return_dict=True, verbose=0)
    monkeypatch.setattr(type(model), "_short_test_step", lambda self: None)
    generic = model.evaluate(x, y, batch_size=8, return_dict=True, verbose=0)
    assert short.keys() == generic.keys()
    for key in short:
        assert short[key] == pytest.approx(generic[key], rel=1e-6)
