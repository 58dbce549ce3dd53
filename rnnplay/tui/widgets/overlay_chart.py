"""A chart overlaying several series, one colour each: the Compare and Runs views.

The same braille canvas and evenly spaced ticks as the loss chart
(:mod:`rnnplay.tui.widgets.braille`): every contender's training curve is a
line, its validation points are marked blocks joined by a line in the same
colour; reference lines are dashed and labelled. With ``log_y`` the values
are drawn on a log10 axis (the gradient-flow overlay, whose norms span
decades). The legend names each colour in the border subtitle.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip
from textual.widget import Widget

from rnnplay.tui.widgets.braille import (
    BrailleCanvas,
    even_tick_range,
    nice_range,
    tick_label,
    ticks,
)
from rnnplay.tui.widgets.chart_labels import with_reference_label, x_label_strip
from rnnplay.tui.widgets.loss_chart import short_count
from rnnplay.tui.widgets.loss_range import focus_range
from rnnplay.tui.widgets.whole_frame import WholeFrame

PALETTE = ("rgb(90,170,255)", "rgb(255,170,60)", "rgb(120,220,120)", "rgb(230,110,200)")
"""One colour per contender (at most four in a race)."""
REFERENCE_STYLE = "rgb(150,150,150)"


@dataclass
class Series:
    """One curve: (x, y) points in drawing units; ``marked`` marks every point."""

    label: str
    colour: str
    points: list[tuple[float, float]] = field(default_factory=list)
    marked: bool = False
    in_legend: bool = True


class OverlayChart(WholeFrame, Widget, can_focus=False):
    """Several series on shared axes; :meth:`set_series` replaces what is drawn."""

    DEFAULT_CSS = """
    OverlayChart {
        height: 1fr;
        min-height: 5;
        & > .overlay-chart--axis { color: $text-muted; }
        & > .overlay-chart--hint { color: $text-muted; text-style: italic; }
    }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {"overlay-chart--axis", "overlay-chart--hint"}

    def __init__(
        self, *, log_y: bool = False, hint: str = "", id: str | None = None, classes: str = ""
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.log_y = log_y
        self.hint = hint
        self.series: list[Series] = []
        self.references: list[tuple[str, float]] = []
        self._version = 0
        self._frame: tuple[tuple, list[Strip]] | None = None

    def set_series(
        self, series: Sequence[Series], references: Sequence[tuple[str, float]] = ()
    ) -> None:
        """Draw ``series`` (and dashed, labelled ``references`` (label, y))."""
        self.series = list(series)
        self.references = [(label, y) for label, y in references if math.isfinite(y)]
        self._version += 1
        legend: dict[str, str] = {}
        for item in self.series:
            if item.in_legend and item.points:
                legend.setdefault(item.label, f"[{item.colour}]\u2501\u2501[/] {item.label}")
        self.border_subtitle = "  ".join(legend.values())
        self.refresh()

    def _y(self, value: float) -> float:
        if not self.log_y:
            return value
        return math.log10(value) if value > 0 else math.nan

    def render_frame(self, width: int, height: int) -> list[Strip]:
        """Every row of the chart for the current series and size."""
        base = self.themed()
        if width <= 0 or height <= 0:
            return []
        drawn = [
            [(x, self._y(v)) for x, v in s.points if math.isfinite(self._y(v))] for s in self.series
        ]
        refs = [(label, self._y(v)) for label, v in self.references]
        ys = [y for points in drawn for _, y in points]
        if not ys:
            hint = Strip([Segment(self.hint, self.themed("overlay-chart--hint"))])
            blank = Strip.blank(width, base)
            return [hint.crop(0, width).adjust_cell_length(width, base)] + [blank] * (height - 1)
        axis = self.themed("overlay-chart--axis")
        rows = max(height - 2, 1)
        if self.log_y:  # gradient flow: every point matters
            low, high = min(ys + [y for _, y in refs]), max(ys + [y for _, y in refs])
        else:
            focus = focus_range(drawn, [y for _, y in refs])
            low, high = focus or (min(ys), max(ys))
            refs = [(label, y) for label, y in refs if low <= y <= high]
        y_start, y_end, y_step, spacing = even_tick_range(low, high, rows)
        y_ticks = ticks(y_start, y_end, y_step)
        labels = [self._tick_text(v, y_step) for v in y_ticks]
        gutter = max(len(label) for label in labels)
        plot_width = max(width - gutter - 1, 2)
        top_row = rows - 1 - spacing * (len(y_ticks) - 1)
        dot_top = 1 if top_row == 0 else 4 * top_row + 2
        dot_bottom = 4 * (rows - 1) + 2

        def dot_y(value: float) -> int:
            span = (y_end - y_start) or 1.0
            return round(dot_bottom - (value - y_start) / span * (dot_bottom - dot_top))

        tick_rows = {dot_y(v) // 4: text for v, text in zip(y_ticks, labels, strict=True)}
        xs = [x for points in drawn for x, _ in points]
        x_low = min(0.0, min(xs))
        _, x_end, x_step = nice_range(x_low, max(max(xs), x_low + 1.0), max(plot_width // 7, 2))

        def dot_x(value: float) -> int:
            return round((value - x_low) / ((x_end - x_low) or 1.0) * (2 * plot_width - 1))

        canvas = BrailleCanvas(plot_width, rows)
        ref_rows: dict[int, str] = {}
        reference_id = len(self.series)
        for label, value in refs:
            y = dot_y(value)
            for x in range(0, 2 * plot_width, 4):
                canvas.dot(x, y, reference_id)
                canvas.dot(x + 1, y, reference_id)
            ref_rows.setdefault(y // 4, label)
        marks: list[tuple[int, list[tuple[int, int]]]] = []
        for index, (item, points) in enumerate(zip(self.series, drawn, strict=True)):
            dots = [(dot_x(x), dot_y(y)) for x, y in points]
            canvas.polyline(dots, index)
            if item.marked or len(dots) == 1:
                marks.append((index, dots))
        for index, dots in marks:  # marked points last: no line hides them
            for x, y in dots:
                for dx, dy in ((0, 0), (1, 0), (0, 1), (1, 1)):
                    canvas.dot(x - (x % 2) + dx, y + dy - 1, index)
        colours = {i: base + Style.parse(s.colour) for i, s in enumerate(self.series)}
        colours[reference_id] = base + Style.parse(REFERENCE_STYLE)
        lines = []
        for row in range(rows):
            label = tick_rows.get(row, "")
            segments = [Segment(f"{label:>{gutter}}" + ("┤" if label else "│"), axis)]
            runs = canvas.runs(row)
            if row in ref_rows:
                runs = with_reference_label(runs, ref_rows[row], plot_width, reference_id)
            segments += [Segment(text, colours.get(owner, base)) for text, owner in runs]
            lines.append(Strip(segments))
        x_ticks = [(dot_x(v) // 2, short_count(v)) for v in ticks(x_low, x_end, x_step)]
        if height >= 3:
            axis_line = ["─"] * plot_width
            for col, _ in x_ticks:
                axis_line[min(col, plot_width - 1)] = "┬"
            lines.append(Strip([Segment(" " * gutter + "└" + "".join(axis_line), axis)]))
        lines.append(x_label_strip(x_ticks, gutter, plot_width, axis))
        return [line.crop(0, width).adjust_cell_length(width, base) for line in lines[:height]]

    def _tick_text(self, value: float, step: float) -> str:
        if self.log_y:
            return f"1e{value:g}" if value else "1"
        return tick_label(value, step)
