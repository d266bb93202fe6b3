"""Tests for legacy Keras 2 `.h5` files: models, weights, errors, Keras 3.

The files are written here with h5py in the layout of tf.keras 2.13's
`model.save("m.h5")` and `save_weights("w.h5")`: JSON configs without
`module` keys, `batch_input_shape`, `inbound_nodes` lists, and weight
datasets named `layer/weight:0`. Keras 3 loads the same files as the
reference.
"""

import os

os.environ["KERAS_BACKEND"] = "torch"

import codecs
import json
import marshal

import h5py
import keras
import numpy as np
import pytest
import torch

import torchkeras
from torchkeras.saving import legacy_h5

RNG = np.random.default_rng(0)

# ----------------------------------------------------------------------
# Keras 2 configs and files
# ----------------------------------------------------------------------


def _initializer(class_name, **config):
    return {"class_name": class_name, "config": config}


def _base(name, batch_input_shape=None):
    config = {"name": name, "trainable": True, "dtype": "float32"}
    if batch_input_shape is not None:
        config["batch_input_shape"] = batch_input_shape
    return config


def _input_layer(name, batch_input_shape):
    return {
        "class_name": "InputLayer",
        "config": {
            "batch_input_shape": batch_input_shape,
            "dtype": "float32",
            "sparse": False,
            "ragged": False,
            "name": name,
        },
    }


def _dense(name, units, activation="linear", batch_input_shape=None):
    config = _base(name, batch_input_shape)
    config.update(
        units=units,
        activation=activation,
        use_bias=True,
        kernel_initializer=_initializer("GlorotUniform", seed=None),
        bias_initializer=_initializer("Zeros"),
        kernel_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
    )
    return {"class_name": "Dense", "config": config}


def _conv2d(name, filters, batch_input_shape=None):
    config = _base(name, batch_input_shape)
    config.update(
        filters=filters,
        kernel_size=[3, 3],
        strides=[1, 1],
        padding="valid",
        data_format="channels_last",
        dilation_rate=[1, 1],
        groups=1,
        activation="relu",
        use_bias=True,
        kernel_initializer=_initializer("GlorotUniform", seed=None),
        bias_initializer=_initializer("Zeros"),
        kernel_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
    )
    return {"class_name": "Conv2D", "config": config}


def _batch_norm(name, axis):
    config = _base(name)
    config.update(
        axis=axis,
        momentum=0.99,
        epsilon=0.001,
        center=True,
        scale=True,
        beta_initializer=_initializer("Zeros"),
        gamma_initializer=_initializer("Ones"),
        moving_mean_initializer=_initializer("Zeros"),
        moving_variance_initializer=_initializer("Ones"),
        beta_regularizer=None,
        gamma_regularizer=None,
        beta_constraint=None,
        gamma_constraint=None,
    )
    return {"class_name": "BatchNormalization", "config": config}


def _plain(class_name, name, **arguments):
    config = _base(name)
    config.update(arguments)
    return {"class_name": class_name, "config": config}


def _random(*shape):
    return RNG.normal(size=shape).astype("float32")


def _dense_weights(name, units_in, units_out):
    return (
        name,
        [
            (f"{name}/kernel:0", _random(units_in, units_out)),
            (f"{name}/bias:0", _random(units_out)),
        ],
    )


def _batch_norm_weights(name, channels):
    return (
        name,
        [
            (f"{name}/gamma:0", _random(channels)),
            (f"{name}/beta:0", _random(channels)),
            (f"{name}/moving_mean:0", _random(channels)),
            (f"{name}/moving_variance:0", np.abs(_random(channels)) + 0.5),
        ],
    )


def _write_layer_groups(group, layers):
    """Write `[(layer_name, [(weight_name, array), ...]), ...]` as Keras 2."""
    group.attrs["layer_names"] = np.array(
        [name.encode("utf8") for name, _ in layers]
    )
    group.attrs["backend"] = b"tensorflow"
    group.attrs["keras_version"] = b"2.13.1"
    for name, weights in sorted(layers, key=lambda item: item[0]):
        layer_group = group.create_group(name)
        weight_names = [
            weight_name.encode("utf8") for weight_name, _ in weights
        ]
        layer_group.attrs["weight_names"] = np.array(
            weight_names, dtype=f"S{max([len(n) for n in weight_names] + [1])}"
        )
        for weight_name, value in weights:
            layer_group.create_dataset(weight_name, data=value)
    top = group.create_group("top_level_model_weights")
    top.attrs["weight_names"] = np.array([], dtype="S1")


def _write_model_file(path, class_name, config, layers, training_config=None):
    with h5py.File(path, "w") as file:
        file.attrs["keras_version"] = "2.13.1"
        file.attrs["backend"] = "tensorflow"
        model_config = {"class_name": class_name, "config": config}
        file.attrs["model_config"] = json.dumps(model_config).encode("utf8")
        if training_config is not None:
            file.attrs["training_config"] = json.dumps(training_config).encode(
                "utf8"
            )
        _write_layer_groups(file.create_group("model_weights"), layers)
    return str(path)


def _write_weights_file(path, layers):
    with h5py.File(path, "w") as file:
        _write_layer_groups(file, layers)
    return str(path)


def _conv_sequential_file(path):
    """Sequential: Conv2D, BatchNormalization, pooling, Dropout, Dense."""
    shape = [None, 8, 8, 3]
    config = {
        "name": "sequential",
        "layers": [
            _input_layer("conv2d_input", shape),
            _conv2d("conv2d", 4, batch_input_shape=shape),
            _batch_norm("batch_normalization", [3]),
            _plain(
                "MaxPooling2D",
                "max_pooling2d",
                pool_size=[2, 2],
                padding="valid",
                strides=[2, 2],
                data_format="channels_last",
            ),
            _plain("Dropout", "dropout", rate=0.5, noise_shape=None, seed=None),
            _plain("Flatten", "flatten", data_format="channels_last"),
            _dense("dense", 2, activation="softmax"),
        ],
    }
    layers = [
        (
            "conv2d",
            [
                ("conv2d/kernel:0", _random(3, 3, 3, 4)),
                ("conv2d/bias:0", _random(4)),
            ],
        ),
        _batch_norm_weights("batch_normalization", 4),
        ("max_pooling2d", []),
        ("dropout", []),
        ("flatten", []),
        _dense_weights("dense", 36, 2),
    ]
    return _write_model_file(path, "Sequential", config, layers)


