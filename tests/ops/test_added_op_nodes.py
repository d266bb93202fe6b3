"""Op nodes of the trigonometric, reduction and layout ops in `.keras` files.

Each op must record the Keras class and config that Keras records, and a
model using several of them must load in either library with the same
predictions.
"""

import json

import keras
import numpy as np
import pytest
import torch

import torchkeras

# Each case maps the library (keras or torchkeras) and a symbolic input of
# shape (None, 4) to the output built from it with that library's ops.
CASES = {
    "arcsin": lambda lib, x: lib.ops.arcsin(lib.ops.tanh(x)),
    "arccos": lambda lib, x: lib.ops.arccos(lib.ops.tanh(x)),
    "arctan": lambda lib, x: lib.ops.arctan(x),
    "arcsinh": lambda lib, x: lib.ops.arcsinh(x),
    "arccosh": lambda lib, x: lib.ops.arccosh(lib.ops.exp(x) + 1.0),
    "arctanh": lambda lib, x: lib.ops.arctanh(lib.ops.tanh(x) * 0.9),
    "sinh": lambda lib, x: lib.ops.sinh(x),
    "cosh": lambda lib, x: lib.ops.cosh(x),
    "tan": lambda lib, x: lib.ops.tan(x),
    "deg2rad": lambda lib, x: lib.ops.deg2rad(x),
    "rad2deg": lambda lib, x: lib.ops.rad2deg(x),
    "arctan2": lambda lib, x: lib.ops.arctan2(x, lib.ops.flip(x, axis=1)),
    "hypot": lambda lib, x: lib.ops.hypot(x, lib.ops.square(x)),
    "logaddexp": lambda lib, x: lib.ops.logaddexp(x, lib.ops.square(x)),
    "trunc": lambda lib, x: lib.ops.trunc(x * 3.0),
    "exp2": lambda lib, x: lib.ops.exp2(x),
    "cbrt": lambda lib, x: lib.ops.cbrt(x),
    "signbit": lambda lib, x: lib.ops.signbit(x),
    "erfc": lambda lib, x: lib.ops.erfc(x),
    "amax": lambda lib, x: lib.ops.amax(x, axis=1, keepdims=True),
    "amin": lambda lib, x: lib.ops.amin(x, axis=-1),
    "count_nonzero": lambda lib, x: lib.ops.count_nonzero(
        lib.ops.round(x), axis=1
    ),
    "roll": lambda lib, x: lib.ops.roll(x, 1, axis=1),
    "roll_tuple": lambda lib, x: lib.ops.roll(x, (1, -1), axis=(0, 1)),
    "swapaxes": lambda lib, x: lib.ops.swapaxes(x, 0, 1),
    "moveaxis": lambda lib, x: lib.ops.moveaxis(
        lib.ops.reshape(x, (-1, 2, 2)), (1, 2), (2, 0)
    ),
    "diagonal": lambda lib, x: lib.ops.diagonal(
        lib.ops.reshape(x, (-1, 2, 2)), 0, 1, 2
    ),
    "ravel": lambda lib, x: lib.ops.ravel(x),
    "fmod": lambda lib, x: lib.ops.fmod(x * 3.0, lib.ops.exp(x)),
    "heaviside": lambda lib, x: lib.ops.heaviside(
        lib.ops.round(x), lib.ops.sigmoid(x)
    ),
    "outer": lambda lib, x: lib.ops.outer(x, lib.ops.sin(x)),
    "tensordot": lambda lib, x: lib.ops.tensordot(
        x, lib.ops.transpose(x), ([1], [0])
    ),
    "ptp": lambda lib, x: lib.ops.ptp(x, axis=1, keepdims=True),
    "nansum": lambda lib, x: lib.ops.nansum(lib.ops.log(x), axis=-1),
    "trace": lambda lib, x: lib.ops.trace(
        lib.ops.reshape(x, (-1, 2, 2)), 1, 1, 2
    ),
    "fliplr": lambda lib, x: lib.ops.fliplr(x),
    "flipud": lambda lib, x: lib.ops.flipud(x),
    "diff": lambda lib, x: lib.ops.diff(x, 2, axis=1),
    "fabs": lambda lib, x: lib.ops.fabs(x),
    "isposinf": lambda lib, x: lib.ops.isposinf(lib.ops.exp(x * 100.0)),
    "isneginf": lambda lib, x: lib.ops.isneginf(lib.ops.log(x)),
    "nan_to_num": lambda lib, x: lib.ops.nan_to_num(
        lib.ops.log(x), nan=-1.0, neginf=-5.0
    ),
    "logaddexp2": lambda lib, x: lib.ops.logaddexp2(x, lib.ops.cos(x)),
    "fmax": lambda lib, x: lib.ops.fmax(lib.ops.sqrt(x), lib.ops.sin(x)),
    "fmin": lambda lib, x: lib.ops.fmin(lib.ops.sqrt(x), lib.ops.sin(x)),
    "divide_no_nan": lambda lib, x: lib.ops.divide_no_nan(x, lib.ops.round(x)),
}


