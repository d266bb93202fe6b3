"""Weight lists, freezing and frozen BatchNormalization against Keras 3.

For every layer class that `torchkeras.layers` exports and for nested
models, `weights`, `trainable_weights` and `non_trainable_weights` must
list the same weights as Keras, in the same order, with the same names and
shapes, before and after `trainable = False`.
"""

import os

os.environ["KERAS_BACKEND"] = "torch"

import keras
import numpy as np
import pytest
import torch

import torchkeras
from torchkeras import layers

WEIGHT_LISTS = ("weights", "trainable_weights", "non_trainable_weights")

# Layers with weights: (class name, constructor config, input shape).
# Embedding takes integer inputs, the others floats.
WEIGHTED_CASES = {
    "dense": ("Dense", {"units": 3}, (2, 4)),
    "dense_no_bias": ("Dense", {"units": 3, "use_bias": False}, (2, 4)),
    "dense_3d_input": ("Dense", {"units": 3}, (2, 5, 4)),
    "conv1d": ("Conv1D", {"filters": 3, "kernel_size": 2}, (2, 6, 4)),
    "conv1d_no_bias": (
        "Conv1D",
        {"filters": 3, "kernel_size": 2, "use_bias": False},
        (2, 6, 4),
    ),
    "conv2d": ("Conv2D", {"filters": 3, "kernel_size": 2}, (2, 5, 5, 4)),
    "conv2d_groups": (
        "Conv2D",
        {"filters": 4, "kernel_size": 2, "groups": 2},
        (2, 5, 5, 4),
    ),
    "embedding": ("Embedding", {"input_dim": 10, "output_dim": 3}, (2, 5)),
    "lstm": ("LSTM", {"units": 3}, (2, 5, 4)),
    "batch_norm": ("BatchNormalization", {}, (4, 3)),
    "batch_norm_axis_1": ("BatchNormalization", {"axis": 1}, (4, 3, 5)),
    "batch_norm_no_center": ("BatchNormalization", {"center": False}, (4, 3)),
    "batch_norm_no_scale": ("BatchNormalization", {"scale": False}, (4, 3)),
    "batch_norm_bare": (
        "BatchNormalization",
        {"center": False, "scale": False},
        (4, 3),
    ),
}

# Layers without weights: (class name, constructor config, input shapes).
# A list of shapes means the layer takes a list of inputs.
WEIGHTLESS_CASES = {
    "Activation": ({"activation": "relu"}, (2, 4)),
    "Add": ({}, [(2, 4), (2, 4)]),
    "Average": ({}, [(2, 4), (2, 4)]),
    "AveragePooling1D": ({"pool_size": 2}, (2, 6, 3)),
    "AveragePooling2D": ({"pool_size": 2}, (2, 4, 4, 3)),
    "Concatenate": ({}, [(2, 4), (2, 3)]),
    "Dot": ({"axes": 1}, [(2, 4), (2, 4)]),
    "Dropout": ({"rate": 0.5}, (2, 4)),
    "ELU": ({}, (2, 4)),
    "Flatten": ({}, (2, 3, 4)),
    "GlobalAveragePooling1D": ({}, (2, 6, 3)),
    "GlobalAveragePooling2D": ({}, (2, 4, 4, 3)),
    "GlobalMaxPooling1D": ({}, (2, 6, 3)),
    "GlobalMaxPooling2D": ({}, (2, 4, 4, 3)),
    "LeakyReLU": ({}, (2, 4)),
    "Masking": ({}, (2, 3, 4)),
    "MaxPooling1D": ({}, (2, 6, 3)),
    "MaxPooling2D": ({}, (2, 4, 4, 3)),
    "Maximum": ({}, [(2, 4), (2, 4)]),
    "Minimum": ({}, [(2, 4), (2, 4)]),
    "Multiply": ({}, [(2, 4), (2, 4)]),
    "ReLU": ({}, (2, 4)),
    "Rescaling": ({"scale": 0.5}, (2, 4)),
    "Reshape": ({"target_shape": (2, 2)}, (2, 4)),
    "Softmax": ({}, (2, 4)),
    "Subtract": ({}, [(2, 4), (2, 4)]),
}

