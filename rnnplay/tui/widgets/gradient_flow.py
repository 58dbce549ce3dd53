"""GradientFlow: how much of the loss gradient reaches each step back in the BPTT window.

The trainer's probe measures, per recurrent layer, the norm of dL/dh_t for t
counted back from the last step of the window (distance 0) to the first
(distance T-1). This panel averages recent probes (an exponential moving
average) and plots each layer's norms relative to distance 0 on a log scale:
a plain RNN's line dives by orders of magnitude within a few steps (vanishing
gradients), an LSTM's or GRU's stays near 1 across the window.

Drawn with the line API: curves are rasterised onto a braille grid (2x4 dots
per cell) with decade ticks on the y axis. textual-plot was tried first, but
it has linear axes only, needs about ten rows before a line shows, and its
curves spill over the frame; this panel must stay readable at about 38x8.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise
from math import ceil, floor
from typing import ClassVar

import numpy as np
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip
from textual.widget import Widget

from rnnplay.tui.widgets.braille import DOT_BITS, line_dots
from rnnplay.tui.widgets.whole_frame import WholeFrame

LAYER_COLOURS: tuple[str, ...] = ("#ffa62b", "#4fc3f7", "#c792ea", "#9ccc65")
"""Line colour per layer (cycled when there are more layers)."""

LOG_FLOOR = -12.0
"""Ratios below 1e-12 (or exactly zero) are drawn at 1e-12."""

CAPTIONS = (
    "gradient reaching k steps back, relative to step 0",
    "gradient k steps back / at step 0",
    "gradient back / step 0",
)
"""The caption, longest first: the first that fits is shown whole, never cut."""

_HEADROOM = np.log10(2.0)  # a curve must exceed twice step 0 to get a decade above 1
_Y_LABEL_WIDTH = 5


def decade_label(exponent: int) -> str:
    """Tick label for 10**exponent: '1', '10', '0.1', '0.01', '1e-3'."""
    return {0: "1", 1: "10", -1: "0.1", -2: "0.01"}.get(exponent, f"1e{exponent}")


def nice_step(span: float, max_ticks: int) -> int:
    """The smallest of 1, 2, 5, 10, 20, 50, ... that puts at most `max_ticks` ticks on `span`."""
    max_ticks = max(max_ticks, 1)
    magnitude = 1
    while True:
        for factor in (1, 2, 5):
            step = factor * magnitude
            if span / step + 1 <= max_ticks:
                return step
        magnitude *= 10


class GradientFlow(WholeFrame, Widget):
    """Norm of dL/dh_t against distance back, relative to distance 0, one line per layer."""

    DEFAULT_CSS = """
    GradientFlow {
        width: 1fr;
        height: 1fr;
        min-width: 24;
        min-height: 5;
        border: round $primary-muted;
        border-title-color: $text;
        border-subtitle-color: $text-muted;
        & > .gradient-flow--hint { color: $text-muted; text-style: italic; }
        & > .gradient-flow--axis { color: $text-muted; }
        & > .gradient-flow--label { color: $text-muted; }
        & > .gradient-flow--caption { color: $text-muted; text-style: italic; }
    }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "gradient-flow--hint",
        "gradient-flow--axis",
        "gradient-flow--label",
        "gradient-flow--caption",
    }

    BORDER_TITLE = "Gradient flow"

    def __init__(
        self,
        *,
        smoothing: float = 0.8,
        hint: str = "no gradients yet: train a step",
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        if not 0.0 <= smoothing < 1.0:
            raise ValueError("smoothing must be in [0, 1)")
        self.smoothing = smoothing
        self.hint = hint
        self._average: list[np.ndarray] = []
        self._probes = 0
        self._version = 0
        self._frame: tuple[tuple[int, int, int, str], list[Strip]] | None = None

    # ----------------------------------------------------------------- data

    @property
    def probes(self) -> int:
        """How many probes have been folded into the current average."""
        return self._probes

    @property
    def average(self) -> list[np.ndarray]:
        """The moving average of the norms, per layer (copies)."""
        return [a.copy() for a in self._average]

    def relative_log10(self) -> list[np.ndarray]:
        """Per layer: log10 of the averaged norm at each distance over the norm at distance 0.

        Zero ratios are floored at LOG_FLOOR; a layer whose distance-0 norm is
        zero or not finite is measured against its largest norm instead.
        """
        curves = []
        for norms in self._average:
            finite = norms[np.isfinite(norms)]
            reference = norms[0] if norms.size and np.isfinite(norms[0]) and norms[0] > 0 else 0.0
            if reference <= 0 and finite.size:
                reference = float(finite.max())
            with np.errstate(divide="ignore", invalid="ignore"):
                logs = np.log10(norms / reference) if reference > 0 else np.full_like(norms, np.nan)
            logs = np.where(np.isneginf(logs), LOG_FLOOR, logs)
            curves.append(np.where(np.isnan(logs), np.nan, np.maximum(logs, LOG_FLOOR)))
        return curves

    def update(self, per_layer_norms: Sequence[np.ndarray]) -> None:
        """Fold in one probe: per layer, norms of dL/dh_t by distance back (index 0 = last step).

        A probe whose layer count or window length differs from the running
        average (the model or bptt changed) starts a fresh average; non-finite
        norms leave the average at that distance unchanged.
        """
        probe = [np.asarray(n, dtype=np.float64).reshape(-1) for n in per_layer_norms]
        same_shape = len(probe) == len(self._average) and all(
            p.shape == a.shape for p, a in zip(probe, self._average, strict=True)
        )
        if not same_shape or self._probes == 0:
            self._average = [p.copy() for p in probe]
            self._probes = 1
        else:
            k = self.smoothing
            for average, p in zip(self._average, probe, strict=True):
                finite = np.isfinite(p)
                fresh = finite & ~np.isfinite(average)
                average[fresh] = p[fresh]
                keep = finite & ~fresh
                average[keep] = k * average[keep] + (1 - k) * p[keep]
            self._probes += 1
        self._changed()

    def reset(self) -> None:
        """Forget all probes (for a new model)."""
        self._average = []
        self._probes = 0
        self._changed()

    def _changed(self) -> None:
        self._version += 1
        probes = f"avg of {self._probes} probe{'s' if self._probes != 1 else ''}"
        self.border_subtitle = probes if self._probes else ""
        self.refresh()

    # ------------------------------------------------------------ rendering

    def render_frame(self, width: int, height: int) -> list[Strip]:
        """All rows of the panel for the current data and size."""
        base = self.themed()
        curves = [c for c in self.relative_log10() if c.size]
        if width <= 0 or height <= 0:
            return []
        if not curves:
            hint = self.themed("gradient-flow--hint")
            first = Strip([Segment(self.hint, hint)]).crop(0, width).adjust_cell_length(width, base)
            return [first] + [Strip.blank(width, base)] * (height - 1)

        # Rows from the bottom: caption, legend, x labels, x axis line; the plot gets the rest.
        show_caption = height >= 9
        show_axis_line = height >= 6
        show_x_labels = height >= 4
        show_legend = height >= 3
        footer = show_caption + show_legend + show_x_labels + show_axis_line
        plot_rows = max(height - footer, 1)
        plot_width = max(width - _Y_LABEL_WIDTH - 1, 2)

        finite = np.concatenate([c[np.isfinite(c)] for c in curves] + [np.zeros(1)])
        y_low = min(floor(float(finite.min())), -1)
        # Ratios a little above 1 (noise) are drawn on the top row rather than
        # adding a decade that would push the reference line to the middle.
        top = float(finite.max())
        y_high = ceil(top) if top > _HEADROOM else 0
        steps = max(c.size for c in curves)

        def dot_x(k: float) -> int:
            return round(k / max(steps - 1, 1) * (2 * plot_width - 1))

        def dot_y(value: float) -> int:
            dot = round((y_high - value) / (y_high - y_low) * (4 * plot_rows - 1))
            return min(max(dot, 0), 4 * plot_rows - 1)

        cells, owner = self._rasterise(curves, plot_width, plot_rows, dot_x, dot_y)
        lines = self._plot_lines(cells, owner, plot_rows, y_low, y_high, dot_y)
        x_ticks = self._x_ticks(steps, plot_width, dot_x)
        if show_axis_line:
            lines.append(self._x_axis_line(plot_width, x_ticks))
        if show_x_labels:
            lines.append(self._x_labels(plot_width, x_ticks))
        if show_legend:
            lines.append(self._legend(curves, width))
        if show_caption:
            caption = self.themed("gradient-flow--caption")
            fitting = next((text for text in CAPTIONS if len(text) <= width), "")
            lines.append(Strip([Segment(fitting, caption)]))
        return [line.crop(0, width).adjust_cell_length(width, base) for line in lines[:height]]

    @staticmethod
    def _rasterise(curves, plot_width, plot_rows, dot_x, dot_y):
        """Braille bit masks per cell, and which layer colours each cell (the lowest layer wins)."""
        cells = np.zeros((plot_rows, plot_width), dtype=np.int32)
        owner = np.full((plot_rows, plot_width), -1, dtype=np.int32)
        for layer in range(len(curves) - 1, -1, -1):
            curve = curves[layer]
            points = [(dot_x(k), dot_y(v)) for k, v in enumerate(curve) if np.isfinite(v)]
            dots = points[:1]
            for (x0, y0), (x1, y1) in pairwise(points):
                dots += line_dots(x0, y0, x1, y1)[1:]
            for x, y in dots:
                row, col = y // 4, x // 2
                if 0 <= row < plot_rows and 0 <= col < plot_width:
                    cells[row, col] |= DOT_BITS[x % 2][y % 4]
                    owner[row, col] = layer
        return cells, owner

    def _plot_lines(self, cells, owner, plot_rows, y_low, y_high, dot_y) -> list[Strip]:
        """Plot rows: decade labels, the y axis, and the braille curves."""
        base = self.themed()
        axis = self.themed("gradient-flow--axis")
        label_style = self.themed("gradient-flow--label")
        labels: dict[int, str] = {}
        # Label the top and bottom decades, then evenly spaced ones between them,
        # each on its own row with an empty row between labels.
        step = max(1, ceil((y_high - y_low + 1) / max((plot_rows + 1) // 2, 1)))
        middle = range(y_high - step, y_low, -step)
        for exponent in (y_high, y_low, *middle):
            row = dot_y(exponent) // 4
            if not set(labels) & {row - 1, row, row + 1}:
                labels[row] = decade_label(exponent)
        colours = [Style(color=c) for c in LAYER_COLOURS]
        lines = []
        for row in range(plot_rows):
            label = labels.get(row, "")
            segments = [
                Segment(f"{label:>{_Y_LABEL_WIDTH}}", label_style),
                Segment("┤" if label else "│", axis),
            ]
            for col in range(cells.shape[1]):
                bits = int(cells[row, col])
                if bits:
                    style = base + colours[int(owner[row, col]) % len(colours)]
                    segments.append(Segment(chr(0x2800 + bits), style))
                else:
                    segments.append(Segment(" ", base))
            lines.append(Strip(segments).simplify())
        return lines

    @staticmethod
    def _x_ticks(steps: int, plot_width: int, dot_x) -> list[tuple[int, str]]:
        """(column, label) of the distance ticks that fit without touching."""
        last = steps - 1
        label_room = len(str(last)) + 2
        step = nice_step(last, max(plot_width // label_room, 2))
        ticks = [(dot_x(k) // 2, str(k)) for k in range(0, last + 1, step)]
        return [(col, text) for col, text in ticks if col + len(text) <= plot_width]

    def _x_axis_line(self, plot_width: int, ticks: list[tuple[int, str]]) -> Strip:
        axis = self.themed("gradient-flow--axis")
        line = ["─"] * plot_width
        for col, _ in ticks:
            line[col] = "┬"
        return Strip([Segment(" " * _Y_LABEL_WIDTH + "└" + "".join(line), axis)])

    def _x_labels(self, plot_width: int, ticks: list[tuple[int, str]]) -> Strip:
        label_style = self.themed("gradient-flow--label")
        row = [" "] * plot_width
        end = -1
        for col, text in ticks:
            start = min(col, plot_width - len(text))
            if start > end:
                row[start : start + len(text)] = list(text)
                end = start + len(text)
        text = "".join(row).rstrip()
        title = " steps back"
        if len(text) + len(title) <= plot_width:
            text += " " * (plot_width - len(text) - len(title)) + title
        return Strip([Segment(" " * (_Y_LABEL_WIDTH + 1) + text, label_style)])

    def _legend(self, curves: list[np.ndarray], width: int) -> Strip:
        """One entry per layer: its colour and how much gradient reaches the window's start."""
        base = self.themed()
        label_style = self.themed("gradient-flow--label")

        def entries(compact: bool) -> list[Segment]:
            segments = []
            for layer, curve in enumerate(curves):
                far = curve[-1]
                value = "?" if not np.isfinite(far) else f"{10.0**far:.0e}"
                colour = base + Style(color=LAYER_COLOURS[layer % len(LAYER_COLOURS)])
                name = f"L{layer + 1}" if compact else f"layer {layer + 1}:"
                reach = f" {value}" if compact else f" {value} at {curve.size - 1} back"
                segments += [Segment("━━ ", colour), Segment(name + reach + "  ", label_style)]
            return segments

        full = entries(compact=False)
        if Strip(full).cell_length - 2 <= width:
            return Strip(full)
        return Strip(entries(compact=True))
