"""What the model sees at every position of a text: its guesses, its surprise, its states.

``read(stepper, ids, vocab)`` runs the text once through the model (a
:class:`~rnnplay.core.nn.stepper.Stepper`, so the model's own layers) and
keeps, per position t (after reading tokens 0..t):

- the distribution of the next token (its scores, and the top-k tokens with
  their probabilities),
- the surprise of the token that actually comes next, -log p(x[t+1]) in nats
  (NaN at the last position, whose next token the text does not say),
- every layer's states (``h``; an LSTM's cell state ``c`` and gates
  ``f g i o``; a GRU's gates ``z r`` and ``candidate``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rnnplay.core.data.vocab import Vocabulary
from rnnplay.core.nn.stepper import Stepper
from rnnplay.errors import NumericalError


def log_softmax(logits: np.ndarray) -> np.ndarray:
    """log softmax over the last axis, in float64; ``NumericalError`` when a
    score is not finite (weights that overflow: nothing honest to report)."""
    z = np.asarray(logits, dtype=np.float64)
    if not np.isfinite(z).all():
        raise NumericalError("the model's scores are not finite (did training diverge?)")
    z = z - z.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


@dataclass(frozen=True, eq=False)
class PositionReport:
    """One position t of a :class:`Reading` (JSON-ready through ``to_json``)."""

    position: int
    token: str
    next_token: str | None
    next_prob: float | None
    surprise: float | None
    top: list[tuple[str, float]]

    def to_json(self) -> dict:
        return {
            "position": self.position,
            "token": self.token,
            "next": self.next_token,
            "prob": self.next_prob,
            "surprise": self.surprise,
            "top": [[token, prob] for token, prob in self.top],
        }


@dataclass(frozen=True, eq=False)
class Reading:
    """A text as the model read it; T positions, V tokens, H units per layer.

    ``ids`` (T,) and ``tokens`` (T,) the text; ``logits`` (T, V) the scores of
    the token after each position; ``top_ids``/``top_probs`` (T, k) the k
    likeliest next tokens, most likely first; ``next_prob``/``surprise`` (T,)
    the probability and -log probability (nats) of the actual next token
    (NaN at the last position); ``entropy`` (T,) of each distribution
    (nats); ``layers`` per recurrent layer a dict of (T, H) arrays (see
    :class:`~rnnplay.core.nn.stepper.Trace`).
    """

    ids: np.ndarray
    tokens: list[str]
    logits: np.ndarray
    top_ids: np.ndarray
    top_probs: np.ndarray
    next_prob: np.ndarray
    surprise: np.ndarray
    entropy: np.ndarray
    layers: list[dict[str, np.ndarray]]

    def __len__(self) -> int:
        return len(self.tokens)

    def probs(self, t: int) -> np.ndarray:
        """The whole next-token distribution (V,) float64 at position t."""
        return np.exp(log_softmax(self.logits[t]))

    def at(self, t: int, vocab: Vocabulary) -> PositionReport:
        """Position ``t`` as a :class:`PositionReport` (token texts from ``vocab``)."""
        if not -len(self) <= t < len(self):
            raise IndexError(f"position {t} is outside the text's {len(self)} positions")
        t %= len(self)
        last = t == len(self) - 1
        return PositionReport(
            position=t,
            token=self.tokens[t],
            next_token=None if last else self.tokens[t + 1],
            next_prob=None if last else float(self.next_prob[t]),
            surprise=None if last else float(self.surprise[t]),
            top=[
                (vocab.tokens[int(i)], float(p))
                for i, p in zip(self.top_ids[t], self.top_probs[t], strict=True)
            ],
        )


def read(stepper: Stepper, ids: np.ndarray, vocab: Vocabulary, *, top_k: int = 10) -> Reading:
    """Run ``ids`` (T,) through ``stepper`` from the state it carries, which is
    left as it was; report every position (see :class:`Reading`)."""
    ids = np.asarray(ids, dtype=np.int64).reshape(-1)
    if isinstance(top_k, bool) or not isinstance(top_k, (int, np.integer)) or top_k < 1:
        raise ValueError(f"top_k must be a whole number of at least 1, got {top_k!r}")
    saved = stepper.state()
    try:
        with np.errstate(over="ignore", invalid="ignore"):  # reported below, in one line
            trace = stepper.trace(ids)
    finally:
        stepper.set_state(saved)
    logp = log_softmax(trace.logits)
    T, V = logp.shape
    k = min(int(top_k), V)
    top_ids = np.argsort(-logp, axis=1, kind="stable")[:, :k]
    top_probs = np.exp(np.take_along_axis(logp, top_ids, axis=1))
    next_logp = np.full(T, np.nan)
    next_logp[:-1] = logp[np.arange(T - 1), ids[1:]]
    probs = np.exp(logp)
    entropy = -(probs * logp).sum(axis=1)
    return Reading(
        ids=ids,
        tokens=[vocab.tokens[int(i)] for i in ids],
        logits=trace.logits,
        top_ids=top_ids,
        top_probs=top_probs,
        next_prob=np.exp(next_logp),
        surprise=-next_logp,
        entropy=entropy,
        layers=trace.layers,
    )


def surprises(stepper: Stepper, ids: np.ndarray, *, chunk: int = 2048) -> np.ndarray:
    """-log p(ids[t+1] | ids[..t]) in nats for t = 0..T-2, over a text of any
    length: fed in chunks of ``chunk`` tokens, the state carried between them
    (from the stepper's own state, which is left as it was)."""
    ids = np.asarray(ids, dtype=np.int64).reshape(-1)
    out = np.empty(max(ids.size - 1, 0))
    if ids.size < 2:
        return out
    saved = stepper.state()
    try:
        for start in range(0, ids.size - 1, chunk):
            piece = ids[start : min(start + chunk, ids.size - 1)]
            with np.errstate(over="ignore", invalid="ignore"):
                scores = stepper.feed(piece)
            logp = log_softmax(scores)
            targets = ids[start + 1 : start + 1 + piece.size]
            out[start : start + piece.size] = -logp[np.arange(piece.size), targets]
    finally:
        stepper.set_state(saved)
    return out