# Exported layer classes covered by a dedicated test below rather than by
# the tables: InputLayer has no call, TorchModuleWrapper takes a module and
# Lambda takes a function.
SPECIAL_CASES = {"InputLayer", "Lambda", "TorchModuleWrapper"}


def _exported_layer_classes():
    """Return {name: class} for the public layer classes, aliases removed."""
    classes = {}
    for name in layers.__all__:
        value = getattr(layers, name)
        if not isinstance(value, type) or not issubclass(value, layers.Layer):
            continue
        if value is layers.Layer:
            continue
        classes.setdefault(value, value.__name__)
    return {name: cls for cls, name in classes.items()}


def _inputs(shape, integer=False):
    rng = np.random.default_rng(0)
    if isinstance(shape, list):
        return [_inputs(s) for s in shape]
    if integer:
        return rng.integers(0, 10, shape)
    return rng.standard_normal(shape).astype("float32")


def _describe(weights):
    """Return (name, shape) for each weight, the facts compared with Keras."""
    return [(w.name, tuple(w.shape)) for w in weights]


def _assert_same_weight_lists(ours, theirs):
    for attribute in WEIGHT_LISTS:
        expected = _describe(getattr(theirs, attribute))
        actual = _describe(getattr(ours, attribute))
        assert actual == expected, attribute


def _assert_all_frozen(ours, theirs):
    """Check that every weight is non-trainable in both libraries."""
    assert ours.trainable_weights == []
    assert theirs.trainable_weights == []
    assert _describe(ours.non_trainable_weights) == _describe(ours.weights)
    assert _describe(theirs.non_trainable_weights) == _describe(theirs.weights)
    assert all(not p.requires_grad for p in ours.parameters())
    assert all(not w.value.requires_grad for w in theirs.weights)


def _layer_pair(class_name, config, shape):
    theirs = getattr(keras.layers, class_name)(**config)
    ours = getattr(layers, class_name)(**config)
    x = _inputs(shape, integer=class_name == "Embedding")
    theirs(x)
    ours(_to_tensors(x))
    return ours, theirs


def _to_tensors(x):
    if isinstance(x, list):
        return [torch.as_tensor(v) for v in x]
    return torch.as_tensor(x)


def test_every_exported_layer_class_is_covered():
    weighted = {class_name for class_name, _, _ in WEIGHTED_CASES.values()}
    covered = weighted | set(WEIGHTLESS_CASES) | SPECIAL_CASES
    missing = sorted(set(_exported_layer_classes()) - covered)
    assert missing == [], (
        f"Add these layers to WEIGHTED_CASES or WEIGHTLESS_CASES: {missing}"
    )


@pytest.mark.parametrize("case", list(WEIGHTED_CASES))
def test_layer_weight_lists_match_keras(case):
    ours, theirs = _layer_pair(*WEIGHTED_CASES[case])
    assert len(ours.weights) > 0
    _assert_same_weight_lists(ours, theirs)


@pytest.mark.parametrize("case", list(WEIGHTED_CASES))
def test_frozen_layer_weight_lists_match_keras(case):
    ours, theirs = _layer_pair(*WEIGHTED_CASES[case])
    ours.trainable = False
    theirs.trainable = False
    _assert_same_weight_lists(ours, theirs)
    _assert_all_frozen(ours, theirs)


@pytest.mark.parametrize("case", list(WEIGHTED_CASES))
def test_unfrozen_layer_weight_lists_match_keras(case):
    ours, theirs = _layer_pair(*WEIGHTED_CASES[case])
    for value in (False, True):
        ours.trainable = value
        theirs.trainable = value
    _assert_same_weight_lists(ours, theirs)
    trainable_ids = {id(w) for w in ours.trainable_weights}
    for weight in ours.weights:
        assert weight.requires_grad == (id(weight) in trainable_ids)


