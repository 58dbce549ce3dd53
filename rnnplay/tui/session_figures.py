"""Figures of a training session that the status panel shows: the model's summary,
read once, and tokens per second over a window of training time."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rnnplay.core.train.trainer import Trainer

RATE_WINDOW_S = 5.0
"""Tokens per second are averaged over the steps of this much training time:
a single step's figure jumps with every hiccup of a busy machine."""


class TokenRate:
    """Tokens per second over the last :data:`RATE_WINDOW_S` seconds of training."""

    def __init__(self, window_s: float = RATE_WINDOW_S) -> None:
        self.window_s = window_s
        self._marks: deque[tuple[float, int]] = deque()
        self.value: float | None = None

    def add(self, elapsed_s: float, tokens: int, fallback: float) -> None:
        """One step done at ``elapsed_s`` seconds of training, ``tokens`` seen in all."""
        marks = self._marks
        marks.append((elapsed_s, tokens))
        while len(marks) > 2 and elapsed_s - marks[1][0] >= self.window_s:
            marks.popleft()
        (t0, n0), (t1, n1) = marks[0], marks[-1]
        self.value = (n1 - n0) / (t1 - t0) if t1 > t0 and n1 > n0 else fallback

    def pause(self) -> None:
        """Forget the marks (after a pause the first step's timing starts afresh)."""
        self._marks.clear()


@dataclass(frozen=True)
class ModelSummary:
    """What the status panel says about the model, read once per session."""

    corpus: str
    level: str
    vocab_size: int
    cell: str
    layers: int
    embed: int
    hidden: int
    num_params: int

    @classmethod
    def of(cls, trainer: Trainer) -> ModelSummary:
        cfg = trainer.model.config
        return cls(
            corpus=trainer.dataset.name or trainer.config.corpus,
            level=trainer.dataset.vocab.level,
            vocab_size=len(trainer.dataset.vocab),
            cell=cfg.cell,
            layers=cfg.layers,
            embed=cfg.embed,
            hidden=cfg.hidden,
            num_params=trainer.model.num_params(),
        )