def _embedding_sequential_file(path):
    embedding = _plain(
        "Embedding",
        "embedding",
        batch_input_shape=[None, 5],
        input_dim=20,
        output_dim=4,
        embeddings_initializer=_initializer(
            "RandomUniform", minval=-0.05, maxval=0.05, seed=None
        ),
        embeddings_regularizer=None,
        activity_regularizer=None,
        embeddings_constraint=None,
        mask_zero=False,
        input_length=5,
    )
    config = {
        "name": "sequential",
        "layers": [
            _input_layer("embedding_input", [None, 5]),
            embedding,
            _plain("Flatten", "flatten", data_format="channels_last"),
            _dense("dense", 1, activation="sigmoid"),
        ],
    }
    layers = [
        ("embedding", [("embedding/embeddings:0", _random(20, 4))]),
        ("flatten", []),
        _dense_weights("dense", 20, 1),
    ]
    return _write_model_file(path, "Sequential", config, layers)


def _node(*inputs):
    """Return a Keras 2 call of a layer on `(layer_name, node_index)` pairs."""
    return [[name, node_index, 0, {}] for name, node_index in inputs]


def _layer_entry(layer, inbound_nodes):
    entry = dict(layer)
    entry["name"] = layer["config"]["name"]
    entry["inbound_nodes"] = inbound_nodes
    return entry


def _two_input_functional_file(path, training_config=None):
    config = {
        "name": "model",
        "trainable": True,
        "layers": [
            _layer_entry(_input_layer("input_1", [None, 4]), []),
            _layer_entry(_input_layer("input_2", [None, 3]), []),
            _layer_entry(_dense("dense", 5, "relu"), [_node(("input_1", 0))]),
            _layer_entry(_dense("dense_1", 5, "tanh"), [_node(("input_2", 0))]),
            _layer_entry(
                _plain("Concatenate", "concatenate", axis=-1),
                [_node(("dense", 0), ("dense_1", 0))],
            ),
            _layer_entry(
                _plain("Add", "add"), [_node(("dense", 0), ("dense_1", 0))]
            ),
            _layer_entry(_dense("dense_2", 1), [_node(("concatenate", 0))]),
        ],
        "input_layers": [["input_1", 0, 0], ["input_2", 0, 0]],
        "output_layers": [["dense_2", 0, 0]],
    }
    layers = [
        ("input_1", []),
        ("input_2", []),
        _dense_weights("dense", 4, 5),
        _dense_weights("dense_1", 3, 5),
        ("concatenate", []),
        ("add", []),
        _dense_weights("dense_2", 10, 1),
    ]
    return _write_model_file(
        path, "Functional", config, layers, training_config
    )


def _nested_sequential_file(path):
    """Functional model calling a nested Sequential (its call is node 1)."""
    inner = {
        "class_name": "Sequential",
        "config": {
            "name": "sequential",
            "layers": [
                _input_layer("dense_input", [None, 4]),
                _dense("dense", 6, "relu", batch_input_shape=[None, 4]),
                _batch_norm("batch_normalization", -1),
            ],
        },
    }
    config = {
        "name": "model",
        "trainable": True,
        "layers": [
            _layer_entry(_input_layer("input_1", [None, 4]), []),
            dict(
                inner, name="sequential", inbound_nodes=[_node(("input_1", 0))]
            ),
            _layer_entry(_dense("dense_1", 2), [_node(("sequential", 1))]),
        ],
        "input_layers": [["input_1", 0, 0]],
        "output_layers": [["dense_1", 0, 0]],
    }
    _, dense_weights = _dense_weights("dense", 4, 6)
    _, norm_weights = _batch_norm_weights("batch_normalization", 6)
    # A nested model's group contains all trainable weights, then the rest.
    nested = dense_weights + norm_weights[:2] + norm_weights[2:]
    layers = [
        ("input_1", []),
        ("sequential", nested),
        _dense_weights("dense_1", 6, 2),
    ]
    return _write_model_file(path, "Functional", config, layers)


def _conv1d(name):
    return _plain(
        "Conv1D",
        name,
        filters=2,
        kernel_size=[2],
        strides=[1],
        padding="causal",
        data_format="channels_last",
        dilation_rate=[1],
        groups=1,
        activation="linear",
        use_bias=True,
        kernel_initializer=_initializer("GlorotUniform", seed=None),
        bias_initializer=_initializer("Zeros"),
        kernel_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
    )


# Keras 2 configs of layers without weights (plus one Conv1D), each run
# after an InputLayer of the given batch shape.
LAYER_CASES = {
    "leaky_relu_alpha": (
        [_plain("LeakyReLU", "leaky_re_lu", alpha=0.1)],
        [None, 6],
    ),
    "relu": (
        [
            _plain(
                "ReLU",
                "re_lu",
                max_value=2.0,
                negative_slope=0.1,
                threshold=0.5,
            )
        ],
        [None, 6],
    ),
    "elu": ([_plain("ELU", "elu", alpha=0.7)], [None, 6]),
    "softmax": ([_plain("Softmax", "softmax", axis=-1)], [None, 6]),
    "activation": (
        [_plain("Activation", "activation", activation="tanh")],
        [None, 6],
    ),
    "reshape": (
        [_plain("Reshape", "reshape", target_shape=[2, 3])],
        [None, 6],
    ),
    "rescaling": (
        [_plain("Rescaling", "rescaling", scale=0.5, offset=1.0)],
        [None, 6],
    ),
    "masking": (
        [_plain("Masking", "masking", mask_value=0.0)],
        [None, 3, 2],
    ),
    "conv1d_pooling": (
        [
            _conv1d("conv1d"),
            _plain(
                "MaxPooling1D",
                "max_pooling1d",
                strides=[2],
                pool_size=[2],
                padding="valid",
                data_format="channels_last",
            ),
            _plain(
                "GlobalAveragePooling1D",
                "global_average_pooling1d",
                data_format="channels_last",
                keepdims=False,
            ),
        ],
        [None, 6, 3],
    ),
    "pooling2d": (
        [
            _plain(
                "AveragePooling2D",
                "average_pooling2d",
                pool_size=[2, 2],
                padding="same",
                strides=[2, 2],
                data_format="channels_last",
            ),
            _plain(
                "GlobalMaxPooling2D",
                "global_max_pooling2d",
                data_format="channels_last",
                keepdims=False,
            ),
        ],
        [None, 5, 5, 2],
    ),
}