def test_frozen_layer_weight_flags_match_keras():
    ours, theirs = _layer_pair("Dense", {"units": 3}, (2, 4))
    ours.trainable = False
    theirs.trainable = False
    assert [w.trainable for w in ours.weights] == [
        w.trainable for w in theirs.weights
    ]


@pytest.mark.parametrize("class_name", sorted(WEIGHTLESS_CASES))
def test_weightless_layer_has_no_weights(class_name):
    config, shape = WEIGHTLESS_CASES[class_name]
    ours, theirs = _layer_pair(class_name, config, shape)
    assert theirs.weights == []
    for attribute in WEIGHT_LISTS:
        assert getattr(ours, attribute) == [], attribute
    assert list(ours.parameters()) == []


def test_lambda_layer_has_no_weights():
    ours = layers.Lambda(torch.tanh)
    theirs = keras.layers.Lambda(keras.ops.tanh)
    ours(np.zeros((2, 4), "float32"))
    theirs(np.zeros((2, 4), "float32"))
    assert theirs.weights == []
    for attribute in WEIGHT_LISTS:
        assert getattr(ours, attribute) == [], attribute
    assert list(ours.parameters()) == []


def test_input_layer_has_no_weights():
    ours = layers.InputLayer(shape=(4,))
    theirs = keras.layers.InputLayer(shape=(4,))
    assert theirs.weights == []
    for attribute in WEIGHT_LISTS:
        assert getattr(ours, attribute) == [], attribute


def _wrapped_linear(module):
    torch.manual_seed(0)
    return module.layers.TorchModuleWrapper(torch.nn.Linear(4, 3))


def test_torch_module_wrapper_weight_lists_match_keras():
    ours, theirs = _wrapped_linear(torchkeras), _wrapped_linear(keras)
    x = torch.ones(2, 4)
    ours(x)
    theirs(x)
    # Keras names the wrapped parameters `variable`, `variable_1`, ...
    # while ours keep the torch parameters themselves, which have no Keras
    # name, so only shapes are compared.
    for attribute in WEIGHT_LISTS:
        expected = [tuple(w.shape) for w in getattr(theirs, attribute)]
        actual = [tuple(w.shape) for w in getattr(ours, attribute)]
        assert actual == expected, attribute
    ours.trainable = False
    theirs.trainable = False
    assert len(ours.non_trainable_weights) == len(theirs.non_trainable_weights)
    _assert_all_frozen(ours, theirs)


def test_torch_module_wrapper_lists_buffers_as_non_trainable():
    # Documented difference: Keras 3 drops the module's buffers from
    # `weights`; ours lists them as non-trainable weights after the
    # parameters, so `get_weights()` carries BatchNorm running statistics.
    module = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.BatchNorm1d(3))
    ours = layers.TorchModuleWrapper(module)
    ours(torch.ones(2, 4))
    parameters = list(module.parameters())
    buffers = list(module.buffers())
    assert ours.weights == parameters + buffers
    assert ours.trainable_weights == parameters
    assert ours.non_trainable_weights == buffers


# ----------------------------------------------------------------------
# Nested models
# ----------------------------------------------------------------------


def _sequential_in_functional(module):
    inner = module.Sequential(
        [module.layers.Dense(5), module.layers.BatchNormalization()],
        name="inner",
    )
    inputs = module.Input((4,))
    hidden = module.layers.Dense(6)(inputs)
    outputs = module.layers.Dense(2)(inner(hidden))
    return module.Model(inputs, outputs), inner


def _subclassed_with_nested_sequential(module):
    class Net(module.Model):
        def __init__(self):
            super().__init__()
            self.stem = module.layers.Dense(6)
            self.block = module.Sequential(
                [module.layers.Dense(5), module.layers.BatchNormalization()]
            )
            self.norm = module.layers.BatchNormalization()
            self.head = module.layers.Dense(2)

        def call(self, inputs, training=None):
            hidden = self.block(self.stem(inputs), training=training)
            return self.head(self.norm(hidden, training=training))

    model = Net()
    model(_inputs((3, 4)))
    return model, model.block


