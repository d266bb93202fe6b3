"""DTypePolicy and the global policy, against Keras 3."""

import keras
import pytest
import torch

import torchkeras
from torchkeras import mixed_precision


@pytest.mark.parametrize(
    "name",
    ["float32", "mixed_float16", "mixed_bfloat16", "float16", "bfloat16", "float64"],
)
def test_policy_dtypes_match_keras(name):
    policy = mixed_precision.Policy(name)
    reference = keras.mixed_precision.Policy(name)
    assert policy.name == reference.name
    assert policy.compute_dtype == reference.compute_dtype
    assert policy.variable_dtype == reference.variable_dtype
    assert repr(policy) == repr(reference)


def test_unknown_policy_lists_valid_names():
    with pytest.raises(ValueError, match="Unknown dtype policy name 'mixed_float8'.*mixed_bfloat16"):
        mixed_precision.Policy("mixed_float8")


def test_quantized_policy_raises():
    with pytest.raises(ValueError, match="Quantized dtype policies are not supported"):
        mixed_precision.Policy("int8_from_float32")


def test_non_string_name_raises():
    with pytest.raises(TypeError, match="must be a string"):
        mixed_precision.Policy(16)


def test_keras_names_exist():
    assert torchkeras.DTypePolicy is mixed_precision.DTypePolicy
    assert mixed_precision.Policy is mixed_precision.DTypePolicy
    assert mixed_precision.set_global_policy is mixed_precision.set_dtype_policy
    assert mixed_precision.global_policy is mixed_precision.dtype_policy
    for name in dir(keras.mixed_precision):
        if not name.startswith("_"):
            assert hasattr(mixed_precision, name), name


def test_global_policy_set_and_read():
    assert mixed_precision.global_policy().name == "float32"
    mixed_precision.set_global_policy("mixed_bfloat16")
    assert torchkeras.config.dtype_policy().name == "mixed_bfloat16"
    torchkeras.config.set_dtype_policy(mixed_precision.Policy("float16"))
    assert mixed_precision.dtype_policy().name == "float16"


def test_set_global_policy_invalid_type_raises():
    with pytest.raises(ValueError, match="must be a `DTypePolicy` or the name"):
        mixed_precision.set_global_policy(3.5)


def test_get_accepts_config_and_dtype():
    config = keras.dtype_policies.serialize(keras.DTypePolicy("mixed_bfloat16"))
    assert torchkeras.dtype_policies.get(config).name == "mixed_bfloat16"
    assert torchkeras.dtype_policies.get(torch.bfloat16).name == "bfloat16"
    assert torchkeras.dtype_policies.get(None).name == "float32"


def test_policy_equality_and_config():
    policy = mixed_precision.Policy("mixed_float16")
    assert policy == mixed_precision.Policy.from_config(policy.get_config())
    assert policy != mixed_precision.Policy("float16")
