"""Sequential: building, structure, summary and torch interop, against Keras."""

import io
import contextlib

import keras
import numpy as np
import pytest
import torch

import torchkeras
from torchkeras import layers


def _keras_summary(model, **kwargs):
    lines = []
    model.summary(print_fn=lambda text, line_break=None: lines.append(text), **kwargs)
    return "".join(lines)


def _our_summary(model, **kwargs):
    lines = []
    model.summary(print_fn=lines.append, **kwargs)
    return "".join(lines)


def _mlp(module, with_input=True):
    stack = [
        module.layers.Dense(16, activation="relu"),
        module.layers.BatchNormalization(),
        module.layers.Dense(3),
    ]
    if with_input:
        stack.insert(0, module.Input((8,)))
    return module.Sequential(stack)


class TestBuild:
    def test_built_from_input(self):
        model = _mlp(torchkeras)
        assert model.built
        assert model.input_shape == (None, 8)
        assert model.output_shape == (None, 3)
        assert model.count_params() == _mlp(keras).count_params()

    def test_built_from_input_shape_argument_warns(self):
        with pytest.warns(UserWarning, match="Do not pass an `input_shape`"):
            model = torchkeras.Sequential([layers.Dense(4, input_shape=(6,)), layers.Dense(1)])
        assert model.built
        assert model.input_shape == (None, 6)

    def test_lazy_build_on_first_call(self):
        model = _mlp(torchkeras, with_input=False)
        assert not model.built
        model(torch.ones(2, 8))
        assert model.built
        assert model.output_shape == (None, 3)

    def test_layers_exclude_input_layer(self):
        assert [type(l).__name__ for l in _mlp(torchkeras).layers] == [
            type(l).__name__ for l in _mlp(keras).layers
        ]

    def test_add_and_pop(self):
        model = torchkeras.Sequential([torchkeras.Input((8,))])
        model.add(layers.Dense(4))
        model.add(layers.Dense(2))
        assert model.output_shape == (None, 2)
        popped = model.pop()
        assert popped.units == 2
        assert model.output_shape == (None, 4)

    def test_pop_empty_raises(self):
        with pytest.raises(TypeError, match="There are no layers in the model"):
            torchkeras.Sequential().pop()

    def test_duplicate_names_raise(self):
        model = torchkeras.Sequential([layers.Dense(2, name="same")])
        with pytest.raises(ValueError, match="Name 'same' is already the name of a layer"):
            model.add(layers.Dense(2, name="same"))

    def test_non_layer_raises(self):
        with pytest.raises(TypeError, match="Only layers and `torch.nn.Module`s can be added"):
            torchkeras.Sequential(["dense"])

    def test_input_after_layers_raises(self):
        model = torchkeras.Sequential([layers.Dense(2)])
        with pytest.raises(ValueError, match="can only be the first layer"):
            model.add(torchkeras.Input((3,)))

    def test_get_layer(self):
        model = _mlp(torchkeras)
        assert model.get_layer(index=1) is model.layers[1]
        assert model.get_layer("dense_1") is model.layers[2]
        with pytest.raises(ValueError, match="No such layer: missing"):
            model.get_layer("missing")


class TestWeights:
    def test_weight_order_and_split_match_keras(self):
        ours, theirs = _mlp(torchkeras), _mlp(keras)
        assert [tuple(w.shape) for w in ours.weights] == [tuple(w.shape) for w in theirs.weights]
        assert len(ours.trainable_weights) == len(theirs.trainable_weights)
        assert len(ours.non_trainable_weights) == len(theirs.non_trainable_weights)

    def test_outputs_match_keras_with_copied_weights(self):
        ours, theirs = _mlp(torchkeras), _mlp(keras)
        ours.set_weights(theirs.get_weights())
        x = np.random.rand(5, 8).astype("float32")
        np.testing.assert_allclose(
            ours(x).detach().numpy(), keras.ops.convert_to_numpy(theirs(x)), atol=1e-5
        )

    def test_state_dict_keys_are_structural(self):
        keys = list(_mlp(torchkeras).state_dict())
        assert keys[:2] == ["layers.0.kernel", "layers.0.bias"]
        assert "layers.1.moving_mean" in keys
        assert not any("dense" in key for key in keys)

    def test_twin_built_later_loads_strictly(self):
        original = _mlp(torchkeras)
        for _ in range(3):
            layers.Dense(1)  # advance the name counter
        twin = _mlp(torchkeras)
        assert twin.layers[0].name != original.layers[0].name
        twin.load_state_dict(original.state_dict(), strict=True)
        x = torch.rand(4, 8)
        torch.testing.assert_close(twin(x), original(x))


