"""Mini-batches for truncated backpropagation through time.

A batch is ``xs, ts``: N rows of T token ids, ``ts`` being ``xs`` shifted one
token ahead (the targets). Two schemes:

- :class:`StreamBatcher`, the book's: the corpus is read by N parallel
  streams that start at evenly spaced offsets; each batch is the next T
  tokens of every stream, so the model carries its hidden state from one
  batch to the next. Streams wrap around at the end of the corpus.
- :class:`RandomBatcher`: N windows of T+1 tokens at random positions; the
  trainer resets the model's state before each batch.

Both are deterministic for a seed, never read past the corpus, and resume
bit for bit from :meth:`Batcher.state_dict` (plain JSON-able values).
"""

from __future__ import annotations

import math
import operator
from typing import Any, ClassVar

import numpy as np


def _positive_int(value: Any, what: str) -> int:
    if isinstance(value, bool):
        raise ValueError(f"{what} must be a positive integer, not {value!r}")
    try:
        number = operator.index(value)
    except TypeError:
        raise ValueError(f"{what} must be a positive integer, not {value!r}") from None
    if number <= 0:
        raise ValueError(f"{what} must be a positive integer, not {number}")
    return number


def min_corpus_tokens(batch_size: int, bptt: int, batching: str = "streams") -> int:
    """Fewest tokens a corpus needs for one batch: N*T inputs plus one last target."""
    if batching not in BATCHERS:
        raise ValueError(f"batching must be one of {', '.join(BATCHERS)}, not {batching!r}")
    return _positive_int(batch_size, "batch size") * _positive_int(bptt, "bptt") + 1


class Batcher:
    """Base of the batching schemes: validation, counters and state.

    ``ids`` is the training split as a 1-D array of token ids. Subclasses
    give the (N, T) start positions of each batch in :meth:`_positions`.
    """

    kind: ClassVar[str]
    resets_state: ClassVar[bool]

    def __init__(self, ids: np.ndarray, batch_size: int, bptt: int, seed: int | None = None):
        self.batch_size = _positive_int(batch_size, "batch size")
        self.bptt = _positive_int(bptt, "bptt")
        ids = np.asarray(ids)
        if ids.ndim != 1 or not np.issubdtype(ids.dtype, np.integer):
            raise ValueError("token ids must be a 1-D integer array")
        needed = min_corpus_tokens(self.batch_size, self.bptt, self.kind)
        if len(ids) < needed:
            raise ValueError(
                f"corpus shorter than one batch (needs at least {needed} tokens for"
                f" batch {self.batch_size} x bptt {self.bptt}, has {len(ids)})"
            )
        self.ids = np.ascontiguousarray(ids, dtype=np.int32)
        self.num_targets = len(self.ids) - 1  # tokens that can be predicted
        self.steps = 0
        self._columns = np.arange(self.bptt, dtype=np.int64)[None, :]

    @property
    def tokens_seen(self) -> int:
        """Target tokens handed out so far (N*T per batch)."""
        return self.steps * self.batch_size * self.bptt

    @property
    def epoch(self) -> float:
        """Passes over the training tokens so far (may be fractional)."""
        return self.tokens_seen / self.num_targets

    @property
    def steps_per_epoch(self) -> int:
        """Batches per pass over the training tokens (the last may overlap)."""
        return math.ceil(self.num_targets / (self.batch_size * self.bptt))

    def next_batch(self) -> tuple[np.ndarray, np.ndarray]:
        """The next ``xs, ts``: int32, C-contiguous, shape (N, T), ``ts`` one ahead."""
        positions = self._positions()
        self.steps += 1
        return self.ids[positions], self.ids[positions + 1]

    def _positions(self) -> np.ndarray:
        raise NotImplementedError

    def state_dict(self) -> dict[str, Any]:
        """Everything needed to continue exactly here, as JSON-able values."""
        return {
            "kind": self.kind,
            "batch_size": self.batch_size,
            "bptt": self.bptt,
            "num_tokens": len(self.ids),
            "steps": self.steps,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Continue from :meth:`state_dict`; ValueError if it belongs elsewhere."""
        mine = {"kind": self.kind, "batch_size": self.batch_size, "bptt": self.bptt}
        mine["num_tokens"] = len(self.ids)
        for key, value in mine.items():
            if state.get(key) != value:
                raise ValueError(
                    f"batcher state does not match: {key} is {state.get(key)!r}, expected {value!r}"
                )
        steps = state.get("steps")
        if isinstance(steps, bool) or not isinstance(steps, int) or steps < 0:
            raise ValueError(f"batcher state has a bad step count: {steps!r}")
        self.steps = steps


class StreamBatcher(Batcher):
    """The book's scheme: N streams at evenly spaced offsets, state carried.

    Stream i starts at ``i * L // N`` (L = predictable tokens), so the
    streams split the corpus into N nearly equal parts and one epoch of
    :attr:`steps_per_epoch` batches covers every token. ``seed`` is accepted
    for a uniform signature; this scheme uses no randomness.
    """

    kind = "streams"
    resets_state = False

    def __init__(self, ids: np.ndarray, batch_size: int, bptt: int, seed: int | None = None):
        super().__init__(ids, batch_size, bptt, seed)
        n = self.num_targets
        self.offsets = (np.arange(self.batch_size, dtype=np.int64) * n) // self.batch_size
        self._base = self.offsets[:, None] + self._columns
        # Without wrap-around the farthest position read is time + this.
        self._reach = int(self._base[-1, -1])

    def _positions(self) -> np.ndarray:
        n = self.num_targets
        time = (self.steps * self.bptt) % n
        positions = self._base + time
        if time + self._reach >= n:
            np.remainder(positions, n, out=positions)
        return positions


class RandomBatcher(Batcher):
    """N windows of T+1 tokens at uniformly random positions; state reset per batch."""

    kind = "random"
    resets_state = True

    def __init__(self, ids: np.ndarray, batch_size: int, bptt: int, seed: int | None = None):
        super().__init__(ids, batch_size, bptt, seed)
        self.rng = np.random.default_rng(seed)

    def _positions(self) -> np.ndarray:
        # A window starting at s reads ids[s : s + T + 1]; s + T <= len - 1.
        starts = self.rng.integers(0, len(self.ids) - self.bptt, size=self.batch_size)
        return starts[:, None] + self._columns

    def state_dict(self) -> dict[str, Any]:
        state = super().state_dict()
        state["rng"] = self.rng.bit_generator.state
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        rng_state = state.get("rng")
        name = type(self.rng.bit_generator).__name__
        if not isinstance(rng_state, dict) or rng_state.get("bit_generator") != name:
            raise ValueError(f"batcher state lacks a {name} random generator state")
        super().load_state_dict(state)
        self.rng.bit_generator.state = rng_state


BATCHERS: dict[str, type[Batcher]] = {"streams": StreamBatcher, "random": RandomBatcher}
