"""Callbacks: objects that hook into `fit`, `evaluate` and `predict`."""

from torchkeras.callbacks.callback import Callback
from torchkeras.callbacks.callback_list import CallbackList
from torchkeras.callbacks.history import History
from torchkeras.callbacks.progbar_logger import ProgbarLogger

__all__ = ["Callback", "CallbackList", "History", "ProgbarLogger"]
