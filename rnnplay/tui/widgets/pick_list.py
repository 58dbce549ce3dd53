"""A selection list whose ticks read without colour: ``[x]`` picked, ``[ ]`` not.

Textual's SelectionList draws the same ``X`` for a picked and an unpicked row
and tells them apart by colour alone, which is invisible with NO_COLOR, on a
monochrome terminal or to a colour-blind learner. This list writes the state
into the glyph itself (the colours stay as they are).
"""

from __future__ import annotations

from rich.segment import Segment
from textual.strip import Strip
from textual.widgets import SelectionList
from textual.widgets.option_list import OptionDoesNotExist

PICKED, UNPICKED = "x", " "


class PickList(SelectionList[str]):
    """A SelectionList of strings with a glyph per state, and ``toggle_highlighted``."""

    def render_line(self, y: int) -> Strip:
        line = super().render_line(y)
        _, scroll_y = self.scroll_offset
        try:
            selection = self.get_option_at_index(scroll_y + y)
        except OptionDoesNotExist:
            return line
        segments = list(line)
        if len(segments) < 3:
            return line
        glyph = PICKED if selection.value in self.selected else UNPICKED
        inner = segments[1]
        segments[1] = Segment(glyph, inner.style, inner.control)
        return Strip(segments, line.cell_length)

    def toggle_highlighted(self) -> None:
        """Tick or untick the row under the cursor (the Compare view's enter key)."""
        if self.highlighted is not None:
            self.toggle(self.get_option_at_index(self.highlighted))
