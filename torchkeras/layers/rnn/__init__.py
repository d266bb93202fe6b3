"""Recurrent layers."""

from torchkeras.layers.rnn.lstm import LSTM
from torchkeras.layers.rnn.lstm_cell import LSTMCell

__all__ = [
    "LSTM",
    "LSTMCell",
]
