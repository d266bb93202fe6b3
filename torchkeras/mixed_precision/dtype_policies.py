"""Dtype policies: the compute and variable dtypes of layers."""

from __future__ import annotations

from typing import Any

from torchkeras import config

_MIXED_POLICIES = {
    "mixed_float16": ("float16", "float32"),
    "mixed_bfloat16": ("bfloat16", "float32"),
}
# Names that give the same compute and variable dtype, as Keras accepts.
_PLAIN_POLICIES = (
    "bfloat16",
    "float16",
    "float32",
    "float64",
    "int8",
    "int16",
    "int32",
    "int64",
    "uint8",
    "bool",
)
_QUANTIZATION_PREFIXES = ("int8_from_", "float8_from_", "int4_from_", "gptq", "awq")

# None means "the policy named by `config.floatx()`", so that a later
# `config.set_floatx()` still changes the default.
_global_policy: DTypePolicy | None = None


def valid_policy_names() -> tuple[str, ...]:
    """Return the policy names that `DTypePolicy` accepts."""
    return tuple(_MIXED_POLICIES) + _PLAIN_POLICIES


class DTypePolicy:
    """A dtype policy: the dtype a layer computes in and the dtype of its weights.

    `"mixed_float16"` and `"mixed_bfloat16"` compute in float16 or bfloat16
    and keep the weights in float32 (mixed precision). A dtype name such as
    `"float32"` or `"bfloat16"` uses that dtype for both. Pass a policy or
    its name as a layer's `dtype=` argument, or set the default for new
    layers with `set_dtype_policy()`.

    A layer whose compute dtype differs from its variable dtype casts its
    float inputs to the compute dtype and reads its float weights in the
    compute dtype during `call`. So a `Dense` layer under
    `"mixed_bfloat16"` returns bfloat16 outputs, and its kernel stays a
    float32 parameter that the optimizer updates.

    Args:
        name: The policy name. None means the global policy's name.

    Raises:
        ValueError: if `name` is not a policy name (the message lists the
            valid ones), or names a quantization policy, which torchkeras
            does not support.
        TypeError: if `name` is not a string.

    Example:

    >>> policy = DTypePolicy("mixed_bfloat16")
    >>> policy.compute_dtype, policy.variable_dtype
    ('bfloat16', 'float32')
    """

    def __init__(self, name: str | None = None):
        if name is None:
            name = dtype_policy().name
        self._compute_dtype, self._variable_dtype = _parse_policy_name(name)
        self._name = name

    @property
    def name(self) -> str:
        """The policy name, such as `"mixed_bfloat16"`."""
        return self._name

    @property
    def compute_dtype(self) -> str:
        """Name of the dtype that layers compute and return outputs in."""
        return self._compute_dtype

    @property
    def variable_dtype(self) -> str:
        """Name of the dtype that layers create their weights in."""
        return self._variable_dtype

    @property
    def quantization_mode(self) -> None:
        """Always None: torchkeras has no quantized policies."""
        return None

    def get_config(self) -> dict[str, Any]:
        """Return `{"name": name}`."""
        return {"name": self._name}

    @classmethod
    def from_config(cls, config_dict: dict[str, Any]) -> DTypePolicy:
        """Create a policy from `get_config()` output."""
        return cls(**config_dict)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, DTypePolicy):
            return NotImplemented
        return self._name == other._name

    def __hash__(self) -> int:
        return hash(self._name)

    def __repr__(self) -> str:
        return f'<DTypePolicy "{self._name}">'


# Keras's older names for the same class.
Policy = DTypePolicy
FloatDTypePolicy = DTypePolicy


def _parse_policy_name(name: Any) -> tuple[str, str]:
    """Return `(compute_dtype, variable_dtype)` for a policy name."""
    if not isinstance(name, str):
        raise TypeError(
            "A dtype policy name must be a string, such as 'mixed_bfloat16'. "
            f"Received: name={name!r} of type {type(name).__name__}"
        )
    if name in _MIXED_POLICIES:
        return _MIXED_POLICIES[name]
    if name.startswith(_QUANTIZATION_PREFIXES):
        raise ValueError(
            f"Quantized dtype policies are not supported by torchkeras. "
            f"Received: name={name!r}. Use one of: "
            f"{', '.join(valid_policy_names())}."
        )
    standard = name.replace("torch.", "")
    if standard == "double":
        standard = "float64"
    elif standard == "half":
        standard = "float16"
    if standard in _PLAIN_POLICIES:
        return standard, standard
    raise ValueError(
        f"Unknown dtype policy name {name!r}. Valid policy names are: "
        f"{', '.join(valid_policy_names())}."
    )


def set_dtype_policy(policy: DTypePolicy | str) -> None:
    """Set the default dtype policy of layers created from now on.

    Layers that exist already keep their policy.

    Args:
        policy: A `DTypePolicy` or a policy name such as
            `"mixed_bfloat16"`.

    Raises:
        ValueError: if `policy` is neither a policy nor a valid name.
    """
    global _global_policy
    if isinstance(policy, str):
        policy = DTypePolicy(policy)
    elif not isinstance(policy, DTypePolicy):
        raise ValueError(
            "`policy` must be a `DTypePolicy` or the name of one, such as "
            f"'mixed_float16'. Received: policy={policy!r} of type "
            f"{type(policy).__name__}"
        )
    _global_policy = policy


def dtype_policy() -> DTypePolicy:
    """Return the default dtype policy of new layers.

    Unless `set_dtype_policy()` was called, this is the policy named by
    `config.floatx()` (`"float32"` by default).
    """
    if _global_policy is None:
        return DTypePolicy(config.floatx())
    return _global_policy


# Keras's mixed-precision names for the same functions.
set_global_policy = set_dtype_policy
global_policy = dtype_policy


def get(identifier: Any) -> DTypePolicy:
    """Return a `DTypePolicy` from a policy, a name, a config dict or None.

    None means the global policy. A dict is Keras's serialized form,
    `{"class_name": "DTypePolicy", "config": {"name": ...}}`. A torch or
    numpy dtype means the policy of that dtype's name.

    Raises:
        ValueError: if the identifier names no valid policy.
    """
    if identifier is None:
        return dtype_policy()
    if isinstance(identifier, DTypePolicy):
        return identifier
    if isinstance(identifier, dict):
        inner = identifier.get("config", identifier)
        return DTypePolicy(inner.get("name"))
    if isinstance(identifier, str):
        return DTypePolicy(identifier)
    name = getattr(identifier, "name", None)
    if not isinstance(name, str):
        name = str(identifier)
    return DTypePolicy(name.replace("torch.", ""))


def serialize(policy: DTypePolicy) -> dict[str, Any]:
    """Return Keras 3's serialized form of `policy`."""
    return {
        "module": "keras",
        "class_name": "DTypePolicy",
        "config": policy.get_config(),
        "registered_name": None,
    }


def deserialize(config_dict: dict[str, Any], custom_objects=None) -> DTypePolicy:
    """Return the policy that `serialize()` stored."""
    return get(config_dict)
