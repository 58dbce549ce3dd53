"""What a race reports: its plain dataclass events and the rows of its results table.

The engine (:mod:`rnnplay.core.race.rotation`) yields these and never prints;
the faces turn them into progress lines, messages and tables.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from rnnplay.core.train.events import EvalEvent, LRChangeEvent, StepEvent, StopEvent
from rnnplay.core.train.units import to_bits, to_perplexity


# -- events ------------------------------------------------------------------------
@dataclass(frozen=True)
class GradFlowEvent:
    """A gradient-flow probe of one contender after ``step`` steps.

    ``flows`` holds per recurrent layer (bottom first) ``||dL/dh||`` at
    distance 0, 1, ... steps back from the last position of a training
    window; ``reach`` is the top layer's value at ``distance`` divided by
    its value at distance 0 (None when the window is not longer than
    ``distance`` or the gradient at 0 is zero).
    """

    step: int
    flows: tuple[tuple[float, ...], ...]
    reach: float | None
    distance: int
    kind: str = field(default="gradflow", init=False)


@dataclass(frozen=True)
class ContenderEvent:
    """Something that happened to contender number ``contender`` (its name too).

    ``event`` is the Trainer's StepEvent, EvalEvent, LRChangeEvent or
    StopEvent, or a :class:`GradFlowEvent`. ``improved`` is True on an
    EvalEvent that beat this contender's best validation loss before it.
    """

    contender: int
    name: str
    event: StepEvent | EvalEvent | LRChangeEvent | StopEvent | GradFlowEvent
    improved: bool = False


@dataclass(frozen=True)
class RaceStopEvent:
    """The race ended: ``reason`` is "steps", "seconds", "cancelled" or "nonfinite"
    (every contender diverged); ``steps`` is the rounds run."""

    steps: int
    reason: str
    message: str
    kind: str = field(default="race-stop", init=False)


RaceEvent = ContenderEvent | RaceStopEvent


@dataclass(frozen=True)
class RaceResult:
    """One row of the results table; losses in nats per token (convert with ``units``)."""

    name: str
    model: str
    params: int
    steps: int
    tokens: int
    tokens_per_s: float
    train_s: float
    wall_s: float
    best_val_loss: float | None
    grad_reach: float | None
    probe_distance: int
    status: str
    differs: dict[str, Any]

    @property
    def best_val_ppl(self) -> float | None:
        return None if self.best_val_loss is None else to_perplexity(self.best_val_loss)

    @property
    def best_val_bits(self) -> float | None:
        return None if self.best_val_loss is None else to_bits(self.best_val_loss)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (non-finite numbers as None), perplexity and bits included."""
        return {
            "name": self.name,
            "model": self.model,
            "params": self.params,
            "steps": self.steps,
            "tokens": self.tokens,
            "tokens_per_s": _finite(self.tokens_per_s),
            "train_s": _finite(self.train_s),
            "wall_s": _finite(self.wall_s),
            "best_val_loss": _finite(self.best_val_loss),
            "best_val_ppl": _finite(self.best_val_ppl),
            "best_val_bits": _finite(self.best_val_bits),
            "grad_reach": _finite(self.grad_reach),
            "probe_distance": self.probe_distance,
            "status": self.status,
            "differs": dict(self.differs),
        }


def _finite(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)
