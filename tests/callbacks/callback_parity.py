"""Twin Keras and torchkeras models for callback parity tests."""

import keras
import numpy as np

import torchkeras

RNG = np.random.default_rng(7)
X = RNG.standard_normal((48, 4)).astype("float32")
Y = (X[:, :1] + 0.3 * X[:, 1:2] > 0).astype("float32")
X_VAL = RNG.standard_normal((16, 4)).astype("float32")
Y_VAL = (X_VAL[:, :1] - 0.2 * X_VAL[:, 2:3] > 0).astype("float32")
FIT_ARGS = dict(
    batch_size=16,
    verbose=0,
    shuffle=False,
    validation_data=(X_VAL, Y_VAL),
)


def build(module, optimizer="sgd", learning_rate=0.1):
    """Return a compiled two-layer binary classifier from `module`."""
    model = module.Sequential(
        [
            module.Input((4,)),
            module.layers.Dense(6, activation="tanh"),
            module.layers.Dense(1, activation="sigmoid"),
        ]
    )
    optimizers = {
        "sgd": module.optimizers.SGD,
        "adam": module.optimizers.Adam,
    }
    model.compile(
        optimizer=optimizers[optimizer](learning_rate=learning_rate),
        loss="binary_crossentropy",
        metrics=["accuracy"],
    )
    return model


def twins(optimizer="sgd", learning_rate=0.1):
    """Return `(torchkeras_model, keras_model)` with the same fixed weights."""
    theirs = build(keras, optimizer, learning_rate)
    ours = build(torchkeras, optimizer, learning_rate)
    rng = np.random.default_rng(3)
    weights = [
        rng.normal(0.0, 0.6, w.shape).astype("float32")
        for w in theirs.get_weights()
    ]
    theirs.set_weights(weights)
    ours.set_weights(weights)
    return ours, theirs


def assert_weights_close(ours, theirs, atol=1e-5):
    """Check that two weight lists agree within `atol`."""
    assert len(ours) == len(theirs)
    for mine, reference in zip(ours, theirs):
        np.testing.assert_allclose(mine, reference, atol=atol, rtol=1e-4)
