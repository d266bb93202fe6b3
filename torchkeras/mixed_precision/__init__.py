"""Mixed precision: dtype policies and dynamic loss scaling.

`set_global_policy("mixed_bfloat16")` (or `"mixed_float16"`) makes new
layers compute in a 16-bit float type while their weights stay float32.
Under `"mixed_float16"`, `Model.compile()` wraps the optimizer in a
`LossScaleOptimizer` so that small float16 gradients do not underflow.
"""

from torchkeras.mixed_precision.dtype_policies import DTypePolicy
from torchkeras.mixed_precision.dtype_policies import Policy
from torchkeras.mixed_precision.dtype_policies import dtype_policy
from torchkeras.mixed_precision.dtype_policies import global_policy
from torchkeras.mixed_precision.dtype_policies import set_dtype_policy
from torchkeras.mixed_precision.dtype_policies import set_global_policy


def __getattr__(name):
    # Imported on first use: the optimizers package imports layers, which
    # import this package.
    if name == "LossScaleOptimizer":
        from torchkeras.optimizers.loss_scale_optimizer import LossScaleOptimizer

        return LossScaleOptimizer
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "DTypePolicy",
    "LossScaleOptimizer",
    "Policy",
    "dtype_policy",
    "global_policy",
    "set_dtype_policy",
    "set_global_policy",
]
