"""Train a digits classifier steered by Keras callbacks, then reload the best.

The model learns scikit-learn's 8x8 digits (bundled, nothing downloaded).
Four callbacks steer and record training:

- EarlyStopping stops when the validation loss stalls and restores the
  weights of the best epoch;
- ModelCheckpoint writes the best model to a `.keras` file;
- ReduceLROnPlateau halves the learning rate when the validation loss
  stops improving;
- CSVLogger writes one row of metrics per epoch.

The best checkpoint is loaded back and evaluates exactly like the
in-memory model whose best weights EarlyStopping restored. All files go
to a temporary folder that is removed at the end.

Run:  python examples/callbacks_digits.py [--quick]
"""

import argparse
import csv
import os
import tempfile

from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

import torchkeras as keras
from torchkeras import callbacks
from torchkeras import layers

EPOCHS = 60
BATCH_SIZE = 32
SEED = 0

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--quick", action="store_true", help="train for 4 epochs only")
args = parser.parse_args()
keras.utils.set_random_seed(SEED)

# Data: 1797 images of 64 pixels in [0, 16], scaled to [0, 1].
images, labels = load_digits(return_X_y=True)
images = (images / 16.0).astype("float32")
x_train, x_test, y_train, y_test = train_test_split(
    images, labels, test_size=0.2, stratify=labels, random_state=SEED
)
x_train, x_val, y_train, y_val = train_test_split(
    x_train, y_train, test_size=0.2, stratify=y_train, random_state=SEED
)

model = keras.Sequential(
    [
        keras.Input(shape=(64,)),
        layers.Dense(64, activation="relu"),
        layers.Dropout(0.2),
        layers.Dense(10, activation="softmax"),
    ],
    name="digits_mlp",
)
model.compile(
    optimizer=keras.optimizers.Adam(learning_rate=3e-3),
    loss="sparse_categorical_crossentropy",
    metrics=["accuracy"],
)

with tempfile.TemporaryDirectory() as folder:
    checkpoint_path = os.path.join(folder, "best.keras")
    log_path = os.path.join(folder, "training.csv")
    # ReduceLROnPlateau adds `learning_rate` to the logs, so it comes before
    # CSVLogger, which then records it.
    steering = [
        callbacks.EarlyStopping(
            monitor="val_loss", patience=6, restore_best_weights=True
        ),
        callbacks.ModelCheckpoint(
            checkpoint_path, monitor="val_loss", save_best_only=True
        ),
        callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=2),
        callbacks.CSVLogger(log_path),
    ]
    history = model.fit(
        x_train,
        y_train,
        batch_size=BATCH_SIZE,
        epochs=4 if args.quick else EPOCHS,
        validation_data=(x_val, y_val),
        callbacks=steering,
        verbose=0,
    )
    stopper = steering[0]
    print(f"ran {len(history.epoch)} epochs; best epoch {stopper.best_epoch + 1}")
    if stopper.stopped_epoch:
        print(f"early stopping after epoch {stopper.stopped_epoch + 1}")

    # The CSV log: one row per epoch, with the learning rate in force.
    with open(log_path, newline="") as file:
        rows = list(csv.DictReader(file))
    for row in rows[-3:]:
        print(
            f"epoch {int(row['epoch']) + 1:2d}: val_loss {float(row['val_loss']):.4f} "
            f"val_accuracy {float(row['val_accuracy']):.4f} "
            f"learning_rate {float(row['learning_rate']):.5f}"
        )

    # The restored in-memory model and the best checkpoint agree exactly.
    restored = model.evaluate(x_test, y_test, verbose=0, return_dict=True)
    reloaded_model = keras.models.load_model(checkpoint_path)
    reloaded = reloaded_model.evaluate(x_test, y_test, verbose=0, return_dict=True)

print(f"restored model:  test loss {restored['loss']:.6f}, accuracy {restored['accuracy']:.4f}")
print(f"best checkpoint: test loss {reloaded['loss']:.6f}, accuracy {reloaded['accuracy']:.4f}")
same = restored == reloaded
print(f"checkpoint evaluates like the restored model: {same}")
if not same:
    raise SystemExit("the best checkpoint differs from the restored model")
