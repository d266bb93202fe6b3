"""The base `Layer`: a `torch.nn.Module` with Keras's build/call/weights API."""

from __future__ import annotations

import functools
import inspect
import warnings
from typing import Any

import numpy as np
import torch

from torchkeras import config
from torchkeras import constraints
from torchkeras import initializers
from torchkeras.backend.tensors import convert_to_tensor
from torchkeras.backend.variable import Variable
from torchkeras.layers.symbolic import contains_keras_tensor
from torchkeras.layers.symbolic import symbolic_call
from torchkeras.mixed_precision import _layer_casting
from torchkeras.mixed_precision import dtype_policies
from torchkeras.utils import naming

# Keyword arguments every layer accepts besides its own. `input_shape`,
# `input_dim` and `batch_size` only matter for the first layer of a
# Sequential model, where Keras 2 code still passes them.
_BASE_KWARGS = ("input_shape", "input_dim", "batch_size", "batch_input_shape")


class _CallState:
    """The `training` value an outer layer was called with explicitly.

    Nested layers read it when they are called without `training=`, so
    `model(x, training=True)` reaches every layer inside. It is None when no
    enclosing call passed `training`, and then each layer follows its own
    torch mode (`module.train()` / `module.eval()`).
    """

    training: bool | None = None
    # Number of layer calls in progress; 0 means the next call is top level.
    depth: int = 0


_CALL_STATE = _CallState()

# Layers holding losses from `add_loss`. A top-level call clears them, so
# each forward pass reports only its own losses, as in Keras.
_LAYERS_WITH_LOSSES: set[Layer] = set()


def _shape_of(value: Any) -> Any:
    """Return the Keras shape of a tensor (batch axis None), or of a nest."""
    if isinstance(value, (torch.Tensor, np.ndarray)):
        return (None,) + tuple(int(d) for d in value.shape[1:])
    if isinstance(value, (list, tuple)):
        return [_shape_of(v) for v in value]
    if isinstance(value, dict):
        return {k: _shape_of(v) for k, v in value.items()}
    if hasattr(value, "shape"):
        return tuple(value.shape)
    return None


def _first_device(value: Any) -> torch.device | None:
    """Return the device of the first tensor in a nest, if any."""
    if isinstance(value, torch.Tensor):
        return value.device
    if isinstance(value, (list, tuple)):
        for item in value:
            device = _first_device(item)
            if device is not None:
                return device
    if isinstance(value, dict):
        return _first_device(list(value.values()))
    return None


def _format_shape(shape: Any) -> str:
    if isinstance(shape, tuple):
        return "(" + ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"
    return str(shape)


