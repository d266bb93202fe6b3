"""Time one epoch of `fit()` against a hand-written torch loop and Keras 3.

All three train the same MLP (32 inputs, Dense 64 relu, Dense 10) on 20,000
random samples, batch 64, Adam, with an accuracy metric, single-threaded,
in one process. Each is warmed up for one epoch, then timed over several
repetitions of a few epochs. The script prints the median ms per epoch and
the ratio to the hand-written loop. Keras 3 is skipped when not installed.

Run:  python benchmarks/fit_overhead.py [--repeats 5] [--epochs 3]
"""

import argparse
import os
import statistics
import time

os.environ.setdefault("KERAS_BACKEND", "torch")

import numpy as np  # noqa: E402
import torch  # noqa: E402

NUM_SAMPLES = 20_000
NUM_FEATURES = 32
NUM_CLASSES = 10
BATCH_SIZE = 64


def make_data():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((NUM_SAMPLES, NUM_FEATURES)).astype("float32")
    y = rng.integers(0, NUM_CLASSES, NUM_SAMPLES).astype("int64")
    return x, y


def torch_loop(x, y):
    """Return a function that trains one epoch with a plain torch loop."""
    model = torch.nn.Sequential(
        torch.nn.Linear(NUM_FEATURES, 64),
        torch.nn.ReLU(),
        torch.nn.Linear(64, NUM_CLASSES),
        torch.nn.Softmax(dim=-1),
    )
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7, foreach=True)
    x_tensor, y_tensor = torch.from_numpy(x), torch.from_numpy(y)

    def epoch():
        correct = torch.zeros(())
        total_loss = torch.zeros(())
        permutation = torch.randperm(NUM_SAMPLES)
        for start in range(0, NUM_SAMPLES, BATCH_SIZE):
            index = permutation[start:start + BATCH_SIZE]
            xb, yb = x_tensor[index], y_tensor[index]
            probabilities = model(xb)
            log_probabilities = torch.log(probabilities.clamp(1e-7, 1 - 1e-7))
            loss = torch.nn.functional.nll_loss(log_probabilities, yb)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            total_loss += loss.detach() * len(index)
            correct += (probabilities.detach().argmax(-1) == yb).sum()
        return float(total_loss) / NUM_SAMPLES, float(correct) / NUM_SAMPLES

    return epoch


def keras_like_fit(module, x, y, epochs):
    """Return a function that trains `epochs` epochs with `module`'s fit."""
    model = module.Sequential(
        [
            module.Input(shape=(NUM_FEATURES,)),
            module.layers.Dense(64, activation="relu"),
            module.layers.Dense(NUM_CLASSES, activation="softmax"),
        ]
    )
    model.compile(
        optimizer=module.optimizers.Adam(1e-3),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )

    def run():
        model.fit(x, y, batch_size=BATCH_SIZE, epochs=epochs, verbose=0)

    return run


def time_per_epoch(run, epochs, repeats):
    """Return the median seconds per epoch of `run()` (which trains `epochs`)."""
    run()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) / epochs)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(1)
    x, y = make_data()

    import torchkeras

    loop_epoch = torch_loop(x, y)

    def loop_run():
        for _ in range(args.epochs):
            loop_epoch()

    results = {"torch loop": time_per_epoch(loop_run, args.epochs, args.repeats)}
    results["torchkeras fit"] = time_per_epoch(
        keras_like_fit(torchkeras, x, y, args.epochs), args.epochs, args.repeats
    )
    try:
        import keras
    except ImportError:
        keras = None
    if keras is not None and keras.backend.backend() == "torch":
        results["keras 3 fit"] = time_per_epoch(
            keras_like_fit(keras, x, y, args.epochs), args.epochs, args.repeats
        )

    baseline = results["torch loop"]
    print(f"MLP 32-64-10, {NUM_SAMPLES} samples, batch {BATCH_SIZE}, Adam, accuracy")
    print(f"{'runner':<16} {'ms/epoch':>10} {'vs loop':>8}")
    for name, seconds in results.items():
        print(f"{name:<16} {seconds * 1e3:>10.1f} {seconds / baseline:>7.2f}x")


if __name__ == "__main__":
    main()