def _layer_case_file(path, layers, shape):
    config = {
        "name": "sequential",
        "layers": [_input_layer("input", shape), *layers],
    }
    weights = []
    for layer in layers:
        name = layer["config"]["name"]
        if layer["class_name"] == "Conv1D":
            weights.append(
                (
                    name,
                    [
                        (f"{name}/kernel:0", _random(2, 3, 2)),
                        (f"{name}/bias:0", _random(2)),
                    ],
                )
            )
        else:
            weights.append((name, []))
    return _write_model_file(path, "Sequential", config, weights)


def _lambda_file(path):
    """Sequential with a Keras 2 `Lambda` whose function is `x * 2`."""

    def double(x):
        return x * 2.0

    # Keras 2 stored a lambda as base64 text of its marshalled code object.
    code = codecs.encode(marshal.dumps(double.__code__), "base64")
    layer = _plain(
        "Lambda",
        "lambda",
        function=[code.decode("ascii"), None, None],
        function_type="lambda",
        module="__main__",
        output_shape=None,
        output_shape_type="raw",
        output_shape_module=None,
        arguments={},
    )
    config = {
        "name": "sequential",
        "layers": [_input_layer("input", [None, 3]), layer],
    }
    return _write_model_file(path, "Sequential", config, [("lambda", [])])


def _predict_both(path, inputs):
    ours = legacy_h5.load_model_from_hdf5(path)
    theirs = keras.saving.load_model(path)
    return (
        ours,
        ours.predict(inputs, verbose=0),
        theirs.predict(inputs, verbose=0),
    )


# ----------------------------------------------------------------------
# Loading full models
# ----------------------------------------------------------------------


