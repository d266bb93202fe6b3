"""Tests for `torchkeras.ops` on symbolic tensors, against Keras 3."""

import inspect
import json

import keras
import numpy as np
import pytest
import torch

import torchkeras
from torchkeras import ops
from torchkeras.ops import _symbolic
from torchkeras.utils.tree import flatten

# Each case maps the library (keras or torchkeras) and two symbolic inputs
# of shape (None, 4) to the outputs built from them with that library's ops.
CASES = {
    "exp_log1p": lambda lib, x, y: lib.ops.log1p(lib.ops.exp(x)),
    "add_multiply": lambda lib, x, y: lib.ops.multiply(lib.ops.add(x, y), 2.0),
    "mean_keepdims": lambda lib, x, y: lib.ops.mean(x, axis=-1, keepdims=True),
    "sum_axes": lambda lib, x, y: lib.ops.sum(
        x[:, :, None] * y[:, None, :], axis=(1, 2)
    ),
    "max_argmax": lambda lib, x, y: [
        lib.ops.max(x, axis=1),
        lib.ops.argmax(x, axis=1),
    ],
    "std_var": lambda lib, x, y: [lib.ops.std(x, axis=1), lib.ops.var(y, axis=0)],
    "concatenate": lambda lib, x, y: lib.ops.concatenate([x, y], axis=-1),
    "stack": lambda lib, x, y: lib.ops.stack([x, y], axis=1),
    "matmul": lambda lib, x, y: lib.ops.matmul(x[:, :, None], y[:, None, :]),
    "reshape_transpose": lambda lib, x, y: lib.ops.transpose(
        lib.ops.reshape(x, (-1, 2, 2)), (0, 2, 1)
    ),
    "where": lambda lib, x, y: lib.ops.where(lib.ops.greater(x, 0.0), x, y),
    "cast": lambda lib, x, y: lib.ops.cast(lib.ops.multiply(x, 10.0), "int32"),
    "relu_softmax": lambda lib, x, y: [
        lib.ops.relu(x),
        lib.ops.softmax(y, axis=-1),
    ],
    "gelu_log_softmax": lambda lib, x, y: [
        lib.ops.gelu(x),
        lib.ops.log_softmax(y, axis=0),
    ],
    "clip_take": lambda lib, x, y: lib.ops.take(
        lib.ops.clip(x, -0.5, 0.5), [0, 3], axis=1
    ),
    "one_hot": lambda lib, x, y: lib.ops.one_hot(lib.ops.argmax(x, axis=1), 4),
    "einsum": lambda lib, x, y: lib.ops.einsum("bi,bj->bij", x, y),
    "logsumexp_norm": lambda lib, x, y: [
        lib.ops.logsumexp(x, axis=1),
        lib.ops.norm(y, axis=-1),
    ],
    "top_k": lambda lib, x, y: list(lib.ops.top_k(x, 2)),
}


def _build(lib, case):
    """Build the functional model of `case`, with a Dense layer in front.

    The sum feeds both inputs into every case, because torchkeras cannot
    yet write the config of a model with an unused input.
    """
    x = lib.Input((4,))
    y = lib.Input((4,))
    hidden = lib.layers.Dense(4, name="hidden")(x)
    mixed = lib.layers.Add()([hidden, y])
    return lib.Model([x, y], CASES[case](lib, mixed, y))


def _twins(case):
    """Return the case built in torchkeras and in Keras, with equal weights."""
    ours = _build(torchkeras, case)
    theirs = _build(keras, case)
    theirs.set_weights(ours.get_weights())
    return ours, theirs


def _inputs():
    rng = np.random.default_rng(1)
    return [rng.normal(size=(3, 4)).astype("float32") for _ in range(2)]


def _run(model, inputs):
    """Return the model's outputs on `inputs` as a list of numpy arrays."""
    outputs = model([torch.from_numpy(a) for a in inputs])
    if not isinstance(outputs, (list, tuple)):
        outputs = [outputs]
    return [np.asarray(torch.as_tensor(o).detach().cpu()) for o in outputs]


def _assert_same_outputs(expected, received):
    assert len(received) == len(expected)
    for want, got in zip(expected, received):
        assert got.shape == want.shape
        assert got.dtype == want.dtype
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def _op_entries(model):
    """Return (module, class_name, config without name) of each op node."""
    layers = json.loads(model.to_json())["config"]["layers"]
    entries = []
    for entry in layers:
        if entry["module"].startswith("keras.src.ops"):
            config = {k: v for k, v in entry["config"].items() if k != "name"}
            entries.append((entry["module"], entry["class_name"], config))
    return entries


