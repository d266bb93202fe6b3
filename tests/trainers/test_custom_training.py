"""Custom train_step/test_step, compile's trainable snapshot, hand-written loops."""

import keras
import numpy as np
import pytest
import torch

import torchkeras

X = np.random.default_rng(0).standard_normal((48, 4)).astype("float32")
Y = np.random.default_rng(1).integers(0, 2, (48, 1)).astype("float32")


def _guide_model(module):
    """A model whose train_step is written as in Keras 3's torch guide."""

    class CustomModel(module.Model):
        def train_step(self, data):
            x, y = data
            self.zero_grad()
            y_pred = self(x, training=True)
            loss = self.compute_loss(y=y, y_pred=y_pred)
            loss.backward()
            trainable_weights = [v for v in self.trainable_weights]
            gradients = [v.value.grad for v in trainable_weights]
            with torch.no_grad():
                self.optimizer.apply(gradients, trainable_weights)
            for metric in self.metrics:
                if metric.name == "loss":
                    metric.update_state(loss)
                else:
                    metric.update_state(y, y_pred)
            return {m.name: m.result() for m in self.metrics}

    inputs = module.Input((4,))
    outputs = module.layers.Dense(1, activation="sigmoid")(
        module.layers.Dense(6, activation="relu")(inputs)
    )
    return CustomModel(inputs, outputs)


def test_keras_guide_train_step_matches_keras():
    torchkeras.utils.clear_session()
    ours = _guide_model(torchkeras)
    keras.backend.clear_session()
    theirs = _guide_model(keras)
    assert [l.name for l in ours.layers] == [l.name for l in theirs.layers]
    ours.set_weights(theirs.get_weights())
    for model, module in ((ours, torchkeras), (theirs, keras)):
        model.compile(optimizer=module.optimizers.SGD(0.1), loss="binary_crossentropy", metrics=["accuracy"])
    args = dict(batch_size=16, epochs=2, shuffle=False, verbose=0)
    ours_history = ours.fit(X, Y, **args).history
    theirs_history = theirs.fit(X, Y, **args).history
    assert sorted(ours_history) == sorted(theirs_history)
    for key in theirs_history:
        np.testing.assert_allclose(ours_history[key], theirs_history[key], atol=1e-5)
    assert ours.metrics_names == theirs.metrics_names


def test_custom_metric_trackers_are_reset_each_epoch():
    class Tracked(torchkeras.Model):
        def __init__(self):
            super().__init__()
            self.dense = torchkeras.layers.Dense(1)
            self.loss_tracker = torchkeras.metrics.Mean(name="loss")
            self.mae_metric = torchkeras.metrics.MeanAbsoluteError(name="mae")

        def call(self, x):
            return self.dense(x)

        @property
        def metrics(self):
            return [self.loss_tracker, self.mae_metric]

        def train_step(self, data):
            x, y = data
            self.zero_grad()
            y_pred = self(x, training=True)
            loss = torch.mean((y_pred - y) ** 2)
            loss.backward()
            self.optimizer.apply([v.grad for v in self.trainable_weights], self.trainable_weights)
            self.loss_tracker.update_state(loss.detach())
            self.mae_metric.update_state(y, y_pred.detach())
            return {"loss": self.loss_tracker.result(), "mae": self.mae_metric.result()}

    model = Tracked()
    model.compile(optimizer="sgd")
    history = model.fit(X, Y, batch_size=48, epochs=2, verbose=0)
    assert list(history.history) == ["loss", "mae"]
    assert model.metrics_names == ["loss", "mae"]
    assert float(model.mae_metric.count) == 48
    model.reset_metrics()
    assert float(model.mae_metric.count) == 0
    assert "dense.kernel" in model.state_dict()
    assert len(model.weights) == 2


def test_metrics_names_match_keras():
    def build(module):
        model = module.Sequential([module.Input((4,)), module.layers.Dense(1, activation="sigmoid")])
        model.compile(optimizer="sgd", loss="binary_crossentropy", metrics=["accuracy"])
        return model

    ours, theirs = build(torchkeras), build(keras)
    assert ours.metrics_names == theirs.metrics_names
    ours.fit(X, Y, epochs=1, verbose=0)
    theirs.fit(X, Y, epochs=1, verbose=0)
    assert ours.metrics_names == theirs.metrics_names


