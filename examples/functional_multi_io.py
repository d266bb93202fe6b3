"""A functional model with two inputs and two outputs, on real data.

scikit-learn's breast cancer data set (569 tumours, bundled, nothing is
downloaded) has 30 features: 10 "mean" measurements, their 10 standard
errors and 10 "worst" values. This model reads the mean and error groups
through two inputs and predicts two things: the diagnosis (benign or
malignant, the main output) and the worst radius (an auxiliary regression
output that helps the shared layers learn).

Run:  python examples/functional_multi_io.py [--quick]
"""

import argparse

import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

import torchkeras as keras
from torchkeras import layers

EPOCHS = 60
BATCH_SIZE = 32
SEED = 0

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--quick", action="store_true", help="train for 2 epochs only")
args = parser.parse_args()
keras.utils.set_random_seed(SEED)

# Standardize all 30 features with statistics of the training split.
features, diagnosis = load_breast_cancer(return_X_y=True)
train_index, test_index = train_test_split(
    np.arange(len(features)), test_size=0.25, stratify=diagnosis, random_state=SEED
)
scaler = StandardScaler().fit(features[train_index])
features = scaler.transform(features).astype("float32")
diagnosis = diagnosis.astype("float32")[:, None]
means, errors, worst_radius = features[:, :10], features[:, 10:20], features[:, 20:21]

# Two towers, one per input group, merged into a shared trunk.
mean_input = keras.Input(shape=(10,), name="means")
error_input = keras.Input(shape=(10,), name="errors")
mean_features = layers.Dense(16, activation="relu", name="mean_tower")(mean_input)
error_features = layers.Dense(8, activation="relu", name="error_tower")(error_input)
trunk = layers.Concatenate(name="merge")([mean_features, error_features])
trunk = layers.Dense(16, activation="relu", name="trunk")(trunk)
diagnosis_output = layers.Dense(1, activation="sigmoid", name="diagnosis")(trunk)
radius_output = layers.Dense(1, name="worst_radius")(trunk)
model = keras.Model(
    inputs=[mean_input, error_input],
    outputs=[diagnosis_output, radius_output],
    name="two_inputs_two_outputs",
)
model.summary()

# One loss per output, keyed by output name; the auxiliary loss counts less.
model.compile(
    optimizer="adam",
    loss={"diagnosis": "binary_crossentropy", "worst_radius": "mse"},
    loss_weights={"diagnosis": 1.0, "worst_radius": 0.2},
    metrics={"diagnosis": ["accuracy"], "worst_radius": ["mae"]},
)
history = model.fit(
    [means[train_index], errors[train_index]],
    {"diagnosis": diagnosis[train_index], "worst_radius": worst_radius[train_index]},
    batch_size=BATCH_SIZE,
    epochs=2 if args.quick else EPOCHS,
    validation_split=0.1,
    verbose=0,
)
print("history keys:", sorted(history.history))

# Per-output metrics on the held-out test split.
results = model.evaluate(
    [means[test_index], errors[test_index]],
    {"diagnosis": diagnosis[test_index], "worst_radius": worst_radius[test_index]},
    verbose=0,
    return_dict=True,
)
for name, value in results.items():
    print(f"test {name}: {value:.4f}")