class Layer(torch.nn.Module):
    """Base class of all layers: a `torch.nn.Module` with Keras's API.

    A layer contains state (weights made by `add_weight()`) and computation
    (`call()`). It builds itself on its first call, when input shapes are
    known, so `Dense(4)` needs no input size. Subclasses override
    `build(input_shape)` to create weights and `call(inputs, ...)` to
    compute outputs; `forward` is `call`, so any torch code can use a layer.

    `training` inside `call` is resolved in this order: an explicit
    `training=` argument, then one given to an enclosing layer's call, then
    the layer's torch mode (`train()` / `eval()`). New layers start in
    `eval()` mode, so a plain `layer(x)` runs in inference mode as in Keras.
    `fit()` switches the model to `train()` for its duration.

    Args:
        activity_regularizer: Optional callable applied to the outputs;
            its value divided by the batch size is added to `losses`.
        trainable: Whether the layer's weights are updated in training.
        dtype: A `mixed_precision.DTypePolicy` or its name, such as
            `"float32"` or `"mixed_bfloat16"`; None means the global policy.
        autocast: Whether float inputs, and weights during `call`, are cast
            to the policy's compute dtype.
        name: Unique name; by default the snake_case class name with a
            counter (`dense`, `dense_1`, ...).

    Example:

    >>> class Scale(Layer):
    ...     def build(self, input_shape):
    ...         self.scale = self.add_weight(shape=(input_shape[-1],),
    ...                                      initializer="ones")
    ...     def call(self, inputs):
    ...         return inputs * self.scale
    >>> Scale()(torch.ones(2, 3)).shape
    torch.Size([2, 3])
    """

    def __new__(cls, *args, **kwargs):
        instance = super().__new__(cls)
        # Kept so that `get_config()` works for simple subclasses that do
        # not override it, as in Keras.
        object.__setattr__(instance, "_init_arguments", (args, dict(kwargs)))
        return instance

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # torch calls `forward`; Keras code overrides `call`. Pointing one at
        # the other avoids an extra Python frame per call.
        if "call" in cls.__dict__ and "forward" not in cls.__dict__:
            cls.forward = cls.__dict__["call"]
        call_parameters = inspect.signature(cls.call).parameters
        accepts_any = any(
            p.kind is inspect.Parameter.VAR_KEYWORD
            for p in call_parameters.values()
        )
        cls._call_accepts_training = accepts_any or "training" in call_parameters
        # Keras uses a `training=True` signature default (augmentation
        # layers) when nothing else sets the value.
        training_parameter = call_parameters.get("training")
        cls._call_training_default = (
            training_parameter is not None and training_parameter.default is True
        )
        cls._call_accepts_mask = accepts_any or "mask" in call_parameters
        build = cls.__dict__.get("build")
        if build is not None and not _keeps_own_built_state(cls, build):
            cls.build = _marking_built(build)

    def __init__(
        self,
        *,
        activity_regularizer=None,
        trainable: bool = True,
        dtype=None,
        autocast: bool = True,
        name: str | None = None,
        **kwargs,
    ):
        super().__init__()
        unknown = {k: v for k, v in kwargs.items() if k not in _BASE_KWARGS}
        if unknown:
            raise TypeError(
                f"Unrecognized keyword arguments passed to "
                f"{type(self).__name__}: {unknown}"
            )
        if name is not None and not isinstance(name, str):
            raise TypeError(
                "`name` must be a string. "
                f"Received: name={name!r} of type {type(name).__name__}"
            )
        self.name = name or naming.uniquify(naming.to_snake_case(type(self).__name__))
        self._set_dtype_policy(dtype)
        self.autocast = autocast
        self._trainable = bool(trainable)
        # As in Keras, a layer without its own `build` has nothing to build.
        self.built = type(self).build is Layer.build
        self.supports_masking = False
        self.input_spec = None
        self._variables: list[Variable] = []
        # Calls of this layer on symbolic tensors, in order (see `Node`).
        self._inbound_nodes: list = []
        self._losses: list[torch.Tensor] = []
        self._build_shapes: dict[str, Any] | None = None
        self._build_device: torch.device | None = None
        self.activity_regularizer = _get_regularizer(activity_regularizer)
        self._input_shape_argument = self._read_input_shape_arguments(kwargs)
        # Keras layers run in inference mode unless a call sets `training`.
        self.training = False

    def _read_input_shape_arguments(self, kwargs) -> tuple | None:
        """Return the batch input shape given by Keras 2 style arguments."""
        if "batch_input_shape" in kwargs and kwargs["batch_input_shape"] is not None:
            return tuple(kwargs["batch_input_shape"])
        shape = kwargs.get("input_shape")
        if shape is None and kwargs.get("input_dim") is not None:
            shape = (kwargs["input_dim"],)
        if shape is None:
            return None
        warnings.warn(
            "Do not pass an `input_shape`/`input_dim` argument to a layer. "
            "When using Sequential models, prefer using an `Input(shape)` "
            "object as the first layer in the model instead.",
            UserWarning,
            stacklevel=3,
        )
        shape = (shape,) if isinstance(shape, int) else tuple(shape)
        return (kwargs.get("batch_size"),) + shape

    # ------------------------------------------------------------------
    # Attribute tracking
    # ------------------------------------------------------------------

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, (list, tuple)) and value and all(
            isinstance(v, torch.nn.Module) for v in value
        ):
            # Keras tracks layers kept in lists; torch needs a ModuleList.
            value = torch.nn.ModuleList(value)
        elif isinstance(value, dict) and value and all(
            isinstance(k, str) and isinstance(v, torch.nn.Module)
            for k, v in value.items()
        ):
            value = torch.nn.ModuleDict(value)
        if isinstance(value, Variable):
            parameters = self.__dict__.get("_parameters")
            if parameters is not None:
                # `add_weight` registered the variable under its Keras name;
                # an attribute assignment re-registers it under the
                # attribute name, so `state_dict` keys follow the code.
                for key, existing in list(parameters.items()):
                    if existing is value and key != name:
                        del parameters[key]
        if isinstance(value, torch.nn.Module) or value is None:
            self._track_plain_modules(name, value)
        super().__setattr__(name, value)

    def _track_plain_modules(self, name: str, value: Any) -> None:
        """Record the plain torch modules assigned to `name`.

        A new plain module starts in torch's default `train()` mode, so it
        is switched to this layer's mode. `__call__` switches the recorded
        modules to a `training` value given to this call or an enclosing
        one, for that call only.
        """
        plain = _plain_modules_in(value) if value is not None else ()
        for module in plain:
            module.train(self.training)
        by_name = self.__dict__.get("_plain_modules_by_name")
        if by_name is None:
            if not plain:
                return
            by_name = {}
            object.__setattr__(self, "_plain_modules_by_name", by_name)
        if plain:
            by_name[name] = plain
        elif by_name.pop(name, None) is None:
            return
        modules = tuple(m for group in by_name.values() for m in group)
        object.__setattr__(self, "_plain_modules", modules)

    # ------------------------------------------------------------------
    # Weights
    # ------------------------------------------------------------------

    def add_weight(
        self,
        shape=None,
        initializer=None,
        dtype=None,
        trainable: bool = True,
        autocast: bool = True,
        regularizer=None,
        constraint=None,
        aggregation: str = "none",
        overwrite_with_gradient: bool = False,
        name: str | None = None,
    ) -> Variable:
        """Create a weight of this layer and return it.

        The weight is a `Variable` (a `torch.nn.Parameter`) registered on
        this module, so it appears in `parameters()` and `state_dict()`.
        Assigning it to an attribute (`self.kernel = self.add_weight(...)`)
        makes the attribute name its `state_dict` key.

        Args:
            shape: Shape tuple; `()` for a scalar.
            initializer: Initializer object, name or callable. Defaults to
                `"glorot_uniform"` for float weights, `"zeros"` otherwise.
            dtype: Weight dtype; defaults to the layer's dtype.
            trainable: Whether the weight is trained (False for moving
                statistics).
            autocast: Whether `call` reads the weight in the compute dtype
                when the layer's policy is mixed (its stored dtype stays).
            regularizer: Optional regularizer; its penalty is included in
                `losses`.
            constraint: Optional callable applied to the weight after each
                optimizer step.
            aggregation: Keras's cross-replica aggregation hint.
            overwrite_with_gradient: Keras's flag for weights that receive
                their new value as a gradient.
            name: Keras name of the weight, such as `"kernel"`.
        """
        if isinstance(shape, str):
            raise TypeError(
                "`add_weight()` takes the shape as its first argument, but "
                f"received the string {shape!r}. Pass the name by keyword: "
                f"add_weight(name={shape!r}, shape=...)."
            )
        shape = () if shape is None else tuple(int(d) for d in shape)
        dtype = config.standardize_dtype(dtype) if dtype is not None else self._dtype
        if initializer is None:
            initializer = "glorot_uniform" if dtype.is_floating_point else "zeros"
        initializer = initializers.get(initializer)
        # Weights made inside `torch.inference_mode()` (a first call from
        # `predict`) could never be trained, so they are made outside it.
        with torch.inference_mode(False), torch.no_grad():
            value = convert_to_tensor(initializer(shape, dtype=dtype), dtype=dtype)
            device = self._build_device or self._existing_device()
            if device is not None:
                value = value.to(device)
            value = value.clone() if value.is_inference() else value
        name = name or "variable"
        variable = Variable(
            value,
            trainable=trainable,
            name=name,
            path=f"{self.name}/{name}",
            regularizer=_get_regularizer(regularizer),
            constraint=constraints.get(constraint),
            aggregation=aggregation,
            overwrite_with_gradient=overwrite_with_gradient,
        )
        variable._created_trainable = trainable
        # Under a mixed policy, `call` reads the weight in the compute dtype
        # unless this is False.
        variable._autocast = autocast
        variable._trainable = trainable and self._trainable
        variable.requires_grad_(variable._trainable and dtype.is_floating_point)
        self.register_parameter(self._free_parameter_name(name), variable)
        self._variables.append(variable)
        return variable

    add_variable = add_weight

    def _free_parameter_name(self, name: str) -> str:
        candidate, index = name, 1
        while candidate in self._parameters or candidate in self._modules or (
            candidate in self.__dict__
        ):
            candidate = f"{name}_{index}"
            index += 1
        return candidate

    def _existing_device(self) -> torch.device | None:
        for parameter in self.parameters():
            return parameter.device
        for buffer in self.buffers():
            return buffer.device
        return None

    def _sublayers(self) -> list[torch.nn.Module]:
        """Child modules in registration order, looking through containers.

        The children of a `ModuleList` or `ModuleDict` count as children of
        this layer, as layers in a list do in Keras.
        """
        from torchkeras.metrics.metric import Metric

        result = []
        for module in self._modules.values():
            if isinstance(module, (torch.nn.ModuleList, torch.nn.ModuleDict)):
                result.extend(_flatten_containers(module))
            elif module is not None and not isinstance(module, Metric):
                # Metric states are not weights, as in Keras.
                result.append(module)
        return result

    @property
    def weights(self) -> list[torch.Tensor]:
        """All weights: this layer's own, then each sublayer's, in Keras order.

        A plain `torch.nn.Module` child contributes its parameters and
        buffers.
        """
        result = list(self._variables)
        for module in self._sublayers():
            if module is None:
                continue
            if isinstance(module, Layer):
                result.extend(module.weights)
            else:
                result.extend(_torch_module_weights(module))
        return _unique(result)

    @property
    def trainable_weights(self) -> list[torch.Tensor]:
        """Weights updated by training: empty when `trainable` is False."""
        if not self._trainable:
            return []
        result = [v for v in self._variables if v.trainable]
        for module in self._sublayers():
            if isinstance(module, Layer):
                result.extend(module.trainable_weights)
            elif module is not None:
                result.extend(
                    p for p in _torch_module_weights(module) if p.requires_grad
                )
        return _unique(result)

    @property
    def non_trainable_weights(self) -> list[torch.Tensor]:
        """Weights not updated by training, such as moving statistics."""
        if not self._trainable:
            return self.weights
        trainable = {id(w) for w in self.trainable_weights}
        return [w for w in self.weights if id(w) not in trainable]

    variables = weights
    trainable_variables = trainable_weights
    non_trainable_variables = non_trainable_weights

    def get_weights(self) -> list[np.ndarray]:
        """Return copies of the weights as numpy arrays, in Keras order and layout.

        The arrays do not share memory with the weights, so later training
        leaves them unchanged, as in Keras.
        """
        return [_numpy_copy(w) for w in self.weights]

    def set_weights(self, weights) -> None:
        """Set the weights from a list of arrays in Keras order and layout.

        Raises:
            ValueError: if the number of arrays or any shape differs from
                this layer's weights.
        """
        own = self.weights
        weights = list(weights)
        if len(weights) != len(own):
            raise ValueError(
                f"Layer {self.name!r} expects {len(own)} weight arrays, but "
                f"received {len(weights)}. Expected shapes: "
                f"{[tuple(w.shape) for w in own]}. Received shapes: "
                f"{[tuple(np.shape(w)) for w in weights]}."
            )
        for variable, value in zip(own, weights):
            if tuple(variable.shape) != tuple(np.shape(value)):
                raise ValueError(
                    f"Layer {self.name!r} weight {_weight_path(variable)!r} "
                    f"has shape {tuple(variable.shape)}, but the received "
                    f"array has shape {tuple(np.shape(value))}."
                )
        with torch.no_grad():
            for variable, value in zip(own, weights):
                variable.copy_(
                    convert_to_tensor(value, dtype=variable.dtype, device=variable.device)
                )

    def count_params(self) -> int:
        """Return the number of scalars in all weights.

        Raises:
            ValueError: if the layer is not built yet.
        """
        if not self.built:
            raise ValueError(
                f"You tried to call `count_params` on layer {self.name!r}, "
                "but the layer isn't built. You can build it manually via: "
                f"`{self.name}.build(batch_input_shape)`."
            )
        return int(sum(w.numel() for w in self.weights))

    @property
    def trainable(self) -> bool:
        """Whether the weights are trained. Setting it applies to sublayers.

        Setting it also sets `requires_grad` on every weight below, so a
        frozen layer costs no gradient computation.
        """
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        value = bool(value)
        self._trainable = value
        for variable in self._variables:
            # As in Keras, weights created trainable follow the layer, and
            # the others (moving statistics) stay non-trainable.
            if variable._created_trainable:
                variable._trainable = value
            variable.requires_grad_(variable._trainable and variable.is_floating_point())
        for module in self._sublayers():
            if isinstance(module, Layer):
                module.trainable = value
            elif module is not None:
                module.requires_grad_(value)

    @property
    def dtype(self) -> str:
        """Name of the weights' dtype, such as `"float32"`."""
        return config.dtype_name(self._dtype)

    @property
    def dtype_policy(self) -> dtype_policies.DTypePolicy:
        """The layer's `DTypePolicy`; assign a policy or a name to change it."""
        return self._dtype_policy

    @dtype_policy.setter
    def dtype_policy(self, value) -> None:
        self._set_dtype_policy(value)

    def _set_dtype_policy(self, value) -> None:
        policy = dtype_policies.get(value)
        self._dtype_policy = policy
        self._dtype = config.standardize_dtype(policy.variable_dtype)
        # None for the plain floatx policy, so `__call__` skips casting.
        self._casting_dtype = _layer_casting.casting_dtype(policy)

    @property
    def compute_dtype(self) -> str:
        """Name of the dtype of the computation, such as `"bfloat16"`."""
        return self._dtype_policy.compute_dtype

    @property
    def variable_dtype(self) -> str:
        """Name of the weights' dtype, such as `"float32"`."""
        return config.dtype_name(self._dtype)

    @property
    def input(self):
        """The symbolic input of the layer's first call on symbolic tensors.

        Raises:
            AttributeError: if the layer was never called on symbolic
                tensors.
        """
        if "input" in self._modules:
            return self._modules["input"]
        node = self._first_node("input")
        return node.call_args[0] if node.call_args else next(iter(node.call_kwargs.values()))

    @property
    def output(self):
        """The symbolic output of the layer's first call on symbolic tensors.

        Raises:
            AttributeError: if the layer was never called on symbolic
                tensors.
        """
        if "output" in self._modules:
            return self._modules["output"]
        return self._first_node("output").outputs

    def _first_node(self, attribute: str):
        if not self._inbound_nodes:
            raise AttributeError(
                f"Layer {self.name!r} has never been called on symbolic "
                f"tensors and thus has no defined {attribute}."
            )
        return self._inbound_nodes[0]

    @property
    def path(self) -> str:
        """The layer's name, used as the prefix of its weights' paths."""
        return self.name

    # ------------------------------------------------------------------
    # Losses
    # ------------------------------------------------------------------

    def add_loss(self, loss) -> None:
        """Add a scalar loss (such as a penalty) computed during `call`.

        Losses added in a call replace those of the previous call; the
        trainer adds them to the training loss.
        """
        self._losses.append(loss)
        _LAYERS_WITH_LOSSES.add(self)

    @property
    def losses(self) -> list[torch.Tensor]:
        """Losses added during the last call, then penalties of trainable weights.

        As in Keras, every layer's call losses come first, and frozen
        weights are not penalized.
        """
        layers = self._layers_recursive()
        result = [loss for layer in layers for loss in layer._losses]
        for layer in layers:
            for variable in layer._variables:
                if variable.regularizer is not None and variable.requires_grad:
                    result.append(variable.regularizer(variable))
        return result

    def _clear_losses(self) -> None:
        for layer in self._layers_recursive():
            layer._losses.clear()
            _LAYERS_WITH_LOSSES.discard(layer)

    def _layers_recursive(self) -> list[Layer]:
        return [m for m in self.modules() if isinstance(m, Layer)]

    # ------------------------------------------------------------------
    # Build and call
    # ------------------------------------------------------------------

    def build(self, input_shape) -> None:
        """Create the layer's weights, given the input shape (batch axis None).

        Called automatically on the first call. Override it in subclasses
        that have weights; the default creates none. Once `build` returns,
        the layer is built, whether `__call__` or user code called it.
        """
        self.built = True
        if input_shape is not None:
            self._build_shapes = {"input_shape": _as_build_shape(input_shape)}

    def call(self, inputs, *args, **kwargs):
        """Compute the outputs. Subclasses override this."""
        raise NotImplementedError(
            f"Layer {type(self).__name__} does not implement `call()`. "
            "Subclasses of Layer must define `call(self, inputs, ...)`."
        )

    def forward(self, *args, **kwargs):
        return self.call(*args, **kwargs)

    def __call__(self, *args, **kwargs):
        if not args or not isinstance(args[0], torch.Tensor):
            if contains_keras_tensor(args, kwargs):
                return symbolic_call(self, args, kwargs)
            if args:
                args = (self._convert_inputs(args[0]),) + args[1:]
        if not self.built:
            self._build_on_call(args, kwargs)

        state = _CALL_STATE
        depth = state.depth
        if depth == 0 and _LAYERS_WITH_LOSSES:
            _clear_added_losses()
        state.depth = depth + 1
        outer_training = state.training
        training = kwargs.get("training")
        if training is None:
            if self._call_accepts_training:
                if outer_training is not None:
                    kwargs["training"] = outer_training
                else:
                    kwargs["training"] = self.training or self._call_training_default
            elif "training" in kwargs:
                del kwargs["training"]
        else:
            state.training = bool(training)
            if not self._call_accepts_training:
                del kwargs["training"]
        if "mask" in kwargs and not self._call_accepts_mask:
            del kwargs["mask"]
        previous_modes = None
        if self._plain_modules and state.training is not None:
            previous_modes = _switch_modes(self._plain_modules, state.training)

        try:
            if self._casting_dtype is not None:
                outputs = _layer_casting.call_in_compute_dtype(self, args, kwargs)
            elif (
                args
                and getattr(args[0], "dtype", self._dtype) != self._dtype
                and _layer_casting.needs_input_cast(self, args[0])
            ):
                # A plain float32 layer fed another float type, such as the
                # float16 outputs of a mixed layer: Keras casts those inputs.
                outputs = _layer_casting.call_in_compute_dtype(
                    self, args, kwargs, self._dtype
                )
            else:
                outputs = torch.nn.Module.__call__(self, *args, **kwargs)
        except (RuntimeError, ValueError, IndexError) as error:
            self._raise_input_error(args, error)
            raise
        finally:
            state.training = outer_training
            state.depth = depth
            if previous_modes is not None:
                for module, mode in previous_modes:
                    module.training = mode
        if self.activity_regularizer is not None:
            self._add_activity_loss(outputs)
        return outputs

    def _convert_inputs(self, inputs):
        """Convert numpy arrays (or nests of them) to tensors of this dtype."""
        if isinstance(inputs, (list, tuple)):
            return type(inputs)(self._convert_inputs(x) for x in inputs)
        if isinstance(inputs, dict):
            return {k: self._convert_inputs(v) for k, v in inputs.items()}
        if isinstance(inputs, (np.ndarray, float, int, np.generic)):
            tensor = convert_to_tensor(inputs)
            if tensor.is_floating_point() and self.autocast:
                tensor = tensor.to(self._dtype)
            device = self._existing_device()
            return tensor if device is None else tensor.to(device)
        return inputs

    def _build_on_call(self, args, kwargs) -> None:
        inputs = args[0] if args else next(iter(kwargs.values()), None)
        shape = _shape_of(inputs)
        self._build_device = _first_device(inputs)
        try:
            self.build_with_shape(shape)
        finally:
            self._build_device = None

    def build_with_shape(self, input_shape) -> None:
        """Run `build(input_shape)` once and record the shape."""
        if self.built:
            return
        build_shape = _as_build_shape(input_shape)
        self.build(build_shape)
        self.built = True
        self._build_shapes = {"input_shape": build_shape}

    def _raise_input_error(self, args, error: Exception) -> None:
        """Re-raise a torch error as a clear one when the input does not fit.

        Checking `input_spec` only when a call fails keeps the normal path
        free of per-call checks.
        """
        if not args or self.input_spec is None:
            return
        message = self.input_spec.mismatch(args[0], self.name)
        if message is not None:
            # The torch error adds nothing once the shapes are named.
            raise ValueError(message) from None

    def _add_activity_loss(self, outputs) -> None:
        tensors = outputs if isinstance(outputs, (list, tuple)) else [outputs]
        for output in tensors:
            if isinstance(output, torch.Tensor):
                loss = self.activity_regularizer(output)
                if output.ndim > 0:
                    loss = loss / output.shape[0]
                self.add_loss(loss)

    def compute_output_shape(self, input_shape):
        """Return the output shape for `input_shape` (batch axis None).

        The default runs `call` under torch's fake-tensor mode, which
        computes shapes without data, so custom layers need not override
        it. Built-in layers override it with the formula.
        """
        if not self.built:
            self.build_with_shape(input_shape)
        return _infer_output_shape(self, input_shape)

    def compute_mask(self, inputs, previous_mask=None):
        """Return the mask of the outputs: the input mask when supported."""
        if not self.supports_masking:
            return None
        return previous_mask

    # ------------------------------------------------------------------
    # Configuration
    # ------------------------------------------------------------------

    def get_config(self) -> dict[str, Any]:
        """Return the layer's constructor arguments as a JSON-ready dict.

        Subclasses with their own arguments override this and extend the
        base dict. A subclass that does not override it gets its
        constructor arguments back when they are plain Python values.
        """
        base = {
            "name": self.name,
            "trainable": self.trainable,
            "dtype": _dtype_policy_config(self._dtype_policy.name),
        }
        if self.activity_regularizer is not None:
            from torchkeras.saving.serialization import serialize_keras_object

            base["activity_regularizer"] = serialize_keras_object(
                self.activity_regularizer
            )
        if type(self).get_config is Layer.get_config and type(self).__init__ is not Layer.__init__:
            args, kwargs = self._init_arguments
            if args:
                raise NotImplementedError(
                    f"Layer {type(self).__name__} was created with positional "
                    "arguments and has no `get_config()` method. Override "
                    "`get_config()` to return its constructor arguments."
                )
            if not all(_is_plain(v) for v in kwargs.values()):
                raise NotImplementedError(
                    f"Layer {type(self).__name__} has constructor arguments "
                    "that are not plain Python values and no `get_config()` "
                    "method. Override `get_config()`."
                )
            return {**base, **kwargs}
        return base

    @classmethod
    def from_config(cls, config_dict: dict[str, Any]) -> Layer:
        """Create a layer from the output of `get_config()`."""
        return cls(**config_dict)

    def get_build_config(self) -> dict[str, Any] | None:
        """Return the input shape the layer was built with, if built."""
        return self._build_shapes

    def build_from_config(self, build_config: dict[str, Any] | None) -> None:
        """Build the layer from the output of `get_build_config()`."""
        if build_config and "input_shape" in build_config:
            self.build_with_shape(build_config["input_shape"])

    def save_own_variables(self, store: dict[str, Any]) -> None:
        """Put the layer's own variables into `store` for a weights file.

        The keys are `"0"`, `"1"`, ... in Keras order: trainable variables,
        then non-trainable ones, each in creation order. Sublayers save
        their own. `model.save()` and `save_weights()` call this for every
        layer. A layer with extra state overrides it (and
        `load_own_variables`) to add entries, as tensors or numpy arrays.
        """
        from torchkeras.saving import layer_state

        for index, variable in enumerate(layer_state.own_variables(self)):
            store[str(index)] = variable

    def load_own_variables(self, store) -> None:
        """Assign the layer's own variables from a `save_own_variables` store.

        Raises:
            ValueError: if the store's number of entries, keys or shapes
                differ from the layer's variables, or the layer is not
                built and the store is not empty.
        """
        from torchkeras.saving import layer_state

        problem = layer_state.variables_mismatch(self, store)
        if problem is not None:
            raise ValueError(problem)
        layer_state.assign_variables(self, store)

    def load_state_dict(self, state_dict, strict: bool = True, assign: bool = False):
        """Load weights saved by `state_dict()`, as `torch.nn.Module` does.

        Raises:
            RuntimeError: if the layer is not built and `state_dict` has
                entries for weights the layer has not created yet.
        """
        if not self.built and not set(state_dict) <= set(self.state_dict()):
            raise RuntimeError(
                f"Cannot load a state dict into {type(self).__name__} "
                f"{self.name!r}: it is not built, so some of its weights do "
                "not exist yet. Call it on a batch of data or call "
                "`build(input_shape)` first, then load the state dict."
            )
        return super().load_state_dict(state_dict, strict=strict, assign=assign)

    def extra_repr(self) -> str:
        return f"name={self.name!r}, built={self.built}"


