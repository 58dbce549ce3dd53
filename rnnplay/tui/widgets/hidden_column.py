"""HiddenColumn: one layer's hidden state at the cursor, its units sorted by magnitude.

A row per unit, strongest first: the unit's number, its value and a bar
on the heatmap's diverging colours (blue negative, red positive), so the
few units that carry most of the state at this token stand out; as many
rows as fit. :meth:`order` is that ranking (the gates panel shows its units
in the same order).
"""

from __future__ import annotations

from functools import cache
from typing import ClassVar

import numpy as np
from rich.color import Color
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip
from textual.widget import Widget

from rnnplay.tui.widgets.distribution import bar_cells
from rnnplay.tui.widgets.palette import diverging_level, diverging_rgb
from rnnplay.tui.widgets.theme_styles import ThemeStyles


@cache
def bar_style(level: int) -> Style:
    """A bar in the colour of diverging ``level``."""
    return Style(color=Color.from_rgb(*diverging_rgb(level)))


class HiddenColumn(ThemeStyles, Widget, can_focus=False):
    """Units of one layer at one position, by |value|."""

    DEFAULT_CSS = """
    HiddenColumn {
        height: 1fr;
        min-width: 16;
        border: round $primary-muted;
        border-title-color: $text;
        & > .hidden-column--hint { color: $text-muted; text-style: italic; }
        & > .hidden-column--label { color: $text-muted; }
    }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {"hidden-column--hint", "hidden-column--label"}
    BORDER_TITLE = "Hidden state"

    def __init__(self, *, hint: str = "reading…", id: str | None = None) -> None:
        super().__init__(id=id)
        self.hint = hint
        self.values: np.ndarray | None = None
        self.marked: int | None = None
        """A unit drawn highlighted (the one the text is coloured by)."""

    def show(self, values: np.ndarray | None, marked: int | None = None) -> None:
        """The layer's values (H,) at the cursor (None: nothing yet)."""
        self.values = None if values is None else np.asarray(values, dtype=np.float64)
        self.marked = marked
        self.refresh()

    def order(self) -> np.ndarray:
        """Unit indices by |value|, largest first (stable for ties)."""
        if self.values is None:
            return np.zeros(0, dtype=np.int64)
        return np.argsort(-np.abs(self.values), kind="stable")

    def render_line(self, y: int) -> Strip:
        width, _height = self.size
        base = self.themed()
        if self.values is None or width <= 0:
            if y or width <= 0:
                return Strip.blank(max(width, 0), base)
            hint = Strip([Segment(self.hint, self.themed("hidden-column--hint"))])
            return hint.crop(0, width).adjust_cell_length(width, base)
        order = self.order()
        if y >= order.size:
            return Strip.blank(width, base)
        unit = int(order[y])
        value = float(self.values[unit])
        digits = len(str(self.values.size - 1))
        label = f"{'▶' if unit == self.marked else ' '}u{unit:<{digits}} {value:+.2f} "
        colour = bar_style(diverging_level(value))
        bar = bar_cells(min(abs(value), 1.0), max(width - len(label), 0))
        segments = [
            Segment(label, self.themed("hidden-column--label") if unit != self.marked else base),
            Segment(bar, base + colour),
        ]
        return Strip(segments).crop(0, width).adjust_cell_length(width, base)