def _mixed_output(lib, x):
    """Chain many of the ops, for the `.keras` round trips."""
    angle = lib.ops.arctan2(lib.ops.sinh(x), lib.ops.cosh(x))
    length = lib.ops.hypot(lib.ops.arcsinh(x), lib.ops.cbrt(x))
    rolled = lib.ops.roll(lib.ops.logaddexp(x, 0.5), 2, axis=1)
    peak = lib.ops.amax(lib.ops.erfc(x), axis=1, keepdims=True)
    column = lib.ops.expand_dims(lib.ops.exp2(x), 1)
    swapped = lib.ops.swapaxes(column, 1, 2)[:, :, 0]
    blocks = lib.ops.reshape(lib.ops.trunc(x * 4), (-1, 2, 2))
    diagonal = lib.ops.diagonal(blocks, 0, 1, 2)
    steps = lib.ops.diff(lib.ops.fliplr(lib.ops.fmod(x, 0.7)), axis=1)
    step = lib.ops.heaviside(x, lib.ops.sigmoid(x))
    spread = lib.ops.ptp(step, axis=1, keepdims=True)
    traced = lib.ops.expand_dims(lib.ops.trace(blocks, 0, 1, 2), 1)
    parts = [angle, length, rolled, peak, swapped, diagonal, steps, spread]
    guarded = lib.ops.divide_no_nan(lib.ops.fabs(x), lib.ops.round(x))
    bounded = lib.ops.fmax(lib.ops.nan_to_num(lib.ops.log(x)), guarded)
    parts += [traced, bounded]
    return lib.ops.concatenate(parts, axis=1)


def _build(lib, make_output):
    x = lib.Input((4,))
    hidden = lib.layers.Dense(4, name="hidden")(x)
    return lib.Model(x, make_output(lib, hidden))


def _randomize(model):
    rng = np.random.default_rng(0)
    weights = [
        rng.uniform(-1.0, 1.0, weight.shape).astype(weight.dtype)
        for weight in model.get_weights()
    ]
    model.set_weights(weights)


def _features():
    return np.random.default_rng(1).normal(size=(4, 4)).astype("float32")


def _predict(model, features):
    output = model(torch.from_numpy(features))
    return np.asarray(torch.as_tensor(output).detach().cpu())


def _assert_same_outputs(expected, received):
    assert received.shape == expected.shape
    assert received.dtype == expected.dtype
    np.testing.assert_allclose(received, expected, rtol=1e-5, atol=1e-5)


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
def test_op_node_matches_keras(case):
    ours = _build(torchkeras, CASES[case])
    theirs = _build(keras, CASES[case])
    _randomize(ours)
    theirs.set_weights(ours.get_weights())
    features = _features()

    assert _op_entries(ours) == _op_entries(theirs)
    _assert_same_outputs(
        _predict(theirs, features),
        _predict(ours, features),
    )


def test_keras_file_loads_in_torchkeras(tmp_path):
    path = str(tmp_path / "keras_written.keras")
    model = _build(keras, _mixed_output)
    _randomize(model)
    model.save(path)
    features = _features()

    restored = torchkeras.saving.load_model(path)

    _assert_same_outputs(
        _predict(model, features),
        _predict(restored, features),
    )


def test_torchkeras_file_loads_in_keras(tmp_path):
    path = str(tmp_path / "torchkeras_written.keras")
    model = _build(torchkeras, _mixed_output)
    _randomize(model)
    model.save(path)
    features = _features()

    restored = keras.saving.load_model(path)

    _assert_same_outputs(
        _predict(model, features),
        _predict(restored, features),
    )


def test_unmapped_op_in_keras_file_raises(tmp_path):
    path = str(tmp_path / "sinc.keras")
    x = keras.Input((4,))
    keras.Model(x, keras.ops.sinc(x)).save(path)

    with pytest.raises(ValueError, match=r"Unknown operation 'Sinc'"):
        torchkeras.saving.load_model(path)
