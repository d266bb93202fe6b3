"""TorchModuleWrapper: torch modules as layers, compared with Keras 3."""

import copy
import os

os.environ["KERAS_BACKEND"] = "torch"

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from sklearn.datasets import load_diabetes  # noqa: E402
from torch import nn  # noqa: E402

import torchkeras  # noqa: E402
from torchkeras import layers  # noqa: E402


class _Scale(nn.Module):
    """Multiplies by a factor and optionally by a mask."""

    def forward(self, x, factor=1.0, mask=None):
        output = x * factor
        return output if mask is None else output * mask


class TestWeights:
    def test_state_dict_and_parameters(self):
        module = nn.Linear(3, 2)
        layer = layers.TorchModuleWrapper(module)
        assert list(layer.state_dict()) == ["module.weight", "module.bias"]
        assert list(layer.parameters()) == list(module.parameters())
        assert layer.module is module
        assert layer.built

    def test_weights_list_parameters_then_buffers(self):
        module = nn.BatchNorm1d(4)
        layer = layers.TorchModuleWrapper(module)
        expected = [
            module.weight,
            module.bias,
            module.running_mean,
            module.running_var,
            module.num_batches_tracked,
        ]
        assert [id(w) for w in layer.weights] == [id(w) for w in expected]
        assert [id(w) for w in layer.trainable_weights] == [
            id(module.weight),
            id(module.bias),
        ]
        assert len(layer.non_trainable_weights) == 3
        assert layer.count_params() == 4 + 4 + 4 + 4 + 1

    def test_trainable_parameter_count_matches_keras(self):
        module = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
        theirs = keras.layers.TorchModuleWrapper(copy.deepcopy(module))
        ours = layers.TorchModuleWrapper(module)
        assert len(ours.trainable_weights) == len(theirs.trainable_weights)
        assert ours.count_params() == theirs.count_params()

    def test_get_and_set_weights(self):
        layer = layers.TorchModuleWrapper(nn.Linear(3, 2))
        new_weights = [np.ones((2, 3), "float32"), np.zeros(2, "float32")]
        layer.set_weights(new_weights)
        output = layer(torch.ones(1, 3))
        np.testing.assert_allclose(output.detach().numpy(), [[3.0, 3.0]])
        for actual, expected in zip(layer.get_weights(), new_weights):
            np.testing.assert_array_equal(actual, expected)


class TestTrainable:
    def test_trainable_false_freezes_module(self):
        layer = layers.TorchModuleWrapper(nn.Linear(3, 2), trainable=False)
        assert not any(p.requires_grad for p in layer.module.parameters())
        assert layer.trainable_weights == []
        assert len(layer.non_trainable_weights) == 2

    def test_trainable_setter_toggles_requires_grad(self):
        layer = layers.TorchModuleWrapper(nn.Linear(3, 2))
        layer.trainable = False
        assert not layer.module.weight.requires_grad
        layer.trainable = True
        assert layer.module.weight.requires_grad
        assert len(layer.trainable_weights) == 2

    def test_frozen_parameters_stay_non_trainable(self):
        module = nn.Linear(3, 2)
        module.bias.requires_grad_(False)
        layer = layers.TorchModuleWrapper(module)
        assert [id(w) for w in layer.trainable_weights] == [id(module.weight)]


