"""Train a binary classifier on scikit-learn's breast cancer data set.

569 tumours described by 30 features, labelled malignant (0) or benign
(1). The data ships with scikit-learn, so nothing is downloaded. A small
MLP with a sigmoid output is trained with `BinaryCrossentropy`.

Run:  python examples/breast_cancer_mlp.py [--quick]
"""

import argparse

from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

import torchkeras as keras
from torchkeras import layers

EPOCHS = 50
BATCH_SIZE = 32
SEED = 0

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--quick", action="store_true", help="train for 2 epochs only")
args = parser.parse_args()
keras.utils.set_random_seed(SEED)

# Standardize the 30 features with statistics of the training split only.
features, labels = load_breast_cancer(return_X_y=True)
x_train, x_test, y_train, y_test = train_test_split(
    features, labels, test_size=0.25, stratify=labels, random_state=SEED
)
scaler = StandardScaler().fit(x_train)
x_train = scaler.transform(x_train).astype("float32")
x_test = scaler.transform(x_test).astype("float32")
y_train = y_train.astype("float32")
y_test = y_test.astype("float32")

model = keras.Sequential(
    [
        keras.Input(shape=(30,)),
        layers.Dense(16, activation="relu"),
        layers.Dropout(0.2),
        layers.Dense(8, activation="relu"),
        layers.Dense(1, activation="sigmoid"),
    ],
    name="breast_cancer_mlp",
)
model.compile(
    optimizer="adam",
    loss=keras.losses.BinaryCrossentropy(),
    metrics=["accuracy"],
)
model.fit(
    x_train,
    y_train,
    batch_size=BATCH_SIZE,
    epochs=2 if args.quick else EPOCHS,
    validation_split=0.1,
    verbose=0,
)

loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
print(f"test loss: {loss:.4f}, test accuracy: {accuracy:.4f}")
