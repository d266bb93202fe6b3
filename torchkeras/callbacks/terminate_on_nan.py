"""`TerminateOnNaN`: ends training when the loss becomes NaN or infinite."""

from __future__ import annotations

import math

from torchkeras.callbacks.callback import Callback
from torchkeras.callbacks.monitor_callback import to_float
from torchkeras.utils import io_utils


class TerminateOnNaN(Callback):
    """Stop training at the first batch whose running loss is NaN or infinite.

    The check reads the loss after every training batch, which costs one
    read from the device per batch.

    Args:
        raise_error: If True, raise RuntimeError instead of setting
            `model.stop_training`. Default False.
    """

    def __init__(self, raise_error: bool = False):
        super().__init__()
        self.raise_error = raise_error

    def on_batch_end(self, batch, logs=None):
        loss = to_float((logs or {}).get("loss"))
        if loss is None or math.isfinite(loss):
            return
        if self.raise_error:
            raise RuntimeError(
                f"NaN or Inf loss encountered at batch {batch}. Loss value: "
                f"{loss}. Terminating training immediately."
            )
        io_utils.print_msg(f"Batch {batch}: Invalid loss, terminating training")
        self.model.stop_training = True