class TestSummary:
    @pytest.mark.parametrize("line_length", [None, 60], ids=["default", "narrow"])
    def test_summary_text_matches_keras(self, line_length):
        torchkeras.utils.clear_session()
        keras.backend.clear_session()
        text = _our_summary(_mlp(torchkeras), line_length=line_length)
        assert text == _keras_summary(_mlp(keras), line_length=line_length)

    def test_unbuilt_summary_matches_keras(self):
        torchkeras.utils.clear_session()
        keras.backend.clear_session()
        ours = _our_summary(_mlp(torchkeras, with_input=False))
        assert ours == _keras_summary(_mlp(keras, with_input=False))

    def test_summary_with_long_names_matches_keras(self):
        torchkeras.utils.clear_session()
        keras.backend.clear_session()

        def build(module):
            return module.Sequential(
                [
                    module.Input((8, 8, 3)),
                    module.layers.Conv2D(4, 3, name="a_rather_long_convolution_layer_name"),
                    module.layers.Conv2D(4, 3, name="short (x) an_even_longer_convolution_layer_name"),
                    module.layers.GlobalAveragePooling2D(),
                    module.layers.Dense(2),
                ],
                name="convnet",
            )

        assert _our_summary(build(torchkeras)) == _keras_summary(build(keras))

    def test_summary_prints_without_print_fn(self):
        buffer = io.StringIO()
        with contextlib.redirect_stdout(buffer):
            _mlp(torchkeras).summary()
        assert "Total params: 259 (1.01 KB)" in buffer.getvalue()


class TestConfig:
    def test_config_round_trip(self):
        model = _mlp(torchkeras)
        clone = torchkeras.Sequential.from_config(model.get_config())
        assert [type(l) for l in clone.layers] == [type(l) for l in model.layers]
        assert clone.output_shape == (None, 3)

    def test_config_layer_entries_match_keras(self):
        ours = _mlp(torchkeras).get_config()
        theirs = _mlp(keras).get_config()
        assert [l["class_name"] for l in ours["layers"]] == [l["class_name"] for l in theirs["layers"]]
        assert set(ours) == set(theirs)


class TestTorchInterop:
    def test_torch_optimizer_trains_the_model(self):
        model = _mlp(torchkeras)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        x, y = torch.rand(16, 8), torch.rand(16, 3)
        model.train()
        first = torch.nn.functional.mse_loss(model(x), y)
        for _ in range(20):
            optimizer.zero_grad()
            loss = torch.nn.functional.mse_loss(model(x), y)
            loss.backward()
            optimizer.step()
        assert float(loss) < float(first)

    def test_torch_export(self):
        model = torchkeras.Sequential([torchkeras.Input((8,)), layers.Dense(4, activation="relu")])
        exported = torch.export.export(model, (torch.rand(2, 8),))
        torch.testing.assert_close(exported.module()(torch.ones(2, 8)), model(torch.ones(2, 8)))

    def test_model_as_submodule_of_torch_module(self):
        class Wrapper(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.body = _mlp(torchkeras)
                self.head = torch.nn.Linear(3, 1)

            def forward(self, x):
                return self.head(self.body(x))

        wrapper = Wrapper()
        assert wrapper(torch.rand(2, 8)).shape == (2, 1)
        assert "body.layers.0.kernel" in wrapper.state_dict()


def test_embedding_mask_flows_to_pooling_like_keras():
    def build(module):
        return module.Sequential(
            [
                module.Input((6,), dtype="int32"),
                module.layers.Embedding(10, 4, mask_zero=True),
                module.layers.GlobalAveragePooling1D(),
                module.layers.Dense(1),
            ]
        )

    theirs, ours = build(keras), build(torchkeras)
    ours.set_weights(theirs.get_weights())
    x = np.array([[1, 2, 3, 0, 0, 0], [4, 5, 0, 0, 0, 0]])
    np.testing.assert_allclose(
        ours(x).detach().numpy(), keras.ops.convert_to_numpy(theirs(x)), atol=1e-6
    )


def test_model_placed_by_user_stays_on_its_device():
    model = _mlp(torchkeras).to("cpu")
    model.compile(optimizer="adam", loss="mse")
    model.fit(np.random.rand(8, 8), np.random.rand(8, 3), verbose=0)
    assert model._device_set_by_user
    assert all(p.device.type == "cpu" for p in model.parameters())


def test_feature_extraction_from_sequential_like_keras():
    def build(module):
        return module.Sequential(
            [module.Input((4,)), module.layers.Dense(6, name="h1"), module.layers.Dense(2)]
        )

    ours, theirs = build(torchkeras), build(keras)
    ours.set_weights(theirs.get_weights())
    our_extractor = torchkeras.Model(ours.inputs, ours.get_layer("h1").output)
    their_extractor = keras.Model(theirs.inputs, theirs.get_layer("h1").output)
    x = np.random.rand(3, 4).astype("float32")
    np.testing.assert_allclose(
        our_extractor(x).detach().numpy(),
        keras.ops.convert_to_numpy(their_extractor(x)),
        atol=1e-6,
    )


def test_wrapped_torch_modules_run_inference_on_direct_calls():
    model = torchkeras.Sequential(
        [torchkeras.Input((4,)), torch.nn.BatchNorm1d(4), torch.nn.Dropout(0.5)]
    )
    x = torch.randn(8, 4)
    with torch.no_grad():
        torch.testing.assert_close(model(x), model(x))
    assert model.layers[0].module.num_batches_tracked.item() == 0
