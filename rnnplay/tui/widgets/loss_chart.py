"""Loss chart: smoothed training loss and validation loss against tokens seen.

Drawn with the line API on a braille canvas (:mod:`rnnplay.tui.widgets.braille`),
so it is honest at every stage: the axes come from the data (a single point
gets a small range around it, an empty chart has no axes, a reset forgets
them), the ticks are round numbers evenly spaced on evenly spaced rows, the
last x label is moved left rather than cut, and the curves are clipped to
the plot. The validation curve is drawn first and the training curve over
it, dot by dot, so where they cross both stay visible; validation points
are marked, and the marks are drawn last, so the training line never hides
them. The y range follows the data that matters (:mod:`.loss_range`: the
first minutes' drop does not squeeze an overfitting rise flat).

textual-plot drew this chart before: its axes collapse on one point, its
curves spill over the frame, and a re-plot cost about 10 ms (see
benchmarks/loss_chart_redraw.py); a frame here is a cached list of strips,
rebuilt only when points arrived, at most twice a second.

The number of stored points is bounded by halving the resolution of the
history whenever it grows past a limit, so long runs cost the same to draw.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Sequence
from typing import ClassVar

import numpy as np
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip
from textual.widget import Widget

from rnnplay.core.train.units import DEFAULT_UNIT, convert, unit_label
from rnnplay.tui.widgets.braille import (
    BrailleCanvas,
    even_tick_range,
    nice_range,
    tick_label,
    ticks,
)
from rnnplay.tui.widgets.chart_labels import with_reference_label, x_label_strip
from rnnplay.tui.widgets.loss_range import focus_range
from rnnplay.tui.widgets.whole_frame import WholeFrame

MAX_POINTS = 600
"""Stored smoothed points before the history is thinned to half its resolution."""

REDRAW_INTERVAL_S = 0.5
"""At most this often the chart is redrawn while points stream in."""

TRAIN, EVAL, REFERENCE = 0, 1, 2


def _finite_in(values: Iterable[float], unit: str) -> list[float]:
    """``values`` (nats) in ``unit``, where finite (a perplexity may overflow)."""
    shown = (convert(v, unit) for v in values)
    return [v if math.isfinite(v) else math.nan for v in shown]


def short_count(value: float) -> str:
    """A compact label for a (non-negative) count: 0, 500, 20k, 1.5M."""
    magnitude = abs(value)
    for limit, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if magnitude >= limit:
            return f"{value / limit:.3g}{suffix}"
    return f"{value:.3g}"


class Smoother:
    """Exponential moving average with start-up bias correction (like
    TensorBoard's smoothing), so the first points are not dragged to 0."""

    def __init__(self, beta: float = 0.95) -> None:
        self.beta = beta
        self._avg = 0.0
        self._count = 0

    def reset(self) -> None:
        self._avg, self._count = 0.0, 0

    def add(self, value: float) -> float:
        if not math.isfinite(value):
            return value
        self._count += 1
        self._avg = self.beta * self._avg + (1.0 - self.beta) * value
        return self._avg / (1.0 - self.beta**self._count)


class LossChart(WholeFrame, Widget, can_focus=False):
    """Training loss (smoothed) and validation loss, in nats per token."""

    DEFAULT_CSS = """
    LossChart {
        height: 1fr;
        min-height: 6;
        & > .loss-chart--axis { color: $text-muted; }
        & > .loss-chart--hint { color: $text-muted; text-style: italic; }
    }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {"loss-chart--axis", "loss-chart--hint"}

    BORDER_TITLE = "Loss (nats/token) vs tokens seen"
    EMPTY_HINT = "space: train, n: one step"
    TRAIN_STYLE = "rgb(90,170,255)"
    EVAL_STYLE = "rgb(255,170,60)"
    REFERENCE_STYLE = "rgb(150,150,150)"

    def __init__(
        self,
        *,
        smoothing: float = 0.95,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._smoother = Smoother(smoothing)
        self._train_x: list[float] = []
        self._train_y: list[float] = []
        self._eval_x: list[float] = []
        self._eval_y: list[float] = []
        self._stride = 1
        self._skipped = 0
        self._last_draw = -math.inf
        self._dirty = False
        self._version = 0
        self._frame: tuple[tuple, list[Strip]] | None = None
        self.unit = DEFAULT_UNIT
        """The unit the axis shows (losses are stored in nats and converted to draw)."""
        self.references: list[tuple[str, float]] = []
        """(label, nats) horizontal reference lines: the uniform and unigram losses."""
        self.frames_built = 0
        """How many frames were rasterised (the costly part), for tests and benchmarks."""

    def on_mount(self) -> None:
        self.border_title = self.title_for(self.unit)
        self._show_legend_line()

    @staticmethod
    def title_for(unit: str) -> str:
        return f"Loss ({unit_label(unit)}) vs tokens seen"

    def set_unit(self, unit: str) -> None:
        """Show losses in ``unit`` ("nats", "bits", "ppl"): axis, title and lines."""
        self.unit = unit
        self.border_title = self.title_for(unit)
        self._draw_now()

    def set_references(self, lines: Iterable[tuple[str, float]]) -> None:
        """Draw these (label, loss in nats) as labelled dashed horizontal lines."""
        self.references = [(label, float(nats)) for label, nats in lines]
        self._draw_now()

    # -- data in -----------------------------------------------------------------
    def add_train(self, points: Iterable[tuple[float, float]]) -> None:
        """Append (tokens seen, raw loss) points; they are smoothed here."""
        for tokens, loss in points:
            smoothed = self._smoother.add(float(loss))
            if not math.isfinite(smoothed):
                continue
            self._skipped += 1
            if self._skipped < self._stride:
                continue
            self._skipped = 0
            self._train_x.append(float(tokens))
            self._train_y.append(smoothed)
            if len(self._train_x) > MAX_POINTS:
                self._train_x = self._train_x[::2]
                self._train_y = self._train_y[::2]
                self._stride *= 2
        self._dirty = True
        self.redraw_if_due()

    def add_eval(self, tokens: float, loss: float) -> None:
        """Append one validation point (loss in nats per token)."""
        if math.isfinite(loss):
            self._eval_x.append(float(tokens))
            self._eval_y.append(float(loss))
            self._draw_now()

    def set_data(
        self,
        train: Sequence[tuple[float, float]],
        evals: Sequence[tuple[float, float]] = (),
    ) -> None:
        """Replace everything with ``train`` (raw losses) and ``evals``, drawn at once."""
        self.reset_data(draw=False)
        self.add_train(train)
        for tokens, loss in evals:
            if math.isfinite(loss):
                self._eval_x.append(float(tokens))
                self._eval_y.append(float(loss))
        self._draw_now()

    def reset_data(self, *, draw: bool = True) -> None:
        """Forget all points and the axes with them (a new session)."""
        self._smoother.reset()
        self._train_x, self._train_y, self._eval_x, self._eval_y = [], [], [], []
        self._stride, self._skipped = 1, 0
        if draw:
            self._draw_now()

    @property
    def train_points(self) -> tuple[np.ndarray, np.ndarray]:
        return np.array(self._train_x), np.array(self._train_y)

    @property
    def eval_points(self) -> tuple[np.ndarray, np.ndarray]:
        return np.array(self._eval_x), np.array(self._eval_y)

    # -- drawing -----------------------------------------------------------------
    def redraw_if_due(self) -> None:
        """Redraw when points arrived and the last drawing is old enough (the app
        calls it on every tick, so the last points show once the stream pauses)."""
        if self._dirty and time.monotonic() - self._last_draw >= REDRAW_INTERVAL_S:
            self._draw_now()

    def flush(self) -> None:
        """Redraw now if anything arrived since the last drawing."""
        if self._dirty:
            self._draw_now()

    def _draw_now(self) -> None:
        self._dirty = False
        self._last_draw = time.monotonic()
        self._version += 1
        self._show_legend_line()
        self.refresh()

    def render_frame(self, width: int, height: int) -> list[Strip]:
        """Every row of the chart for the current points and size."""
        base = self.themed()
        if width <= 0 or height <= 0:
            return []
        unit = self.unit
        train_y = _finite_in(self._train_y, unit)
        eval_y = _finite_in(self._eval_y, unit)
        refs = [(label, convert(nats, unit)) for label, nats in self.references]
        refs = [(label, v) for label, v in refs if math.isfinite(v)]
        ys = [v for v in (*train_y, *eval_y) if math.isfinite(v)]
        if not ys:
            hint = Strip([Segment(self.EMPTY_HINT, self.themed("loss-chart--hint"))])
            return [hint.crop(0, width).adjust_cell_length(width, base)] + [
                Strip.blank(width, base)
            ] * (height - 1)
        axis = self.themed("loss-chart--axis")
        footer = 2 if height >= 5 else 1
        rows = max(height - footer, 1)
        curves = [
            list(zip(self._train_x, train_y, strict=True)),
            list(zip(self._eval_x, eval_y, strict=True)),
        ]
        low, high = focus_range(curves, [v for _, v in refs]) or (min(ys), max(ys))
        refs = [(label, v) for label, v in refs if low <= v <= high]
        y_start, y_end, y_step, spacing = even_tick_range(low, high, rows)
        y_ticks = ticks(y_start, y_end, y_step)
        labels = [tick_label(v, y_step) for v in y_ticks]
        gutter = max(len(label) for label in labels)
        plot_width = max(width - gutter - 1, 2)
        # Tick k sits on row rows-1-k*spacing: evenly spaced rows, the spare rows
        # (fewer than one spacing) above the top tick.
        top_row = rows - 1 - spacing * (len(y_ticks) - 1)
        dot_top, dot_bottom = 4 * top_row + 2, 4 * (rows - 1) + 2
        if top_row == 0:
            dot_top = 1

        def dot_y(value: float) -> int:
            return round(
                dot_bottom - (value - y_start) / (y_end - y_start) * (dot_bottom - dot_top)
            )

        tick_rows: dict[int, str] = {}
        for value, text in zip(y_ticks, labels, strict=True):
            row = dot_y(value) // 4
            if not {row - 1, row, row + 1} & set(tick_rows) or len(y_ticks) * 2 > rows:
                tick_rows.setdefault(row, text)

        xs = [*self._train_x, *self._eval_x]
        x_room = max(plot_width // 7, 2)
        _, x_end, x_step = nice_range(0.0, max(max(xs), 1.0), x_room)

        def dot_x(value: float) -> int:
            return round(value / x_end * (2 * plot_width - 1))

        canvas = BrailleCanvas(plot_width, rows)
        ref_rows: dict[int, str] = {}
        for label, value in refs:  # dashed: two dots on, two off
            y = dot_y(value)
            for x in range(0, 2 * plot_width, 4):
                canvas.dot(x, y, REFERENCE)
                canvas.dot(x + 1, y, REFERENCE)
            ref_rows.setdefault(y // 4, label)
        pairs = zip(self._eval_x, eval_y, strict=True)
        evals = [(dot_x(x), dot_y(v)) for x, v in pairs if math.isfinite(v)]
        canvas.polyline(evals, EVAL)
        pairs = zip(self._train_x, train_y, strict=True)
        train = [(dot_x(x), dot_y(v)) for x, v in pairs if math.isfinite(v)]
        canvas.polyline(train, TRAIN)
        if len(train) == 1:  # a lone point is marked, or it is one dot hard to find
            x, y = train[0]
            for dx, dy in ((0, 0), (1, 0), (0, 1), (1, 1)):
                canvas.dot(x - (x % 2) + dx, y + dy - 1, TRAIN)
        for x, y in evals:  # marked points, drawn last: never hidden by the training line
            for dx, dy in ((0, 0), (1, 0), (0, 1), (1, 1)):
                canvas.dot(x - (x % 2) + dx, y + dy - 1, EVAL)

        colours = {
            TRAIN: base + Style.parse(self.TRAIN_STYLE),
            EVAL: base + Style.parse(self.EVAL_STYLE),
            REFERENCE: base + Style.parse(self.REFERENCE_STYLE),
        }
        lines = []
        for row in range(rows):
            label = tick_rows.get(row, "")
            segments = [Segment(f"{label:>{gutter}}" + ("┤" if label else "│"), axis)]
            runs = canvas.runs(row)
            if row in ref_rows:
                runs = with_reference_label(runs, ref_rows[row], plot_width, REFERENCE)
            segments += [Segment(text, colours.get(owner, base)) for text, owner in runs]
            lines.append(Strip(segments))
        x_ticks = [(dot_x(v) // 2, short_count(v)) for v in ticks(0.0, x_end, x_step)]
        if footer == 2:
            axis_line = ["─"] * plot_width
            for col, _ in x_ticks:
                axis_line[min(col, plot_width - 1)] = "┬"
            lines.append(Strip([Segment(" " * gutter + "└" + "".join(axis_line), axis)]))
        lines.append(x_label_strip(x_ticks, gutter, plot_width, axis))
        return [line.crop(0, width).adjust_cell_length(width, base) for line in lines[:height]]

    def _show_legend_line(self) -> None:
        """The legend lives in the border subtitle, naming the series shown."""
        if not self._train_x and not self._eval_x:
            legend = ""  # the hint is in the chart itself
        else:
            parts = []
            if self._train_x:
                parts.append(f"[{self.TRAIN_STYLE}]\u2501\u2501[/] train (smoothed)")
            if self._eval_x:
                parts.append(f"[{self.EVAL_STYLE}]\u25cf[/] validation")
            legend = "  ".join(parts)
        if self.border_subtitle != legend:
            self.border_subtitle = legend
