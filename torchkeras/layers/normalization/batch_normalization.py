"""`BatchNormalization`: normalization with batch and moving statistics."""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F

from torchkeras import config
from torchkeras import constraints
from torchkeras import initializers
from torchkeras import regularizers
from torchkeras.layers.layer import InputSpec
from torchkeras.layers.layer import Layer
from torchkeras.saving.serialization import serialize_keras_object


class BatchNormalization(Layer):
    """Normalizes each channel with batch statistics, then scales and shifts.

    In training (`training=True`, or inside `fit`) each channel is
    normalized with the mean and the biased variance of the batch, and
    the moving statistics are updated as in Keras:
    `moving = moving * momentum + batch_statistic * (1 - momentum)`. In
    inference the moving statistics are used instead. The output is
    `gamma * (x - mean) / sqrt(variance + epsilon) + beta`.

    A layer whose `trainable` is False always runs in inference mode, even
    when called with `training=True`, and never updates its moving
    statistics. This is Keras's rule for fine-tuning a frozen base; torch's
    `BatchNorm2d` keeps training mode when its parameters are frozen.

    Keras's defaults differ from torch's: `momentum=0.99` weights the old
    moving value (torch's `momentum=0.1` weights the new one),
    `epsilon=1e-3` (torch `1e-5`), the moving variance uses the biased
    batch variance (torch the unbiased one), and the channels axis is the
    last (`axis=-1`).

    Args:
        axis: Integer, the channels axis, normalized separately for each
            index along it. `-1` for channels_last images, `1` for
            channels_first.
        momentum: Weight of the old value in the moving statistics.
        epsilon: Small float added to the variance.
        center: Whether to add the learned offset `beta`.
        scale: Whether to multiply by the learned factor `gamma`.
        beta_initializer: Initializer of `beta`.
        gamma_initializer: Initializer of `gamma`.
        moving_mean_initializer: Initializer of the moving mean.
        moving_variance_initializer: Initializer of the moving variance.
        beta_regularizer: Optional penalty on `beta`.
        gamma_regularizer: Optional penalty on `gamma`.
        beta_constraint: Optional projection of `beta` after updates.
        gamma_constraint: Optional projection of `gamma` after updates.
        renorm: Batch renormalization; only False is supported.
        renorm_clipping: Clipping bounds for batch renormalization; stored
            and unused while `renorm` is False, as in Keras.
        renorm_momentum: Momentum of batch renormalization; stored and
            unused while `renorm` is False, as in Keras.
        synchronized: Cross-device statistics; only False is supported.
        **kwargs: Base layer arguments (`name`, `dtype`, `trainable`).

    Call arguments:
        inputs: Input tensor of any rank.
        training: Whether to use and update batch statistics. Ignored
            (inference mode) when the layer is not trainable.
        mask: Optional boolean tensor with the input's shape minus the
            channels axis; in training, masked-out positions are left out
            of the batch statistics.

    Input shape:
        Any shape; the size of `axis` must be known.

    Output shape:
        Same as the input.

    Example:

    >>> import torch
    >>> layer = BatchNormalization()
    >>> outputs = layer(torch.randn(8, 4, 4, 3), training=True)
    >>> layer.moving_mean.shape
    torch.Size([3])

    Note:
        `renorm=True` and `synchronized=True` raise NotImplementedError.
    """

    def __init__(
        self,
        axis: int = -1,
        momentum: float = 0.99,
        epsilon: float = 1e-3,
        center: bool = True,
        scale: bool = True,
        beta_initializer="zeros",
        gamma_initializer="ones",
        moving_mean_initializer="zeros",
        moving_variance_initializer="ones",
        beta_regularizer=None,
        gamma_regularizer=None,
        beta_constraint=None,
        gamma_constraint=None,
        renorm: bool = False,
        renorm_clipping: dict[str, float] | None = None,
        renorm_momentum: float = 0.99,
        synchronized: bool = False,
        **kwargs,
    ):
        if isinstance(axis, bool) or not isinstance(axis, int):
            raise TypeError(
                "`axis` must be an integer, the index of the channels axis. "
                f"Received: axis={axis!r} of type {type(axis).__name__}"
            )
        if renorm:
            raise NotImplementedError(
                "BatchNormalization does not support renorm=True yet. "
                "Supported values: renorm=False."
            )
        if synchronized:
            raise NotImplementedError(
                "BatchNormalization does not support synchronized=True "
                "yet. Supported values: synchronized=False."
            )
        if float(epsilon) <= 0:
            raise ValueError(
                "`epsilon` must be a positive float. "
                f"Received: epsilon={epsilon!r}"
            )

        super().__init__(**kwargs)
        self.axis = axis
        self.momentum = float(momentum)
        self.epsilon = float(epsilon)
        self.center = center
        self.scale = scale
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.moving_mean_initializer = initializers.get(
            moving_mean_initializer
        )
        self.moving_variance_initializer = initializers.get(
            moving_variance_initializer
        )
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.renorm = renorm
        self.renorm_clipping = renorm_clipping
        self.renorm_momentum = renorm_momentum
        self.synchronized = synchronized
        self.supports_masking = True

        self.gamma = None
        self.beta = None
        self._channel_axis = 1

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        ndim = len(input_shape)
        if not -ndim <= self.axis < ndim or self.axis % ndim == 0:
            raise ValueError(
                f"`axis` of layer {self.name!r} must index a non-batch axis "
                f"of the input. Received: axis={self.axis}, "
                f"input_shape={input_shape}"
            )
        channels = input_shape[self.axis]
        if channels is None:
            raise ValueError(
                f"Axis {self.axis} of the input of layer {self.name!r} must "
                f"have a known size. Received: input_shape={input_shape}"
            )

        shape = (channels,)
        if self.scale:
            self.gamma = self.add_weight(
                shape=shape,
                initializer=self.gamma_initializer,
                regularizer=self.gamma_regularizer,
                constraint=self.gamma_constraint,
                name="gamma",
                autocast=False,
            )
        if self.center:
            self.beta = self.add_weight(
                shape=shape,
                initializer=self.beta_initializer,
                regularizer=self.beta_regularizer,
                constraint=self.beta_constraint,
                name="beta",
                autocast=False,
            )
        self.moving_mean = self.add_weight(
            shape=shape,
            initializer=self.moving_mean_initializer,
            trainable=False,
            name="moving_mean",
            autocast=False,
        )
        self.moving_variance = self.add_weight(
            shape=shape,
            initializer=self.moving_variance_initializer,
            trainable=False,
            name="moving_variance",
            autocast=False,
        )
        self._channel_axis = self.axis % ndim
        self.input_spec = InputSpec(ndim=ndim, axes={self.axis: channels})

    def call(self, inputs, training=None, mask=None):
        if mask is not None and mask.dim() != inputs.dim() - 1:
            raise ValueError(
                f"The mask of layer {self.name!r} must have one axis fewer "
                f"than the inputs. Received: mask.shape={tuple(mask.shape)}, "
                f"inputs.shape={tuple(inputs.shape)}"
            )
        output_dtype = self.moving_mean.dtype
        if inputs.dtype != self.moving_mean.dtype:
            # Statistics are computed in float32 even under a mixed policy
            # (float16 sums overflow). As in Keras, the output then has the
            # compute dtype, and otherwise the layer's dtype.
            if self._casting_dtype is not None:
                output_dtype = inputs.dtype
            inputs = inputs.to(self.moving_mean.dtype)
        axis = self._channel_axis
        # torch's batch_norm normalizes axis 1; this permute is a view.
        channels_first = inputs if axis == 1 else inputs.movedim(axis, 1)
        count = channels_first.numel() // max(channels_first.shape[1], 1)
        if training and self.trainable and (mask is not None or count < 2):
            outputs = self._train_with_moments(channels_first, mask, axis)
        elif training and self.trainable:
            outputs = self._train_fused(channels_first, count)
        else:
            outputs = F.batch_norm(
                channels_first,
                self.moving_mean,
                self.moving_variance,
                self.gamma,
                self.beta,
                False,
                0.0,
                self.epsilon,
            )
        if outputs.dtype != output_dtype:
            outputs = outputs.to(output_dtype)
        return outputs if axis == 1 else outputs.movedim(1, axis)

    def _train_fused(self, inputs: torch.Tensor, count: int) -> torch.Tensor:
        """Normalize with torch's fused kernel and fix its variance update.

        torch updates the moving variance with the unbiased batch variance
        `v * count / (count - 1)`; Keras uses the biased `v`. torch's
        update is `old * momentum + v_unbiased * (1 - momentum)`, so
        rescaling its change from `old * momentum` by `(count - 1) / count`
        gives Keras's value.

        The kernel updates copies of the moving statistics. The autograd
        graph keeps the copies, so writing the layer's weights afterwards
        does not invalidate a pending backward pass.
        """
        running_mean = self.moving_mean.detach().clone()
        running_variance = self.moving_variance.detach().clone()
        outputs = F.batch_norm(
            inputs,
            running_mean,
            running_variance,
            self.gamma,
            self.beta,
            True,
            1.0 - self.momentum,
            self.epsilon,
        )
        with torch.no_grad():
            kept = self.moving_variance * self.momentum
            change = (running_variance - kept) * ((count - 1) / count)
            self.moving_mean.copy_(running_mean)
            self.moving_variance.copy_(kept + change)
        return outputs

    def _train_with_moments(self, inputs, mask, axis) -> torch.Tensor:
        """Normalize with explicit (optionally masked) batch moments.

        Used when a mask is given, and for one value per channel, where
        torch's fused kernel raises in training.
        """
        reduce_axes = [0] + list(range(2, inputs.dim()))
        if mask is None:
            mean = inputs.mean(dim=reduce_axes, keepdim=True)
            variance = (inputs - mean).square().mean(
                dim=reduce_axes, keepdim=True
            )
        else:
            weights = mask.to(torch.bool).unsqueeze(axis)
            weights = weights if axis == 1 else weights.movedim(axis, 1)
            weights = weights.expand_as(inputs).to(inputs.dtype)
            # Keras adds the fuzz factor to the count, so a fully masked
            # channel gives zero statistics instead of NaN.
            total = weights.sum(dim=reduce_axes, keepdim=True)
            total = total + config.epsilon()
            mean = (inputs * weights).sum(dim=reduce_axes, keepdim=True) / total
            squares = ((inputs - mean) * weights).square()
            variance = squares.sum(dim=reduce_axes, keepdim=True) / total
        with torch.no_grad():
            new_weight = 1.0 - self.momentum
            self.moving_mean.copy_(
                self.moving_mean * self.momentum + mean.flatten() * new_weight
            )
            self.moving_variance.copy_(
                self.moving_variance * self.momentum
                + variance.flatten() * new_weight
            )
        outputs = (inputs - mean) * torch.rsqrt(variance + self.epsilon)
        shape = [1, -1] + [1] * (inputs.dim() - 2)
        if self.gamma is not None:
            outputs = outputs * self.gamma.view(shape)
        if self.beta is not None:
            outputs = outputs + self.beta.view(shape)
        return outputs

    def compute_output_shape(self, input_shape):
        ndim = len(input_shape)
        if not -ndim <= self.axis < ndim:
            raise ValueError(
                f"`axis` of layer {self.name!r} is out of range for the "
                f"input. Received: axis={self.axis}, "
                f"input_shape={tuple(input_shape)}"
            )
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        config_dict = super().get_config()
        config_dict.update(
            {
                "axis": self.axis,
                "momentum": self.momentum,
                "epsilon": self.epsilon,
                "center": self.center,
                "scale": self.scale,
                "beta_initializer": serialize_keras_object(
                    self.beta_initializer
                ),
                "gamma_initializer": serialize_keras_object(
                    self.gamma_initializer
                ),
                "moving_mean_initializer": serialize_keras_object(
                    self.moving_mean_initializer
                ),
                "moving_variance_initializer": serialize_keras_object(
                    self.moving_variance_initializer
                ),
                "beta_regularizer": serialize_keras_object(
                    self.beta_regularizer
                ),
                "gamma_regularizer": serialize_keras_object(
                    self.gamma_regularizer
                ),
                "beta_constraint": serialize_keras_object(
                    self.beta_constraint
                ),
                "gamma_constraint": serialize_keras_object(
                    self.gamma_constraint
                ),
                "synchronized": self.synchronized,
                "renorm": self.renorm,
                "renorm_clipping": self.renorm_clipping,
                "renorm_momentum": self.renorm_momentum,
            }
        )
        return config_dict