class TestCompileSnapshot:
    def _model(self):
        base = torchkeras.Sequential([torchkeras.Input((4,)), torchkeras.layers.Dense(4)], name="base")
        head = torchkeras.layers.Dense(1)
        model = torchkeras.Sequential([torchkeras.Input((4,)), base, head])
        return model, base, head

    def test_freeze_after_compile_warns_and_keeps_training(self):
        model, base, _ = self._model()
        model.compile(optimizer="sgd", loss="mse")
        base.trainable = False
        before = base.get_weights()[0].copy()
        with pytest.warns(UserWarning, match="`trainable` state has changed since the model was compiled"):
            model.fit(X, Y, epochs=1, verbose=0)
        assert not np.array_equal(before, base.get_weights()[0])
        assert base.trainable is False
        assert not base.layers[0].kernel.requires_grad

    def test_recompile_applies_the_freeze(self):
        model, base, _ = self._model()
        model.compile(optimizer="sgd", loss="mse")
        base.trainable = False
        model.compile(optimizer="sgd", loss="mse")
        before = base.get_weights()[0].copy()
        model.fit(X, Y, epochs=1, verbose=0)
        np.testing.assert_array_equal(before, base.get_weights()[0])

    def test_unfreeze_after_compile_keeps_base_frozen(self):
        model, base, _ = self._model()
        base.trainable = False
        model.compile(optimizer="adam", loss="mse")
        base.trainable = True
        before = base.get_weights()[0].copy()
        with pytest.warns(UserWarning, match="Changed layers"):
            model.fit(X, Y, epochs=1, verbose=0)
        np.testing.assert_array_equal(before, base.get_weights()[0])
        assert base.trainable is True

    def test_warns_only_once_per_compile(self):
        model, base, _ = self._model()
        model.compile(optimizer="sgd", loss="mse")
        base.trainable = False
        with pytest.warns(UserWarning):
            model.fit(X, Y, epochs=1, verbose=0)
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("error")
            model.fit(X, Y, epochs=1, verbose=0)

    def test_fully_frozen_model_warns_and_trains_nothing(self):
        model, _, _ = self._model()
        model.trainable = False
        model.compile(optimizer="sgd", loss="mse")
        before = model.get_weights()
        with pytest.warns(UserWarning, match="The model does not have any trainable weights."):
            history = model.fit(X, Y, epochs=1, verbose=0)
        for old, new in zip(before, model.get_weights()):
            np.testing.assert_array_equal(old, new)
        assert len(history.history["loss"]) == 1


class TestHandWrittenLoop:
    def _model(self):
        torchkeras.utils.set_random_seed(0)
        return torchkeras.Sequential([torchkeras.Input((4,)), torchkeras.layers.Dense(1, activation="sigmoid")])

    @pytest.mark.parametrize("mode", ["apply", "apply_gradients", "torch_optim"])
    def test_loop_reduces_loss(self, mode):
        model = self._model()
        loss_fn = torchkeras.losses.BinaryCrossentropy()
        accuracy = torchkeras.metrics.BinaryAccuracy()
        optimizer = (
            torch.optim.SGD(model.parameters(), lr=0.5)
            if mode == "torch_optim"
            else torchkeras.optimizers.SGD(0.5)
        )
        x, y = torch.from_numpy(X), torch.from_numpy(Y)
        losses = []
        for epoch in range(5):
            accuracy.reset_state()
            y_pred = model(x, training=True)
            loss = loss_fn(y, y_pred)
            model.zero_grad()
            loss.backward()
            variables = model.trainable_weights
            grads = [v.grad for v in variables]
            if mode == "apply":
                optimizer.apply(grads, variables)
            elif mode == "apply_gradients":
                optimizer.apply_gradients(zip(grads, variables))
            else:
                optimizer.step()
            accuracy.update_state(y, y_pred.detach())
            losses.append(float(loss.detach()))
        assert losses[-1] < losses[0]
        assert 0.0 <= float(accuracy.result()) <= 1.0

    def test_apply_with_mismatched_lengths_raises(self):
        model = self._model()
        optimizer = torchkeras.optimizers.SGD()
        with pytest.raises(ValueError):
            optimizer.apply([torch.zeros(4, 1)], model.trainable_weights)

    def test_unknown_initializer_raises(self):
        layer = torchkeras.layers.Layer()
        with pytest.raises(ValueError, match="Could not interpret initializer identifier: 'glorot'"):
            layer.add_weight(shape=(2,), initializer="glorot")