@pytest.mark.parametrize("case", sorted(CASES))
class TestSymbolicOps:
    def test_outputs_match_keras(self, case):
        ours, theirs = _twins(case)
        inputs = _inputs()

        expected = _run(theirs, inputs)
        _assert_same_outputs(expected, _run(ours, inputs))

        shapes = [tuple(t.shape) for t in flatten(ours.outputs)]
        keras_shapes = [tuple(t.shape) for t in keras.tree.flatten(theirs.outputs)]
        assert shapes == keras_shapes

    def test_config_matches_keras(self, case):
        ours, theirs = _twins(case)

        assert _op_entries(ours) == _op_entries(theirs)

    def test_json_round_trip(self, case):
        model = _build(torchkeras, case)
        inputs = _inputs()

        restored = torchkeras.models.model_from_json(model.to_json())
        restored.set_weights(model.get_weights())

        _assert_same_outputs(_run(model, inputs), _run(restored, inputs))
        assert restored.to_json() == model.to_json()

    def test_keras_file_round_trip(self, case, tmp_path):
        model = _build(torchkeras, case)
        inputs = _inputs()
        path = str(tmp_path / "model.keras")

        model.save(path)
        restored = torchkeras.models.load_model(path)

        _assert_same_outputs(_run(model, inputs), _run(restored, inputs))


class TestSymbolicOpsRecord:
    def test_one_node_per_op_call(self):
        x = torchkeras.Input((4,))
        model = torchkeras.Model(x, ops.mean(ops.exp(x), axis=1))

        classes = [type(op).__name__ for op in model._operations[1:]]

        assert classes == ["Exp", "Mean"]

    def test_submodule_ops_record_too(self):
        x = torchkeras.Input((4,))

        outputs = [ops.numpy.exp(x), ops.nn.relu(x), ops.math.erf(x)]

        assert all(isinstance(t, type(x)) for t in outputs)

    def test_alias_records_keras_class(self):
        x = torchkeras.Input((4,))
        model = torchkeras.Model(x, ops.swish(x))

        assert _op_entries(model) == [("keras.src.ops.nn", "Silu", {})]

    def test_shape_and_dtype_are_static(self):
        x = torchkeras.Input((4,), dtype="int32")

        assert ops.shape(x) == (None, 4)
        assert ops.dtype(x) == "int32"

    def test_concrete_tensors_unchanged(self):
        value = ops.mean(torch.ones(2, 3), axis=1)

        assert isinstance(value, torch.Tensor)
        assert value.tolist() == [1.0, 1.0]

    def test_convert_to_numpy_raises(self):
        x = torchkeras.Input((4,))

        with pytest.raises(TypeError, match=r"`ops.convert_to_numpy` cannot"):
            ops.convert_to_numpy(x)

    def test_symbolic_config_argument_raises(self):
        x = torchkeras.Input((4,))

        with pytest.raises(TypeError, match=r"`ops.clip` received .* `x_min`"):
            ops.clip(x, x, 1.0)

    def test_invalid_shapes_name_op(self):
        x = torchkeras.Input((4,))
        y = torchkeras.Input((3,))

        with pytest.raises(ValueError, match=r"'matmul' \(Matmul\)"):
            ops.matmul(x, y)


def _keras_op_class(class_name):
    module = _symbolic.keras_module(class_name)
    return getattr(__import__(module, fromlist=[class_name]), class_name)


@pytest.mark.parametrize("class_name", sorted(_symbolic.KERAS_OP_CLASSES))
def test_op_table_matches_keras_signatures(class_name):
    keras_class = _keras_op_class(class_name)
    call_signature = inspect.signature(keras_class.call)
    keras_call = [
        name
        for name, parameter in call_signature.parameters.items()
        if name != "self" and parameter.kind != parameter.VAR_KEYWORD
    ]
    keras_init = set(inspect.signature(keras_class.__init__).parameters)
    function = _symbolic._op_function(class_name)
    ours = set(inspect.signature(function).parameters)
    call = _symbolic.call_parameters(class_name)

    assert list(call) == keras_call
    assert ours - set(call) - {"kwargs"} <= keras_init
