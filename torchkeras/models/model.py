"""`Model`: a layer with training, evaluation and saving."""

from __future__ import annotations

import warnings

import torch

from torchkeras.layers.input_layer import InputLayer
from torchkeras.layers.layer import Layer
from torchkeras.layers.layer import _example_inputs
from torchkeras.layers.layer import manages_built_state
from torchkeras.layers.symbolic import keeping_layer_states
from torchkeras.trainers.trainer import Trainer
from torchkeras.utils import summary_utils


class Model(Trainer, Layer):
    """A layer that can be trained with `compile()` and `fit()`.

    Subclass it, create layers in `__init__` and use them in `call()`;
    the model builds on its first call. Layers assigned as attributes are
    tracked, so their weights appear in `weights`, `parameters()` and
    `state_dict()` (keyed by attribute name).

    Args:
        name: Optional name of the model.
        trainable: Whether the model's weights are trained.
        dtype: Float type of the weights.

    Example:

    >>> class TwoLayers(Model):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.hidden = Dense(8, activation="relu")
    ...         self.out = Dense(1)
    ...     def call(self, inputs):
    ...         return self.out(self.hidden(inputs))
    >>> model = TwoLayers()
    >>> model(torch.ones(2, 4)).shape
    torch.Size([2, 1])
    """

    def __new__(cls, *args, **kwargs):
        from torchkeras.models.functional import Functional

        if cls is Model and (args or "inputs" in kwargs or "outputs" in kwargs):
            return Functional.__new__(Functional, *args, **kwargs)
        if not issubclass(cls, Functional) and _is_graph_call(args, kwargs):
            # `CustomModel(inputs, outputs)` for a subclass that overrides
            # only some methods (train_step, ...), as in Keras's guides.
            return Functional.__new__(_functional_subclass(cls), *args, **kwargs)
        return super().__new__(cls, *args, **kwargs)

    def __init__(self, *args, **kwargs):
        from torchkeras.models.functional import Functional

        if not isinstance(self, Functional) and _is_graph_call(args, kwargs):
            # A subclass whose `__init__` builds a graph and then calls
            # `super().__init__(inputs, outputs)`, as Keras allows: it
            # becomes a functional model that keeps the subclass's methods.
            self.__class__ = _functional_subclass(type(self))
            Functional.__init__(self, *args, **kwargs)
            return
        base = {k: kwargs.pop(k) for k in ("name", "trainable", "dtype") if k in kwargs}
        if args or kwargs:
            raise TypeError(
                f"{type(self).__name__}.__init__ received unexpected "
                f"arguments: positional {args}, keyword {sorted(kwargs)}. "
                "Model subclasses accept `name`, `trainable` and `dtype`."
            )
        Layer.__init__(self, **base)
        self._init_trainer()

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Create a model from its config; a graph config gives a functional model."""
        if "input_layers" in config and "output_layers" in config:
            from torchkeras.models.functional import Functional

            target = cls if issubclass(cls, Functional) else Functional
            return target.from_config(config, custom_objects=custom_objects)
        return cls(**config)

    @manages_built_state
    def build(self, input_shape) -> None:
        """Build the model and its sublayers for `input_shape`.

        A subclassed model that does not override `build` is called once
        on zeros of `input_shape`, as `build_from_config` does, so that
        its sublayers create their weights. When that call fails, a
        warning names the error and the model stays unbuilt. Without an
        explicit `build`, a model builds on its first call (models are
        never marked built at construction).
        """
        if type(self).build is Model.build and not self.built:
            shape = _as_build_shape(input_shape)
            self._build_by_calling((shape,), {}, {"input_shape": shape})
            return
        self.built = True

    def build_with_shape(self, input_shape) -> None:
        """Mark the model built before its first call runs `call`.

        The first call builds the sublayers itself, so the zeros call of
        an explicit `build` is skipped here.
        """
        if type(self).build is Model.build and not self.built:
            self.built = True
            self._build_shapes = {"input_shape": _as_build_shape(input_shape)}
            return
        super().build_with_shape(input_shape)

    def build_from_config(self, build_config) -> None:
        """Build the model from the output of `get_build_config()`.

        Loading a model file calls this, so that the weights exist before
        they are loaded. A model that overrides `build` gets
        `build(input_shape)`. Otherwise the model is called once on zeros
        of the saved input shape, with 1 for unknown sizes, so that its
        sublayers build themselves as on a first batch (Keras traces
        `call` on placeholder inputs instead). The call runs in inference
        mode (`training=False`) without gradients. When it fails, a
        warning names the error and the model stays unbuilt.
        """
        if not build_config or self.built:
            return
        if type(self).build is not Model.build:
            super().build_from_config(build_config)
            return
        if "input_shape" in build_config:
            shapes = (build_config["input_shape"],)
            keyword_shapes = {}
        elif "shapes_dict" in build_config:
            # Keras's form for a call with several tensor arguments:
            # `{"<argument>_shape": shape}`.
            shapes = ()
            keyword_shapes = {
                key.removesuffix("_shape"): shape
                for key, shape in build_config["shapes_dict"].items()
            }
        else:
            return
        self._build_by_calling(shapes, keyword_shapes, build_config)

    def _build_by_calling(self, shapes, keyword_shapes, build_config) -> None:
        device = self._existing_device() or torch.device("cpu")
        args = [_example_inputs(s, self._dtype, device) for s in shapes]
        kwargs = {
            key: _example_inputs(shape, self._dtype, device)
            for key, shape in keyword_shapes.items()
        }
        # Marked built first, so that `__call__` runs `call` instead of
        # `build`.
        self.built = True
        try:
            with torch.no_grad(), keeping_layer_states(self):
                self(*args, **kwargs, training=False)
        except Exception as error:  # noqa: BLE001 - any failure is reported
            self.built = False
            warnings.warn(
                f"Model {self.name!r} could not be built for "
                f"{build_config}: calling it on zeros of that shape "
                f"(1 for unknown sizes) raised {type(error).__name__}: "
                f"{error}. Override `build(input_shape)` to create the "
                "sublayers' weights, or `build_from_config()` with "
                "`get_build_config()`; otherwise the model builds on its "
                "first call on data.",
                UserWarning,
                stacklevel=3,
            )
            return
        finally:
            self._clear_losses()
        self._build_shapes = dict(build_config)

    def call(self, *args, **kwargs):
        raise NotImplementedError(
            f"Model {type(self).__name__} does not implement `call()`. "
            "Subclasses of Model must define `call(self, inputs, ...)`."
        )

    @property
    def layers(self) -> list[Layer]:
        """The layers tracked by this model, in the order they were set."""
        return [
            layer
            for layer in _tracked_layers(self)
            if not isinstance(layer, InputLayer)
        ]

    def get_layer(self, name: str | None = None, index: int | None = None) -> Layer:
        """Return a layer by name or by index in `layers`.

        Raises:
            ValueError: if neither or both are given, or no layer matches.
        """
        if name is not None and index is not None:
            raise ValueError(
                "Provide only a layer name or a layer index. Received: "
                f"index={index}, name={name}."
            )
        layers = self.layers
        if index is not None:
            if len(layers) <= index:
                raise ValueError(
                    f"Was asked to retrieve layer at index {index} but model "
                    f"only has {len(layers)} layers."
                )
            return layers[index]
        if name is not None:
            for layer in layers:
                if layer.name == name:
                    return layer
            raise ValueError(
                f"No such layer: {name}. Existing layers are: "
                f"{[layer.name for layer in layers]}."
            )
        raise ValueError(
            "Provide either a layer name or layer index at `get_layer`."
        )

    def summary(
        self,
        line_length=None,
        positions=None,
        print_fn=None,
        expand_nested=False,
        show_trainable=False,
        layer_range=None,
    ) -> None:
        """Print the layers, their output shapes and parameter counts.

        Args:
            line_length: Total width of the table.
            positions: Right edges of the columns, as fractions of the width.
            print_fn: Function called once with the whole text.
            expand_nested: Whether to list the layers of nested models.
            show_trainable: Whether to show if each layer is trainable.
            layer_range: Two layer names bounding the rows shown.
        """
        summary_utils.print_summary(
            self,
            line_length=line_length,
            positions=positions,
            print_fn=print_fn,
            expand_nested=expand_nested,
            show_trainable=show_trainable,
            layer_range=layer_range,
        )

    def to_json(self, **kwargs) -> str:
        """Return the architecture as JSON in Keras 3's format.

        Args:
            **kwargs: Passed to `json.dumps()`, such as `indent=2`.
        """
        from torchkeras.models.json_utils import model_to_json

        return model_to_json(self, **kwargs)

    def save(self, filepath, overwrite: bool = True, zipped=None, **kwargs) -> None:
        """Save the architecture, weights and compile state to one file.

        `.keras` writes Keras 3's zip archive, which `models.load_model`
        (and Keras 3 itself) reads back with the optimizer state, so `fit`
        resumes where it stopped. `.h5` writes the legacy Keras 2 format.
        See `saving.save_model` for the arguments.
        """
        from torchkeras.saving.saving_lib import save_model

        save_model(self, filepath, overwrite=overwrite, zipped=zipped, **kwargs)

    def save_weights(
        self, filepath, overwrite: bool = True, max_shard_size=None
    ) -> None:
        """Write the weights to a `.weights.h5` file in Keras 3's layout.

        Once the model is compiled and trained, the optimizer's state is
        written too, as Keras does.
        """
        from torchkeras.saving.weights_h5 import save_weights

        save_weights(
            self, filepath, overwrite=overwrite, max_shard_size=max_shard_size
        )

    def load_weights(self, filepath, skip_mismatch: bool = False, **kwargs) -> None:
        """Load weights from a `.weights.h5`, `.keras` or legacy `.h5` file.

        Files written by torchkeras or Keras load alike. See
        `saving.load_weights` for the arguments.
        """
        from torchkeras.saving.saving_lib import load_weights

        load_weights(self, filepath, skip_mismatch=skip_mismatch, **kwargs)

    def export(
        self,
        filepath,
        format="tf_saved_model",
        verbose=None,
        input_signature=None,
        **kwargs,
    ) -> str:
        """Write the model's forward pass to a file for inference.

        The model runs in eval mode while it is traced, and gets its
        previous mode back afterwards. Axes of unknown size in the input
        signature, the batch axis among them, stay dynamic.

        Formats:
            `"torch"` (also `"torch_export"`): a `torch.export` archive,
            read back with `torch.export.load(path).module()`. The file name
            must end in `.pt2`.
            `"onnx"`: an ONNX file from `torch.onnx.export`; needs the `onnx`
            and `onnxscript` packages.

        Args:
            filepath: Path of the file to write.
            format: One of the formats above. Keras's default,
                `"tf_saved_model"`, and `"litert"` and `"openvino"` need
                other converters and raise NotImplementedError.
            verbose: Whether to print the path written; None means True.
            input_signature: The inputs to export for: a list with one entry
                per positional argument of `call`, each a shape tuple,
                `InputSpec`, `KerasTensor`, tensor, or a list or dict of
                them. Sizes of None are dynamic. By default the model's
                inputs, or for a subclassed model the shapes of its first
                call.
            **kwargs: Passed to `torch.export.export` (`"torch"`) or
                `torch.onnx.export` (`"onnx"`), such as `dynamic_shapes`,
                `strict` or `opset_version`.

        Returns:
            The path written, as a string.

        Raises:
            ValueError: for an unknown format, an argument the exporter does
                not take, a `"torch"` path without `.pt2`, or a model never
                called and no `input_signature`.
            NotImplementedError: for `"tf_saved_model"`, `"litert"` and
                `"openvino"`.
            ImportError: for `"onnx"` when `onnx` or `onnxscript` is missing.

        Example:

        >>> path = os.path.join(tempfile.mkdtemp(), "model.pt2")
        >>> model = Sequential([Input((4,)), Dense(2)])
        >>> _ = model.export(path, format="torch", verbose=False)
        >>> torch.export.load(path).module()(torch.ones(3, 4)).shape
        torch.Size([3, 2])
        """
        from torchkeras.export.model_export import export_model

        return export_model(
            self,
            filepath,
            format=format,
            verbose=verbose,
            input_signature=input_signature,
            **kwargs,
        )


_FUNCTIONAL_SUBCLASSES: dict[type, type] = {}


def _is_graph_call(args, kwargs) -> bool:
    """Return whether constructor arguments are symbolic inputs and outputs."""
    from torchkeras.layers.keras_tensor import KerasTensor
    from torchkeras.utils.tree import flatten

    if len(args) < 2 and "outputs" not in kwargs:
        return False
    inputs = args[0] if args else kwargs.get("inputs")
    return any(isinstance(v, KerasTensor) for v in flatten(inputs))


def _functional_subclass(cls: type) -> type:
    """Return a class combining the user's `Model` subclass with `Functional`."""
    from torchkeras.models.functional import Functional

    combined = _FUNCTIONAL_SUBCLASSES.get(cls)
    if combined is None:
        combined = type(cls.__name__, (cls, Functional), {"__module__": cls.__module__})
        _FUNCTIONAL_SUBCLASSES[cls] = combined
    return combined


def _tracked_layers(module: torch.nn.Module) -> list[torch.nn.Module]:
    """Child layers, looking through ModuleList and ModuleDict containers."""
    from torchkeras.metrics.metric import Metric

    result = []
    for child in module._modules.values():
        if child is None or isinstance(child, Metric):
            continue
        if isinstance(child, (torch.nn.ModuleList, torch.nn.Sequential)) and not isinstance(
            child, Layer
        ):
            result.extend(_tracked_layers(child))
        elif isinstance(child, torch.nn.ModuleDict):
            result.extend(_tracked_layers(child))
        else:
            result.append(child)
    return result


def _as_build_shape(input_shape):
    """Return one input's shape as a tuple; several inputs stay a list."""
    if isinstance(input_shape, list) and all(
        isinstance(shape, (tuple, list)) for shape in input_shape
    ):
        return [tuple(shape) for shape in input_shape]
    if isinstance(input_shape, (tuple, list)):
        return tuple(input_shape)
    return input_shape
