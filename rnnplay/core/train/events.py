"""Plain dataclass events that the engine reports instead of printing.

The CLI turns them into log lines and a progress bar, the TUI into messages
for its widgets; ``metrics.jsonl`` stores them as JSON objects.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class StepEvent:
    """One training step (one batch) finished."""

    step: int
    epoch: float
    tokens: int
    loss: float
    grad_norm: float
    lr: float
    tokens_per_s: float
    elapsed_s: float
    weights_finite: bool = True  # False: this step's update made a weight NaN or inf
    kind: str = field(default="train", init=False)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class EvalEvent:
    """An evaluation over a whole held-out split ("eval" = validation, "test")."""

    step: int
    epoch: float
    tokens: int
    loss: float
    ppl: float
    lr: float
    elapsed_s: float
    kind: str = "eval"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class LRChangeEvent:
    """The schedule changed the learning rate (e.g. plateau divided it by 4)."""

    step: int
    old_lr: float
    new_lr: float
    reason: str
    kind: str = field(default="lr", init=False)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class StopEvent:
    """Training stopped: ``reason`` is one of "steps", "epochs", "seconds",
    "cancelled" or "nonfinite" (loss or gradient became NaN/inf)."""

    step: int
    reason: str
    message: str = ""
    kind: str = field(default="stop", init=False)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


Event = StepEvent | EvalEvent | LRChangeEvent | StopEvent
