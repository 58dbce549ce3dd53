"""Validation points stay visible and the y range follows the data (issue 24, item 4).

An overfitting run: training falls from the uniform loss to 1.4 while the
validation loss bottoms out at 1.60 and climbs back by 0.1 nats. On the loss
chart and on the Runs screen's overlay (reached with ``b``, as a person does)
every validation point must be on screen, and the rise must span rows.
"""

from __future__ import annotations

import json
import math

from rich.style import Style

from rnnplay.tui.screens.runs import RunsScreen
from rnnplay.tui.widgets.loss_chart import LossChart
from rnnplay.tui.widgets.overlay_chart import OverlayChart
from tests.tui.app_helpers import make_app

TOKENS_PER_STEP = 2048


def overfitting_run() -> tuple[list[tuple[int, float]], list[tuple[int, float]]]:
    train = [(s * TOKENS_PER_STEP, 1.4 + 2.7 * math.exp(-s / 150)) for s in range(1, 2001)]
    evals = []
    for s in range(100, 2001, 100):
        rise = max(0.0, (s - 1000) / 1000) * 0.1
        evals.append((s * TOKENS_PER_STEP, 1.60 + 2.5 * math.exp(-s / 150) + rise))
    return train, evals


def rows_with_colour(widget, colour: str) -> list[int]:
    """Rows of the widget's content where ``colour`` is drawn (its marks)."""
    wanted = Style.parse(colour).color
    found = []
    for y in range(widget.content_region.height):
        line = widget.render_line(y)
        if any(seg.style is not None and seg.style.color == wanted for seg in line):
            found.append(y)
    return found


def mark_rows_by_column(widget, colour: str) -> dict[int, int]:
    """For each column holding ``colour``, the top row where it is drawn."""
    wanted = Style.parse(colour).color
    columns: dict[int, int] = {}
    for y in range(widget.content_region.height):
        x = 0
        for seg in widget.render_line(y):
            if seg.style is not None and seg.style.color == wanted and seg.text.strip():
                for offset in range(len(seg.text)):
                    columns.setdefault(x + offset, y)
            x += len(seg.text)
    return columns


async def test_the_loss_chart_shows_every_validation_point_and_the_rise(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        chart = app.query_one(LossChart)
        train, evals = overfitting_run()
        chart.set_data(train, evals)
        await pilot.pause()
        marks = mark_rows_by_column(chart, LossChart.EVAL_STYLE)
        # 20 validation points over ~50 columns: a mark at least every few columns
        assert len(marks) >= 15, marks
        lowest = max(marks.values())  # the bottom of the validation curve (row grows down)
        last = marks[max(marks)]
        assert lowest - last >= 2, "a 0.1-nat rise must climb at least two rows"


async def test_validation_marks_show_where_the_lines_cross(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        chart = app.query_one(LossChart)
        train = [(s * 100, 2.0 - s / 1000) for s in range(1, 1001)]
        evals = [(s * 100, 2.0 - s / 1000) for s in range(100, 1001, 100)]  # on the line
        chart.set_data(train, evals)
        await pilot.pause()
        assert len(rows_with_colour(chart, LossChart.EVAL_STYLE)) >= 5


async def test_the_runs_overlay_shows_an_overfitting_rise(tmp_path):
    folder = tmp_path / "ckpt" / "run-1"
    folder.mkdir(parents=True)
    train, evals = overfitting_run()
    lines = [{"kind": "step", "tokens": x, "loss": y} for x, y in train]
    lines += [{"kind": "eval", "tokens": x, "loss": y} for x, y in evals]
    (folder / "metrics.jsonl").write_text("\n".join(json.dumps(line) for line in lines))
    (folder / "run.json").write_text(json.dumps({"status": "done", "config": {}}))
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("b")
        await pilot.pause()
        assert isinstance(app.screen, RunsScreen)
        chart = app.screen.query_one(OverlayChart)
        colour = chart.series[1].colour
        marks = mark_rows_by_column(chart, colour)
        assert marks, "the validation points are on screen"
        lowest = max(marks.values())
        assert lowest - marks[max(marks)] >= 2
