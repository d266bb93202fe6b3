"""Tests of the Layer base class: weights, naming, modes, errors."""

import copy
import pickle

import keras
import numpy as np
import pytest
import torch

import torchkeras
from torchkeras import layers


class Scale(layers.Layer):
    def __init__(self, factor=2.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def build(self, input_shape):
        self.w = self.add_weight(
            shape=(input_shape[-1],), initializer="ones", name="scale"
        )
        self.moving = self.add_weight(
            shape=(input_shape[-1],), initializer="zeros", trainable=False,
            name="moving",
        )

    def call(self, inputs):
        return inputs * self.w * self.factor


class Block(layers.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.first = layers.Dense(3)
        self.second = layers.Dense(2)

    def call(self, inputs, training=None):
        return self.second(self.first(inputs))


class TestNaming:
    def test_names_are_unique_snake_case(self):
        names = [layers.Dense(1).name for _ in range(3)]
        assert names == ["dense", "dense_1", "dense_2"]

    def test_custom_class_name(self):
        assert Scale().name == "scale"

    def test_explicit_name_kept(self):
        assert layers.Dense(1, name="head").name == "head"

    def test_non_string_name_raises(self):
        with pytest.raises(TypeError, match="`name` must be a string"):
            layers.Dense(1, name=3)

    def test_unknown_keyword_raises(self):
        with pytest.raises(TypeError, match="Unrecognized keyword arguments passed to Dense"):
            layers.Dense(1, foo=2)


class TestWeights:
    def test_state_dict_keys_follow_attributes(self):
        layer = Scale()
        layer(torch.ones(2, 3))
        assert list(layer.state_dict()) == ["w", "moving"]
        assert [w.name for w in layer.weights] == ["scale", "moving"]
        assert [w.path for w in layer.weights] == ["scale/scale", "scale/moving"]

    def test_trainable_split(self):
        layer = Scale()
        layer(torch.ones(2, 3))
        assert [w.name for w in layer.trainable_weights] == ["scale"]
        assert [w.name for w in layer.non_trainable_weights] == ["moving"]
        assert layer.moving.requires_grad is False

    def test_freezing_sets_requires_grad(self):
        block = Block()
        block(torch.ones(2, 4))
        block.trainable = False
        assert block.trainable_weights == []
        assert len(block.non_trainable_weights) == 4
        assert not any(p.requires_grad for p in block.parameters())
        block.trainable = True
        assert all(p.requires_grad for p in block.parameters())

    def test_nested_weight_order_matches_keras(self):
        class KerasBlock(keras.layers.Layer):
            def __init__(self):
                super().__init__()
                self.first = keras.layers.Dense(3)
                self.second = keras.layers.Dense(2)

            def call(self, inputs):
                return self.second(self.first(inputs))

        ours, theirs = Block(), KerasBlock()
        ours(np.ones((2, 4), "float32"))
        theirs(np.ones((2, 4), "float32"))
        assert [tuple(w.shape) for w in ours.weights] == [
            tuple(w.shape) for w in theirs.weights
        ]
        ours.set_weights(theirs.get_weights())
        x = np.random.rand(5, 4).astype("float32")
        expected = keras.ops.convert_to_numpy(theirs(x))
        np.testing.assert_allclose(ours(x).detach().numpy(), expected, atol=1e-6)

    def test_set_weights_wrong_count_raises(self):
        layer = layers.Dense(2)
        layer(torch.ones(1, 3))
        with pytest.raises(ValueError, match="expects 2 weight arrays, but received 1"):
            layer.set_weights([np.zeros((3, 2))])

    def test_set_weights_wrong_shape_raises(self):
        layer = layers.Dense(2)
        layer(torch.ones(1, 3))
        with pytest.raises(ValueError, match=r"has shape \(3, 2\), but the received array has shape \(4, 2\)"):
            layer.set_weights([np.zeros((4, 2)), np.zeros(2)])

    def test_count_params_unbuilt_raises(self):
        with pytest.raises(ValueError, match="isn't built"):
            layers.Dense(2).count_params()

    def test_add_weight_string_shape_raises(self):
        layer = layers.Layer()
        with pytest.raises(TypeError, match="Pass the name by keyword"):
            layer.add_weight("kernel", (2, 2))

    def test_variable_api(self):
        layer = layers.Dense(2)
        layer(torch.ones(1, 3))
        kernel = layer.kernel
        kernel.assign(np.ones((3, 2)))
        assert kernel.numpy().sum() == 6.0
        assert kernel.value is kernel
        assert isinstance(kernel, torch.nn.Parameter)
        with pytest.raises(ValueError, match="Cannot assign a value of shape"):
            kernel.assign(np.ones((2, 2)))

    def test_deepcopy_and_pickle_keep_variables(self):
        layer = Scale()
        layer(torch.ones(2, 3))
        twin = copy.deepcopy(layer)
        assert twin.w.path == "scale/scale"
        assert twin.w is not layer.w
        restored = pickle.loads(pickle.dumps(layer))
        assert restored.moving.trainable is False


class TestCall:
    def test_numpy_input_converted(self):
        out = layers.Dense(2)(np.ones((4, 3)))
        assert out.dtype == torch.float32

    def test_new_layers_start_in_inference_mode(self):
        assert Block().training is False

    def test_explicit_training_reaches_nested_layers(self):
        seen = []

        class Probe(layers.Layer):
            def call(self, inputs, training=None):
                seen.append(training)
                return inputs

        class Outer(layers.Layer):
            def __init__(self):
                super().__init__()
                self.probe = Probe()

            def call(self, inputs):
                return self.probe(inputs)

        outer = Outer()
        outer(torch.ones(1), training=True)
        outer(torch.ones(1))
        outer.train()
        outer(torch.ones(1))
        assert seen == [True, False, True]

    def test_wrong_input_size_names_layer(self):
        layer = layers.Dense(2, name="hidden")
        layer(torch.ones(1, 3))
        with pytest.raises(ValueError, match=r"layer 'hidden' .* expected axis -1 of input shape to have value 3, but received input with shape \(1, 5\)"):
            layer(torch.ones(1, 5))

    def test_compute_output_shape_without_override(self):
        assert Scale().compute_output_shape((None, 7)) == (None, 7)

    def test_activity_regularizer_adds_loss(self):
        layer = layers.Dense(
            1, kernel_initializer="ones", activity_regularizer=torchkeras.regularizers.L1(0.5)
        )
        layer(torch.ones(4, 2))
        assert len(layer.losses) == 1
        assert float(layer.losses[0].detach()) == pytest.approx(0.5 * 4 * 2 / 4)


class TestConfig:
    def test_auto_config_round_trip(self):
        layer = Scale(factor=3.0, name="s")
        config = layer.get_config()
        assert config["factor"] == 3.0
        clone = Scale.from_config(config)
        assert clone.factor == 3.0
        assert clone.name == "s"

    def test_base_config_matches_keras(self):
        ours = layers.Dense(2, activity_regularizer="l2").get_config()
        theirs = keras.layers.Dense(2, activity_regularizer="l2").get_config()
        assert set(ours) == set(theirs)
        assert ours["dtype"] == theirs["dtype"]
        assert ours["activity_regularizer"]["config"] == pytest.approx(
            theirs["activity_regularizer"]["config"]
        )


def test_regularizer_penalty_matches_keras():
    values = np.random.rand(3, 2).astype("float32")
    ours = torchkeras.regularizers.L2(0.01)(torch.from_numpy(values))
    theirs = keras.regularizers.L2(0.01)(values)
    assert float(ours) == pytest.approx(float(theirs), rel=1e-6)


@pytest.mark.parametrize("name", ["Dropout", "Dense"])
def test_built_at_init_matches_keras(name):
    args = {"Dropout": (0.5,), "Dense": (2,)}[name]
    ours = getattr(layers, name)(*args)
    theirs = getattr(keras.layers, name)(*args)
    assert ours.built == theirs.built


def test_subclassed_model_summary_before_call_matches_keras():
    def build(module):
        class Net(module.Model):
            def __init__(self):
                super().__init__(name="net")
                self.hidden = module.layers.Dense(8)
                self.drop = module.layers.Dropout(0.5)

            def call(self, inputs):
                return self.drop(self.hidden(inputs))

        return Net()

    torchkeras.utils.clear_session()
    keras.backend.clear_session()
    ours, theirs = [], []
    build(torchkeras).summary(print_fn=ours.append)
    build(keras).summary(print_fn=lambda text, line_break=None: theirs.append(text))
    assert ours == theirs


def test_weights_made_in_inference_mode_are_trainable():
    layer = layers.Dense(2)
    with torch.inference_mode():
        layer(torch.ones(1, 3))
    assert not layer.kernel.is_inference()
    layer(torch.ones(1, 3)).sum().backward()
    assert layer.kernel.grad is not None


def test_get_weights_returns_copies():
    layer = torchkeras.layers.Dense(2)
    layer(np.zeros((1, 3), "float32"))
    saved = layer.get_weights()
    single = layer.kernel.numpy()
    layer.kernel.assign(np.ones((3, 2), "float32"))
    assert not np.allclose(saved[0], 1.0)
    assert not np.allclose(single, 1.0)
