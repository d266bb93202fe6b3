"""Transfer learning on scikit-learn's digits: pretrain, freeze, fine-tune.

1. Train a ConvNet on the digits 0-4.
2. Reuse its convolutional base, frozen, under a new head for the digits
   5-9, and train only the head: the base's weights stay bitwise unchanged.
3. Unfreeze the base, recompile with a very low learning rate (1e-5) and
   fine-tune the whole model.

The base is called with `training=False`, so its BatchNormalization stays
in inference mode even while it is fine-tuned, as Keras's transfer-learning
guide recommends. The data (8x8 grey images) ships with scikit-learn.

Run:  python examples/transfer_learning.py [--quick]
"""

import argparse

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

import torchkeras as keras
from torchkeras import layers

EPOCHS = 15
FINE_TUNE_EPOCHS = 5
BATCH_SIZE = 32
SEED = 0

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--quick", action="store_true", help="train 1 epoch per phase")
args = parser.parse_args()
epochs = 1 if args.quick else EPOCHS
fine_tune_epochs = 1 if args.quick else FINE_TUNE_EPOCHS
keras.utils.set_random_seed(SEED)

# Digits as (samples, 8, 8, 1) images in [0, 1], split by class.
digits = load_digits()
images = (digits.images / 16.0).astype("float32")[..., np.newaxis]
labels = digits.target.astype("int64")
first, second = labels < 5, labels >= 5
xa_train, xa_test, ya_train, ya_test = train_test_split(
    images[first], labels[first], test_size=0.2, random_state=SEED
)
xb_train, xb_test, yb_train, yb_test = train_test_split(
    images[second], labels[second] - 5, test_size=0.2, random_state=SEED
)


def classifier_head(inputs, name):
    x = layers.Dense(32, activation="relu")(inputs)
    x = layers.Dropout(0.2)(x)
    return layers.Dense(5, activation="softmax", name=name)(x)


# Phase 1: pretrain a ConvNet on the digits 0-4.
base = keras.Sequential(
    [
        keras.Input(shape=(8, 8, 1)),
        layers.Conv2D(32, 3, padding="same", activation="relu"),
        layers.BatchNormalization(),
        layers.Conv2D(64, 3, padding="same", activation="relu"),
        layers.MaxPooling2D(),
        layers.GlobalAveragePooling2D(),
    ],
    name="conv_base",
)
inputs = keras.Input(shape=(8, 8, 1))
pretrain_model = keras.Model(inputs, classifier_head(base(inputs), "head_0_4"))
pretrain_model.compile(
    optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"]
)
pretrain_model.fit(xa_train, ya_train, batch_size=BATCH_SIZE, epochs=epochs, verbose=0)
_, accuracy = pretrain_model.evaluate(xa_test, ya_test, verbose=0)
print(f"phase 1, digits 0-4, full training:  test accuracy {accuracy:.4f}")

# Phase 2: freeze the base and train a new head on the digits 5-9.
base.trainable = False
inputs = keras.Input(shape=(8, 8, 1))
features = base(inputs, training=False)  # BatchNormalization stays in inference
model = keras.Model(inputs, classifier_head(features, "head_5_9"), name="digits_5_9")
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
model.summary(show_trainable=True)
frozen_weights = [w.copy() for w in base.get_weights()]
model.fit(xb_train, yb_train, batch_size=BATCH_SIZE, epochs=epochs, verbose=0)
unchanged = all(
    np.array_equal(before, after) for before, after in zip(frozen_weights, base.get_weights())
)
_, accuracy = model.evaluate(xb_test, yb_test, verbose=0)
print(f"phase 2, digits 5-9, frozen base:    test accuracy {accuracy:.4f}")
print(f"         base weights bitwise unchanged: {unchanged}")

# Phase 3: unfreeze, recompile with a very low learning rate, fine-tune.
base.trainable = True
model.compile(
    optimizer=keras.optimizers.Adam(learning_rate=1e-5),
    loss="sparse_categorical_crossentropy",
    metrics=["accuracy"],
)
model.fit(xb_train, yb_train, batch_size=BATCH_SIZE, epochs=fine_tune_epochs, verbose=0)
_, accuracy = model.evaluate(xb_test, yb_test, verbose=0)
print(f"phase 3, digits 5-9, fine-tuned:     test accuracy {accuracy:.4f}")
