"""torchkeras and plain PyTorch, used together in both directions.

1. torch modules inside a Keras model: `torch.nn.Linear` and
   `torch.nn.BatchNorm1d` sit in a `Sequential` next to Keras layers and are
   trained by `fit()`.
2. A Keras model inside torch code: a torchkeras model is a submodule of a
   plain `torch.nn.Module`, trained by a hand-written loop with
   `torch.optim`, then compiled with `torch.compile`.

Both parts train on scikit-learn's bundled digits (8x8 images flattened to
64 features); nothing is downloaded.

Run:  python examples/torch_interop.py [--quick]
"""

import argparse

import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

import torchkeras as keras
from torchkeras import layers

EPOCHS = 20
BATCH_SIZE = 64
SEED = 0

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--quick", action="store_true", help="train for 2 epochs only")
args = parser.parse_args()
epochs = 2 if args.quick else EPOCHS
keras.utils.set_random_seed(SEED)

digits = load_digits()
features = (digits.data / 16.0).astype("float32")  # (1797, 64)
labels = digits.target.astype("int64")
x_train, x_test, y_train, y_test = train_test_split(
    features, labels, test_size=0.2, stratify=labels, random_state=SEED
)

# 1. torch modules as layers of a Keras model, trained by fit().
model = keras.Sequential(
    [
        keras.Input(shape=(64,)),
        torch.nn.Linear(64, 64),
        torch.nn.ReLU(),
        torch.nn.BatchNorm1d(64),
        layers.Dense(10, activation="softmax"),
    ],
    name="mixed",
)
model.summary()
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
model.fit(x_train, y_train, batch_size=BATCH_SIZE, epochs=epochs, verbose=0)
_, accuracy = model.evaluate(x_test, y_test, verbose=0)
print(f"torch modules inside Keras, fit(): test accuracy {accuracy:.4f}")


# 2. A Keras model inside a plain torch module, trained by a torch loop.
class Classifier(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.body = keras.Sequential(
            [keras.Input(shape=(64,)), layers.Dense(64, activation="relu"), layers.Dropout(0.2)]
        )
        self.head = torch.nn.Linear(64, 10)

    def forward(self, x):
        return self.head(self.body(x))  # (batch, 10) logits


classifier = Classifier()
optimizer = torch.optim.Adam(classifier.parameters(), lr=1e-3)
x_train_t, y_train_t = torch.from_numpy(x_train), torch.from_numpy(y_train)
for epoch in range(epochs):
    classifier.train()  # reaches the Keras layers too: Dropout is active
    permutation = torch.randperm(len(x_train_t))
    for start in range(0, len(permutation), BATCH_SIZE):
        index = permutation[start:start + BATCH_SIZE]
        loss = torch.nn.functional.cross_entropy(classifier(x_train_t[index]), y_train_t[index])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

classifier.eval()
compiled = torch.compile(classifier)
with torch.no_grad():
    logits = compiled(torch.from_numpy(x_test))
accuracy = (logits.argmax(dim=-1).numpy() == y_test).mean()
print(f"Keras model inside torch, torch.optim loop: test accuracy {accuracy:.4f}")
print("state_dict keys:", list(classifier.state_dict())[:4])
