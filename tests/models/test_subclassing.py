"""Subclassed models: tracking, building on first call, training, summary."""

import subprocess
import sys

import keras
import numpy as np
import pytest
import torch

import torchkeras


def _make(module):
    class Tower(module.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.blocks = [module.layers.Dense(8, activation="relu"), module.layers.Dense(8)]
            self.heads = {"score": module.layers.Dense(1), "value": module.layers.Dense(2)}
            self.norm = module.layers.BatchNormalization()

        def call(self, inputs, training=None):
            x = inputs
            for block in self.blocks:
                x = block(x)
            x = self.norm(x, training=training)
            return self.heads["score"](x) + self.heads["value"](x)[:, :1]

    return Tower(name="tower")


def test_layers_in_lists_and_dicts_are_tracked():
    ours, theirs = _make(torchkeras), _make(keras)
    x = np.random.rand(4, 5).astype("float32")
    ours(x)
    theirs(x)
    assert len(ours.weights) == len(theirs.weights)
    assert [tuple(w.shape) for w in ours.weights] == [tuple(w.shape) for w in theirs.weights]
    assert len(ours.trainable_weights) == len(theirs.trainable_weights)
    assert "blocks.0.kernel" in ours.state_dict()
    assert "heads.score.kernel" in ours.state_dict()


def test_outputs_match_keras_after_copying_weights():
    ours, theirs = _make(torchkeras), _make(keras)
    x = np.random.rand(4, 5).astype("float32")
    ours(x)
    theirs(x)
    ours.set_weights(theirs.get_weights())
    np.testing.assert_allclose(
        ours(x).detach().numpy(), keras.ops.convert_to_numpy(theirs(x)), atol=1e-5
    )


def test_fit_evaluate_predict_and_summary():
    model = _make(torchkeras)
    model.compile(optimizer="adam", loss="mse")
    x = np.random.rand(32, 5).astype("float32")
    y = x.sum(axis=1, keepdims=True)
    history = model.fit(x, y, epochs=3, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert model.predict(x, verbose=0).shape == (32, 1)
    assert isinstance(model.evaluate(x, y, verbose=0), float)
    lines = []
    model.summary(print_fn=lines.append)
    assert "Total params: " in lines[0]


def test_freezing_a_list_of_layers():
    model = _make(torchkeras)
    model(torch.ones(2, 5))
    model.trainable = False
    assert not any(p.requires_grad for p in model.parameters())
    assert model.trainable_weights == []


def test_init_accepts_keras_base_arguments():
    model = _make(torchkeras)
    assert model.name == "tower"
    with pytest.raises(TypeError, match="accept `name`, `trainable` and `dtype`"):
        torchkeras.Model(units=3)


def test_state_dict_keys_identical_across_processes():
    code = (
        "import torchkeras as k\n"
        "import sys\n"
        "for _ in range(int(sys.argv[1])): k.layers.Dense(1)\n"
        "a = k.Input((4,)); x = k.layers.Dense(3)(a); y = k.layers.Dense(2)(x)\n"
        "f = k.Model(a, [x, y])\n"
        "s = k.Sequential([k.Input((4,)), k.layers.Dense(2), k.layers.BatchNormalization()])\n"
        "print([n for n, _ in f.named_parameters()], list(f.state_dict()), list(s.state_dict()))\n"
    )
    outputs = [
        subprocess.run(
            [sys.executable, "-c", code, str(extra)], capture_output=True, text=True, check=True
        ).stdout
        for extra in (0, 5)
    ]
    assert outputs[0] == outputs[1]
    assert "layers.1.kernel" in outputs[0]


def test_graph_built_inside_subclass_init_like_keras():
    def build(module):
        class Graph(module.Model):
            def __init__(self):
                inputs = module.Input((5,))
                outputs = module.layers.Dense(2)(module.layers.Dense(4, activation="relu")(inputs))
                super().__init__(inputs, outputs, name="graph")

            def describe(self):
                return "custom method"

        return Graph()

    ours, theirs = build(torchkeras), build(keras)
    assert ours.name == "graph"
    assert ours.describe() == "custom method"
    assert [type(l).__name__ for l in ours.layers] == [type(l).__name__ for l in theirs.layers]
    ours.set_weights(theirs.get_weights())
    x = np.random.rand(3, 5).astype("float32")
    np.testing.assert_allclose(
        ours(x).detach().numpy(), keras.ops.convert_to_numpy(theirs(x)), atol=1e-6
    )
