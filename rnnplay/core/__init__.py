"""rnnplay's engine: NumPy layers, models, optimizers, training and sampling.

Pure NumPy: nothing here imports textual or rich, so the engine runs
headless and the CLI starts fast. Every layer has the same protocol:
``params`` and ``grads`` (lists of arrays, grads filled in place, same
order), ``forward(...)`` and ``backward(dout)``.

The names below are imported on first use (PEP 562), so importing a light
submodule such as ``rnnplay.core.config`` (for the CLI's ``--help``) does
not pull in NumPy.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "TimeAffine": "rnnplay.core.affine",
    "TimeDropout": "rnnplay.core.dropout",
    "TimeEmbedding": "rnnplay.core.embedding",
    "GRU": "rnnplay.core.gru",
    "TimeGRU": "rnnplay.core.gru",
    "LSTM": "rnnplay.core.lstm",
    "TimeLSTM": "rnnplay.core.lstm",
    "CELLS": "rnnplay.core.model",
    "RNNLM": "rnnplay.core.model",
    "OPTIMIZERS": "rnnplay.core.optim",
    "SGD": "rnnplay.core.optim",
    "AdaGrad": "rnnplay.core.optim",
    "Adam": "rnnplay.core.optim",
    "Momentum": "rnnplay.core.optim",
    "Optimizer": "rnnplay.core.optim",
    "RMSprop": "rnnplay.core.optim",
    "clip_grads": "rnnplay.core.optim",
    "RNN": "rnnplay.core.rnn",
    "TimeRNN": "rnnplay.core.rnn",
    "TimeSoftmaxWithLoss": "rnnplay.core.softmax_loss",
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
