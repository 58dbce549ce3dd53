"""Perplexity of a model over a whole token sequence, state carried, dropout off.

Used by the Trainer for validation and test splits and by ``rnnplay eval``
for any text. Every token but the first is predicted exactly once: the
sequence is cut into ``N`` equal contiguous chunks read side by side in
windows of ``bptt`` steps with the hidden state carried from window to
window, and the few tokens left over after the last chunk are read on
from that chunk's final state.

Each chunk but the first starts from the state reached by reading the
``bptt`` tokens before it (unscored), not from zeros: a model trained on
carried state (the book's streams) may never have seen a zero state in
the middle of a text and can stumble there for hundreds of tokens, which
would make the score depend on N. With the warm-up the result is close to
one sequential pass over the text, at the cost of N*bptt extra tokens.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from rnnplay.core.nn.model import RNNLM


def _take_row(state: list[dict[str, np.ndarray]], row: int) -> list[dict[str, np.ndarray]]:
    return [{key: value[row : row + 1].copy() for key, value in entry.items()} for entry in state]


def _warm_up(model: RNNLM, ids: np.ndarray, n: int, span: int, bptt: int) -> None:
    """Set the state of chunk i > 0 to that after its preceding tokens; chunk 0 starts at zero."""
    model.reset_state()
    width = min(int(bptt), span)
    if n < 2:
        return
    context = np.stack([ids[i * span - width : i * span] for i in range(1, n)])
    model.predict(context)
    warmed = []
    for entry in model.get_state():
        warmed.append(
            {
                key: np.concatenate([np.zeros((1, value.shape[1]), value.dtype), value])
                for key, value in entry.items()
            }
        )
    model.set_state(warmed)


def _read(
    model: RNNLM,
    xs: np.ndarray,
    ts: np.ndarray,
    bptt: int,
    progress: Callable[[int], None] | None = None,
) -> float:
    """Sum of the per-token losses of reading xs -> ts (N, S) in windows of bptt;
    ``progress(tokens)`` after each window, with the tokens it read."""
    total = 0.0
    for start in range(0, xs.shape[1], bptt):
        x = xs[:, start : start + bptt]
        t = ts[:, start : start + bptt]
        total += model.forward(x, t) * x.size
        if progress is not None:
            progress(int(x.size))
    return total


def sequence_loss(
    model: RNNLM,
    ids: np.ndarray,
    batch_size: int,
    bptt: int,
    progress: Callable[[int], None] | None = None,
) -> tuple[float, int]:
    """Mean loss in nats per predicted token over ``ids``, and how many were predicted.

    The model's carried state, its train/eval mode and its RNG are left as
    they were: the caller's training continues exactly. ``progress(tokens)``
    is called as the scored tokens are read (``rnnplay eval``'s progress).
    """
    ids = np.asarray(ids)
    if ids.ndim != 1 or ids.size < 2:
        raise ValueError(f"evaluation needs at least 2 tokens, got {ids.size}")
    targets = ids.size - 1
    n = max(1, min(int(batch_size), targets // max(1, int(bptt))))
    span = targets // n
    saved_state = model.get_state()
    was_training = model.training
    model.eval()
    total = 0.0
    try:
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            _warm_up(model, ids, n, span, bptt)
            xs = ids[: n * span].reshape(n, span)
            ts = ids[1 : n * span + 1].reshape(n, span)
            total += _read(model, xs, ts, bptt, progress)
            rest = targets - n * span
            if rest:
                model.set_state(_take_row(model.get_state(), n - 1))
                xs = ids[n * span : n * span + rest].reshape(1, rest)
                ts = ids[n * span + 1 :].reshape(1, rest)
                total += _read(model, xs, ts, bptt, progress)
    finally:
        model.set_state(saved_state)
        if was_training:
            model.train()
    return total / targets, targets


EVAL_EVERY_MIN = 100
"""Steps between validations by default (more on a large validation split)."""

EVAL_SHARE = 0.10
"""The default cadence keeps validation under about this share of the time."""

EVAL_TOKEN_COST = 0.5
"""What a validated token costs against a trained one (forward only, no backward or
update; measured 0.3 for the char LSTM and about 0.45 for the word LSTM with a
10k vocabulary, where the softmax is a larger part of the step)."""


def default_eval_interval(valid_tokens: int, tokens_per_step: int) -> int:
    """Steps between two full validations that keep them under EVAL_SHARE of the time.

    A validation costs about ``EVAL_TOKEN_COST * valid_tokens`` trained tokens'
    worth; k steps train ``k * tokens_per_step``. The share is at most
    EVAL_SHARE when ``k >= (1 - s) / s * cost * valid / per_step``. Sizes only,
    no clocks: the cadence, and with it a plateau schedule, is the same on
    every machine and after a resume.
    """
    factor = (1 - EVAL_SHARE) / EVAL_SHARE * EVAL_TOKEN_COST
    return max(EVAL_EVERY_MIN, math.ceil(factor * valid_tokens / max(1, tokens_per_step)))