class TestLoadModel:
    def test_conv_sequential_matches_keras(self, tmp_path):
        path = _conv_sequential_file(tmp_path / "conv.h5")
        inputs = _random(3, 8, 8, 3)

        model, ours, theirs = _predict_both(path, inputs)

        assert isinstance(model, torchkeras.Sequential)
        assert [layer.name for layer in model.layers][:2] == [
            "conv2d",
            "batch_normalization",
        ]
        np.testing.assert_allclose(ours, theirs, atol=1e-5)

    def test_weights_match_file(self, tmp_path):
        path = _conv_sequential_file(tmp_path / "conv.h5")

        model = legacy_h5.load_model_from_hdf5(path)

        with h5py.File(path, "r") as file:
            norm = file["model_weights/batch_normalization/batch_normalization"]
            expected = norm["moving_variance:0"][()]
        layer = model.get_layer("batch_normalization")
        np.testing.assert_array_equal(layer.moving_variance.numpy(), expected)

    def test_embedding_sequential_matches_keras(self, tmp_path):
        path = _embedding_sequential_file(tmp_path / "embedding.h5")
        inputs = RNG.integers(0, 20, size=(4, 5))

        model = legacy_h5.load_model_from_hdf5(path)
        with pytest.warns(UserWarning, match="input_length|input_shape"):
            reference = keras.saving.load_model(path)

        ours = model.predict(inputs, verbose=0)
        theirs = reference.predict(inputs, verbose=0)

        assert model.output_shape == (None, 1)
        np.testing.assert_allclose(ours, theirs, atol=1e-5)

    def test_two_input_functional_matches_keras(self, tmp_path):
        path = _two_input_functional_file(tmp_path / "functional.h5")
        inputs = [_random(6, 4), _random(6, 3)]

        model, ours, theirs = _predict_both(path, inputs)

        assert isinstance(model, torchkeras.models.Functional)
        assert model.output_shape == (None, 1)
        np.testing.assert_allclose(ours, theirs, atol=1e-5)

    @pytest.mark.parametrize("case", sorted(LAYER_CASES))
    def test_layer_configs_match_keras(self, tmp_path, case):
        layers, shape = LAYER_CASES[case]
        path = _layer_case_file(tmp_path / f"{case}.h5", layers, shape)
        inputs = _random(3, *shape[1:])

        _, ours, theirs = _predict_both(path, inputs)

        np.testing.assert_allclose(ours, theirs, atol=1e-5)

    def test_nested_sequential_matches_numpy(self, tmp_path):
        # NOTE: Keras 3.15.1 cannot load this file: it does not renumber
        # the nested Sequential's call (node 1), so numpy is the reference.
        path = _nested_sequential_file(tmp_path / "nested.h5")
        inputs = _random(5, 4)

        model = legacy_h5.load_model_from_hdf5(path)

        with h5py.File(path, "r") as file:
            group = file["model_weights/sequential"]
            values = {n: group[n][()] for n in group.attrs["weight_names"]}
            head = file["model_weights/dense_1/dense_1"]
            head_kernel, head_bias = head["kernel:0"][()], head["bias:0"][()]
        hidden = np.maximum(
            inputs @ values[b"dense/kernel:0"] + values[b"dense/bias:0"], 0
        )
        hidden = (
            hidden - values[b"batch_normalization/moving_mean:0"]
        ) / np.sqrt(
            values[b"batch_normalization/moving_variance:0"] + 0.001
        ) * values[b"batch_normalization/gamma:0"] + values[
            b"batch_normalization/beta:0"
        ]
        expected = hidden @ head_kernel + head_bias
        np.testing.assert_allclose(
            model.predict(inputs, verbose=0), expected, atol=1e-5
        )

    def test_nested_functional_output(self, tmp_path):
        """A Keras 2 model whose output is a nested model's output (node 1)."""
        inner_config = {
            "name": "inner",
            "trainable": True,
            "layers": [
                _layer_entry(_input_layer("input_2", [None, 3]), []),
                _layer_entry(_dense("dense", 2), [_node(("input_2", 0))]),
            ],
            "input_layers": [["input_2", 0, 0]],
            "output_layers": [["dense", 0, 0]],
        }
        config = {
            "name": "outer",
            "trainable": True,
            "layers": [
                _layer_entry(_input_layer("input_1", [None, 3]), []),
                {
                    "class_name": "Functional",
                    "config": inner_config,
                    "name": "inner",
                    "inbound_nodes": [_node(("input_1", 0))],
                },
            ],
            "input_layers": [["input_1", 0, 0]],
            "output_layers": [["inner", 1, 0]],
        }
        _, weights = _dense_weights("dense", 3, 2)
        path = _write_model_file(
            tmp_path / "inner.h5",
            "Functional",
            config,
            [("input_1", []), ("inner", weights)],
        )
        inputs = _random(4, 3)

        model = legacy_h5.load_model_from_hdf5(path)

        expected = inputs @ weights[0][1] + weights[1][1]
        np.testing.assert_allclose(
            model.predict(inputs, verbose=0), expected, atol=1e-5
        )

    @pytest.mark.parametrize("writer", ["keras", "torchkeras"])
    @pytest.mark.parametrize("inner_kind", ["functional", "sequential"])
    def test_nested_model_output_both_ways(self, tmp_path, writer, inner_kind):
        lib = keras if writer == "keras" else torchkeras
        inputs = lib.Input((4,))
        if inner_kind == "functional":
            inner_inputs = lib.Input((4,))
            inner = lib.Model(inner_inputs, lib.layers.Dense(2)(inner_inputs))
        else:
            inner = lib.Sequential([lib.Input((4,)), lib.layers.Dense(2)])
        model = lib.Model(inputs, inner(inputs))
        path = str(tmp_path / "nested.h5")
        if writer == "keras":
            model.save(path)
        else:
            legacy_h5.save_model_to_hdf5(model, path)
        features = _random(3, 4)

        ours = legacy_h5.load_model_from_hdf5(path)
        theirs = keras.saving.load_model(path)

        expected = np.asarray(model.predict(features, verbose=0))
        np.testing.assert_allclose(
            ours.predict(features, verbose=0), expected, atol=1e-5
        )
        np.testing.assert_allclose(
            theirs.predict(features, verbose=0), expected, atol=1e-5
        )

    def test_shared_layer_matches_keras(self, tmp_path):
        config = {
            "name": "model",
            "trainable": True,
            "layers": [
                _layer_entry(_input_layer("input_1", [None, 4]), []),
                _layer_entry(
                    _dense("dense", 4, "tanh"),
                    [_node(("input_1", 0)), _node(("dense", 0))],
                ),
                _layer_entry(_dense("dense_1", 1), [_node(("dense", 1))]),
            ],
            "input_layers": [["input_1", 0, 0]],
            "output_layers": [["dense_1", 0, 0]],
        }
        layers = [
            ("input_1", []),
            _dense_weights("dense", 4, 4),
            _dense_weights("dense_1", 4, 1),
        ]
        path = _write_model_file(
            tmp_path / "shared.h5", "Functional", config, layers
        )
        inputs = _random(3, 4)

        _, ours, theirs = _predict_both(path, inputs)

        np.testing.assert_allclose(ours, theirs, atol=1e-5)

    def test_frozen_layer_weight_order(self, tmp_path):
        """A frozen layer's weights follow the trainable ones in its group."""
        frozen = _dense("dense", 3, batch_input_shape=[None, 4])
        frozen["config"]["trainable"] = False
        inner = {
            "class_name": "Sequential",
            "config": {
                "name": "sequential_1",
                "layers": [frozen, _batch_norm("batch_normalization", -1)],
            },
        }
        config = {
            "name": "sequential",
            "layers": [_input_layer("input", [None, 4]), inner],
        }
        _, dense_weights = _dense_weights("dense", 4, 3)
        _, norm_weights = _batch_norm_weights("batch_normalization", 3)
        nested = norm_weights[:2] + dense_weights + norm_weights[2:]
        path = _write_model_file(
            tmp_path / "frozen.h5",
            "Sequential",
            config,
            [("sequential_1", nested)],
        )

        model = legacy_h5.load_model_from_hdf5(path)

        inner_model = model.get_layer("sequential_1")
        kernel = inner_model.get_layer("dense").kernel.numpy()
        gamma = inner_model.get_layer("batch_normalization").gamma.numpy()
        np.testing.assert_array_equal(kernel, dense_weights[0][1])
        np.testing.assert_array_equal(gamma, norm_weights[0][1])

    def test_sequential_inside_sequential(self, tmp_path):
        inner = {
            "class_name": "Sequential",
            "config": {
                "name": "sequential_1",
                "layers": [_dense("dense_1", 2, batch_input_shape=[None, 3])],
            },
        }
        config = {
            "name": "sequential",
            "layers": [
                _input_layer("dense_input", [None, 4]),
                _dense("dense", 3, "relu", batch_input_shape=[None, 4]),
                inner,
            ],
        }
        _, inner_weights = _dense_weights("dense_1", 3, 2)
        layers = [
            _dense_weights("dense", 4, 3),
            ("sequential_1", inner_weights),
        ]
        path = _write_model_file(
            tmp_path / "s.h5", "Sequential", config, layers
        )

        model = legacy_h5.load_model_from_hdf5(path)

        inputs = _random(2, 4)
        with h5py.File(path, "r") as file:
            kernel = file["model_weights/dense/dense/kernel:0"][()]
            bias = file["model_weights/dense/dense/bias:0"][()]
        hidden = np.maximum(inputs @ kernel + bias, 0)
        expected = hidden @ inner_weights[0][1] + inner_weights[1][1]
        np.testing.assert_allclose(
            model.predict(inputs, verbose=0), expected, atol=1e-5
        )

    def test_custom_layer_from_custom_objects(self, tmp_path):
        class Scale(torchkeras.layers.Layer):
            def __init__(self, factor=1.0, **kwargs):
                super().__init__(**kwargs)
                self.factor = factor

            def call(self, inputs):
                return inputs * self.factor

            def get_config(self):
                return {**super().get_config(), "factor": self.factor}

        config = {
            "name": "sequential",
            "layers": [
                _input_layer("scale_input", [None, 2]),
                _plain("Custom>Scale", "scale", factor=3.0),
            ],
        }
        path = _write_model_file(
            tmp_path / "custom.h5", "Sequential", config, [("scale", [])]
        )

        model = legacy_h5.load_model_from_hdf5(
            path, custom_objects={"Scale": Scale}
        )

        np.testing.assert_allclose(
            model.predict(np.ones((1, 2)), verbose=0), [[3.0, 3.0]]
        )

    def test_mixed_precision_policy_warns(self, tmp_path):
        layer = _dense("dense", 2, batch_input_shape=[None, 3])
        layer["config"]["dtype"] = {
            "class_name": "Policy",
            "config": {"name": "mixed_float16"},
        }
        config = {"name": "sequential", "layers": [layer]}
        path = _write_model_file(
            tmp_path / "mixed.h5",
            "Sequential",
            config,
            [_dense_weights("dense", 3, 2)],
        )

        with pytest.warns(UserWarning, match="mixed precision policy"):
            model = legacy_h5.load_model_from_hdf5(path)

        assert model.layers[0].kernel.dtype == torch.float32


