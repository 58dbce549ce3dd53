"""GatesPanel: an LSTM's or GRU's gates at the cursor, unit by unit.

One row per gate (LSTM: forget f, input i, candidate g, output o, and the
cell state c; GRU: update z, reset r, candidate), each a mean over the
layer's units and then one cell per unit in the hidden column's order
(the strongest units first), coloured on the diverging scale: a gate is a
sigmoid in [0, 1], so closed is white and open is red; the candidate and
the cell state span [-1, 1]. A plain RNN has no gates, and says so.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from rich.segment import Segment
from textual.strip import Strip
from textual.widget import Widget

from rnnplay.tui.widgets.palette import DIVERGING_BACKGROUNDS, diverging_level
from rnnplay.tui.widgets.theme_styles import ThemeStyles

GATE_NAMES = {
    "f": "forget",
    "i": "input",
    "g": "cand.",
    "o": "output",
    "c": "cell",
    "z": "update",
    "r": "reset",
    "candidate": "cand.",
}
"""Short names of the states a layer reports (``Trace.layers``), as rows."""

ROW_ORDER = ("f", "i", "g", "o", "c", "z", "r", "candidate")


class GatesPanel(ThemeStyles, Widget, can_focus=False):
    """The gates of one layer at one position."""

    DEFAULT_CSS = """
    GatesPanel {
        height: 1fr;
        min-width: 16;
        border: round $primary-muted;
        border-title-color: $text;
        & > .gates--hint { color: $text-muted; text-style: italic; }
        & > .gates--label { color: $text-muted; }
    }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {"gates--hint", "gates--label"}
    BORDER_TITLE = "Gates"

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.rows: list[tuple[str, np.ndarray]] = []
        self.order: np.ndarray = np.zeros(0, dtype=np.int64)
        self.hint = "reading…"

    def show(self, states: dict[str, np.ndarray] | None, order: np.ndarray | None = None) -> None:
        """``states``: name -> (H,) values of the layer at the cursor (its ``h``
        is left out: the hidden column shows it); ``order``: units to show first."""
        if states is None:
            self.rows, self.hint = [], "reading…"
            self.refresh()
            return
        self.rows = [(name, np.asarray(states[name])) for name in ROW_ORDER if name in states]
        if not self.rows:
            self.hint = "a plain RNN has no gates: h = tanh(W x + U h + b)"
        size = self.rows[0][1].size if self.rows else 0
        self.order = np.arange(size) if order is None or order.size != size else order
        self.refresh()

    def render_line(self, y: int) -> Strip:
        width, _height = self.size
        base = self.themed()
        if width <= 0:
            return Strip.blank(0)
        if not self.rows:
            if y:
                return Strip.blank(width, base)
            hint = Strip([Segment(self.hint, self.themed("gates--hint"))])
            return hint.crop(0, width).adjust_cell_length(width, base)
        if y >= len(self.rows):
            return Strip.blank(width, base)
        name, values = self.rows[y]
        label = f"{GATE_NAMES.get(name, name):<6} {float(values.mean()):+.2f} "
        cells = max(width - len(label), 0)
        segments = [Segment(label, self.themed("gates--label"))]
        for unit in self.order[:cells]:
            level = diverging_level(float(values[unit]))
            segments.append(Segment(" ", DIVERGING_BACKGROUNDS[level]))
        return Strip(segments).crop(0, width).adjust_cell_length(width, base)
