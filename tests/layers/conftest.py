"""Helpers that compare a torchkeras layer with its Keras 3 twin."""

import os

os.environ["KERAS_BACKEND"] = "torch"

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from torchkeras import layers  # noqa: E402


class Parity:
    """Builds a Keras layer and ours from one config and compares them."""

    @staticmethod
    def make_pair(class_name, inputs, **config):
        """Return (keras_layer, our_layer), both built on `inputs`.

        Ours receives a copy of the Keras weights, so outputs can be
        compared directly.
        """
        theirs = getattr(keras.layers, class_name)(**config)
        ours = getattr(layers, class_name)(**config)
        theirs(inputs)
        ours(inputs)
        ours.set_weights(theirs.get_weights())
        return theirs, ours

    @staticmethod
    def keras_output(layer, inputs, **call_kwargs):
        return keras.ops.convert_to_numpy(layer(inputs, **call_kwargs))

    @staticmethod
    def our_output(layer, inputs, **call_kwargs):
        return layer(inputs, **call_kwargs).detach().cpu().numpy()

    def assert_same_outputs(self, theirs, ours, inputs, atol=1e-5, **kwargs):
        expected = self.keras_output(theirs, inputs, **kwargs)
        actual = self.our_output(ours, inputs, **kwargs)
        assert actual.shape == expected.shape
        np.testing.assert_allclose(actual, expected, atol=atol, rtol=1e-5)

    @staticmethod
    def assert_same_weights(theirs, ours):
        """Check weight names, shapes, order and trainable split."""
        names = [w.name for w in theirs.weights]
        assert [w.name for w in ours.weights] == names
        assert [tuple(w.shape) for w in ours.weights] == [
            tuple(w.shape) for w in theirs.weights
        ]
        assert [w.name for w in ours.trainable_weights] == [
            w.name for w in theirs.trainable_weights
        ]
        assert [w.name for w in ours.non_trainable_weights] == [
            w.name for w in theirs.non_trainable_weights
        ]
        for mine, reference in zip(ours.get_weights(), theirs.get_weights()):
            np.testing.assert_allclose(mine, reference, atol=1e-6)

    @staticmethod
    def assert_same_output_shape(theirs, ours, input_shape):
        expected = tuple(theirs.compute_output_shape(input_shape))
        assert tuple(ours.compute_output_shape(input_shape)) == expected

    @staticmethod
    def assert_same_config_keys(theirs, ours):
        assert sorted(ours.get_config()) == sorted(theirs.get_config())

    @staticmethod
    def assert_config_round_trip(ours):
        config = ours.get_config()
        clone = type(ours).from_config(config)
        assert clone.get_config() == config


@pytest.fixture
def parity():
    return Parity()


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


@pytest.fixture
def restore_image_data_format():
    """Put back the global image layout a test changes."""
    from torchkeras import config

    ours, theirs = config.image_data_format(), keras.config.image_data_format()
    yield
    config.set_image_data_format(ours)
    keras.config.set_image_data_format(theirs)

