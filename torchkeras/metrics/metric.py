"""The `Metric` base class: Keras's metric API on a `torch.nn.Module`."""

from __future__ import annotations

import contextlib
from typing import Any
from typing import Iterator

import torch
import torch.distributed as dist

from torchkeras import config
from torchkeras.backend.tensors import convert_to_tensor
from torchkeras.backend.variable import Variable
from torchkeras.utils.naming import to_snake_case
from torchkeras.utils.naming import uniquify

_AGGREGATIONS = ("none", "sum", "mean", "only_first_replica")


class Metric(torch.nn.Module):
    """Base class of all metrics: state tensors, updated batch by batch.

    A metric accumulates statistics in state tensors with `update_state()`
    and turns them into a value with `result()`. `reset_state()` starts over.
    Calling the metric updates it and returns the new result, as in Keras.

    Each state made by `add_variable()` is a buffer of this module, so
    `.to(device)` moves it and `state_dict()` contains it under the attribute
    name it is assigned to. States are `Variable`s, which offer Keras's
    `assign()`, `assign_add()` and `numpy()` for subclasses written against
    Keras. Updates run without autograd, so a metric never keeps a graph.

    Subclasses create their states in `__init__` with `add_variable()`, and
    implement `update_state()` and `result()`.

    Args:
        dtype: Dtype of the computation, such as `"float32"`. Defaults to
            `config.floatx()`.
        name: Name of the metric, the key of its value in training logs.
            Defaults to the snake_case class name, made unique with a counter.

    Example:

    >>> import torch
    >>> class PositiveCount(Metric):
    ...     def __init__(self, name="positive_count", dtype=None):
    ...         super().__init__(dtype=dtype, name=name)
    ...         self.count = self.add_variable((), "zeros", name="count")
    ...     def update_state(self, values):
    ...         self.count.assign_add((torch.as_tensor(values) > 0).sum())
    ...     def result(self):
    ...         return self.count.clone()
    >>> metric = PositiveCount()
    >>> metric([1.0, -2.0, 3.0])
    tensor(2.)
    >>> metric.reset_state()
    >>> metric.result()
    tensor(0.)
    """

    def __init__(self, dtype: Any = None, name: str | None = None):
        super().__init__()
        self.name = name or uniquify(to_snake_case(type(self).__name__))
        self._compute_dtype = config.standardize_dtype(dtype)
        # Buffer keys of the states, in creation order, and per key the
        # Keras name, aggregation and initial value of the state.
        self._state_keys: list[str] = []
        self._state_specs: dict[str, tuple[str, str]] = {}
        self._initial_values: dict[str, torch.Tensor] = {}

    @property
    def dtype(self) -> str:
        """Name of the dtype the metric computes in, such as `"float32"`."""
        return config.dtype_name(self._compute_dtype)

    @property
    def variables(self) -> list[torch.Tensor]:
        """The state tensors, own states first, then those of sub-metrics."""
        states = [self._buffers[key] for key in self._state_keys]
        for metric in self._sub_metrics():
            states.extend(metric.variables)
        return states

    def add_variable(
        self,
        shape: Any,
        initializer: Any,
        dtype: Any = None,
        aggregation: str = "sum",
        name: str | None = None,
    ) -> Variable:
        """Create a state tensor, register it as a buffer and return it.

        Args:
            shape: Shape of the state, such as `()`.
            initializer: Initializer name, instance or callable
                `fn(shape, dtype)`. `reset_state()` restores the value it
                returns now.
            dtype: Dtype of the state. Defaults to the metric's dtype.
            aggregation: How replicas combine the state: `"sum"`, `"mean"`,
                `"only_first_replica"` or `"none"`.
            name: Name of the state. The buffer is renamed to the attribute
                the state is assigned to.

        Raises:
            RuntimeError: if `super().__init__()` has not run yet.
            ValueError: if `aggregation` is not one of the values above.
        """
        if "_state_keys" not in self.__dict__:
            raise RuntimeError(
                f"{type(self).__name__}.add_variable() was called before "
                "`Metric.__init__()`. Call `super().__init__()` first in "
                "`__init__`."
            )
        if aggregation not in _AGGREGATIONS:
            raise ValueError(
                f"Invalid `aggregation`: expected one of {_AGGREGATIONS}. "
                f"Received: aggregation={aggregation!r}"
            )
        from torchkeras import initializers

        dtype = config.standardize_dtype(dtype or self._compute_dtype)
        shape = (shape,) if isinstance(shape, int) else tuple(shape)
        name = name or "variable"
        key = self._unused_key(name)
        # A metric built during evaluation must still accept updates outside
        # inference mode, so its states are never inference tensors.
        with torch.inference_mode(False):
            value = initializers.get(initializer)(shape, dtype=dtype)
            value = convert_to_tensor(value, dtype=dtype, device=self._device())
            self._state_specs[key] = (name, aggregation)
            state = self._as_state(key, value.clone())
        self.register_buffer(key, state)
        self._state_keys.append(key)
        self._initial_values[key] = value
        return state

    def add_weight(
        self,
        shape: Any = (),
        initializer: Any = "zeros",
        dtype: Any = None,
        name: str | None = None,
    ) -> Variable:
        """Create a state tensor, like its newer name `add_variable()`."""
        return self.add_variable(shape, initializer, dtype=dtype, name=name)

    def update_state(self, *args: Any, **kwargs: Any) -> None:
        """Accumulate the statistics of one batch. Subclasses implement it."""
        raise NotImplementedError(
            f"{type(self).__name__} must implement `update_state()`."
        )

    def result(self) -> torch.Tensor:
        """Return the metric value from the states. Subclasses implement it."""
        raise NotImplementedError(
            f"{type(self).__name__} must implement `result()`."
        )

    def reset_state(self) -> None:
        """Restore every state, in place, to its initial value."""
        with torch.no_grad():
            for key in self._state_keys:
                state = self._buffers[key]
                state.copy_(self._initial_value(key, state))
        for metric in self._sub_metrics():
            metric.reset_state()

    def reset_states(self) -> None:
        """Restore the initial states, like its newer name `reset_state()`."""
        self.reset_state()

    def forward(self, *args: Any, **kwargs: Any) -> torch.Tensor:
        """Update the state with one batch and return the new result."""
        self.update_state(*args, **kwargs)
        return self.result()

    def __call__(self, *args: Any, **kwargs: Any) -> torch.Tensor:
        # Keras semantics, without the module hooks of `nn.Module.__call__`.
        return self.forward(*args, **kwargs)

    def get_config(self) -> dict[str, Any]:
        """Return the constructor arguments as a dict, as Keras does."""
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config_dict: dict[str, Any]) -> Metric:
        """Create a metric from the output of `get_config()`."""
        return cls(**config_dict)

    def extra_repr(self) -> str:
        return f"name={self.name!r}"

    def __setattr__(self, name: str, value: Any) -> None:
        key = self._state_key_of(value)
        if key is not None:
            if key != name:
                self._rename_state(key, name)
        elif name in self.__dict__.get("_state_specs", ()) and isinstance(
            value, torch.Tensor
        ):
            # A new tensor for a state, as `load_state_dict(assign=True)`
            # sets, stays a buffer instead of becoming a parameter.
            self._buffers[name] = self._as_state(name, value.detach())
        else:
            super().__setattr__(name, value)

    def _apply(self, fn: Any, recurse: bool = True) -> Metric:
        # `Module._apply` replaces buffers by plain tensors on `.to()`, so the
        # states are wrapped again to keep their Keras API.
        super()._apply(fn, recurse)
        self._rewrap_states()
        return self

    def _prepare_values(self, values: Any) -> torch.Tensor:
        """Convert `values` to a detached tensor in the metric's dtype.

        The states follow the device of tensor inputs, so a metric fed CUDA
        tensors moves there on its first update.
        """
        if isinstance(values, torch.Tensor):
            self._follow_device(values.device)
            values = values.detach()
            if values.dtype == self._compute_dtype:
                # Skips a no-op `Tensor.to`, which costs microseconds per
                # update.
                return values
            return values.to(self._compute_dtype)
        return convert_to_tensor(
            values, dtype=self._compute_dtype, device=self._device()
        )

    @contextlib.contextmanager
    def synced_states(self) -> Iterator[None]:
        """Combine the states of all processes while the block runs.

        Under `torch.distributed` each process updates its own states.
        Inside this block every state contains the value combined over all
        processes (summed, averaged or copied from rank 0, by its
        `aggregation`), so `result()` covers the data of all processes.
        Afterwards the local states are restored, so later updates are not
        counted twice. Without an initialized process group the block
        changes nothing.

        Example:

        >>> metric = Mean()
        >>> metric.update_state([1.0, 3.0])
        >>> with metric.synced_states():
        ...     value = metric.result()
        >>> value
        tensor(2.)
        """
        if not (dist.is_available() and dist.is_initialized()):
            yield
            return
        world_size = dist.get_world_size()
        saved = []
        with torch.no_grad():
            for metric in self.modules():
                if not isinstance(metric, Metric):
                    continue
                for key in metric._state_keys:
                    state = metric._buffers[key]
                    aggregation = metric._state_specs[key][1]
                    if aggregation == "none":
                        continue
                    saved.append((state, state.detach().clone()))
                    if aggregation == "only_first_replica":
                        dist.broadcast(state, src=0)
                    else:
                        dist.all_reduce(state, op=dist.ReduceOp.SUM)
                        if aggregation == "mean":
                            state.div_(world_size)
        try:
            yield
        finally:
            with torch.no_grad():
                for state, local in saved:
                    state.copy_(local)

    def _follow_device(self, device: torch.device) -> None:
        current = self._device()
        if current is not None and current != device:
            with torch.inference_mode(False):
                self.to(device)

    def _device(self) -> torch.device | None:
        for key in self._state_keys:
            return self._buffers[key].device
        return None

    def _sub_metrics(self) -> list[Metric]:
        return [m for m in self.children() if isinstance(m, Metric)]

    def _initial_value(self, key: str, like: torch.Tensor) -> torch.Tensor:
        # Cached on the state's device and dtype, so a reset copies on device.
        value = self._initial_values[key]
        if value.device != like.device or value.dtype != like.dtype:
            with torch.inference_mode(False):
                value = value.to(device=like.device, dtype=like.dtype)
            self._initial_values[key] = value
        return value

    def _unused_key(self, name: str) -> str:
        key, index = name, 0
        while (
            key in self._buffers
            or key in self.__dict__
            or hasattr(type(self), key)
        ):
            index += 1
            key = f"{name}_{index}"
        return key

    def _state_key_of(self, value: Any) -> str | None:
        keys = self.__dict__.get("_state_keys")
        if not keys or not isinstance(value, torch.Tensor):
            return None
        for key in keys:
            if self._buffers[key] is value:
                return key
        return None

    def _rename_state(self, old: str, new: str) -> None:
        taken = (self._buffers, self._parameters, self._modules)
        if any(new in names for names in taken):
            raise ValueError(
                f"Cannot assign state {old!r} of metric {self.name!r} to "
                f"attribute {new!r}: a buffer, parameter or submodule of "
                "that name exists."
            )
        # A plain attribute of the same name would hide the buffer.
        self.__dict__.pop(new, None)
        items = list(self._buffers.items())
        self._buffers.clear()
        for key, buffer in items:
            self._buffers[new if key == old else key] = buffer
        self._state_keys[self._state_keys.index(old)] = new
        self._state_specs[new] = self._state_specs.pop(old)
        self._initial_values[new] = self._initial_values.pop(old)

    def _rewrap_states(self) -> None:
        for key in self._state_keys:
            state = self._buffers[key]
            if not isinstance(state, Variable):
                self._buffers[key] = self._as_state(key, state)

    def _as_state(self, key: str, value: torch.Tensor) -> Variable:
        name, aggregation = self._state_specs[key]
        return Variable(
            value,
            trainable=False,
            name=name,
            path=f"{self.name}/{name}",
            aggregation=aggregation,
        )
