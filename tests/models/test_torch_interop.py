"""torchkeras models inside plain torch code, and torch tools on them."""

import numpy as np
import torch
from sklearn.datasets import load_digits

import torchkeras
from torchkeras import layers


def _digits():
    digits = load_digits()
    x = torch.from_numpy((digits.data / 16.0).astype("float32"))
    y = torch.from_numpy(digits.target.astype("int64"))
    return x, y


def _body():
    return torchkeras.Sequential(
        [torchkeras.Input((64,)), layers.Dense(32, activation="relu"), layers.Dropout(0.1)]
    )


class Classifier(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.body = _body()
        self.head = torch.nn.Linear(32, 10)

    def forward(self, x):
        return self.head(self.body(x))


def test_keras_model_inside_torch_module_learns_digits():
    torch.manual_seed(0)
    x, y = _digits()
    model = Classifier()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    model.train()
    for _ in range(60):
        loss = torch.nn.functional.cross_entropy(model(x[:1400]), y[:1400])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    model.eval()
    with torch.no_grad():
        accuracy = (model(x[1400:]).argmax(-1) == y[1400:]).float().mean()
    assert float(accuracy) > 0.85


def test_train_and_eval_reach_keras_layers():
    model = Classifier()
    model.train()
    assert all(m.training for m in model.modules())
    model.eval()
    assert not any(m.training for m in model.modules())


def test_named_modules_and_parameters_follow_structure():
    model = Classifier()
    names = [name for name, _ in model.named_parameters()]
    assert names == ["body.layers.0.kernel", "body.layers.0.bias", "head.weight", "head.bias"]
    assert "body.layers.1" in dict(model.named_modules())


def test_to_dtype_moves_all_weights():
    model = _body().to(torch.float64)
    assert all(p.dtype == torch.float64 for p in model.parameters())
    assert model(torch.ones(2, 64, dtype=torch.float64)).dtype == torch.float64


def test_torch_compile_sequential_and_subclassed():
    class Subclassed(torchkeras.Model):
        def __init__(self):
            super().__init__()
            self.hidden = layers.Dense(8, activation="relu")
            self.out = layers.Dense(3)

        def call(self, inputs):
            return self.out(self.hidden(inputs))

    x = torch.rand(4, 64)
    for model in (_body(), Subclassed()):
        model(x)
        compiled = torch.compile(model)
        torch.testing.assert_close(compiled(x), model(x))


def test_torch_module_layer_is_trained_and_frozen():
    model = torchkeras.Sequential(
        [torchkeras.Input((64,)), torch.nn.Linear(64, 16), torch.nn.ReLU(), layers.Dense(10, activation="softmax")]
    )
    linear = model.layers[0].module
    before = linear.weight.detach().clone()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    x, y = _digits()
    model.fit(x.numpy()[:256], y.numpy()[:256], epochs=1, verbose=0)
    assert not torch.equal(before, linear.weight)
    model.layers[0].trainable = False
    assert not linear.weight.requires_grad
    assert "layers.0.module.weight" in model.state_dict()
    assert model.count_params() == 64 * 16 + 16 + 16 * 10 + 10
    np.testing.assert_allclose(model.predict(x.numpy()[:3], verbose=0).sum(axis=1), 1.0, atol=1e-5)
