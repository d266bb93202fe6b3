"""Plain torch modules inside layers follow the layer's training mode."""

import keras
import numpy as np
import pytest
import torch

import torchkeras


def _make_norm_layer(module):
    class NormLayer(module.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.norm = torch.nn.BatchNorm1d(4)

        def call(self, inputs, training=None):
            return self.norm(inputs)

    return NormLayer()


class DropoutLayer(torchkeras.layers.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.blocks = [torch.nn.Dropout(0.5), torch.nn.Dropout(0.5)]

    def call(self, inputs):
        return self.blocks[1](self.blocks[0](inputs))


def _batch():
    return torch.randn(8, 4) * 3.0 + 5.0


def _to_numpy(tensor):
    return keras.ops.convert_to_numpy(tensor)


class TestPlainSubmoduleMode:
    def test_new_module_follows_layer_mode(self):
        layer = _make_norm_layer(torchkeras)
        assert not layer.training
        assert not layer.norm.training

    def test_module_assigned_in_train_mode_layer(self):
        layer = _make_norm_layer(torchkeras)
        layer.train()
        layer.extra = torch.nn.Dropout(0.5).eval()
        assert layer.extra.training

    def test_modules_in_lists_follow_layer_mode(self):
        layer = DropoutLayer()
        x = torch.ones(16, 4)
        assert not layer.blocks[0].training
        assert not layer.blocks[1].training
        torch.testing.assert_close(layer(x), x)

    def test_direct_call_uses_moving_statistics(self):
        layer = _make_norm_layer(torchkeras)
        x = _batch()
        expected = x / (1.0 + 1e-5) ** 0.5
        torch.testing.assert_close(layer(x), expected)
        assert torch.equal(layer.norm.running_mean, torch.zeros(4))

    @pytest.mark.parametrize("training", [False, True], ids=["infer", "train"])
    def test_explicit_training_matches_keras(self, training):
        ours = _make_norm_layer(torchkeras)
        theirs = _make_norm_layer(keras)
        x = _batch()
        np.testing.assert_allclose(
            ours(x, training=training).detach().numpy(),
            _to_numpy(theirs(x, training=training)),
            atol=1e-5,
        )

    def test_training_call_restores_mode(self):
        layer = _make_norm_layer(torchkeras)
        layer(_batch(), training=True)
        assert not layer.norm.training
        assert not torch.equal(layer.norm.running_mean, torch.zeros(4))

    def test_outer_training_reaches_nested_module(self):
        inputs = torchkeras.Input((4,))
        inner = _make_norm_layer(torchkeras)
        model = torchkeras.Model(inputs, inner(inputs))
        model.train()
        x = _batch()
        outputs = model(x, training=False)
        torch.testing.assert_close(outputs, x / (1.0 + 1e-5) ** 0.5)
        assert inner.norm.training
        assert torch.equal(inner.norm.running_mean, torch.zeros(4))

    def test_fit_trains_plain_module(self):
        inputs = torchkeras.Input((4,))
        inner = _make_norm_layer(torchkeras)
        model = torchkeras.Model(inputs, inner(inputs))
        model.compile(optimizer="sgd", loss="mse")
        x = _batch().numpy()
        model.fit(x, x, epochs=1, batch_size=8, verbose=0)
        assert not torch.equal(inner.norm.running_mean, torch.zeros(4))
        assert not inner.norm.training

    def test_wrapper_inside_layer_gets_training(self):
        class Outer(torchkeras.layers.Layer):
            def __init__(self):
                super().__init__()
                self.wrapped = torchkeras.layers.TorchModuleWrapper(
                    torch.nn.BatchNorm1d(4)
                )

            def call(self, inputs):
                return self.wrapped(inputs)

        layer = Outer()
        x = _batch()
        trained = layer(x, training=True)
        assert abs(float(trained.detach().mean())) < 1e-5
        assert not layer.wrapped.module.training

    def test_replaced_module_is_not_tracked(self):
        layer = _make_norm_layer(torchkeras)
        old_norm = layer.norm
        layer.norm = torchkeras.layers.Dense(4)
        old_norm.eval()
        layer(_batch(), training=True)
        assert not old_norm.training
        assert layer._plain_modules == ()

    def test_frozen_submodule_keeps_its_mode(self):
        layer = _make_norm_layer(torchkeras)
        layer.stack = torch.nn.Sequential(
            torch.nn.Linear(4, 4),
            torch.nn.BatchNorm1d(4),
        )
        layer.train()
        layer.stack[1].eval()
        layer(_batch(), training=True)
        assert layer.stack.training
        assert not layer.stack[1].training
        assert layer.stack[1].num_batches_tracked.item() == 0
