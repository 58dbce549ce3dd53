"""Colour scales and token labels shared by the panels that show what the network computes.

The heatmap and the sample view colour the same numbers (tanh activations in
[-1, 1]) and must agree on what a colour means, so the diverging scale lives
here once. Colours are quantised to a fixed number of levels and their Rich
styles are built once, which keeps per-frame rendering to table look-ups.
"""

from __future__ import annotations

import math
from functools import cache
from itertools import pairwise

import numpy as np
from rich.color import Color
from rich.style import Style

RGB = tuple[int, int, int]

DIVERGING_LEVELS = 21
"""Number of distinct colours on the diverging scale (odd, so 0 has its own)."""

# Blue for negative, near-white for zero, red for positive (a ColorBrewer-like RdBu).
_DIVERGING_STOPS: tuple[tuple[float, RGB], ...] = (
    (-1.0, (33, 102, 172)),
    (-0.5, (103, 169, 207)),
    (0.0, (240, 240, 240)),
    (0.5, (239, 138, 98)),
    (1.0, (178, 24, 43)),
)

# Low probability red, middling amber, high green.
_PROBABILITY_STOPS: tuple[tuple[float, RGB], ...] = (
    (0.0, (215, 48, 39)),
    (0.5, (240, 190, 60)),
    (1.0, (80, 200, 90)),
)

PROBABILITY_LEVELS = 11

_MISSING_RGB: RGB = (90, 90, 90)


def interpolate(stops: tuple[tuple[float, RGB], ...], x: float) -> RGB:
    """Piecewise-linear colour at `x` along `stops` (clamped to their range)."""
    if not np.isfinite(x):
        return _MISSING_RGB
    if x <= stops[0][0]:
        return stops[0][1]
    for (x0, c0), (x1, c1) in pairwise(stops):
        if x <= x1:
            t = (x - x0) / (x1 - x0)
            return tuple(round(a + (b - a) * t) for a, b in zip(c0, c1, strict=True))  # type: ignore[return-value]
    return stops[-1][1]


def _rgb_color(rgb: RGB) -> Color:
    return Color.from_rgb(*rgb)


def contrast_text(rgb: RGB) -> Color:
    """Black or white, whichever reads better on a background of colour `rgb`."""
    r, g, b = rgb
    luminance = 0.299 * r + 0.587 * g + 0.114 * b
    return Color.from_rgb(0, 0, 0) if luminance > 140 else Color.from_rgb(255, 255, 255)


def diverging_levels(values: np.ndarray) -> np.ndarray:
    """Quantise activations in [-1, 1] to level indices 0..DIVERGING_LEVELS-1 (int8).

    Values outside the range are clipped; non-finite values map to level -1,
    which every lookup here renders as a neutral grey.
    """
    values = np.asarray(values, dtype=np.float64)
    finite = np.isfinite(values)
    clipped = np.clip(np.where(finite, values, 0.0), -1.0, 1.0)
    levels = np.rint((clipped + 1.0) * 0.5 * (DIVERGING_LEVELS - 1))
    return np.where(finite, levels, -1).astype(np.int8)


def diverging_level(value: float) -> int:
    """Level of one activation, as `diverging_levels` computes it for an array.

    Plain float arithmetic (the same float64 steps, and round-half-to-even like
    ``np.rint``) so colouring one token costs no NumPy call.
    """
    value = float(value)
    if not math.isfinite(value):
        return -1
    clipped = min(max(value, -1.0), 1.0)
    return round((clipped + 1.0) * 0.5 * (DIVERGING_LEVELS - 1))


def level_value(level: int) -> float:
    """The activation at the centre of diverging `level` (inverse of diverging_levels)."""
    return level / (DIVERGING_LEVELS - 1) * 2.0 - 1.0


@cache
def diverging_rgb(level: int) -> RGB:
    """Colour of one diverging level (-1: the missing-value grey)."""
    if level < 0:
        return _MISSING_RGB
    return interpolate(_DIVERGING_STOPS, level_value(level))


@cache
def diverging_background(level: int) -> Style:
    """A cell filled with the colour of `level`, for heatmap cells."""
    return Style(bgcolor=_rgb_color(diverging_rgb(level)))


@cache
def diverging_text(level: int) -> Style:
    """Readable text on the colour of `level`, for tokens coloured by a unit."""
    rgb = diverging_rgb(level)
    return Style(bgcolor=_rgb_color(rgb), color=contrast_text(rgb))


DIVERGING_BACKGROUNDS: tuple[Style, ...] = tuple(
    diverging_background(level) for level in (*range(DIVERGING_LEVELS), -1)
)
"""`diverging_background` of every level as a tuple indexed by level: the missing
level -1 is the last entry, so plain indexing covers it (a heatmap frame looks
up one style per cell)."""

DIVERGING_TEXTS: tuple[Style, ...] = tuple(
    diverging_text(level) for level in (*range(DIVERGING_LEVELS), -1)
)
"""`diverging_text` of every level, indexed like DIVERGING_BACKGROUNDS."""


def probability_level(prob: float) -> int:
    """Quantise a probability to 0..PROBABILITY_LEVELS-1 (-1 when unknown)."""
    if prob is None or not math.isfinite(prob):
        return -1
    p = min(max(float(prob), 0.0), 1.0)
    return round(p * (PROBABILITY_LEVELS - 1))


@cache
def probability_text(level: int) -> Style:
    """Foreground colour for a token of probability level `level`; low is also dim."""
    if level < 0:
        return Style(color=_rgb_color(_MISSING_RGB))
    rgb = interpolate(_PROBABILITY_STOPS, level / (PROBABILITY_LEVELS - 1))
    return Style(color=_rgb_color(rgb), dim=level <= 1, bold=level >= PROBABILITY_LEVELS - 2)


_VISIBLE = {" ": "␣", "\n": "↵", "\t": "⇥", "\r": "␍"}


def visible_token(text: str) -> str:
    """A token as a readable label: whitespace shown as symbols, control codes escaped."""
    if text == "":
        return "∅"
    out = []
    for ch in text:
        if ch in _VISIBLE:
            out.append(_VISIBLE[ch])
        elif ord(ch) < 32 or ord(ch) == 127:
            out.append(f"\\x{ord(ch):02x}")
        else:
            out.append(ch)
    return "".join(out)
