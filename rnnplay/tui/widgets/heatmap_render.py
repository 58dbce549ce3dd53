"""How the hidden-state heatmap draws its frame with the line API: the header of
tokens, one row of colour runs per visible unit, and the info line.

A mixin of :class:`~rnnplay.tui.widgets.heatmap.HiddenHeatmap`, which owns the
data, the unit order, the selection and the cursor; rows are cached per data
version, so a frame costs a run of equal colours per visible row.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.segment import Segment
from textual.strip import Strip

from rnnplay.tui.widgets.heatmap_lines import (
    colour_runs,
    header_cells,
    info_line,
    mark_cursor_cell,
)

if TYPE_CHECKING:
    from rnnplay.tui.widgets.heatmap import HiddenHeatmap


class HeatmapRendering:
    """render_line and the strips it is made of."""

    def _gutter_width(self: HiddenHeatmap) -> int:
        return len(str(max(self.units - 1, 0))) + 2

    def _data_columns(self: HiddenHeatmap) -> int:
        return max(self.size.width - self._gutter_width(), 1)

    def _visible_columns(self: HiddenHeatmap) -> tuple[int, int]:
        """(first, count) of the kept columns drawn, keeping the cursor in view."""
        columns = self._data_columns()
        steps = self.steps
        if self._cursor is None:
            first = max(steps - columns, 0)
        else:
            first = min(self._col_first, self._cursor)
            if self._cursor >= first + columns:
                first = self._cursor - columns + 1
            first = min(max(first, 0), max(steps - columns, 0))
        self._col_first = first
        return first, min(columns, steps - first)

    def render_line(self: HiddenHeatmap, y: int) -> Strip:
        if self._visibility_pending:
            self._keep_selection_visible()
        width, height = self.size
        if width <= 0:
            return Strip.blank(0)
        base = self.themed()
        if not self.units or not self.steps:
            if y == 0:
                style = self.themed("hidden-heatmap--hint")
                return Strip([Segment(self.hint[:width], style)]).adjust_cell_length(width, base)
            return Strip.blank(width, base)
        if y == 0:
            strip = self._header_strip()
        elif y == height - 1 and height >= 3:
            strip = self._info_strip()
        else:
            row = y - 1
            position = self._page_top + row
            rows = height - 2 if height >= 3 else height - 1
            if row >= rows or position >= self.units:
                return Strip.blank(width, base)
            return self._unit_strip(int(self._order()[0][position]), width)
        return strip.adjust_cell_length(width, base)

    def _header_strip(self: HiddenHeatmap) -> Strip:
        """The tokens over their columns. Characters: one per column. Words: each
        word starts at its own column, as many as fit with a space between them."""
        first, count = self._visible_columns()
        cursor = self.cursor_step()
        header = self.themed("hidden-heatmap--header")
        cursor_style = self.themed("hidden-heatmap--cursor")
        cells = header_cells(self._ring.tokens[first : first + count])
        segments = [Segment(" " * self._gutter_width(), header)]
        if cursor is not None and first <= cursor < first + count:
            at = cursor - first
            segments += [
                Segment("".join(cells[:at]), header),
                Segment(cells[at], cursor_style),
                Segment("".join(cells[at + 1 :]), header),
            ]
        else:
            segments.append(Segment("".join(cells), header))
        return Strip([segment for segment in segments if segment.text])

    def _unit_strip(self: HiddenHeatmap, unit: int, width: int) -> Strip:
        """One unit's row, ``width`` cells: its label, then a run of cells per colour."""
        first, count = self._visible_columns()
        selected = unit == self._selected
        cursor = self.cursor_step() if selected else None
        gutter = self._gutter_width()
        key = (unit, first, count, selected, cursor, gutter, width)
        cached = self._row_cache.get(key)
        if cached is not None:
            return cached
        label_style = self.themed(
            "hidden-heatmap--selected" if selected else "hidden-heatmap--gutter"
        )
        label = f"{'▶' if selected else ' '}{unit:>{gutter - 2}} "
        segments = [Segment(label, label_style)]
        levels = self._ring.levels[first : first + count, unit]
        segments += colour_runs(levels)
        if cursor is not None and first <= cursor < first + count:
            segments = mark_cursor_cell(
                segments, len(label) + cursor - first, levels, cursor - first
            )
        cells = len(label) + count
        if cells < width:
            segments.append(Segment(" " * (width - cells), self.themed()))
            strip = Strip(segments, width)
        else:
            strip = Strip(segments, cells).adjust_cell_length(width, self.themed())
        self._row_cache[key] = strip
        return strip

    def _info_strip(self: HiddenHeatmap) -> Strip:
        """The selected unit's value at the cursor, the rows shown, and a colour key."""
        column = self.cursor_step()
        value = self.value_at_cursor()
        assert column is not None and value is not None
        last_row = min(self._page_top + self._unit_rows(), self.units)
        return info_line(
            unit=self._selected,
            value=value,
            token=self._ring.tokens[column],
            time=self._ring.dropped + column,
            rows=f"{self._page_top + 1}-{last_row}/{self.units}",
            by_variance=self._sort,
            width=self.size.width,
            styles=(
                self.themed(),
                self.themed("hidden-heatmap--info"),
                self.themed("hidden-heatmap--dim"),
            ),
        )