# ----------------------------------------------------------------------
# Compile state
# ----------------------------------------------------------------------

KERAS2_TRAINING_CONFIG = {
    "loss": {
        "class_name": "BinaryCrossentropy",
        "config": {
            "reduction": "auto",
            "name": "binary_crossentropy",
            "from_logits": True,
            "label_smoothing": 0.0,
            "axis": -1,
        },
    },
    "metrics": [
        [
            {
                "class_name": "MeanMetricWrapper",
                "config": {
                    "name": "accuracy",
                    "dtype": "float32",
                    "fn": "binary_accuracy",
                },
            }
        ]
    ],
    "weighted_metrics": None,
    "loss_weights": None,
    "optimizer_config": {
        "class_name": "Custom>Adam",
        "config": {
            "name": "Adam",
            "weight_decay": None,
            "clipnorm": None,
            "global_clipnorm": None,
            "clipvalue": None,
            "use_ema": False,
            "ema_momentum": 0.99,
            "ema_overwrite_frequency": None,
            "jit_compile": True,
            "is_legacy_optimizer": False,
            "learning_rate": 0.0010000000474974513,
            "beta_1": 0.9,
            "beta_2": 0.999,
            "epsilon": 1e-07,
            "amsgrad": False,
        },
    },
}


class TestCompile:
    """Compile state from `training_config`.

    Keras 3.15.1 rejects Keras 2's `reduction="auto"`, so these tests
    compare with a model compiled by hand.
    """

    def test_training_config_restores_compile(self, tmp_path):
        path = _two_input_functional_file(
            tmp_path / "compiled.h5", KERAS2_TRAINING_CONFIG
        )

        model = legacy_h5.load_model_from_hdf5(path)

        assert model.compiled
        assert isinstance(model.optimizer, torchkeras.optimizers.Adam)
        assert model.optimizer.learning_rate == pytest.approx(0.001)
        assert model.loss.from_logits is True

    def test_evaluate_matches_manual_compile(self, tmp_path):
        path = _two_input_functional_file(
            tmp_path / "compiled.h5", KERAS2_TRAINING_CONFIG
        )
        inputs = [_random(16, 4), _random(16, 3)]
        labels = RNG.integers(0, 2, size=(16, 1)).astype("float32")

        restored = legacy_h5.load_model_from_hdf5(path)
        manual = legacy_h5.load_model_from_hdf5(path, compile=False)
        manual.compile(
            optimizer="adam",
            loss=torchkeras.losses.BinaryCrossentropy(from_logits=True),
            metrics=["accuracy"],
        )

        expected = manual.evaluate(inputs, labels, verbose=0, return_dict=True)
        results = restored.evaluate(inputs, labels, verbose=0, return_dict=True)
        assert sorted(results) == ["accuracy", "loss"]
        assert results["loss"] == pytest.approx(expected["loss"], abs=1e-6)
        assert results["accuracy"] == pytest.approx(expected["accuracy"])

    def test_keras2_legacy_optimizer_config(self, tmp_path):
        training_config = {
            "loss": "mean_squared_error",
            "metrics": ["mae"],
            "weighted_metrics": None,
            "loss_weights": None,
            "optimizer_config": {
                "class_name": "SGD",
                "config": {
                    "name": "SGD",
                    "lr": 0.05,
                    "decay": 0.0,
                    "momentum": 0.9,
                    "nesterov": True,
                },
            },
        }
        path = _two_input_functional_file(tmp_path / "sgd.h5", training_config)

        model = legacy_h5.load_model_from_hdf5(path)

        assert isinstance(model.optimizer, torchkeras.optimizers.SGD)
        assert model.optimizer.learning_rate == pytest.approx(0.05)
        assert model.optimizer.momentum == pytest.approx(0.9)
        assert model.optimizer.nesterov is True

    def test_compile_false_leaves_model_uncompiled(self, tmp_path):
        path = _two_input_functional_file(
            tmp_path / "compiled.h5", KERAS2_TRAINING_CONFIG
        )

        model = legacy_h5.load_model_from_hdf5(path, compile=False)

        assert not getattr(model, "compiled", False)

    def test_unknown_optimizer_option_warns(self, tmp_path):
        training_config = json.loads(json.dumps(KERAS2_TRAINING_CONFIG))
        training_config["optimizer_config"]["config"]["decay"] = 0.01
        path = _two_input_functional_file(
            tmp_path / "decay.h5", training_config
        )

        with pytest.warns(UserWarning, match="decay=0.01"):
            model = legacy_h5.load_model_from_hdf5(path)

        assert model.compiled

    def test_unknown_metric_is_left_out(self, tmp_path):
        training_config = json.loads(json.dumps(KERAS2_TRAINING_CONFIG))
        training_config["metrics"][0].append(
            {"class_name": "NoSuchMetric", "config": {"name": "no_such"}}
        )
        path = _two_input_functional_file(
            tmp_path / "metric.h5", training_config
        )

        with pytest.warns(UserWarning, match="NoSuchMetric"):
            model = legacy_h5.load_model_from_hdf5(path)

        assert model.compiled

    def test_optimizer_weights_warn(self, tmp_path):
        path = _two_input_functional_file(
            tmp_path / "state.h5", KERAS2_TRAINING_CONFIG
        )
        with h5py.File(path, "a") as file:
            group = file.create_group("optimizer_weights")
            group.attrs["weight_names"] = np.array([b"Adam/iter:0"])
            group.create_dataset("Adam/iter:0", data=np.int64(3))

        with pytest.warns(UserWarning, match="optimizer state"):
            legacy_h5.load_model_from_hdf5(path)


