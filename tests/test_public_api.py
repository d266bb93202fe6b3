"""The public namespace: what `import torchkeras as keras` offers."""

import importlib

import keras
import pytest
import torch

import torchkeras

SUBMODULES = [
    "activations",
    "callbacks",
    "config",
    "initializers",
    "layers",
    "losses",
    "metrics",
    "models",
    "optimizers",
    "saving",
    "utils",
]


@pytest.mark.parametrize("name", ["Input", "Layer", "Model", "Sequential"])
def test_top_level_classes(name):
    assert hasattr(torchkeras, name)


@pytest.mark.parametrize("name", SUBMODULES)
def test_submodules_exposed(name):
    assert importlib.import_module(f"torchkeras.{name}") is getattr(torchkeras, name)


@pytest.mark.parametrize(
    "module",
    ["torchkeras", "torchkeras.layers", "torchkeras.losses", "torchkeras.metrics",
     "torchkeras.optimizers", "torchkeras.callbacks", "torchkeras.initializers",
     "torchkeras.activations", "torchkeras.models", "torchkeras.utils"],
)
def test_all_is_sorted_and_importable(module):
    namespace = importlib.import_module(module)
    assert namespace.__all__ == sorted(namespace.__all__)
    for name in namespace.__all__:
        assert hasattr(namespace, name), name


def test_layers_and_models_are_torch_modules():
    assert issubclass(torchkeras.Layer, torch.nn.Module)
    assert issubclass(torchkeras.Sequential, torchkeras.Model)
    assert issubclass(torchkeras.Variable, torch.nn.Parameter)


def test_import_does_not_load_torchmetrics_or_keras():
    import subprocess
    import sys

    code = (
        "import sys, torchkeras; "
        "print('torchmetrics' in sys.modules, 'keras' in sys.modules)"
    )
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert output == ["False", "False"]


class TestConfig:
    def test_defaults_match_keras(self):
        assert torchkeras.config.floatx() == keras.config.floatx()
        assert torchkeras.config.epsilon() == keras.config.epsilon()
        assert torchkeras.config.image_data_format() == keras.config.image_data_format()

    def test_image_data_format_setter_changes_conv_layout(self):
        torchkeras.config.set_image_data_format("channels_first")
        try:
            layer = torchkeras.layers.Conv2D(4, 3)
            out = layer(torch.ones(2, 3, 8, 8))
        finally:
            torchkeras.config.set_image_data_format("channels_last")
        assert out.shape == (2, 4, 6, 6)

    def test_invalid_image_data_format_raises(self):
        with pytest.raises(ValueError, match="'channels_last' or 'channels_first'"):
            torchkeras.config.set_image_data_format("nhwc")

    def test_invalid_floatx_raises(self):
        with pytest.raises(ValueError, match="`floatx` must be one of"):
            torchkeras.config.set_floatx("float8")

    def test_set_epsilon(self):
        torchkeras.config.set_epsilon(1e-5)
        try:
            assert torchkeras.config.epsilon() == 1e-5
        finally:
            torchkeras.config.set_epsilon(1e-7)
