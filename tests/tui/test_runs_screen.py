"""The Runs screen: run folders listed newest first, curves overlaid, a run continued."""

from __future__ import annotations

import math

import numpy as np

from rnnplay.tui.screens.compare import CompareScreen
from rnnplay.tui.screens.runs import RunsScreen, read_curves
from rnnplay.tui.widgets.overlay_chart import OverlayChart
from tests.tui.app_helpers import make_app, wait_for

SIZE = (120, 40)


async def race_two_rounds(pilot) -> None:
    """Leave three contenders' run folders (2 steps each) under the app's runs_dir."""
    await pilot.press("m")
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, CompareScreen)
    for _ in range(2):
        await pilot.press("n")
        assert screen.session.wait_idle(5.0)
    await pilot.press("escape")
    await wait_for(pilot, lambda: not isinstance(pilot.app.screen, CompareScreen))


async def test_runs_lists_the_race_marks_overlay_and_o_continues_one(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await race_two_rounds(pilot)
        await pilot.press("b")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, RunsScreen)
        names = sorted(row["name"] for row in screen.rows)
        assert names == ["race-1/gru", "race-1/lstm", "race-1/rnn"]
        assert {row["steps"] for row in screen.rows} == {2}
        assert {row["status"] for row in screen.rows} == {"interrupted"}
        chart = screen.query_one(OverlayChart)
        assert len([s for s in chart.series if s.points]) >= 1  # the cursor's run
        await pilot.press("space", "down", "space")
        await pilot.pause()
        assert screen.marked == {0, 1}
        legend = [s.label for s in chart.series if s.in_legend and s.points]
        assert legend == [screen.rows[0]["name"], screen.rows[1]["name"]]
        cell = screen.rows[1]["model"].split()[0]
        await pilot.press("o")
        await wait_for(pilot, lambda: app.session.trainer.config.cell == cell, timeout=10)
        assert app.session.trainer.step_count == 2
        assert not isinstance(app.screen, RunsScreen)


async def test_runs_screen_with_no_runs_says_so(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("b")
        await pilot.pause()
        assert isinstance(app.screen, RunsScreen) and app.screen.rows == []
        await pilot.press("o")  # nothing to open: nothing happens
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, RunsScreen)


def test_read_curves_skips_a_line_cut_short(tmp_path):
    path = tmp_path / "metrics.jsonl"
    path.write_text(
        '{"kind": "train", "tokens": 32, "loss": 4.1}\n'
        '{"kind": "eval", "tokens": 32, "loss": 4.0}\n'
        '{"kind": "train", "tok'
    )
    assert read_curves(path) == ([(32, 4.1)], [(32, 4.0)])
    assert read_curves(tmp_path / "missing.jsonl") == ([], [])


def seeded_rows() -> tuple[list[dict], dict]:
    rows, curves = [], {}
    for i, (cell, final) in enumerate((("gru", 1.8), ("lstm", 1.75), ("rnn", 2.1))):
        path = f"/runs/race-1/{cell}"
        rows.append(
            {
                "name": f"race-1/{cell}", "path": path, "model": f"{cell} 1x32 (embed 16)",
                "corpus": "sonnets", "level": "char", "steps": 600,
                "best_val_loss": final + 0.08, "last_val_loss": final + 0.11,
                "training_s": 41.0 + i, "created": f"2026-01-0{3 - i}T10:00:00",
                "status": "done",
            }
        )  # fmt: skip
        steps = np.arange(1, 601)
        loss = final + (math.log(62) - final) * np.exp(-steps / (120 + 40 * i))
        train = [(int(s) * 32, float(v)) for s, v in zip(steps, loss, strict=True)]
        evals = [(int(s) * 32, float(loss[s - 1] + 0.08)) for s in range(100, 601, 100)]
        curves[path] = (train, evals)
    return rows, curves


async def mark_two(pilot) -> None:
    rows, curves = seeded_rows()
    await pilot.app.push_screen(RunsScreen(rows, curves))
    await pilot.pause()
    await pilot.press("space", "down", "down", "space")
    await pilot.pause()


def test_runs_screen_80x24(snap_compare):
    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=mark_two)


def test_runs_screen_160x50(snap_compare):
    assert snap_compare(make_app(), terminal_size=(160, 50), run_before=mark_two)
