"""Clear errors for bad input to compile, fit, evaluate and predict."""

import numpy as np
import pytest
import torch

import torchkeras
from torchkeras import layers


def _model(compiled=True, loss="sparse_categorical_crossentropy"):
    model = torchkeras.Sequential(
        [torchkeras.Input((4,)), layers.Dense(3, activation="softmax")]
    )
    if compiled:
        model.compile(optimizer="adam", loss=loss, metrics=["accuracy"])
    return model


X = np.random.rand(20, 4).astype("float32")
Y = np.random.randint(0, 3, 20)


def test_fit_before_compile_raises():
    with pytest.raises(ValueError, match=r"You must call `compile\(\)` before calling `fit\(\)`"):
        _model(compiled=False).fit(X, Y, verbose=0)


@pytest.mark.parametrize("method", ["evaluate", "train_on_batch", "test_on_batch"])
def test_other_methods_before_compile_raise(method):
    with pytest.raises(ValueError, match=rf"before calling `{method}\(\)`"):
        getattr(_model(compiled=False), method)(X, Y)


def test_input_shape_mismatch_names_layer():
    model = _model()
    with pytest.raises(ValueError, match=r"layer 'dense' .* expected axis -1 of input shape to have value 4, but received input with shape \(20, 7\)"):
        model.fit(np.random.rand(20, 7), Y, verbose=0)


def test_mismatched_lengths_raise():
    with pytest.raises(ValueError, match="Data cardinality is ambiguous.*'x' sizes: 20.*'y' sizes: 19"):
        _model().fit(X, Y[:19], verbose=0)


def test_one_hot_targets_with_sparse_loss_raise():
    y_one_hot = np.eye(3)[Y]
    with pytest.raises(ValueError, match="categorical_crossentropy"):
        _model().fit(X, y_one_hot, verbose=0)


def test_integer_targets_with_categorical_loss_raise():
    with pytest.raises(ValueError, match="sparse_categorical_crossentropy"):
        _model(loss="categorical_crossentropy").fit(X, Y, verbose=0)


@pytest.mark.parametrize("split", [-0.1, 1.0, 1.5], ids=["negative", "one", "above_one"])
def test_validation_split_out_of_range_raises(split):
    with pytest.raises(ValueError, match=r"`validation_split` must be a float in \[0, 1\)"):
        _model().fit(X, Y, validation_split=split, verbose=0)


@pytest.mark.parametrize("batch_size", [0, -4, 2.5], ids=["zero", "negative", "float"])
def test_non_positive_batch_size_raises(batch_size):
    with pytest.raises(ValueError, match="`batch_size` must be a positive integer"):
        _model().fit(X, Y, batch_size=batch_size, verbose=0)


@pytest.mark.parametrize("epochs", [0, -1], ids=["zero", "negative"])
def test_non_positive_epochs_raises(epochs):
    with pytest.raises(ValueError, match="`epochs` must be a positive integer"):
        _model().fit(X, Y, epochs=epochs, verbose=0)


@pytest.mark.parametrize(
    "argument, value, kind",
    [
        ("loss", "mean_sqared_error", "loss"),
        ("optimizer", "adamm", "optimizer"),
    ],
    ids=["loss", "optimizer"],
)
def test_unknown_compile_string_lists_close_matches(argument, value, kind):
    model = _model(compiled=False)
    with pytest.raises(ValueError, match=f"Could not interpret {kind} identifier.*Did you mean"):
        model.compile(**{"optimizer": "adam", "loss": "mse", argument: value})


def test_unknown_metric_string_lists_close_matches():
    model = _model(compiled=False)
    with pytest.raises(ValueError, match="Could not interpret metric identifier.*Did you mean"):
        model.compile(optimizer="adam", loss="mse", metrics=["acuracy"])


def test_unknown_activation_lists_close_matches():
    with pytest.raises(ValueError, match="Could not interpret activation identifier: 'rleu'. Did you mean 'relu'"):
        layers.Dense(3, activation="rleu")


def test_y_with_data_loader_raises():
    dataset = torch.utils.data.TensorDataset(torch.from_numpy(X), torch.from_numpy(Y))
    loader = torch.utils.data.DataLoader(dataset, batch_size=4)
    with pytest.raises(ValueError, match="`y` argument is not supported when using a data loader"):
        _model().fit(loader, Y, verbose=0)


def test_validation_split_with_loader_raises():
    dataset = torch.utils.data.TensorDataset(torch.from_numpy(X), torch.from_numpy(Y))
    with pytest.raises(ValueError, match="`validation_split` is only supported for arrays"):
        _model().fit(torch.utils.data.DataLoader(dataset), validation_split=0.2, verbose=0)


def test_sample_and_class_weight_together_raise():
    with pytest.raises(ValueError, match="cannot be specified at the same time"):
        _model().fit(X, Y, sample_weight=np.ones(20), class_weight={0: 1.0}, verbose=0)


def test_bad_validation_data_tuple_raises():
    with pytest.raises(ValueError, match=r"`validation_data` must be `\(x, y\)`"):
        _model().fit(X, Y, validation_data=(X,), verbose=0)


def test_unsupported_data_type_raises():
    with pytest.raises(ValueError, match="Unrecognized data type"):
        _model().fit("not data", Y, verbose=0)


def test_steps_per_execution_not_supported():
    with pytest.raises(NotImplementedError, match="steps_per_execution"):
        _model(compiled=False).compile(optimizer="adam", loss="mse", steps_per_execution=4)


def test_string_targets_name_the_argument():
    with pytest.raises(TypeError, match="`y` contains values of type <U1"):
        _model().fit(X, np.array(list("abcdefghijklmnopqrst")), verbose=0)


def test_nested_python_lists_are_one_input():
    history = _model().fit(X.tolist(), Y.tolist(), epochs=1, verbose=0)
    assert len(history.history["loss"]) == 1


def test_unbuilt_model_state_dict_load_explains():
    class Twin(torchkeras.Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(2)

        def call(self, inputs):
            return self.dense(inputs)

    built = Twin()
    built(torch.ones(1, 3))
    with pytest.raises(RuntimeError, match="it is not built.*Call it on a batch"):
        Twin().load_state_dict(built.state_dict())
