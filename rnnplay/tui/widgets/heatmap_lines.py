"""Pieces of the heatmap's lines: the token header, the cursor dot and the colour key.

Plain functions of the data they draw, kept apart from the widget's state
(:mod:`rnnplay.tui.widgets.heatmap`) so that module stays about selection,
paging and the cursor.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from rnnplay.tui.widgets.palette import (
    DIVERGING_BACKGROUNDS,
    diverging_background,
    diverging_rgb,
    visible_token,
)


def colour_runs(levels: np.ndarray) -> list[Segment]:
    """A row of colour levels as one segment per run of equal colour (found by NumPy)."""
    count = len(levels)
    if not count:
        return []
    ends = (np.flatnonzero(levels[1:] != levels[:-1]) + 1).tolist()
    starts = [0, *ends]
    return [
        Segment(" " * (end - start), DIVERGING_BACKGROUNDS[level])
        for start, end, level in zip(starts, [*ends, count], levels[starts].tolist(), strict=True)
    ]


def header_cells(tokens: list[str]) -> list[str]:
    """One character per column over ``tokens``. Characters: each its own label.
    Words: each word starts at its own column, as many as fit a space apart."""
    count = len(tokens)
    if all(len(token) <= 1 for token in tokens):
        return [_column_label(token) for token in tokens]
    cells = [" "] * count
    free = 0  # the first column a word may start at
    for column, token in enumerate(tokens):
        label = _word_label(token)
        if column >= free and label:
            for k, ch in enumerate(label[: count - column]):
                cells[column + k] = ch
            free = column + len(label) + 1
    return cells


def mark_cursor_cell(
    segments: list[Segment], cell: int, levels: np.ndarray, index: int
) -> list[Segment]:
    """Put a dot on the selected unit's cell at the cursor, in a contrasting colour."""
    level = int(levels[index])
    r, g, b = diverging_rgb(level)
    dark_background = 0.299 * r + 0.587 * g + 0.114 * b <= 140
    dot = Segment(
        "●", diverging_background(level) + Style(color="white" if dark_background else "black")
    )
    strip = Strip(segments)
    before, _, after = strip.divide([cell, cell + 1, strip.cell_length])
    return [*before, dot, *after]


def legend_segments(label_style: Style) -> list[Segment]:
    """A tiny colour key: -1 (blue) through 0 (white) to +1 (red)."""
    cells = [Segment(" ", diverging_background(level)) for level in (0, 5, 10, 15, 20)]
    return [Segment("-1", label_style), *cells, Segment("+1", label_style)]


def info_line(
    *,
    unit: int,
    value: float,
    token: str,
    time: int,
    rows: str,
    by_variance: bool,
    width: int,
    styles: tuple[Style, Style, Style],
) -> Strip:
    """The info line: unit, value at the cursor, token and time, rows shown, colour key.

    Parts are dropped from the least to the most important until the line fits.
    ``styles`` are the base, info and dim styles.
    """
    base, info, dim = styles
    shown = visible_token(token)
    if len(shown) > 8:
        shown = shown[:7] + "…"
    order = " by variance" if by_variance else ""
    short_order = " var" if by_variance else ""
    head = [Segment(f"unit {unit} ", info), Segment(f"{value:+.3f}", info + Style(bold=True))]
    at = Segment(f" at '{shown}' t={time}", info)
    candidates = [
        [*head, at, Segment(f"  rows {rows}{order}", dim)],
        [*head, at, Segment(f"  {rows}{short_order}", dim)],
        [*head, Segment(f" '{shown}'", info), Segment(f" {rows}{short_order}", dim)],
        head,
    ]
    segments = next((c for c in candidates if Strip(c).cell_length <= width), candidates[-1])
    strip = Strip(segments)
    legend = legend_segments(dim)
    room = width - strip.cell_length - sum(s.cell_length for s in legend)
    if room >= 2:
        strip = Strip([*segments, Segment(" " * room, base), *legend])
    return strip


@lru_cache(maxsize=4096)
def _word_label(token: str) -> str:
    """A word's label in the header: whitespace shown, at most 10 cells, single-width only."""
    label = "".join(ch for ch in visible_token(token) if cell_len(ch) == 1)
    return label if len(label) <= 10 else label[:9] + "…"


@lru_cache(maxsize=1024)
def _column_label(token: str) -> str:
    """A token's one-cell label in the header row (``·`` when it has no such label)."""
    label = visible_token(token)[:1]
    return label if cell_len(label) == 1 else "·"