class TestTrainingMode:
    def test_module_mode_is_used_without_training(self):
        module = nn.BatchNorm1d(2)
        layer = layers.TorchModuleWrapper(module)
        assert not layer.training
        assert not module.training
        layer(torch.randn(8, 2))
        assert module.num_batches_tracked.item() == 0
        layer.train()
        layer(torch.randn(8, 2))
        assert module.num_batches_tracked.item() == 1

    def test_explicit_training_sets_mode_once(self):
        module = nn.BatchNorm1d(2).eval()
        layer = layers.TorchModuleWrapper(module)
        layer(torch.randn(8, 2), training=True)
        assert module.num_batches_tracked.item() == 1
        assert not module.training
        module.train()
        layer(torch.randn(8, 2), training=False)
        assert module.num_batches_tracked.item() == 1
        assert module.training

    def test_dropout_follows_training_argument(self):
        layer = layers.TorchModuleWrapper(nn.Dropout(0.5))
        x = torch.ones(4, 100)
        torch.testing.assert_close(layer(x, training=False), x)
        assert (layer(x, training=True) == 0).any()

    def test_restores_modes_of_submodules(self):
        module = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2))
        layer = layers.TorchModuleWrapper(module)
        module.train()
        module[1].eval()
        layer(torch.randn(8, 2), training=False)
        assert module.training
        assert not module[1].training
        layer(torch.randn(8, 2), training=True)
        assert module[1].num_batches_tracked.item() == 0

    def test_enclosing_training_reaches_module(self):
        module = nn.BatchNorm1d(2).eval()
        model = torchkeras.Sequential(
            [torchkeras.Input((2,)), layers.TorchModuleWrapper(module)]
        )
        model(torch.randn(8, 2), training=True)
        assert module.num_batches_tracked.item() == 1
        assert not module.training

    def test_direct_call_uses_training_argument(self):
        module = nn.BatchNorm1d(2).eval()
        layer = layers.TorchModuleWrapper(module)
        layer.call(torch.randn(8, 2), training=True)
        assert module.num_batches_tracked.item() == 1
        assert not module.training


class TestCall:
    def test_output_matches_keras(self, rng):
        module = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
        theirs = keras.layers.TorchModuleWrapper(copy.deepcopy(module))
        ours = layers.TorchModuleWrapper(module)
        x = torch.as_tensor(rng.normal(size=(5, 3)).astype("float32"))
        expected = keras.ops.convert_to_numpy(theirs(x))
        np.testing.assert_allclose(
            ours(x).detach().numpy(), expected, atol=1e-6
        )

    def test_several_inputs_and_keywords(self):
        layer = layers.TorchModuleWrapper(nn.Bilinear(3, 4, 2))
        assert layer(torch.ones(5, 3), torch.ones(5, 4)).shape == (5, 2)
        scaled = layers.TorchModuleWrapper(_Scale())(torch.ones(2), factor=3.0)
        torch.testing.assert_close(scaled, torch.full((2,), 3.0))

    def test_mask_passed_when_forward_accepts(self):
        mask = torch.tensor([1.0, 0.0])
        with_mask = layers.TorchModuleWrapper(_Scale())(
            torch.ones(2), mask=mask
        )
        torch.testing.assert_close(with_mask, mask)
        without = layers.TorchModuleWrapper(nn.Identity())(
            torch.ones(2), mask=mask
        )
        torch.testing.assert_close(without, torch.ones(2))

    def test_gradients_reach_module_parameters(self):
        layer = layers.TorchModuleWrapper(nn.Linear(3, 2))
        layer(torch.ones(4, 3)).sum().backward()
        assert layer.module.weight.grad is not None


class TestOutputShape:
    def test_inferred_from_module(self):
        layer = layers.TorchModuleWrapper(nn.Linear(8, 4))
        assert layer.compute_output_shape((None, 8)) == (None, 4)

    def test_inference_leaves_batch_norm_untouched(self):
        module = nn.BatchNorm1d(4)
        layer = layers.TorchModuleWrapper(module)
        layer.train()
        assert layer.compute_output_shape((None, 4)) == (None, 4)
        assert module.num_batches_tracked.item() == 0
        assert module.training
        assert layer.training

    def test_given_output_shape_is_returned(self):
        layer = layers.TorchModuleWrapper(
            nn.Linear(8, 4), output_shape=[None, 4]
        )
        assert layer.compute_output_shape((None, 8)) == (None, 4)
        paired = layers.TorchModuleWrapper(
            nn.Identity(), output_shape=[(None, 2), (None, 3)]
        )
        assert paired.compute_output_shape((None, 8)) == [(None, 2), (None, 3)]

    def test_symbolic_call_in_functional_model(self):
        inputs = torchkeras.Input((3,))
        outputs = layers.TorchModuleWrapper(nn.Linear(3, 5))(inputs)
        assert tuple(outputs.shape) == (None, 5)
        model = torchkeras.Model(inputs, layers.Dense(1)(outputs))
        assert model(torch.ones(2, 3)).shape == (2, 1)


