"""The heatmap's memory: the last N time steps of a sample, activations and colour levels.

Tokens arrive one at a time while a sample is written; the heatmap keeps
only the newest ``capacity`` of them. :class:`StepRing` stores the
activations and their quantised colour levels in two arrays of twice the
capacity and moves the kept rows back to the front only when the end is
reached, so an append costs O(1) amortised and the kept steps are always
one contiguous slice (a view, no copy) for rendering and for the variance.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from rnnplay.tui.widgets.palette import diverging_levels


class StepRing:
    """The newest ``capacity`` (token, hidden state) steps, oldest first."""

    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.capacity = capacity
        self.clear()

    def clear(self) -> None:
        """Forget every step (the width, in units, is set again by the next one)."""
        self._values = np.zeros((0, 0), dtype=np.float32)
        self._levels = np.zeros((0, 0), dtype=np.int8)
        self._start = self._end = 0
        self.tokens: list[str] = []
        self.dropped = 0
        """Steps discarded from the front since the sample began (for absolute times)."""

    @property
    def units(self) -> int:
        return int(self._values.shape[1])

    def __len__(self) -> int:
        return self._end - self._start

    @property
    def values(self) -> np.ndarray:
        """Kept activations (steps, units), a view: do not modify."""
        return self._values[self._start : self._end]

    @property
    def levels(self) -> np.ndarray:
        """Their colour levels, same shape (a view)."""
        return self._levels[self._start : self._end]

    def set(self, tokens: Sequence[str], states: np.ndarray) -> None:
        """Replace everything with a whole sample (only its last ``capacity`` steps kept)."""
        keep = min(states.shape[0], self.capacity)
        self._allocate(states.shape[1])
        self.dropped = states.shape[0] - keep
        if keep:
            rows = states[states.shape[0] - keep :]
            self._values[:keep] = rows
            self._levels[:keep] = diverging_levels(rows)
            self._end = keep
        self.tokens = [str(t) for t in tokens[len(tokens) - keep :]]

    def push(self, token: str, hidden: np.ndarray) -> tuple[bool, bool]:
        """Add one step; returns (started afresh, dropped the oldest step).

        A hidden size different from the kept one starts afresh.
        """
        hidden = np.asarray(hidden, dtype=np.float32).reshape(-1)
        fresh = hidden.shape[0] != self.units or self._values.shape[0] == 0
        if fresh:
            self._allocate(hidden.shape[0])
            self.tokens, self.dropped = [], 0
        if self._end == self._values.shape[0]:
            self._compact()
        self._values[self._end] = hidden
        self._levels[self._end] = diverging_levels(hidden)
        self._end += 1
        self.tokens.append(str(token))
        if len(self) > self.capacity:
            self._start += 1
            self.dropped += 1
            del self.tokens[0]
            return fresh, True
        return fresh, False

    def _allocate(self, units: int) -> None:
        self._values = np.zeros((2 * self.capacity, units), dtype=np.float32)
        self._levels = np.zeros((2 * self.capacity, units), dtype=np.int8)
        self._start = self._end = 0

    def _compact(self) -> None:
        n = len(self)
        self._values[:n] = self._values[self._start : self._end]
        self._levels[:n] = self._levels[self._start : self._end]
        self._start, self._end = 0, n