# ----------------------------------------------------------------------
# Weights-only files
# ----------------------------------------------------------------------


def _weights_model(lib):
    return lib.Sequential(
        [
            lib.Input((4,)),
            lib.layers.Dense(3, activation="relu", name="first"),
            lib.layers.BatchNormalization(name="norm"),
            lib.layers.Dense(2, name="last"),
        ]
    )


def _weights_file(path, names=("dense", "batch_normalization", "dense_1")):
    layers = [
        _dense_weights(names[0], 4, 3),
        _batch_norm_weights(names[1], 3),
        _dense_weights(names[2], 3, 2),
    ]
    return _write_weights_file(path, layers)


class TestLoadWeights:
    def test_by_order_matches_keras(self, tmp_path):
        path = _weights_file(tmp_path / "w.h5")
        ours = _weights_model(torchkeras)
        theirs = _weights_model(keras)

        legacy_h5.load_weights_from_hdf5(ours, path)
        theirs.load_weights(path)

        inputs = _random(5, 4)
        np.testing.assert_allclose(
            ours.predict(inputs, verbose=0),
            theirs.predict(inputs, verbose=0),
            atol=1e-5,
        )

    def test_by_name_loads_matching_layers(self, tmp_path):
        path = _weights_file(
            tmp_path / "w.h5", names=("first", "other", "last")
        )
        model = _weights_model(torchkeras)
        norm_before = model.get_layer("norm").get_weights()

        legacy_h5.load_weights_from_hdf5(model, path, by_name=True)

        with h5py.File(path, "r") as file:
            kernel = file["first/first/kernel:0"][()]
        np.testing.assert_array_equal(
            model.get_layer("first").kernel.numpy(), kernel
        )
        for before, after in zip(
            norm_before, model.get_layer("norm").get_weights()
        ):
            np.testing.assert_array_equal(before, after)

    def test_full_model_file_weights(self, tmp_path):
        path = _two_input_functional_file(tmp_path / "functional.h5")
        model = legacy_h5.load_model_from_hdf5(path)
        twin = legacy_h5.load_model_from_hdf5(path)
        for variable in twin.weights:
            variable.assign(np.zeros(variable.shape))

        legacy_h5.load_weights_from_hdf5(twin, path)

        inputs = [_random(2, 4), _random(2, 3)]
        np.testing.assert_allclose(
            twin.predict(inputs, verbose=0), model.predict(inputs, verbose=0)
        )

    def test_shape_mismatch_names_layer_and_shapes(self, tmp_path):
        path = _write_weights_file(
            tmp_path / "w.h5",
            [
                _dense_weights("dense", 4, 3),
                _batch_norm_weights("batch_normalization", 3),
                _dense_weights("dense_1", 3, 7),
            ],
        )
        model = _weights_model(torchkeras)

        with pytest.raises(
            ValueError,
            match=r"'last' weight 'last/kernel' has shape \(3, 2\).*\(3, 7\)"
            r".*skip_mismatch=True",
        ):
            legacy_h5.load_weights_from_hdf5(model, path)

    def test_skip_mismatch_warns_and_loads_rest(self, tmp_path):
        path = _write_weights_file(
            tmp_path / "w.h5",
            [
                _dense_weights("dense", 4, 3),
                _batch_norm_weights("batch_normalization", 3),
                _dense_weights("dense_1", 3, 7),
            ],
        )
        model = _weights_model(torchkeras)
        last_before = model.get_layer("last").kernel.numpy().copy()

        with pytest.warns(
            UserWarning, match="Skipping loading weights for layer 'last'"
        ):
            legacy_h5.load_weights_from_hdf5(model, path, skip_mismatch=True)

        np.testing.assert_array_equal(
            model.get_layer("last").kernel.numpy(), last_before
        )
        with h5py.File(path, "r") as file:
            kernel = file["dense/dense/kernel:0"][()]
        np.testing.assert_array_equal(
            model.get_layer("first").kernel.numpy(), kernel
        )

    def test_layer_count_mismatch_raises(self, tmp_path):
        path = _write_weights_file(
            tmp_path / "w.h5", [_dense_weights("dense", 4, 3)]
        )
        model = _weights_model(torchkeras)

        with pytest.raises(ValueError, match="3 layers with weights.*1 layers"):
            legacy_h5.load_weights_from_hdf5(model, path)

    def test_failed_load_changes_nothing(self, tmp_path):
        path = _write_weights_file(
            tmp_path / "w.h5",
            [
                _dense_weights("dense", 4, 3),
                _batch_norm_weights("batch_normalization", 3),
                _dense_weights("dense_1", 3, 7),
            ],
        )
        model = _weights_model(torchkeras)
        before = model.get_layer("first").kernel.numpy().copy()

        with pytest.raises(ValueError):
            legacy_h5.load_weights_from_hdf5(model, path)

        np.testing.assert_array_equal(
            model.get_layer("first").kernel.numpy(), before
        )

    def test_keras3_weights_file_raises(self, tmp_path):
        model = _weights_model(torchkeras)
        path = tmp_path / "w.weights.h5"
        model.save_weights(path)

        with pytest.raises(ValueError, match="`.weights.h5` layout"):
            legacy_h5.load_weights_from_hdf5(model, path)


