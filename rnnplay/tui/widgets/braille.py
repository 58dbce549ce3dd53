"""Braille line drawing and evenly spaced "nice" ticks, shared by the chart panels.

A terminal cell holds a 2x4 grid of braille dots, so a plot of W x H cells
has 2W x 4H dots: lines drawn dot by dot (Bresenham) read as smooth curves.
Every dot outside the plot is dropped, so a curve can never run past the
frame. Each cell remembers which series drew in it last, which colours it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from itertools import pairwise

import numpy as np

DOT_BITS = ((0x01, 0x02, 0x04, 0x40), (0x08, 0x10, 0x20, 0x80))
"""Braille dot bit by (column, row) inside a 2x4 cell."""


def line_dots(x0: int, y0: int, x1: int, y1: int) -> list[tuple[int, int]]:
    """Dots of a straight line between two dot coordinates (Bresenham)."""
    dots = []
    dx, dy = abs(x1 - x0), -abs(y1 - y0)
    sx, sy = (1 if x0 < x1 else -1), (1 if y0 < y1 else -1)
    error = dx + dy
    while True:
        dots.append((x0, y0))
        if x0 == x1 and y0 == y1:
            return dots
        doubled = 2 * error
        if doubled >= dy:
            error += dy
            x0 += sx
        if doubled <= dx:
            error += dx
            y0 += sy


class BrailleCanvas:
    """``width`` x ``rows`` cells of braille dots; dots outside are clipped."""

    def __init__(self, width: int, rows: int) -> None:
        self.width, self.rows = width, rows
        self.cells = np.zeros((rows, width), dtype=np.int32)
        self.owner = np.full((rows, width), -1, dtype=np.int32)

    def dot(self, x: int, y: int, series: int) -> None:
        row, col = y // 4, x // 2
        if 0 <= row < self.rows and 0 <= col < self.width and x >= 0 and y >= 0:
            self.cells[row, col] |= DOT_BITS[x % 2][y % 4]
            self.owner[row, col] = series

    def polyline(self, points: Sequence[tuple[int, int]], series: int) -> None:
        """Join ``points`` (dot coordinates) with straight lines."""
        if not points:
            return
        self.dot(*points[0], series)
        for (x0, y0), (x1, y1) in pairwise(points):
            for x, y in line_dots(x0, y0, x1, y1)[1:]:
                self.dot(x, y, series)

    def char(self, row: int, col: int) -> str:
        bits = int(self.cells[row, col])
        return chr(0x2800 + bits) if bits else " "

    def runs(self, row: int) -> list[tuple[str, int]]:
        """Row ``row`` as (text, owner) runs of cells with the same owner (-1: empty),
        found by NumPy: a frame costs one segment per colour change, not per cell."""
        bits = self.cells[row]
        owner = np.where(bits > 0, self.owner[row], -1)
        text = "".join(chr(0x2800 + b) if b else " " for b in bits.tolist())
        cuts = [0, *(np.flatnonzero(owner[1:] != owner[:-1]) + 1).tolist(), self.width]
        return [(text[a:b], int(owner[a])) for a, b in pairwise(cuts)]


def nice_step(raw: float) -> float:
    """The smallest of 1, 2, 2.5, 5 x 10^k that is at least ``raw`` (> 0)."""
    if not raw > 0 or not math.isfinite(raw):
        return 1.0
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if factor * magnitude >= raw * (1 - 1e-9):
            return factor * magnitude
    return 10 * magnitude


def nice_range(low: float, high: float, max_ticks: int) -> tuple[float, float, float]:
    """(start, end, step): a range holding [low, high] with at most ``max_ticks``
    evenly spaced ticks at round numbers. A single value gets a small range around it."""
    max_ticks = max(max_ticks, 2)
    if not (math.isfinite(low) and math.isfinite(high)):
        return 0.0, 1.0, 0.5
    if high - low < 1e-12:
        pad = max(abs(high) * 0.05, 0.05)
        low, high = low - pad, high + pad
    step = nice_step((high - low) / (max_ticks - 1))
    while True:
        start = math.floor(low / step + 1e-9) * step
        end = math.ceil(high / step - 1e-9) * step
        if round((end - start) / step) + 1 <= max_ticks:
            return start, end, step
        step = nice_step(step * 1.01)


def even_tick_range(low: float, high: float, rows: int) -> tuple[float, float, float, int]:
    """(start, end, step, spacing): a nice range for a plot ``rows`` tall whose ticks
    land every ``spacing`` rows exactly (at least 2 apart, so labels never touch).

    Of the tick counts that fit (a tick every 3 rows at most), the most ticks
    are taken, the fewest spare rows on a tie: ``rows - 1`` need not divide
    evenly by the ticks' gaps, the spare rows (fewer than ``spacing``) go on top.
    """
    rows = max(rows, 1)
    best: tuple[int, int, tuple[float, float, float, int]] | None = None
    for max_ticks in range(max(rows // 3 + 1, 2), 1, -1):
        start, end, step = nice_range(low, high, max_ticks)
        gaps = max(round((end - start) / step), 1)
        spacing = (rows - 1) // gaps
        if spacing < 2 and rows > 2:
            continue
        spare = (rows - 1) - spacing * gaps
        candidate = (-gaps, spare, (start, end, step, max(spacing, 1)))
        if best is None or candidate[:2] < best[:2]:
            best = candidate
    if best is None:  # a plot of 1-2 rows: the ends only
        start, end, step = nice_range(low, high, 2)
        return start, end, end - start or step, max(rows - 1, 1)
    return best[2]


def ticks(start: float, end: float, step: float) -> list[float]:
    """The tick values of a nice range, exactly evenly spaced."""
    count = round((end - start) / step)
    return [start + k * step for k in range(count + 1)]


def tick_label(value: float, step: float) -> str:
    """A tick value with the decimals its step needs (step 0.25: '0.75'; step 0.5: '1.5')."""
    decimals = next((d for d in range(7) if abs(step * 10**d - round(step * 10**d)) < 1e-6), 6)
    text = f"{value:.{decimals}f}"
    return "0" if text.strip("-0.") == "" else text


def finite(values: Iterable[float]) -> list[float]:
    return [v for v in values if math.isfinite(v)]