class InputSpec:
    """Expected rank and axis sizes of a layer's input.

    Layers set `self.input_spec` in `build`; it is checked when a call
    fails, to replace torch's error with one that names the layer.

    Args:
        ndim: Exact rank, or None.
        min_ndim: Minimum rank, or None.
        axes: Mapping from axis index to required size.
        shape: Full shape with None for free axes.
        dtype: Expected dtype name, informational.
        max_ndim: Maximum rank, or None.
        allow_last_axis_squeeze: Accepted for Keras compatibility.
        name: Input name, informational.
        optional: Whether the input may be None.
    """

    def __init__(
        self,
        dtype=None,
        shape=None,
        ndim=None,
        max_ndim=None,
        min_ndim=None,
        axes=None,
        allow_last_axis_squeeze=False,
        name=None,
        optional=False,
    ):
        self.dtype = dtype
        self.shape = tuple(shape) if shape is not None else None
        self.ndim = len(self.shape) if self.shape is not None else ndim
        self.max_ndim = max_ndim
        self.min_ndim = min_ndim
        self.axes = dict(axes or {})
        self.allow_last_axis_squeeze = allow_last_axis_squeeze
        self.name = name
        self.optional = optional

    def mismatch(self, inputs, layer_name: str) -> str | None:
        """Return an error message if `inputs` breaks the spec, else None."""
        if not hasattr(inputs, "shape"):
            return None
        # The shape as received: real sizes for a tensor, None for the
        # unknown sizes of a symbolic tensor.
        shape = tuple(inputs.shape)
        ndim = len(shape)
        prefix = (
            f"Input 0 of layer {layer_name!r} is incompatible with the layer: "
        )
        if self.ndim is not None and ndim != self.ndim:
            return (
                f"{prefix}expected ndim={self.ndim}, found ndim={ndim}. "
                f"Full shape received: {_format_shape(shape)}"
            )
        if self.min_ndim is not None and ndim < self.min_ndim:
            return (
                f"{prefix}expected min_ndim={self.min_ndim}, found "
                f"ndim={ndim}. Full shape received: {_format_shape(shape)}"
            )
        if self.max_ndim is not None and ndim > self.max_ndim:
            return (
                f"{prefix}expected max_ndim={self.max_ndim}, found "
                f"ndim={ndim}. Full shape received: {_format_shape(shape)}"
            )
        for axis, size in self.axes.items():
            if size is not None and -ndim <= axis < ndim and shape[axis] != size:
                return (
                    f"{prefix}expected axis {axis} of input shape to have "
                    f"value {size}, but received input with shape "
                    f"{_format_shape(shape)}. Check the shape of the input "
                    "data, or the output size of the layer before this one."
                )
        if self.shape is not None:
            for axis, (expected, actual) in enumerate(zip(self.shape, shape)):
                if expected is not None and actual is not None and expected != actual:
                    return (
                        f"{prefix}expected shape={_format_shape(self.shape)}, "
                        f"found shape={_format_shape(shape)}"
                    )
        return None

    def __repr__(self) -> str:
        return (
            f"InputSpec(ndim={self.ndim}, min_ndim={self.min_ndim}, "
            f"axes={self.axes})"
        )


