"""What the Controls panel shows and accepts: the fields, their labels, the live values.

Kept apart from the widget (:mod:`rnnplay.tui.widgets.controls`) so the rules
for a typed value are read in one place: each live field's text is parsed
here, and a value that cannot be used raises ValueError with the one line
the notice shows (nothing is applied then, and the field keeps the text).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from rnnplay.core.runs.options import AUTO, parse_sample_length
from rnnplay.core.train.config import CELL_NAMES, LEVELS, OPTIMIZER_NAMES, SCHEDULES
from rnnplay.errors import UsageError

__all__ = ["AUTO", "LABELS", "LiveSettings", "parse_live"]

STRUCTURAL_INTS = ("layers", "embed", "hidden", "batch", "bptt")
STRUCTURAL_CHOICES = {
    "level": (AUTO, *LEVELS),
    "cell": CELL_NAMES,
    "optimizer": OPTIMIZER_NAMES,
}
LIVE_INPUTS = ("lr", "dropout", "temperature", "top_k", "sample_length")
"""Live fields typed in: Enter (or leaving the field) applies them between two steps."""
LIVE_CHOICES = {"schedule": SCHEDULES}
"""Live fields chosen from a list: a new choice applies between two steps."""
LIVE_ORDER = ("lr", "schedule", "dropout", "temperature", "top_k", "sample_length")
"""The live rows, top to bottom: training's first, then sampling's."""

LABELS = {
    "corpus": "corpus",
    "level": "level",
    "cell": "cell",
    "layers": "layers",
    "embed": "embed",
    "hidden": "hidden",
    "batch": "batch",
    "bptt": "bptt",
    "optimizer": "optimizer",
    "lr": "lr",
    "schedule": "schedule",
    "dropout": "dropout",
    "temperature": "temperature",
    "top_k": "top-k",
    "sample_length": "sample len",
}
"""Each field's label (at most 12 characters: the label column's width)."""

NAMES = {**LABELS, "sample_length": "sample length"}
"""Each field's name in a notice."""


@dataclass(frozen=True)
class LiveSettings:
    """The values of the live fields. ``sample_length`` None is auto (fill the panel)."""

    lr: float
    temperature: float
    top_k: int | None
    dropout: float = 0.0
    schedule: str = "constant"
    sample_length: int | None = None


def parse_live(name: str, text: str) -> float | int | None:
    """Parse a typed live setting; raise ValueError with a one-line reason."""
    text = text.strip()
    if name == "top_k":
        if text in ("", "0", "none", "off"):
            return None
        value = _whole(name, text)
        if value < 1:
            raise ValueError("top-k must be a positive integer (or empty for off)")
        return value
    if name == "sample_length":
        try:
            return parse_sample_length(text)
        except UsageError as error:
            raise ValueError(str(error)) from None
    value = _number(name, text)
    if name == "dropout":
        if not 0.0 <= value < 1.0:
            raise ValueError("dropout must lie in [0, 1) (0 turns it off)")
        return value
    if value <= 0:
        raise ValueError(f"{NAMES[name]} must be a positive number")
    return value


def _whole(name: str, text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"{NAMES[name]}: not a whole number") from None


def _number(name: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{NAMES[name]}: not a number") from None
    if not math.isfinite(value):
        raise ValueError(f"{NAMES[name]}: not a number")
    return value


def live_text(live: LiveSettings, name: str) -> str:
    """What a live field shows for its value."""
    value = getattr(live, name)
    if name == "sample_length":
        return length_text(value)
    if value is None:
        return ""
    return str(value) if name == "top_k" else format_number(value)


def length_text(tokens: int | None) -> str:
    """A sample length as the field shows it: ``auto`` or the number."""
    return AUTO if tokens is None else str(tokens)


def format_number(value: float) -> str:
    return f"{value:.4g}"


def shown(value: str | None) -> str:
    """A choice field's value (None is auto)."""
    return AUTO if value is None else value