class TestConfig:
    def test_keys_match_keras(self, parity):
        theirs = keras.layers.TorchModuleWrapper(nn.Linear(3, 2))
        ours = layers.TorchModuleWrapper(nn.Linear(3, 2))
        parity.assert_same_config_keys(theirs, ours)
        assert isinstance(ours.get_config()["module"], str)

    def test_round_trip_with_safe_mode_off(self):
        layer = layers.TorchModuleWrapper(
            nn.Linear(3, 2), name="wrapped", output_shape=(None, 2)
        )
        clone = layers.TorchModuleWrapper.from_config(
            layer.get_config(), safe_mode=False
        )
        assert clone.name == "wrapped"
        assert clone.compute_output_shape((None, 3)) == (None, 2)
        x = torch.ones(4, 3)
        torch.testing.assert_close(clone(x), layer(x))
        assert clone.module is not layer.module

    def test_loading_pickled_module_raises_by_default(self):
        config = layers.TorchModuleWrapper(nn.Linear(3, 2)).get_config()
        with pytest.raises(ValueError, match="torch.load"):
            keras.layers.TorchModuleWrapper.from_config(dict(config))
        with pytest.raises(ValueError, match="pass safe_mode=False"):
            layers.TorchModuleWrapper.from_config(config)


class TestErrors:
    def test_non_module_raises(self):
        with pytest.raises(
            TypeError, match="`module` must be a `torch.nn.Module`"
        ):
            layers.TorchModuleWrapper(lambda x: x)

    def test_uninitialized_lazy_module_raises_like_keras(self):
        with pytest.raises(ValueError, match="LazyModules are not supported"):
            keras.layers.TorchModuleWrapper(nn.LazyLinear(3))
        with pytest.raises(ValueError, match="lazy module whose parameters"):
            layers.TorchModuleWrapper(nn.LazyLinear(3))

    def test_initialized_lazy_module_works(self):
        module = nn.LazyLinear(3)
        module(torch.ones(2, 5))
        layer = layers.TorchModuleWrapper(module)
        assert layer.count_params() == 5 * 3 + 3


class TestSequential:
    def test_raw_modules_are_wrapped(self):
        model = torchkeras.Sequential(
            [
                torchkeras.Input((8,)),
                nn.Linear(8, 4),
                nn.ReLU(),
                layers.Dense(1),
            ]
        )
        kinds = [type(layer).__name__ for layer in model.layers]
        assert kinds == ["TorchModuleWrapper", "TorchModuleWrapper", "Dense"]
        assert model.output_shape == (None, 1)
        assert list(model.state_dict()) == [
            "layers.0.module.weight",
            "layers.0.module.bias",
            "layers.2.kernel",
            "layers.2.bias",
        ]

    def test_fit_trains_and_updates_stats(self):
        features, target = load_diabetes(return_X_y=True)
        x = (features[:, :8] - features[:, :8].mean(0)) / features[:, :8].std(0)
        y = (target - target.mean()) / target.std()
        model = torchkeras.Sequential(
            [
                torchkeras.Input((8,)),
                nn.Linear(8, 4),
                nn.ReLU(),
                nn.BatchNorm1d(4),
                layers.Dense(1),
            ]
        )
        batch_norm = model.layers[2].module
        model.compile(optimizer=torchkeras.optimizers.Adam(0.01), loss="mse")
        history = model.fit(x, y, epochs=10, batch_size=32, verbose=0)
        losses = history.history["loss"]
        assert losses[-1] < 0.8 * losses[0]
        assert batch_norm.num_batches_tracked.item() == 10 * 14
        assert batch_norm.running_mean.abs().sum().item() > 0
        assert not torch.allclose(batch_norm.running_var, torch.ones(4))