def manages_built_state(build):
    """Mark a `build` that sets `built` itself, so that it stays unwrapped.

    `Model.build` uses it: it warns and leaves the model unbuilt when its
    trial call on zeros fails.
    """
    build._manages_built = True
    return build


def _keeps_own_built_state(cls: type, build) -> bool:
    """Return whether `_marking_built` leaves `build` unwrapped.

    A build that is already wrapped (assigned from another class), or that
    `manages_built_state` marks, is left as it is.
    """
    return getattr(build, "_marks_built", False) or getattr(
        build, "_manages_built", False
    )


def _marking_built(build):
    """Wrap a subclass's `build` so that the layer is built once it returns.

    A direct `layer.build(shape)` then counts as the build: the first call
    does not build again, and `get_build_config()` returns the shape. The
    wrapper runs once per build, never per call.
    """

    @functools.wraps(build)
    def build_and_mark(self, *args, **kwargs):
        build(self, *args, **kwargs)
        self.built = True
        shape = args[0] if args else next(iter(kwargs.values()), None)
        if shape is not None:
            self._build_shapes = {"input_shape": _as_build_shape(shape)}

    build_and_mark._marks_built = True
    return build_and_mark


def _as_build_shape(input_shape) -> Any:
    """Return the shape `build` received, lists of shapes kept as lists."""
    if isinstance(input_shape, list) and all(
        isinstance(s, tuple) for s in input_shape
    ):
        return input_shape
    if isinstance(input_shape, (tuple, list)):
        return tuple(input_shape)
    return input_shape