# ----------------------------------------------------------------------
# Writing
# ----------------------------------------------------------------------


def _round_trip_model():
    inputs = torchkeras.Input((4,), name="features")
    other = torchkeras.Input((3,), name="extra")
    x = torchkeras.layers.Dense(5, activation="relu")(inputs)
    y = torchkeras.layers.Dense(5)(other)
    x = torchkeras.layers.Concatenate()([x, y])
    x = torchkeras.layers.BatchNormalization()(x)
    outputs = torchkeras.layers.Dense(1)(x)
    return torchkeras.Model([inputs, other], outputs)


class TestSaveModel:
    def test_round_trip_through_keras(self, tmp_path):
        model = _round_trip_model()
        path = str(tmp_path / "model.h5")
        inputs = [_random(6, 4), _random(6, 3)]

        legacy_h5.save_model_to_hdf5(model, path)
        ours = legacy_h5.load_model_from_hdf5(path)
        theirs = keras.saving.load_model(path)

        expected = model.predict(inputs, verbose=0)
        np.testing.assert_allclose(
            ours.predict(inputs, verbose=0), expected, atol=1e-5
        )
        np.testing.assert_allclose(
            theirs.predict(inputs, verbose=0), expected, atol=1e-5
        )

    def test_sequential_round_trip_through_keras(self, tmp_path):
        model = torchkeras.Sequential(
            [
                torchkeras.Input((6, 6, 2)),
                torchkeras.layers.Conv2D(3, 3, activation="relu"),
                torchkeras.layers.MaxPooling2D(),
                torchkeras.layers.Flatten(),
                torchkeras.layers.Dense(2),
            ]
        )
        path = str(tmp_path / "model.h5")
        inputs = _random(3, 6, 6, 2)

        legacy_h5.save_model_to_hdf5(model, path)

        theirs = keras.saving.load_model(path)
        np.testing.assert_allclose(
            theirs.predict(inputs, verbose=0),
            model.predict(inputs, verbose=0),
            atol=1e-5,
        )

    def test_compiled_round_trip_keeps_loss(self, tmp_path):
        model = _round_trip_model()
        model.compile(
            optimizer=torchkeras.optimizers.Adam(learning_rate=0.01),
            loss=torchkeras.losses.BinaryCrossentropy(from_logits=True),
            metrics=["accuracy"],
        )
        path = str(tmp_path / "model.h5")
        inputs = [_random(16, 4), _random(16, 3)]
        labels = RNG.integers(0, 2, size=(16, 1)).astype("float32")

        legacy_h5.save_model_to_hdf5(model, path)
        ours = legacy_h5.load_model_from_hdf5(path)
        theirs = keras.saving.load_model(path)

        expected = model.evaluate(inputs, labels, verbose=0, return_dict=True)
        ours_result = ours.evaluate(inputs, labels, verbose=0, return_dict=True)
        theirs_result = theirs.evaluate(
            inputs, labels, verbose=0, return_dict=True
        )
        assert ours.loss.from_logits is True
        assert ours.optimizer.learning_rate == pytest.approx(0.01)
        assert ours_result["loss"] == pytest.approx(expected["loss"], abs=1e-5)
        assert theirs_result["loss"] == pytest.approx(
            expected["loss"], abs=1e-5
        )
        assert theirs_result["accuracy"] == pytest.approx(expected["accuracy"])

    def test_fit_history_matches_after_reload(self, tmp_path):
        model = _round_trip_model()
        model.compile(optimizer="sgd", loss="mse")
        path = str(tmp_path / "model.h5")
        inputs = [_random(16, 4), _random(16, 3)]
        targets = _random(16, 1)

        legacy_h5.save_model_to_hdf5(model, path)
        reloaded = legacy_h5.load_model_from_hdf5(path)

        expected = model.fit(
            inputs, targets, epochs=2, shuffle=False, verbose=0
        )
        history = reloaded.fit(
            inputs, targets, epochs=2, shuffle=False, verbose=0
        )
        np.testing.assert_allclose(
            history.history["loss"], expected.history["loss"], rtol=1e-5
        )

    def test_fit_continues_in_keras(self, tmp_path):
        model = _round_trip_model()
        model.compile(optimizer="adam", loss="mse")
        path = str(tmp_path / "model.h5")
        inputs = [_random(16, 4), _random(16, 3)]
        targets = _random(16, 1)
        model.fit(inputs, targets, epochs=2, shuffle=False, verbose=0)

        legacy_h5.save_model_to_hdf5(model, path)
        theirs = keras.saving.load_model(path)
        ours = legacy_h5.load_model_from_hdf5(path)

        # Both start from the saved weights with a fresh Adam state.
        expected = theirs.fit(
            inputs, targets, epochs=2, shuffle=False, verbose=0
        )
        history = ours.fit(inputs, targets, epochs=2, shuffle=False, verbose=0)
        np.testing.assert_allclose(
            history.history["loss"], expected.history["loss"], rtol=1e-5
        )

    def test_keras_file_with_optimizer_state(self, tmp_path):
        inputs = keras.Input((4,))
        hidden = keras.layers.Dense(5, activation="relu")(inputs)
        hidden = keras.layers.BatchNormalization()(hidden)
        theirs = keras.Model(inputs, keras.layers.Dense(1)(hidden))
        theirs.compile(
            optimizer=keras.optimizers.Adam(0.01),
            loss=keras.losses.BinaryCrossentropy(from_logits=True),
            metrics=["accuracy"],
        )
        features = _random(16, 4)
        labels = RNG.integers(0, 2, size=(16, 1)).astype("float32")
        theirs.fit(features, labels, epochs=1, shuffle=False, verbose=0)
        path = str(tmp_path / "keras.h5")
        theirs.save(path)

        ours = legacy_h5.load_model_from_hdf5(path)

        assert int(ours.optimizer.iterations) == 1
        np.testing.assert_allclose(
            ours.predict(features, verbose=0),
            theirs.predict(features, verbose=0),
            atol=1e-5,
        )
        expected = theirs.fit(
            features, labels, epochs=2, shuffle=False, verbose=0
        )
        history = ours.fit(features, labels, epochs=2, shuffle=False, verbose=0)
        np.testing.assert_allclose(
            history.history["loss"], expected.history["loss"], rtol=1e-4
        )
        np.testing.assert_allclose(
            history.history["accuracy"], expected.history["accuracy"]
        )

    def test_overwrite_false_raises(self, tmp_path):
        model = _round_trip_model()
        path = tmp_path / "model.h5"
        path.write_bytes(b"old")

        with pytest.raises(FileExistsError, match="overwrite=True"):
            legacy_h5.save_model_to_hdf5(model, path, overwrite=False)

    def test_failed_write_keeps_previous_file(self, tmp_path, monkeypatch):
        model = _round_trip_model()
        path = tmp_path / "model.h5"
        path.write_bytes(b"previous contents")

        def broken_writer(*args, **kwargs):
            raise RuntimeError("disk full")

        monkeypatch.setattr(legacy_h5, "_write_model_file", broken_writer)
        with pytest.raises(RuntimeError, match="disk full"):
            legacy_h5.save_model_to_hdf5(model, path)

        assert path.read_bytes() == b"previous contents"
        assert os.listdir(tmp_path) == ["model.h5"]


