"""rnnplay's engine: NumPy layers, models, optimizers, training and sampling.

Pure NumPy: nothing here imports textual or rich, so the engine runs
headless and the CLI starts fast. Every layer has the same protocol:
``params`` and ``grads`` (lists of arrays, grads filled in place, same
order), ``forward(...)`` and ``backward(dout)``.
"""

from rnnplay.core.affine import TimeAffine
from rnnplay.core.dropout import TimeDropout
from rnnplay.core.embedding import TimeEmbedding
from rnnplay.core.gru import GRU, TimeGRU
from rnnplay.core.lstm import LSTM, TimeLSTM
from rnnplay.core.model import CELLS, RNNLM
from rnnplay.core.optim import (
    OPTIMIZERS,
    SGD,
    AdaGrad,
    Adam,
    Momentum,
    Optimizer,
    RMSprop,
    clip_grads,
)
from rnnplay.core.rnn import RNN, TimeRNN
from rnnplay.core.softmax_loss import TimeSoftmaxWithLoss

__all__ = [
    "CELLS",
    "GRU",
    "LSTM",
    "OPTIMIZERS",
    "RNN",
    "RNNLM",
    "SGD",
    "AdaGrad",
    "Adam",
    "Momentum",
    "Optimizer",
    "RMSprop",
    "TimeAffine",
    "TimeDropout",
    "TimeEmbedding",
    "TimeGRU",
    "TimeLSTM",
    "TimeRNN",
    "TimeSoftmaxWithLoss",
    "clip_grads",
]
