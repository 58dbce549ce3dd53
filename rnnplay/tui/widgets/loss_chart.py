"""Loss chart: smoothed training loss and validation loss against tokens seen.

Drawn by textual-plot's PlotWidget (axes, ticks, braille lines), with the legend
in the border subtitle. The chart streams: points arrive with every progress message, but a full
re-plot is the costly part, so the widget redraws at most a few times a
second. The number of stored points is bounded by halving the resolution of
the history whenever it grows past a limit, so long runs cost the same to
draw as short ones.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Sequence

import numpy as np
from textual_plot import HiResMode, PlotWidget
from textual_plot.axis_formatter import NumericAxisFormatter

MAX_POINTS = 600
"""Stored smoothed points before the history is thinned to half its resolution."""

REDRAW_INTERVAL_S = 0.5
"""At most this often the chart is re-plotted while points stream in (a
re-plot redraws every point; the status panel carries the latest loss)."""


class TokensFormatter(NumericAxisFormatter):
    """Tick labels for token counts: 0, 500, 20k, 1.5M."""

    def get_labels_for_ticks(self, ticks: Sequence[float]) -> list[str]:
        return [short_count(t) for t in ticks]


def short_count(value: float) -> str:
    """A compact label for a (non-negative) count."""
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


class LossChart(PlotWidget, can_focus=False, inherit_bindings=False):
    """Training loss (smoothed) and validation loss, in nats per token."""

    DEFAULT_CSS = """
    LossChart {
        height: 1fr;
        min-height: 8;
    }
    """

    BORDER_TITLE = "Loss (nats/token) vs tokens seen"
    EMPTY_HINT = "space: train, n: one step"
    TRAIN_STYLE = "rgb(90,170,255)"
    EVAL_STYLE = "rgb(255,170,60)"

    def __init__(
        self,
        *,
        smoothing: float = 0.95,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, allow_pan_and_zoom=False)
        self._smoother = Smoother(smoothing)
        self._train_x: list[float] = []
        self._train_y: list[float] = []
        self._eval_x: list[float] = []
        self._eval_y: list[float] = []
        self._stride = 1
        self._skipped = 0
        self._last_draw = -math.inf
        self._dirty = False

    def on_mount(self) -> None:
        # PlotWidget's own on_mount runs after this one (Textual dispatches
        # to every class in the MRO) and clears the plot, so draw later.
        self.margin_top = 0
        self.margin_bottom = 1
        self.margin_left = 7
        self.set_x_formatter(TokensFormatter())
        self._show_legend_line()
        self.call_later(self._draw)

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
            self._eval_x.append(float(tokens))
            self._eval_y.append(float(loss))
        self._draw_now()

    def reset_data(self, *, draw: bool = True) -> None:
        """Forget all points (a new session)."""
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
        """Re-plot when points arrived and the last plot is old enough.

        ``add_train`` calls it; an owner that streams points should also call
        it now and then (the app does on every UI tick) so that the last
        points show up once the stream pauses.
        """
        if self._dirty and time.monotonic() - self._last_draw >= REDRAW_INTERVAL_S:
            self._draw_now()

    def flush(self) -> None:
        """Re-plot now if anything arrived since the last plot."""
        if self._dirty:
            self._draw_now()

    def _draw_now(self) -> None:
        self._dirty = False
        self._last_draw = time.monotonic()
        if self.is_mounted:
            self._draw()

    def _draw(self) -> None:
        self.clear()
        if self._train_x:
            self.plot(
                self._train_x,
                self._train_y,
                line_style=self.TRAIN_STYLE,
                hires_mode=HiResMode.BRAILLE,
                label="train (smoothed)",
            )
        if self._eval_x:
            self.plot(
                self._eval_x,
                self._eval_y,
                line_style=self.EVAL_STYLE,
                hires_mode=HiResMode.BRAILLE,
                label="validation",
            )
            self.scatter(self._eval_x, self._eval_y, marker="\u25cf", marker_style=self.EVAL_STYLE)
        self._show_legend_line()

    def _show_legend_line(self) -> None:
        """The legend lives in the border subtitle: PlotWidget's own legend box
        re-lays out the whole screen on every re-plot, which a chart that
        streams cannot afford."""
        if not self._train_x and not self._eval_x:
            legend = self.EMPTY_HINT
        else:
            legend = (
                f"[{self.TRAIN_STYLE}]\u2501\u2501[/] train (smoothed)  "
                f"[{self.EVAL_STYLE}]\u25cf[/] validation"
            )
        if self.border_subtitle != legend:
            self.border_subtitle = legend