def _shared_layers(module):
    shared = module.layers.Dense(3)
    block = module.Sequential([module.layers.Dense(3)])
    left, right = module.Input((4,)), module.Input((4,))
    merged = module.layers.Concatenate()(
        [block(shared(left)), block(shared(right))]
    )
    outputs = module.layers.Dense(1)(merged)
    return module.Model([left, right], outputs), block


NESTED_MODELS = {
    "sequential_in_functional": _sequential_in_functional,
    "subclassed_nested_sequential": _subclassed_with_nested_sequential,
    "shared_layers": _shared_layers,
}


def _model_pair(make):
    ours, our_inner = make(torchkeras)
    theirs, their_inner = make(keras)
    return ours, our_inner, theirs, their_inner


@pytest.mark.parametrize(
    "make", list(NESTED_MODELS.values()), ids=list(NESTED_MODELS)
)
def test_nested_model_weight_lists_match_keras(make):
    ours, _, theirs, _ = _model_pair(make)
    _assert_same_weight_lists(ours, theirs)
    ours.set_weights(theirs.get_weights())
    for mine, reference in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_array_equal(mine, reference)


@pytest.mark.xfail(
    strict=True,
    reason="A weight's `path` is always `layer/weight`; Keras 3 prefixes "
    "the names of the models a layer was built inside, such as "
    "`inner/dense/kernel`",
)
@pytest.mark.parametrize(
    "make", list(NESTED_MODELS.values()), ids=list(NESTED_MODELS)
)
def test_nested_model_weight_paths_match_keras(make):
    ours, _, theirs, _ = _model_pair(make)
    assert [w.path for w in ours.weights] == [w.path for w in theirs.weights]


@pytest.mark.parametrize(
    "make", list(NESTED_MODELS.values()), ids=list(NESTED_MODELS)
)
def test_frozen_inner_model_weight_lists_match_keras(make):
    ours, our_inner, theirs, their_inner = _model_pair(make)
    our_inner.trainable = False
    their_inner.trainable = False
    _assert_same_weight_lists(ours, theirs)
    _assert_all_frozen(our_inner, their_inner)
    assert len(ours.trainable_weights) > 0


@pytest.mark.parametrize(
    "make", list(NESTED_MODELS.values()), ids=list(NESTED_MODELS)
)
def test_frozen_outer_model_weight_lists_match_keras(make):
    ours, _, theirs, _ = _model_pair(make)
    ours.trainable = False
    theirs.trainable = False
    _assert_same_weight_lists(ours, theirs)
    _assert_all_frozen(ours, theirs)


@pytest.mark.parametrize(
    "make", list(NESTED_MODELS.values()), ids=list(NESTED_MODELS)
)
def test_frozen_inner_model_gets_no_gradient(make):
    ours, our_inner, theirs, their_inner = _model_pair(make)
    ours.set_weights(theirs.get_weights())
    our_inner.trainable = False
    their_inner.trainable = False
    x = _inputs([(3, 4), (3, 4)] if make is _shared_layers else (3, 4))
    for model in (ours, theirs):
        model(_to_tensors(x), training=True).sum().backward()

    frozen = {id(w) for w in our_inner.weights}
    for weight in ours.weights:
        if id(weight) in frozen:
            assert weight.grad is None, weight.path
        elif weight.trainable:
            assert weight.grad is not None, weight.path
    for weight in their_inner.weights:
        assert weight.value.grad is None, weight.path


def test_frozen_inner_model_unchanged_by_fit():
    ours, our_inner, theirs, their_inner = _model_pair(
        _sequential_in_functional
    )
    ours.set_weights(theirs.get_weights())
    our_inner.trainable = False
    their_inner.trainable = False
    x, y = _inputs((16, 4)), _inputs((16, 2))
    before = our_inner.get_weights()
    for model, module in ((ours, torchkeras), (theirs, keras)):
        model.compile(optimizer=module.optimizers.SGD(0.1), loss="mse")
        model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)

    for mine, original in zip(our_inner.get_weights(), before):
        np.testing.assert_array_equal(mine, original)
    for mine, reference in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(mine, reference, atol=1e-5)


