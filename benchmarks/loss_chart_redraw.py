"""What one redraw of the loss chart costs: rnnplay's braille chart vs textual-plot.

The chart is redrawn whenever points arrive (at most twice a second while
training), on the UI thread, which on a busy machine takes its time from
training. This measures one redraw of 600 smoothed training points and 9
validation points at 80x20 (the chart's size at 120x40): the data change
plus the repaint that shows it, in a headless app. The peer is
textual-plot's PlotWidget (what the chart used before), fed the same
points the way the old chart did (clear, plot, plot, scatter); it is
skipped when textual-plot is not installed.

Prints one JSON line: median ms per redraw for each side, their ratio
(peer / ours) and the load average (os.getloadavg) before and after.

    .venv/bin/python benchmarks/loss_chart_redraw.py [--redraws 40]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import time

import numpy as np
from textual.app import App, ComposeResult
from textual.widget import Widget

SIZE = (80, 20)


def seeded_points(steps: int = 600) -> tuple[list, list]:
    rng = np.random.default_rng(0)
    t = np.arange(1, steps + 1)
    loss = 1.45 + 2.7 * np.exp(-t / 180.0) + rng.normal(0, 0.05, steps)
    train = [(float(k * 2048), float(v)) for k, v in zip(t, loss, strict=True)]
    evals = [(float(k * 2048), float(1.55 + 2.6 * np.exp(-k / 190.0))) for k in t[59::60]]
    return train, evals


class Host(App[None]):
    def __init__(self, widget: Widget) -> None:
        super().__init__()
        self.widget = widget

    def compose(self) -> ComposeResult:
        yield self.widget


async def time_redraws(widget: Widget, redraw, redraws: int) -> list[float]:
    app = Host(widget)
    took = []
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        for _ in range(redraws):
            started = time.perf_counter()
            redraw(widget)
            await pilot.pause()  # the repaint happens here
            took.append((time.perf_counter() - started) * 1000)
    return took


def ours(redraws: int) -> list[float]:
    from rnnplay.tui.widgets.loss_chart import LossChart

    train, evals = seeded_points()

    def redraw(chart: LossChart) -> None:
        chart.set_data(train, evals)

    return asyncio.run(time_redraws(LossChart(), redraw, redraws))


def peer(redraws: int) -> list[float] | None:
    try:
        from textual_plot import HiResMode, PlotWidget
    except ImportError:
        return None
    train, evals = seeded_points()
    tx, ty = zip(*train, strict=True)
    ex, ey = zip(*evals, strict=True)

    def redraw(plot: PlotWidget) -> None:
        plot.clear()
        plot.plot(tx, ty, hires_mode=HiResMode.BRAILLE)
        plot.plot(ex, ey, hires_mode=HiResMode.BRAILLE)
        plot.scatter(ex, ey, marker="\u25cf")

    return asyncio.run(time_redraws(PlotWidget(allow_pan_and_zoom=False), redraw, redraws))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--redraws", type=int, default=40)
    args = parser.parse_args()
    load_before = os.getloadavg()
    mine = ours(args.redraws)
    theirs = peer(args.redraws)
    result = {
        "benchmark": "loss_chart_redraw",
        "size": list(SIZE),
        "points": 600,
        "ours_ms_median": round(statistics.median(mine), 2),
        "peer": "textual-plot PlotWidget",
        "peer_ms_median": None if theirs is None else round(statistics.median(theirs), 2),
        "ratio_peer_over_ours": None
        if theirs is None
        else round(statistics.median(theirs) / statistics.median(mine), 2),
        "load_before": [round(x, 2) for x in load_before],
        "load_after": [round(x, 2) for x in os.getloadavg()],
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
