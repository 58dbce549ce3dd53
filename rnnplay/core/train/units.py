"""Honest units: one place that turns a loss into nats, bits or perplexity.

The engine measures every loss as cross-entropy in nats per token (natural
log). People meet three spellings of the same number: nats per token, bits
per token (``nats / ln 2``, the unit of compression and of the char-rnn
literature) and perplexity (``e ** nats``, "as unsure as a uniform choice
among this many tokens"). Tables, the CLI and the TUI convert through
:func:`convert` and label through :func:`unit_label`, so the three never
disagree. Pure standard library: the CLI can format without NumPy.
"""

from __future__ import annotations

import math

UNITS = ("nats", "bits", "ppl")
"""The units a loss can be shown in, in the order a toggle key cycles them."""

DEFAULT_UNIT = "nats"

_LABELS = {"nats": "nats/token", "bits": "bits/token", "ppl": "perplexity"}
_SHORT = {"nats": "nats", "bits": "bits", "ppl": "ppl"}


def check_unit(unit: str) -> str:
    """``unit`` if it is one of :data:`UNITS`; ValueError naming the choices otherwise."""
    if unit not in UNITS:
        raise ValueError(f"unit must be one of {', '.join(UNITS)}, got {unit!r}")
    return unit


def to_bits(nats: float) -> float:
    """Bits per token of a loss in nats per token."""
    return nats / math.log(2)


def to_perplexity(nats: float) -> float:
    """Perplexity of a loss in nats per token (inf when it overflows, nan stays nan)."""
    try:
        return math.exp(nats)
    except OverflowError:
        return math.inf


def from_unit(value: float, unit: str) -> float:
    """The loss in nats of ``value`` given in ``unit`` (the inverse of :func:`convert`)."""
    check_unit(unit)
    if unit == "bits":
        return value * math.log(2)
    if unit == "ppl":
        return math.log(value) if value > 0 else -math.inf
    return value


def convert(nats: float, unit: str) -> float:
    """A loss in nats per token shown in ``unit`` ("nats", "bits" or "ppl")."""
    check_unit(unit)
    if unit == "bits":
        return to_bits(nats)
    if unit == "ppl":
        return to_perplexity(nats)
    return nats


def unit_label(unit: str, *, short: bool = False, level: str | None = None) -> str:
    """The axis or column label of ``unit``: "nats/token" (or "nats/char" for a ``level``)."""
    check_unit(unit)
    if short:
        return _SHORT[unit]
    label = _LABELS[unit]
    if level is not None and unit != "ppl":
        label = label.replace("token", level)
    return label


def format_loss(nats: float | None, unit: str, digits: int = 3) -> str:
    """The loss in ``unit`` as text with ``digits`` decimals; "-" for None, "nan"/"inf" kept."""
    if nats is None:
        return "-"
    value = convert(nats, unit)
    if not math.isfinite(value):
        return str(value)
    return f"{value:.{digits}f}"


def next_unit(unit: str) -> str:
    """The unit after ``unit`` in :data:`UNITS`, wrapping around (a toggle key)."""
    return UNITS[(UNITS.index(check_unit(unit)) + 1) % len(UNITS)]