def _clear_added_losses() -> None:
    for layer in _LAYERS_WITH_LOSSES:
        layer._losses.clear()
    _LAYERS_WITH_LOSSES.clear()


def _infer_output_shape(layer: Layer, input_shape) -> Any:
    """Run `layer` on data-free tensors of `input_shape` and read the shapes.

    Fake tensors (torch's FakeTensorMode) carry shapes and dtypes only. If a
    layer's code cannot run on them, a batch of one real zero sample is used
    instead.
    """
    from torch._subclasses.fake_tensor import FakeTensorMode

    losses_before = len(layer._losses)
    device = layer._existing_device() or torch.device("cpu")
    try:
        with torch.no_grad(), FakeTensorMode(allow_non_fake_inputs=True):
            outputs = layer(_example_inputs(input_shape, layer._dtype, device))
            shapes = _shape_of_outputs(outputs, input_shape)
    except Exception:  # noqa: BLE001 - any failure falls back to real data
        with torch.no_grad():
            outputs = layer(_example_inputs(input_shape, layer._dtype, device))
        shapes = _shape_of_outputs(outputs, input_shape)
    del layer._losses[losses_before:]
    return shapes


def _example_inputs(shape, dtype, device) -> Any:
    """Return zeros (or a nest of them) for a Keras shape, batch axis 1."""
    if isinstance(shape, list) and all(isinstance(s, (tuple, list)) for s in shape):
        return [_example_inputs(tuple(s), dtype, device) for s in shape]
    if isinstance(shape, dict):
        return {k: _example_inputs(v, dtype, device) for k, v in shape.items()}
    concrete = tuple(1 if d is None else int(d) for d in shape)
    return torch.zeros(concrete, dtype=dtype, device=device)