# ----------------------------------------------------------------------
# Bad files
# ----------------------------------------------------------------------


class TestErrors:
    def test_missing_file(self, tmp_path):
        with pytest.raises(FileNotFoundError, match="missing.h5"):
            legacy_h5.load_model_from_hdf5(tmp_path / "missing.h5")

    def test_not_hdf5(self, tmp_path):
        path = tmp_path / "model.h5"
        path.write_bytes(b"this is not an HDF5 file")

        with pytest.raises(ValueError, match="model.h5 is not an HDF5 file"):
            legacy_h5.load_model_from_hdf5(path)

    def test_truncated_file(self, tmp_path):
        path = _conv_sequential_file(tmp_path / "conv.h5")
        with open(path, "rb") as file:
            data = file.read()
        truncated = tmp_path / "truncated.h5"
        truncated.write_bytes(data[: len(data) // 2])

        with pytest.raises(
            ValueError, match="truncated.h5.*truncated or corrupt"
        ):
            legacy_h5.load_model_from_hdf5(truncated)

    def test_missing_model_config(self, tmp_path):
        path = _weights_file(tmp_path / "w.h5")

        with pytest.raises(
            ValueError, match="no `model_config` attribute.*load_weights"
        ):
            legacy_h5.load_model_from_hdf5(path)

    def test_unknown_layer_class_mentions_custom_objects(self, tmp_path):
        config = {
            "name": "sequential",
            "layers": [
                _input_layer("input", [None, 2]),
                _plain("MysteryLayer", "mystery_layer"),
            ],
        }
        path = _write_model_file(
            tmp_path / "unknown.h5",
            "Sequential",
            config,
            [("mystery_layer", [])],
        )

        with pytest.raises(
            ValueError,
            match="'mystery_layer' from .*unknown.h5.*'MysteryLayer'"
            ".*custom_objects",
        ):
            legacy_h5.load_model_from_hdf5(path)

    def test_tf_operation_layer_explains(self, tmp_path):
        config = {
            "name": "sequential",
            "layers": [
                _plain("TFOpLambda", "tf.math.add", function="math.add")
            ],
        }
        path = _write_model_file(
            tmp_path / "op.h5", "Sequential", config, [("tf.math.add", [])]
        )

        with pytest.raises(ValueError, match="TensorFlow operation"):
            legacy_h5.load_model_from_hdf5(path)

    def test_lambda_rejected_in_safe_mode(self, tmp_path):
        path = _lambda_file(tmp_path / "lambda.h5")

        with pytest.raises(ValueError, match="safe_mode=False"):
            legacy_h5.load_model_from_hdf5(path)

    def test_lambda_loads_without_safe_mode(self, tmp_path):
        path = _lambda_file(tmp_path / "lambda.h5")
        inputs = _random(2, 3)

        model = legacy_h5.load_model_from_hdf5(path, safe_mode=False)
        reference = keras.saving.load_model(path, safe_mode=False)

        ours = model.predict(inputs, verbose=0)
        np.testing.assert_allclose(ours, inputs * 2.0, atol=1e-6)
        np.testing.assert_allclose(
            ours, reference.predict(inputs, verbose=0), atol=1e-6
        )

    def test_model_weight_shape_mismatch(self, tmp_path):
        config = {
            "name": "sequential",
            "layers": [_dense("dense", 2, batch_input_shape=[None, 3])],
        }
        path = _write_model_file(
            tmp_path / "bad.h5",
            "Sequential",
            config,
            [_dense_weights("dense", 4, 2)],
        )

        with pytest.raises(
            ValueError,
            match=r"'dense' weight 'dense/kernel' has shape \(3, 2\)"
            r".*bad.h5.*\(4, 2\)",
        ):
            legacy_h5.load_model_from_hdf5(path)

    def test_missing_layer_weights(self, tmp_path):
        config = {
            "name": "sequential",
            "layers": [_dense("dense", 2, batch_input_shape=[None, 3])],
        }
        path = _write_model_file(
            tmp_path / "empty.h5", "Sequential", config, [("dense", [])]
        )

        with pytest.raises(
            ValueError, match=r"no weights for layers \['dense'\]"
        ):
            legacy_h5.load_model_from_hdf5(path)

    def test_renorm_is_not_supported(self, tmp_path):
        norm = _batch_norm("batch_normalization", -1)
        norm["config"]["renorm"] = True
        config = {
            "name": "sequential",
            "layers": [_input_layer("input", [None, 3]), norm],
        }
        path = _write_model_file(
            tmp_path / "renorm.h5",
            "Sequential",
            config,
            [_batch_norm_weights("batch_normalization", 3)],
        )

        with pytest.raises(NotImplementedError, match="renorm=True"):
            legacy_h5.load_model_from_hdf5(path)
