"""`_BaseGlobalPooling`: the code shared by the global pooling layers."""

from __future__ import annotations

from torchkeras.config import standardize_data_format
from torchkeras.layers.layer import InputSpec
from torchkeras.layers.layer import Layer


class _BaseGlobalPooling(Layer):
    """Private base of the layers that reduce all spatial axes at once."""

    _rank = 0

    def __init__(
        self,
        data_format: str | None = None,
        keepdims: bool = False,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(data_format)
        self.keepdims = keepdims
        self.input_spec = InputSpec(ndim=self._rank + 2)
        if self.data_format == "channels_last":
            self._spatial_axes = tuple(range(1, self._rank + 1))
        else:
            self._spatial_axes = tuple(range(2, self._rank + 2))

    def build(self, input_shape):
        self._check_rank(len(input_shape))

    def _check_rank(self, ndim: int) -> None:
        """Raise unless inputs have `rank + 2` axes.

        A reduction over the wrong axes would not fail by itself, so the
        rank is checked on every call, not only when torch raises.
        """
        if ndim != self._rank + 2:
            raise ValueError(
                f"Input 0 of layer {self.name!r} must have rank "
                f"{self._rank + 2} (batch, {self._rank} spatial axes, "
                f"channels). Received an input of rank {ndim}."
            )

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        self._check_rank(len(input_shape))
        if self.data_format == "channels_last":
            channels = input_shape[-1]
            if self.keepdims:
                return (input_shape[0],) + (1,) * self._rank + (channels,)
        else:
            channels = input_shape[1]
            if self.keepdims:
                return (input_shape[0], channels) + (1,) * self._rank
        return (input_shape[0], channels)

    def get_config(self):
        config = super().get_config()
        config.update(
            {"data_format": self.data_format, "keepdims": self.keepdims}
        )
        return config
