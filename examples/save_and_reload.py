"""Save a trained digits classifier as `.keras`, reload it and keep training.

The model learns scikit-learn's 8x8 digits (bundled, nothing downloaded),
is saved to one `.keras` file (Keras 3's format: config, weights and the
optimizer's state) and loaded back. The reloaded model predicts exactly
what the original predicts, and one more epoch of training from the
restored optimizer state gives the same weights as one more epoch of the
original model. Keras 3 itself can open the same file.

Run:  python examples/save_and_reload.py [--quick]
"""

import argparse
import os
import tempfile

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

import torchkeras as keras
from torchkeras import layers

EPOCHS = 15
BATCH_SIZE = 32
SEED = 0

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--quick", action="store_true", help="train for 2 epochs only")
args = parser.parse_args()
keras.utils.set_random_seed(SEED)

images, labels = load_digits(return_X_y=True)
images = (images / 16.0).astype("float32")
x_train, x_test, y_train, y_test = train_test_split(
    images, labels, test_size=0.2, stratify=labels, random_state=SEED
)

model = keras.Sequential(
    [
        keras.Input(shape=(64,)),
        layers.Dense(64, activation="relu"),
        layers.BatchNormalization(),
        layers.Dense(10, activation="softmax"),
    ],
    name="digits_mlp",
)
model.compile(
    optimizer=keras.optimizers.Adam(learning_rate=1e-3),
    loss="sparse_categorical_crossentropy",
    metrics=["accuracy"],
)
model.fit(
    x_train,
    y_train,
    batch_size=BATCH_SIZE,
    epochs=2 if args.quick else EPOCHS,
    verbose=0,
)
_, accuracy = model.evaluate(x_test, y_test, verbose=0)
print(f"trained: test accuracy {accuracy:.4f}")

with tempfile.TemporaryDirectory() as folder:
    path = os.path.join(folder, "digits.keras")
    model.save(path)
    print(f"saved {os.path.getsize(path)} bytes to digits.keras")
    reloaded = keras.models.load_model(path)

same = np.array_equal(
    model.predict(x_test, verbose=0), reloaded.predict(x_test, verbose=0)
)
print(f"reloaded: identical predictions: {same}")
print(f"reloaded: optimizer steps restored: {int(reloaded.optimizer.iterations)}")

# One more epoch on each model, in the same order, from the same state.
model.fit(x_train, y_train, batch_size=BATCH_SIZE, epochs=1, shuffle=False, verbose=0)
reloaded.fit(
    x_train, y_train, batch_size=BATCH_SIZE, epochs=1, shuffle=False, verbose=0
)
difference = max(
    float(np.abs(a - b).max())
    for a, b in zip(model.get_weights(), reloaded.get_weights())
)
_, accuracy = reloaded.evaluate(x_test, y_test, verbose=0)
print(f"continued: max weight difference to the original model {difference:.2e}")
print(f"continued: test accuracy {accuracy:.4f}")
