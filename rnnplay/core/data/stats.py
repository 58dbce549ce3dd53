"""Reference losses of a text: what a model reaches without learning anything clever.

Two numbers tell a learner how far beyond counting a model has come:

- the **uniform baseline** ``log V``: the loss of a model that spreads its
  bet evenly over the ``V`` tokens of the vocabulary (where training starts);
- the **unigram entropy** ``-sum p(t) log p(t)`` over the token frequencies
  of the training text: the best a model that ignores context can do on
  that text (it predicts every token with its overall frequency).

Both are in nats per token, like every loss in rnnplay; convert them with
:mod:`rnnplay.core.train.units`. A trained model below the unigram line
has learned something about context.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from rnnplay.core.data.corpus import Dataset


@dataclass(frozen=True)
class ReferenceLine:
    """A labelled horizontal line for a loss chart; ``nats`` per token."""

    name: str  # "uniform" or "unigram"
    label: str  # what a chart's legend says
    nats: float


def uniform_baseline(vocab_size: int) -> float:
    """``log V`` in nats: the loss of the uniform distribution over ``vocab_size`` tokens."""
    if vocab_size < 1:
        raise ValueError(f"a vocabulary has at least one token, got {vocab_size}")
    return math.log(vocab_size)


def unigram_entropy(ids: np.ndarray, vocab_size: int | None = None) -> float:
    """Entropy in nats of the token frequencies of ``ids`` (a 1-D array of token ids).

    ``vocab_size`` only sizes the count array (tokens that never occur add
    nothing to the entropy).
    """
    ids = np.asarray(ids).ravel()
    if ids.size == 0:
        raise ValueError("the unigram entropy of an empty text is undefined")
    counts = np.bincount(ids, minlength=vocab_size or 0).astype(np.float64)
    p = counts[counts > 0] / ids.size
    return float(-(p * np.log(p)).sum())


def reference_lines(dataset: Dataset) -> list[ReferenceLine]:
    """The uniform baseline and the training text's unigram entropy of ``dataset``."""
    vocab_size = len(dataset.vocab)
    return [
        ReferenceLine("uniform", f"uniform over {vocab_size} tokens", uniform_baseline(vocab_size)),
        ReferenceLine(
            "unigram", "unigram (no context)", unigram_entropy(dataset.train, vocab_size)
        ),
    ]
