"""`Sequential`: a plain stack of layers, each with one input and one output."""

from __future__ import annotations

from typing import Any

import torch

from torchkeras.layers.core.torch_module_wrapper import TorchModuleWrapper
from torchkeras.layers.input_layer import InputLayer
from torchkeras.layers.keras_tensor import KerasTensor
from torchkeras.layers.layer import Layer
from torchkeras.mixed_precision import _layer_casting
from torchkeras.models.model import Model


class Sequential(Model):
    """A model that applies its layers one after the other.

    Give it an `Input(shape)` first to build it at once (and see shapes in
    `summary()`); without one it builds on the first batch. Its layers are
    kept in a `torch.nn.ModuleList` named `layers`, so `state_dict()` keys
    read `layers.0.kernel`, `layers.0.bias`, ... whatever the layer names.

    Args:
        layers: Optional list of layers (an `Input` may come first).
        trainable: Whether the model's weights are trained.
        name: Optional name of the model.

    Example:

    >>> model = Sequential([Input(shape=(4,)), Dense(8, activation="relu"),
    ...                     Dense(1)])
    >>> model.output_shape
    (None, 1)
    >>> list(model.state_dict())
    ['layers.0.kernel', 'layers.0.bias', 'layers.1.kernel', 'layers.1.bias']
    """

    def __init__(self, layers=None, trainable: bool = True, name: str | None = None):
        super().__init__(trainable=trainable, name=name)
        self._modules["layers"] = torch.nn.ModuleList()
        object.__setattr__(self, "_input_layer", None)
        object.__setattr__(self, "_propagates_masks", False)
        for layer in layers or []:
            self.add(layer, rebuild=False)
        self._maybe_rebuild()

    @property
    def layers(self) -> torch.nn.ModuleList:
        """The layers of the model, without the input layer."""
        return self._modules["layers"]

    def add(self, layer, rebuild: bool = True) -> None:
        """Append a layer (or an `Input`) to the stack.

        A `torch.nn.Module` that is not a layer is wrapped in a
        `TorchModuleWrapper`.

        Raises:
            TypeError: if `layer` is neither a layer nor a torch module.
            ValueError: if its name is already used in this model, or an
                input comes after other layers.
        """
        if isinstance(layer, KerasTensor):
            layer = layer._keras_history.operation
        if isinstance(layer, InputLayer):
            if len(self.layers) or self._input_layer is not None:
                raise ValueError(
                    "An `Input` can only be the first layer of a Sequential "
                    f"model. Model {self.name!r} already has layers "
                    f"{[l.name for l in self.layers]}."
                )
            object.__setattr__(self, "_input_layer", layer)
            self.built = False
            if rebuild:
                self._maybe_rebuild()
            return
        if isinstance(layer, torch.nn.Module) and not isinstance(layer, Layer):
            layer = TorchModuleWrapper(layer)
        if not isinstance(layer, Layer):
            raise TypeError(
                "Only layers and `torch.nn.Module`s can be added to a "
                f"Sequential model. Received: {layer!r} (of type "
                f"{type(layer).__name__})"
            )
        names = [l.name for l in self.layers]
        if layer.name in names:
            raise ValueError(
                "All layers added to a Sequential model should have unique "
                f"names. Name {layer.name!r} is already the name of a layer "
                "in this model. Update the `name` argument to pass a unique "
                "name."
            )
        shape_argument = getattr(layer, "_input_shape_argument", None)
        if not len(self.layers) and self._input_layer is None and shape_argument is not None:
            object.__setattr__(self, "_input_layer", InputLayer(batch_shape=shape_argument))
        self.layers.append(layer)
        if type(layer).compute_mask is not Layer.compute_mask:
            object.__setattr__(self, "_propagates_masks", True)
        self.built = False
        if rebuild:
            self._maybe_rebuild()

    def pop(self, rebuild: bool = True) -> Layer:
        """Remove and return the last layer.

        Raises:
            TypeError: if the model has no layers.
        """
        if not len(self.layers):
            raise TypeError("There are no layers in the model.")
        layer = self.layers[-1]
        del self.layers[len(self.layers) - 1]
        self.built = False
        if rebuild:
            self._maybe_rebuild()
        return layer

    def _maybe_rebuild(self) -> None:
        if self._input_layer is not None and len(self.layers):
            self.build_with_shape(self._input_layer.batch_shape)

    def build(self, input_shape=None) -> None:
        """Build every layer in turn from the input shape."""
        if input_shape is None:
            if self._input_layer is None:
                raise ValueError(
                    f"Sequential model {self.name!r} cannot be built because "
                    "it has no input shape. Add an `Input(shape)` first or "
                    "call the model on data."
                )
            input_shape = self._input_layer.batch_shape
        if self._input_layer is None:
            object.__setattr__(self, "_input_layer", InputLayer(batch_shape=tuple(input_shape)))
            object.__setattr__(self, "_input_from_data", True)
        # Calling the layers on the symbolic input builds them and records
        # their calls, so `layer.output` works for feature extraction.
        tensor = self._input_layer.output
        for layer in self.layers:
            layer._build_device = self._build_device
            try:
                tensor = layer(tensor)
            finally:
                layer._build_device = None
            layer._summary_output_shape = tensor.shape
        self.built = True

    def call(self, inputs, training=None, mask=None):
        if not self._propagates_masks:
            for layer in self.layers:
                inputs = layer(inputs)
            return inputs
        for layer in self.layers:
            if mask is not None and layer._call_accepts_mask:
                outputs = layer(inputs, mask=mask)
            else:
                outputs = layer(inputs)
            mask = layer.compute_mask(inputs, mask)
            inputs = outputs
        return inputs

    def compute_output_shape(self, input_shape):
        shape = tuple(input_shape)
        for layer in self.layers:
            shape = layer.compute_output_shape(shape)
        return shape

    @property
    def input_shape(self) -> tuple:
        """The input shape, batch axis included (None when free)."""
        if self._input_layer is None:
            raise AttributeError(
                f"Sequential model {self.name!r} has no defined input shape "
                "yet. Add an `Input(shape)` first or call the model on data."
            )
        return self._input_layer.batch_shape

    @property
    def output_shape(self) -> tuple:
        """The output shape, batch axis included (None when free)."""
        if not self.built or not len(self.layers):
            raise AttributeError(
                f"Sequential model {self.name!r} has no defined output shape "
                "yet. Add an `Input(shape)` first or call the model on data."
            )
        return self.layers[-1]._summary_output_shape

    @property
    def inputs(self) -> list[KerasTensor]:
        """The symbolic input tensors, once the input shape is known."""
        return [self._input_layer.output] if self._input_layer is not None else []

    @property
    def outputs(self) -> list[KerasTensor]:
        """The symbolic output tensors, once the model is built."""
        if not self.built or not len(self.layers):
            return []
        return [self.layers[-1]._inbound_nodes[-1].outputs]

    @property
    def output(self) -> KerasTensor:
        """The symbolic output tensor, once the model is built."""
        outputs = self.outputs
        if not outputs:
            raise AttributeError(f"Sequential model {self.name!r} has no output yet.")
        return outputs[0]

    @property
    def input(self) -> KerasTensor:
        """The symbolic input tensor, once the input shape is known."""
        inputs = self.inputs
        if not inputs:
            raise AttributeError(
                f"Sequential model {self.name!r} has no input yet."
            )
        return inputs[0]

    def get_config(self) -> dict[str, Any]:
        from torchkeras.saving.serialization import serialize_layer

        layers = []
        if self._input_layer is not None and not getattr(self, "_input_from_data", False):
            layers.append(serialize_layer(self._input_layer))
        layers += [serialize_layer(layer) for layer in self.layers]
        config = {
            "name": self.name,
            "trainable": self.trainable,
            "dtype": super().get_config()["dtype"],
            "layers": layers,
        }
        if self._build_shapes is not None:
            config["build_input_shape"] = self._build_shapes["input_shape"]
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None) -> Sequential:
        from torchkeras.saving.serialization import deserialize_layer

        model = cls(name=config.get("name"), trainable=config.get("trainable", True))
        for layer_config in config["layers"]:
            model.add(deserialize_layer(layer_config, custom_objects), rebuild=False)
        if model._input_layer is not None:
            model._maybe_rebuild()
        elif config.get("build_input_shape") is not None:
            model.build_with_shape(tuple(config["build_input_shape"]))
        _layer_casting.cast_beside_mixed_layers(model)
        return model