def _shape_of_outputs(outputs, input_shape) -> Any:
    """Turn output tensors into Keras shapes, keeping the input's batch size."""
    if isinstance(outputs, (list, tuple)):
        return [_shape_of_outputs(o, input_shape) for o in outputs]
    if isinstance(outputs, dict):
        return {k: _shape_of_outputs(v, input_shape) for k, v in outputs.items()}
    shape = tuple(int(d) for d in outputs.shape)
    if not shape:
        return shape
    batch = input_shape[0] if isinstance(input_shape, tuple) and input_shape else None
    return (batch,) + shape[1:]


def _flatten_containers(container: torch.nn.Module) -> list[torch.nn.Module]:
    result = []
    for module in container._modules.values():
        if isinstance(module, (torch.nn.ModuleList, torch.nn.ModuleDict)):
            result.extend(_flatten_containers(module))
        elif module is not None:
            result.append(module)
    return result


def _plain_modules_in(value: torch.nn.Module) -> tuple[torch.nn.Module, ...]:
    """Return the torch modules in `value` that are not layers.

    ModuleList and ModuleDict containers are searched, not returned.
    """
    if isinstance(value, Layer):
        return ()
    if isinstance(value, (torch.nn.ModuleList, torch.nn.ModuleDict)):
        return tuple(
            module
            for child in _flatten_containers(value)
            for module in _plain_modules_in(child)
        )
    return (value,)


