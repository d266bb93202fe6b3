"""A hand-written training loop over torchkeras layers, losses and metrics.

The loop is the one Keras's torch guide writes: call the model with
`training=True`, compute a loss object, `loss.backward()`, then
`optimizer.apply(grads, weights)`. Metric objects are updated per batch
with `update_state`, read with `result()` and reset each epoch. The data is
scikit-learn's bundled breast cancer set (569 tumours, 30 features), so
nothing is downloaded.

Run:  python examples/custom_training_loop.py [--quick]
"""

import argparse

import numpy as np
import torch
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

import torchkeras as keras
from torchkeras import layers

EPOCHS = 20
BATCH_SIZE = 32
SEED = 0

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--quick", action="store_true", help="train for 2 epochs only")
args = parser.parse_args()
keras.utils.set_random_seed(SEED)

features, labels = load_breast_cancer(return_X_y=True)
x_train, x_val, y_train, y_val = train_test_split(
    features, labels, test_size=0.25, stratify=labels, random_state=SEED
)
scaler = StandardScaler().fit(x_train)
x_train = torch.from_numpy(scaler.transform(x_train).astype("float32"))
x_val = torch.from_numpy(scaler.transform(x_val).astype("float32"))
y_train = torch.from_numpy(y_train.astype("float32"))[:, None]  # (N, 1)
y_val = torch.from_numpy(y_val.astype("float32"))[:, None]

model = keras.Sequential(
    [
        keras.Input(shape=(30,)),
        layers.Dense(16, activation="relu"),
        layers.Dropout(0.2),
        layers.Dense(1, activation="sigmoid"),
    ]
)
loss_fn = keras.losses.BinaryCrossentropy()
optimizer = keras.optimizers.Adam(learning_rate=1e-3)
train_loss = keras.metrics.Mean(name="loss")
train_auc = keras.metrics.AUC(name="auc")
val_auc = keras.metrics.AUC(name="val_auc")
val_precision = keras.metrics.PrecisionAtRecall(0.8, name="val_precision_at_recall")

for epoch in range(2 if args.quick else EPOCHS):
    # Train: one optimizer step per batch, metrics updated on the device.
    permutation = torch.randperm(len(x_train))
    for start in range(0, len(permutation), BATCH_SIZE):
        index = permutation[start:start + BATCH_SIZE]
        x_batch, y_batch = x_train[index], y_train[index]
        y_pred = model(x_batch, training=True)
        loss = loss_fn(y_batch, y_pred)
        model.zero_grad()
        loss.backward()
        weights = model.trainable_weights
        optimizer.apply([w.grad for w in weights], weights)
        train_loss.update_state(loss.detach(), sample_weight=len(index))
        train_auc.update_state(y_batch, y_pred.detach())

    # Validate: a plain call runs the model in inference mode.
    with torch.no_grad():
        y_pred = model(x_val)
    val_auc.update_state(y_val, y_pred)
    val_precision.update_state(y_val, y_pred)
    print(
        f"epoch {epoch + 1}: loss {float(train_loss.result()):.4f} - "
        f"auc {float(train_auc.result()):.4f} - "
        f"val_auc {float(val_auc.result()):.4f} - "
        f"val_precision_at_recall(0.8) {float(val_precision.result()):.4f}"
    )
    for metric in (train_loss, train_auc, val_auc, val_precision):
        metric.reset_state()

accuracy = float(((model(x_val) > 0.5).float() == y_val).float().mean())
print(f"validation accuracy: {accuracy:.4f}")
