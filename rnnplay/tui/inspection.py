"""The Inspect view's work off the UI thread: what to inspect, from which weights, how often.

The Inspect screen (:mod:`rnnplay.tui.screens.inspect`) shows, for a text and
a cursor, what the model computed there (:mod:`rnnplay.core.inspect`). The
answers are computed here, in a thread worker, on a frozen copy of the
weights that the training thread hands over between two steps
(``TrainingSession.submit``), so the live model is never read while it
changes and the UI thread never waits for NumPy.

Live mode refreshes that copy while training runs, but spends at most
:data:`LIVE_BUDGET` of the wall time on it (the worker competes with the
training thread for the CPU): the interval between refreshes stretches
with what one refresh took, and is never below :data:`LIVE_REFRESH_S`.
Frozen mode keeps the copy it has.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from rnnplay.core.data.vocab import Vocabulary, encode_readable
from rnnplay.core.inspect.blame import Blame
from rnnplay.core.inspect.inspector import Inspector
from rnnplay.core.inspect.neurons import UnitScore
from rnnplay.core.inspect.reading import Reading
from rnnplay.core.nn.model import RNNLM
from rnnplay.errors import RnnplayError, one_line

Source = Literal["sample", "validation", "typed"]
SOURCES: tuple[Source, ...] = ("sample", "validation", "typed")
"""The texts the inspector reads, in the order ``t`` cycles through them."""

SOURCE_LABELS = {"sample": "the sample", "validation": "validation text", "typed": "typed text"}

MAX_TOKENS = 400
"""The longest text inspected at once: a reading costs one forward pass over
it and the blame one backward pass, both linear in its length."""

VALIDATION_TOKENS = {"char": 300, "word": 80}
"""How much of the validation split one slice holds."""

LIVE_REFRESH_S = 2.0
"""Live mode refreshes at most this often while training runs..."""

LIVE_BUDGET = 0.03
"""...and spends at most this fraction of the wall time on refreshing (a
refresh that took 0.1 s waits 3.3 s before the next)."""

TOP_K = 10


@dataclass(frozen=True, eq=False)
class Answer:
    """What the worker computed for one request.

    ``request`` numbers it (the screen drops answers to older requests);
    ``reading`` is None when only the blame was asked for (the cursor moved
    on the same text and weights); ``blame`` is None at a position with
    nothing before it to blame, ``error`` a one-line reason when the
    request failed.
    """

    request: int
    reading: Reading | None
    blame: Blame | None
    cursor: int
    seconds: float
    error: str | None = None


def validation_slice(valid: np.ndarray, level: str, start: int = 0) -> np.ndarray:
    """A slice of the validation ids beginning near ``start``, no longer than a view holds."""
    length = VALIDATION_TOKENS.get(level, 200)
    start = int(min(max(start, 0), max(valid.size - length, 0)))
    return np.asarray(valid[start : start + length], dtype=np.int64)


def encode_text(vocab: Vocabulary, text: str) -> list[int]:
    """The ids of a typed text (PromptError naming a character the vocabulary lacks)."""
    return [int(i) for i in encode_readable(vocab, text, "the text")]


def source_ids(
    source: Source,
    vocab: Vocabulary,
    *,
    sample: tuple[str, list[int]],
    valid: np.ndarray,
    typed: str,
) -> tuple[np.ndarray, int] | None:
    """The ids of ``source`` and how many of them lead in before its own tokens
    (the sample's prime), or None when it has no text. ``sample``: the Sample
    view's prime and generated ids."""
    if source == "sample":
        prime, ids = sample
        if not ids:
            return None
        lead = encode_text(vocab, prime) if prime else []
        return np.asarray([*lead, *ids], dtype=np.int64), len(lead)
    if source == "validation":
        return validation_slice(valid, vocab.level), 0
    if not typed:
        return None
    try:
        return np.asarray(encode_text(vocab, typed), dtype=np.int64), 0
    except RnnplayError:
        return None


def fit_text(ids: np.ndarray, cursor: int) -> tuple[np.ndarray, int]:
    """The last :data:`MAX_TOKENS` tokens up to well past ``cursor``, and the
    cursor's place in them (a long text keeps the part around the cursor)."""
    ids = np.asarray(ids, dtype=np.int64).reshape(-1)
    cursor = int(min(max(cursor, 0), max(ids.size - 1, 0)))
    if ids.size <= MAX_TOKENS:
        return ids, cursor
    end = min(max(cursor + MAX_TOKENS // 4, MAX_TOKENS), ids.size)
    start = end - MAX_TOKENS
    return ids[start:end], cursor - start


def blame_at(inspector: Inspector, reading: Reading, ids: np.ndarray, cursor: int) -> Blame:
    """The blame of the prediction at ``cursor``: of the token that comes next,
    or at the text's last position of the model's own first guess."""
    target = None if cursor < ids.size - 1 else int(reading.top_ids[cursor][0])
    return inspector.blame(ids, cursor, target)


def answer(
    request: int,
    model: RNNLM,
    vocab: Vocabulary,
    ids: np.ndarray,
    cursor: int,
    reading: Reading | None = None,
) -> Answer:
    """Read ``ids`` with ``model`` (unless ``reading`` is given: the same text
    and weights) and blame the prediction at ``cursor``; errors come back as
    one line (this runs on a worker thread, where nothing may be raised)."""
    import time

    started = time.perf_counter()
    try:
        inspector = Inspector(model, vocab, weights="live")  # ``model`` is already a copy
        fresh = reading is None
        if reading is None:
            reading = inspector.read(ids, top_k=TOP_K)
        blame = blame_at(inspector, reading, ids, cursor)
    except Exception as error:  # shown on the screen as one line
        return Answer(request, None, None, cursor, time.perf_counter() - started, one_line(error))
    return Answer(request, reading if fresh else None, blame, cursor, time.perf_counter() - started)


def search_units(
    model: RNNLM, vocab: Vocabulary, reading: Reading, feature: str, top: int = 12
) -> list[UnitScore]:
    """The units of every layer ranked by |r| with ``feature`` (a built-in
    name or a regular expression) over the reading's text; raises the
    inspector's UsageError for a bad expression or a constant feature."""
    return Inspector(model, vocab, weights="live").units(reading, feature, top=top)


def next_refresh_s(took_s: float) -> float:
    """Seconds to wait after a live refresh that took ``took_s`` seconds."""
    return max(LIVE_REFRESH_S, took_s / LIVE_BUDGET)
