"""Intersection-over-union metrics, computed from a running confusion matrix.

For class `c`, IoU is `tp / (tp + fp + fn)`, read off a
`(num_classes, num_classes)` confusion matrix whose rows are true classes
and whose columns are predicted classes. Every update adds one batch to the
matrix with a single `index_add_`, on the device of the inputs.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import torch

from torchkeras import config
from torchkeras.backend.tensors import convert_to_tensor
from torchkeras.metrics.metric import Metric


class IoU(Metric):
    """Mean intersection-over-union of chosen classes.

    Labels and predictions are class ids (or, with `sparse_y_true=False` or
    `sparse_y_pred=False`, scores whose argmax along `axis` is the class id)
    of any shape, flattened before counting. Pairs where either id is
    outside `[0, num_classes)`, or where the label is `ignore_class`, are
    skipped. The result is the mean IoU over those `target_class_ids` that
    occur at all (as a label or a prediction), and 0 when none occurs.

    Args:
        num_classes: Number of classes, the size of the confusion matrix.
        target_class_ids: Class ids whose IoUs are averaged.
        name: Defaults to `"io_u"`, made unique with a counter.
        dtype: Dtype of the confusion matrix. Defaults to `"int32"`, as in
            Keras, so float sample weights are truncated to integers. Pass
            `dtype="float32"` to count fractional weights.
        ignore_class: A label id to skip, such as a "void" class, or None.
        sparse_y_true: Whether `y_true` contains class ids. If False, it
            contains scores and its argmax along `axis` is used.
        sparse_y_pred: Whether `y_pred` contains class ids, as for `y_true`.
        axis: The class axis of dense inputs. Defaults to -1.

    Raises:
        ValueError: if a target class id is outside `[0, num_classes)`.

    Example:

    >>> metric = IoU(num_classes=3, target_class_ids=[0, 2])
    >>> metric.update_state([0, 0, 2, 1], [0, 2, 2, 1])
    >>> metric.result()
    tensor(0.5000)
    """

    # Constructor arguments that a subclass sets itself and so does not
    # accept. `get_config()` leaves them out.
    _fixed_arguments: tuple[str, ...] = ()

    def __init__(
        self,
        num_classes: int,
        target_class_ids: Sequence[int],
        name: str | None = None,
        dtype: Any = None,
        ignore_class: int | None = None,
        sparse_y_true: bool = True,
        sparse_y_pred: bool = True,
        axis: int = -1,
    ):
        super().__init__(name=name, dtype=dtype or "int32")
        target_class_ids = list(target_class_ids)
        bad_ids = [i for i in target_class_ids if not 0 <= i < num_classes]
        if bad_ids:
            raise ValueError(
                f"Every target class id must be in [0, {num_classes}), "
                f"because num_classes={num_classes}. Received: "
                f"target_class_ids={target_class_ids}"
            )
        self.num_classes = num_classes
        self.target_class_ids = target_class_ids
        self.ignore_class = ignore_class
        self.sparse_y_true = sparse_y_true
        self.sparse_y_pred = sparse_y_pred
        self.axis = axis
        self.total_cm = self.add_variable(
            (num_classes, num_classes),
            "zeros",
            name="total_confusion_matrix",
        )

    def update_state(
        self,
        y_true: Any,
        y_pred: Any,
        sample_weight: Any = None,
    ) -> None:
        """Add the (weighted) label/prediction pairs of one batch."""
        y_true = self._to_class_ids(y_true, self.sparse_y_true)
        y_pred = self._to_class_ids(y_pred, self.sparse_y_pred)
        if y_true.shape != y_pred.shape:
            raise ValueError(
                f"{type(self).__name__} expects as many labels as "
                f"predictions. Received: y_true.shape={tuple(y_true.shape)}, "
                f"y_pred.shape={tuple(y_pred.shape)} (after the argmax of "
                "dense inputs)"
            )
        y_true = y_true.reshape(-1)
        y_pred = y_pred.reshape(-1)
        weight = self._flat_weights(sample_weight, y_true)

        valid = (y_true >= 0) & (y_true < self.num_classes)
        valid &= (y_pred >= 0) & (y_pred < self.num_classes)
        if self.ignore_class is not None:
            valid &= y_true != self.ignore_class
        weight = torch.where(valid, weight, torch.zeros_like(weight))

        # Skipped pairs land in cell 0 with weight 0, so there is no
        # data-dependent indexing. `index_add_` is used because CUDA's
        # `bincount` reads the maximum id back to the host.
        cells = torch.where(valid, y_true * self.num_classes + y_pred, 0)
        counts = weight.new_zeros(self.num_classes**2)
        counts.index_add_(0, cells, weight)
        self.total_cm.add_(
            counts.reshape(self.num_classes, self.num_classes).to(
                self.total_cm.dtype
            )
        )

    def result(self) -> torch.Tensor:
        """Return the mean IoU of the target classes that occur, as float32."""
        matrix = self.total_cm.to(torch.float32)
        true_positives = matrix.diagonal()
        union = matrix.sum(dim=0) + matrix.sum(dim=1) - true_positives
        index = torch.as_tensor(self.target_class_ids, device=matrix.device)
        true_positives = true_positives[index]
        union = union[index]

        epsilon = config.epsilon()
        present = union > 1e-9
        iou = torch.where(
            present, true_positives / (union + epsilon), torch.zeros_like(union)
        )
        return iou.sum() / (present.sum() + epsilon)

    def get_config(self) -> dict[str, Any]:
        """Return the constructor arguments."""
        config_dict = {
            **super().get_config(),
            "num_classes": self.num_classes,
            "target_class_ids": self.target_class_ids,
            "ignore_class": self.ignore_class,
            "sparse_y_true": self.sparse_y_true,
            "sparse_y_pred": self.sparse_y_pred,
            "axis": self.axis,
        }
        for argument in self._fixed_arguments:
            del config_dict[argument]
        return config_dict

    def _to_class_ids(self, values: Any, sparse: bool) -> torch.Tensor:
        if isinstance(values, torch.Tensor):
            self._follow_device(values.device)
        values = convert_to_tensor(values, device=self.total_cm.device)
        if not sparse:
            return values.argmax(dim=self.axis)
        # Float ids truncate toward zero, as a cast to int does in Keras.
        return values.detach().to(torch.int64)

    def _flat_weights(
        self, sample_weight: Any, y_true: torch.Tensor
    ) -> torch.Tensor:
        dtype = self.total_cm.dtype
        if sample_weight is None:
            return torch.ones_like(y_true, dtype=torch.float64)
        weight_dtype = str(getattr(sample_weight, "dtype", ""))
        if "float" in weight_dtype and not dtype.is_floating_point:
            warnings.warn(
                f"{type(self).__name__} counts in {self.dtype}, so float "
                "sample weights are truncated to integers. Pass integer "
                'weights, or create the metric with dtype="float32".',
                UserWarning,
                stacklevel=3,
            )
        weight = convert_to_tensor(sample_weight, device=y_true.device)
        weight_shape = tuple(weight.shape)
        # Truncate weights to the state's dtype first, as Keras does, then
        # count in float64 and cast the sums back to the state's dtype.
        weight = weight.to(dtype).to(torch.float64).reshape(-1)
        if weight.numel() not in (1, y_true.numel()):
            raise ValueError(
                f"{type(self).__name__} needs one sample weight per "
                "label/prediction pair, or a single weight. Received: "
                f"sample_weight.shape={weight_shape} for "
                f"{y_true.numel()} pairs"
            )
        return weight.broadcast_to(y_true.shape)


class BinaryIoU(IoU):
    """IoU of binary predictions: scores at or above `threshold` are class 1.

    Labels are 0 or 1. With `target_class_ids=(0, 1)` the result is the mean
    IoU of both classes, with `[0]` or `[1]` the IoU of one of them.

    Args:
        target_class_ids: Class ids among 0 and 1 whose IoUs are averaged.
            Defaults to `(0, 1)`.
        threshold: Scores greater than or equal to it predict class 1.
            Defaults to 0.5.
        name: Defaults to `"binary_io_u"`, made unique with a counter.
        dtype: See `IoU`. Defaults to `"int32"`.

    Example:

    >>> metric = BinaryIoU(target_class_ids=[1], threshold=0.3)
    >>> metric.update_state([0, 1, 0, 1], [0.1, 0.2, 0.4, 0.7])
    >>> metric.result()
    tensor(0.3333)
    """

    def __init__(
        self,
        target_class_ids: Sequence[int] = (0, 1),
        threshold: float = 0.5,
        name: str | None = None,
        dtype: Any = None,
    ):
        super().__init__(
            num_classes=2,
            target_class_ids=target_class_ids,
            name=name,
            dtype=dtype,
        )
        self.threshold = threshold

    def update_state(
        self,
        y_true: Any,
        y_pred: Any,
        sample_weight: Any = None,
    ) -> None:
        """Threshold the scores, then count the batch like `IoU`."""
        if isinstance(y_pred, torch.Tensor):
            self._follow_device(y_pred.device)
        y_pred = convert_to_tensor(
            y_pred, dtype=torch.float32, device=self.total_cm.device
        )
        super().update_state(y_true, y_pred >= self.threshold, sample_weight)

    def get_config(self) -> dict[str, Any]:
        """Return the target class ids, threshold, name and dtype."""
        return {
            "target_class_ids": self.target_class_ids,
            "threshold": self.threshold,
            "name": self.name,
            "dtype": self.dtype,
        }


class MeanIoU(IoU):
    """Mean IoU over all classes that occur in labels or predictions.

    Args:
        num_classes: Number of classes, the size of the confusion matrix.
        name: Defaults to `"mean_io_u"`, made unique with a counter.
        dtype: See `IoU`. Defaults to `"int32"`.
        ignore_class: A label id to skip, or None.
        sparse_y_true: Whether `y_true` contains class ids (see `IoU`).
        sparse_y_pred: Whether `y_pred` contains class ids (see `IoU`).
        axis: The class axis of dense inputs. Defaults to -1.

    Example:

    >>> metric = MeanIoU(num_classes=2)
    >>> metric.update_state([0, 0, 1, 1], [0, 1, 0, 1])
    >>> metric.result()
    tensor(0.3333)
    """

    _fixed_arguments = ("target_class_ids",)

    def __init__(
        self,
        num_classes: int,
        name: str | None = None,
        dtype: Any = None,
        ignore_class: int | None = None,
        sparse_y_true: bool = True,
        sparse_y_pred: bool = True,
        axis: int = -1,
    ):
        super().__init__(
            num_classes=num_classes,
            target_class_ids=range(num_classes),
            name=name,
            dtype=dtype,
            ignore_class=ignore_class,
            sparse_y_true=sparse_y_true,
            sparse_y_pred=sparse_y_pred,
            axis=axis,
        )


class OneHotIoU(IoU):
    """`IoU` for one-hot labels: the argmax along `axis` is the class id.

    Args:
        num_classes: Number of classes, the size of the confusion matrix.
        target_class_ids: Class ids whose IoUs are averaged.
        name: Defaults to `"one_hot_io_u"`, made unique with a counter.
        dtype: See `IoU`. Defaults to `"int32"`.
        ignore_class: A label id to skip, or None.
        sparse_y_pred: Whether `y_pred` contains class ids. Defaults to
            False: scores, whose argmax along `axis` is used.
        axis: The class axis. Defaults to -1.
    """

    _fixed_arguments = ("sparse_y_true",)

    def __init__(
        self,
        num_classes: int,
        target_class_ids: Sequence[int],
        name: str | None = None,
        dtype: Any = None,
        ignore_class: int | None = None,
        sparse_y_pred: bool = False,
        axis: int = -1,
    ):
        super().__init__(
            num_classes=num_classes,
            target_class_ids=target_class_ids,
            name=name,
            dtype=dtype,
            ignore_class=ignore_class,
            sparse_y_true=False,
            sparse_y_pred=sparse_y_pred,
            axis=axis,
        )


class OneHotMeanIoU(MeanIoU):
    """`MeanIoU` for one-hot labels: the argmax along `axis` is the class id.

    Args:
        num_classes: Number of classes, the size of the confusion matrix.
        name: Defaults to `"one_hot_mean_io_u"`, made unique with a counter.
        dtype: See `IoU`. Defaults to `"int32"`.
        ignore_class: A label id to skip, or None.
        sparse_y_pred: Whether `y_pred` contains class ids. Defaults to
            False: scores, whose argmax along `axis` is used.
        axis: The class axis. Defaults to -1.
    """

    _fixed_arguments = ("target_class_ids", "sparse_y_true")

    def __init__(
        self,
        num_classes: int,
        name: str | None = None,
        dtype: Any = None,
        ignore_class: int | None = None,
        sparse_y_pred: bool = False,
        axis: int = -1,
    ):
        super().__init__(
            num_classes=num_classes,
            name=name,
            dtype=dtype,
            ignore_class=ignore_class,
            sparse_y_true=False,
            sparse_y_pred=sparse_y_pred,
            axis=axis,
        )