# ----------------------------------------------------------------------
# BatchNormalization with trainable=False
# ----------------------------------------------------------------------


def _shifted_batch():
    """Return a batch whose statistics are far from the initial ones."""
    return _inputs((8, 3)) * 3.0 + 2.0


def test_batch_norm_has_two_non_trainable_weights():
    ours, theirs = _layer_pair("BatchNormalization", {}, (4, 3))
    for layer in (ours, theirs):
        assert len(layer.weights) == 4
        assert len(layer.trainable_weights) == 2
        assert len(layer.non_trainable_weights) == 2
    names = [w.name for w in ours.non_trainable_weights]
    assert names == ["moving_mean", "moving_variance"]


@pytest.mark.parametrize("freeze", ["constructor", "attribute"])
def test_frozen_batch_norm_uses_moving_statistics(freeze):
    x = _shifted_batch()
    pair = []
    for module in (torchkeras, keras):
        if freeze == "constructor":
            layer = module.layers.BatchNormalization(trainable=False)
        else:
            layer = module.layers.BatchNormalization()
            layer(x)
            layer.trainable = False
        pair.append(layer)
    ours, theirs = pair
    expected = keras.ops.convert_to_numpy(theirs(x, training=True))
    actual = ours(torch.as_tensor(x), training=True).detach().numpy()

    np.testing.assert_allclose(actual, expected, atol=1e-6)
    # The moving statistics start at 0 and 1, so the output is the input
    # divided by sqrt(1 + epsilon), with epsilon = 1e-3.
    np.testing.assert_allclose(actual, x / np.sqrt(1.001), atol=1e-6)
    for mine, reference in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_array_equal(mine, reference)
    np.testing.assert_array_equal(ours.moving_mean.detach().numpy(), 0.0)
    np.testing.assert_array_equal(ours.moving_variance.detach().numpy(), 1.0)


def test_frozen_batch_norm_fit_keeps_statistics():
    x, y = _shifted_batch(), _inputs((8, 1))
    pair = []
    for module in (torchkeras, keras):
        model = module.Sequential(
            [
                module.Input((3,)),
                module.layers.BatchNormalization(),
                module.layers.Dense(1),
            ]
        )
        model.layers[0].trainable = False
        model.compile(optimizer=module.optimizers.SGD(0.1), loss="mse")
        pair.append(model)
    ours, theirs = pair
    ours.set_weights(theirs.get_weights())
    histories = [
        model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
        for model in (ours, theirs)
    ]

    np.testing.assert_allclose(
        histories[0].history["loss"], histories[1].history["loss"], atol=1e-5
    )
    ours_norm, theirs_norm = ours.layers[0], theirs.layers[0]
    for mine, reference in zip(
        ours_norm.get_weights(), theirs_norm.get_weights()
    ):
        np.testing.assert_array_equal(mine, reference)
    np.testing.assert_array_equal(ours_norm.moving_mean.detach().numpy(), 0.0)


def test_unfrozen_batch_norm_updates_statistics():
    x = _shifted_batch()
    ours = layers.BatchNormalization(trainable=False)
    theirs = keras.layers.BatchNormalization(trainable=False)
    ours(torch.as_tensor(x), training=True)
    theirs(x, training=True)
    ours.trainable = True
    theirs.trainable = True
    actual = ours(torch.as_tensor(x), training=True).detach().numpy()
    expected = keras.ops.convert_to_numpy(theirs(x, training=True))

    np.testing.assert_allclose(actual, expected, atol=1e-5)
    for mine, reference in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(mine, reference, atol=1e-6)
    assert np.abs(ours.moving_mean.detach().numpy()).max() > 0.0