def _switch_modes(modules, training: bool):
    """Put `modules` in `training` mode; return the modes to restore.

    A module already in that mode is left as it is, so a submodule set to
    another mode by hand (a frozen BatchNorm in a training module) keeps
    it, as in `TorchModuleWrapper`. Returns None when nothing changed.
    """
    previous = []
    for top in modules:
        if top.training != training:
            previous.extend((module, module.training) for module in top.modules())
            top.train(training)
    return previous or None


def _torch_module_weights(module: torch.nn.Module) -> list[torch.Tensor]:
    return list(module.parameters()) + list(module.buffers())


def _unique(tensors: list[torch.Tensor]) -> list[torch.Tensor]:
    seen: set[int] = set()
    result = []
    for tensor in tensors:
        if id(tensor) not in seen:
            seen.add(id(tensor))
            result.append(tensor)
    return result


def _weight_path(tensor: torch.Tensor) -> str:
    return getattr(tensor, "path", None) or f"tensor of shape {tuple(tensor.shape)}"


def _is_plain(value: Any) -> bool:
    if value is None or isinstance(value, (bool, int, float, str)):
        return True
    if isinstance(value, (list, tuple)):
        return all(_is_plain(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _is_plain(v) for k, v in value.items())
    return False


def _dtype_policy_config(name: str) -> dict[str, Any]:
    """Return Keras 3's serialized DTypePolicy for a policy name."""
    return {
        "module": "keras",
        "class_name": "DTypePolicy",
        "config": {"name": name},
        "registered_name": None,
    }


def _get_regularizer(identifier):
    """Return a regularizer callable from an object, name or None."""
    if identifier is None:
        return None
    from torchkeras import regularizers

    return regularizers.get(identifier)


Layer._call_accepts_training = True
# Plain torch modules among the layer's attributes (see `__setattr__`).
Layer._plain_modules = ()
Layer._call_accepts_mask = True
Layer._call_training_default = False


def _numpy_copy(tensor: torch.Tensor) -> np.ndarray:
    """Return a numpy array that does not share memory with `tensor`."""
    tensor = tensor.detach()
    if tensor.device.type != "cpu":
        return tensor.cpu().numpy()  # The transfer already made a copy.
    return tensor.numpy().copy()
