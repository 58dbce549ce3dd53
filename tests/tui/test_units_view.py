"""Honest units in the playground: the u key, the reference lines, evenly spaced ticks."""

from __future__ import annotations

import itertools
import math

import pytest
from textual.app import App, ComposeResult

from rnnplay.core.data.stats import reference_lines, unigram_entropy
from rnnplay.core.train.units import UNITS, convert
from rnnplay.tui.widgets.braille import even_tick_range, ticks
from rnnplay.tui.widgets.loss_chart import LossChart
from rnnplay.tui.widgets.status import StatusPanel
from tests.tui.app_helpers import make_app


def test_unigram_entropy_equals_the_hand_computed_value():
    """'aab' has p(a)=2/3, p(b)=1/3: H = -(2/3 ln 2/3 + 1/3 ln 1/3)."""
    by_hand = -(2 / 3 * math.log(2 / 3) + 1 / 3 * math.log(1 / 3))
    assert unigram_entropy([0, 0, 1], 2) == pytest.approx(by_hand)


async def test_the_chart_draws_the_datasets_reference_lines_in_every_unit(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("n")  # reference lines are drawn with the first points
        await app.wait_idle(5.0)
        await pilot.pause()
        chart = app.query_one(LossChart)
        chart.flush()
        expected = [
            (line.label, line.nats) for line in reference_lines(app.session.trainer.dataset)
        ]
        assert chart.references == expected
        assert chart.references[0][1] == pytest.approx(
            math.log(len(app.session.trainer.dataset.vocab))
        )
        for unit in UNITS[1:] + UNITS[:1]:  # u cycles bits, ppl, back to nats
            await pilot.press("u")
            assert app.unit == chart.unit == unit
            assert unit_of_title(chart) == unit
            frame = "\n".join(s.text for s in chart.render_frame(80, 20))
            assert "uniform" in frame and "unigram" in frame


def unit_of_title(chart: LossChart) -> str:
    title = str(chart.border_title)
    return {"nats/token": "nats", "bits/token": "bits", "perplexity": "ppl"}[
        title.split("(")[1].split(")")[0]
    ]


async def test_u_changes_the_status_panels_losses(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("n")
        await app.wait_idle(5.0)
        await pilot.pause()
        loss = app.session.last_step.loss
        await pilot.press("u")
        await pilot.pause()
        panel = app.query_one(StatusPanel)
        assert panel.info.unit == "bits"
        text = "\n".join("".join(t for t, _ in line) for line in panel._format())
        assert f"{convert(loss, 'bits'):.3f} bits" in text


class ChartApp(App[None]):
    def compose(self) -> ComposeResult:
        yield LossChart()


SPANS = [(1.2, 4.3), (0.0, 5.0), (2.0, 2.0), (1.01, 1.09), (0.3, 7.9)]


async def test_tick_rows_are_evenly_spaced_at_every_height():
    """Every plot height from 3 to 44 rows and several spans: the tick rows are
    equally far apart (they were off by one where the height did not divide)."""
    async with ChartApp().run_test(size=(60, 50)) as pilot:
        chart = pilot.app.query_one(LossChart)
        for span in SPANS:
            chart.set_data([(0, span[0])], [(50, span[0]), (100, span[1])])
            for rows in range(3, 45):
                lines = [strip.text for strip in chart.render_frame(40, rows + 2)][:rows]
                tick_rows = [i for i, line in enumerate(lines) if "┤" in line]
                gaps = {b - a for a, b in itertools.pairwise(tick_rows)}
                start, end, step, spacing = even_tick_range(*span, rows)
                assert len(tick_rows) == len(ticks(start, end, step)) >= 2, (span, rows)
                assert gaps == {spacing}, (span, rows, tick_rows)
