"""rnnplay's engine: NumPy layers, models, optimizers, training and sampling.

Pure NumPy: nothing here imports textual or rich, so the engine runs
headless and the CLI starts fast. Every layer has the same protocol:
``params`` and ``grads`` (lists of arrays, grads filled in place, same
order), ``forward(...)`` and ``backward(dout)``.

The names below are imported on first use (PEP 562), so importing a light
submodule such as ``rnnplay.core.train.config`` (for the CLI's ``--help``) does
not pull in NumPy.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "TimeAffine": "rnnplay.core.nn.affine",
    "TimeDropout": "rnnplay.core.nn.dropout",
    "TimeEmbedding": "rnnplay.core.nn.embedding",
    "GRU": "rnnplay.core.nn.gru",
    "TimeGRU": "rnnplay.core.nn.gru",
    "LSTM": "rnnplay.core.nn.lstm",
    "TimeLSTM": "rnnplay.core.nn.lstm",
    "CELLS": "rnnplay.core.nn.model",
    "RNNLM": "rnnplay.core.nn.model",
    "OPTIMIZERS": "rnnplay.core.train.optim",
    "SGD": "rnnplay.core.train.optim",
    "AdaGrad": "rnnplay.core.train.optim",
    "Adam": "rnnplay.core.train.optim",
    "Momentum": "rnnplay.core.train.optim",
    "Optimizer": "rnnplay.core.train.optim",
    "RMSprop": "rnnplay.core.train.optim",
    "clip_grads": "rnnplay.core.train.optim",
    "RNN": "rnnplay.core.nn.rnn",
    "TimeRNN": "rnnplay.core.nn.rnn",
    "TimeSoftmaxWithLoss": "rnnplay.core.nn.softmax_loss",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'rnnplay.core' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
