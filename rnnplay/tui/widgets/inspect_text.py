"""InspectText: the inspected text with a cursor, coloured by blame or by one unit.

Each token is a cell run of its own (a char model's characters one cell
each; a word model's words followed by a space; a newline shows as a dim ↵
and breaks the row), laid out row by row here rather than by Rich, so a
click maps back to its token. The token under the cursor is drawn reversed.

Two colourings:

- "blame": the tokens up to the cursor get a background as strong as
  (the square root of) their share of the largest blame (the gradient norm of the cursor's
  prediction with respect to each input, :mod:`rnnplay.core.inspect.blame`);
  the tokens after it are dim: the prediction did not see them.
- "unit": every token's background is one unit's activation after reading
  it, on the heatmap's diverging scale (-1 blue, +1 red).

The rows that keep the cursor in sight are shown (the text scrolls with it).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import ClassVar, Literal

import numpy as np
from rich.color import Color
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

from rnnplay.tui.widgets.palette import DIVERGING_TEXTS, diverging_level
from rnnplay.tui.widgets.theme_styles import ThemeStyles

Colouring = Literal["blame", "unit"]

BLAME_LEVELS = 9
_BLAME_LOW, _BLAME_HIGH = (40, 40, 48), (235, 150, 40)
_CURSOR = Style(reverse=True, bold=True)
_AFTER = Style(dim=True)


@cache
def blame_style(level: int) -> Style:
    """Background of blame ``level`` (0: none .. BLAME_LEVELS-1: the largest), amber."""
    t = level / (BLAME_LEVELS - 1)
    rgb = [round(a + (b - a) * t) for a, b in zip(_BLAME_LOW, _BLAME_HIGH, strict=True)]
    text = (0, 0, 0) if t > 0.55 else (235, 235, 235)
    return Style(bgcolor=Color.from_rgb(*rgb), color=Color.from_rgb(*text))


def blame_levels(norms: np.ndarray) -> np.ndarray:
    """Levels 0..BLAME_LEVELS-1 of blame norms: the square root of each one's share
    of the largest, so the far, weaker influences still show beside the near ones."""
    norms = np.nan_to_num(np.asarray(norms, dtype=np.float64), nan=0.0)
    top = norms.max() if norms.size else 0.0
    if top <= 0:
        return np.zeros(norms.size, dtype=np.int64)
    return np.rint(np.sqrt(norms / top) * (BLAME_LEVELS - 1)).astype(np.int64)


def token_cells(token: str, level: str) -> tuple[str, bool]:
    """How a token is written (its cells) and whether a row break follows it."""
    if token == "\n" or token == "<eos>":
        return "↵", True
    shown = "".join("·" if ch == "\t" else ch if ch.isprintable() else "?" for ch in token)
    return (shown or "∅") + ("" if level == "char" else " "), False


class InspectText(ThemeStyles, Widget, can_focus=False):
    """The text, the cursor, and per token a blame or an activation."""

    DEFAULT_CSS = """
    InspectText {
        height: 1fr;
        min-height: 3;
        border: round $primary-muted;
        border-title-color: $text;
        border-subtitle-color: $text-muted;
        & > .inspect-text--hint { color: $text-muted; text-style: italic; }
    }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {"inspect-text--hint"}

    class Clicked(Message):
        """The token at ``position`` was clicked."""

        def __init__(self, position: int) -> None:
            super().__init__()
            self.position = position

    def __init__(self, *, hint: str = "no text", id: str | None = None) -> None:
        super().__init__(id=id)
        self.hint = hint
        self.tokens: list[str] = []
        self.level = "char"
        self.cursor = 0
        self.colouring: Colouring = "blame"
        self._blame: np.ndarray | None = None
        self._activation: np.ndarray | None = None
        self._layout: tuple[int, list[list[tuple[int, str]]]] | None = None
        self._top_row = 0

    # -- data ----------------------------------------------------------------------
    def set_text(self, tokens: Sequence[str], level: str, cursor: int = 0) -> None:
        """Show ``tokens`` (their texts) with the cursor at ``cursor``."""
        self.tokens, self.level = list(tokens), level
        self.cursor = min(max(cursor, 0), max(len(self.tokens) - 1, 0))
        self._blame = self._activation = None
        self._layout = None
        self.refresh()

    def move_cursor(self, position: int) -> int:
        """Put the cursor at ``position`` (clamped to the text); returns where it went."""
        self.cursor = min(max(int(position), 0), max(len(self.tokens) - 1, 0))
        self._blame = None  # the blame belongs to the old position
        self.refresh()
        return self.cursor

    def set_blame(self, norms: np.ndarray | None) -> None:
        """Blame norms of the positions 0..cursor (None: none known)."""
        self._blame = None if norms is None else blame_levels(norms)
        self.refresh()

    def set_activation(self, values: np.ndarray | None) -> None:
        """One unit's value after every token (None: no unit picked)."""
        self._activation = None if values is None else np.asarray(values, dtype=np.float64)
        self.refresh()

    @property
    def blame_shown(self) -> bool:
        return self._blame is not None

    # -- layout ----------------------------------------------------------------------
    def rows(self, width: int) -> list[list[tuple[int, str]]]:
        """The text laid out ``width`` cells wide: per row, (token index, cells)."""
        if self._layout is not None and self._layout[0] == width:
            return self._layout[1]
        rows: list[list[tuple[int, str]]] = [[]]
        used = 0
        for index, token in enumerate(self.tokens):
            cells, breaks = token_cells(token, self.level)
            if used and used + len(cells) > width:
                rows.append([])
                used = 0
            rows[-1].append((index, cells[: max(width, 1)]))
            used += len(cells)
            if breaks:
                rows.append([])
                used = 0
        self._layout = (width, rows)
        return rows

    def _cursor_row(self, rows: list[list[tuple[int, str]]]) -> int:
        for y, row in enumerate(rows):
            if any(index == self.cursor for index, _ in row):
                return y
        return 0

    def _visible_top(self, rows: list[list[tuple[int, str]]], height: int) -> int:
        """The first row shown: the cursor stays in sight, a little below the top."""
        at = self._cursor_row(rows)
        top = self._top_row
        if at < top + 1 or at > top + height - 2:
            top = at - height // 2
        top = max(min(top, len(rows) - height), 0)
        self._top_row = top
        return top

    # -- drawing ----------------------------------------------------------------------
    def _style(self, index: int) -> Style:
        base = self.themed()
        if self.colouring == "unit" and self._activation is not None:
            if index < self._activation.size:
                style = DIVERGING_TEXTS[diverging_level(self._activation[index])]
            else:
                style = base
        elif index > self.cursor:
            style = base + _AFTER
        elif self._blame is not None and index < self._blame.size:
            style = blame_style(int(self._blame[index]))
        else:
            style = base
        return style + _CURSOR if index == self.cursor else style

    def render_line(self, y: int) -> Strip:
        width, height = self.size
        base = self.themed()
        if width <= 0:
            return Strip.blank(0)
        if not self.tokens:
            if y:
                return Strip.blank(width, base)
            hint = Strip([Segment(self.hint, self.themed("inspect-text--hint"))])
            return hint.crop(0, width).adjust_cell_length(width, base)
        rows = self.rows(width)
        row = y + self._visible_top(rows, height)
        if row >= len(rows):
            return Strip.blank(width, base)
        segments = [Segment(cells, self._style(index)) for index, cells in rows[row]]
        return Strip(segments).crop(0, width).adjust_cell_length(width, base)

    def position_at(self, x: int, y: int) -> int | None:
        """The token drawn at cell (x, y) of the content, or None."""
        width, height = self.size
        rows = self.rows(width)
        row = y + self._visible_top(rows, height)
        if not 0 <= row < len(rows):
            return None
        used = 0
        for index, cells in rows[row]:
            if used <= x < used + len(cells):
                return index
            used += len(cells)
        return None

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        position = self.position_at(offset.x, offset.y)
        if position is not None:
            self.post_message(self.Clicked(position))
