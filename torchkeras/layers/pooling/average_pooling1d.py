"""`AveragePooling1D`: average pooling for temporal data."""

from __future__ import annotations

from torchkeras.layers.pooling.base_pooling import _BasePooling


class AveragePooling1D(_BasePooling):
    """Average pooling for temporal data: the mean of each window.

    With `padding="same"` the padded positions are left out of the mean,
    so a corner window of ones averages to 1.

    Args:
        pool_size: Integer or tuple of 1 integer, the window size.
        strides: Integer or tuple of 1 integer, the step of the
            window. None means `pool_size`.
        padding: `"valid"` (windows stay inside the input) or `"same"`
            (output size `ceil(size / stride)`; padding is added after the
            data when its total is odd); case-insensitive.
        data_format: `"channels_last"`, inputs
            `(batch, steps, channels)`, or `"channels_first"`,
            inputs `(batch, channels, steps)`. None means
            `config.image_data_format()`.
        name: Optional layer name.
        **kwargs: Base layer arguments (`dtype`, `trainable`).

    Input shape:
        3D tensor `(batch, steps, channels)` with channels_last,
        `(batch, channels, steps)` with channels_first.

    Output shape:
        3D tensor `(batch, new_steps, channels)` with channels_last,
        `(batch, channels, new_steps)` with channels_first.

    Example:

    >>> import torch
    >>> layer = AveragePooling1D(2)
    >>> layer(torch.ones(2, 8, 3)).shape
    torch.Size([2, 4, 3])
    """

    _rank = 1
    _mode = "average"

    def __init__(
        self,
        pool_size,
        strides=None,
        padding: str = "valid",
        data_format: str | None = None,
        name: str | None = None,
        **kwargs,
    ):
        super().__init__(
            pool_size,
            strides=strides,
            padding=padding,
            data_format=data_format,
            name=name,
            **kwargs,
        )
