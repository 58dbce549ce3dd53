"""Pilot tests of the Compare view: a real race of tiny models in one thread worker.

Every test ends with the race's worker stopped and every contender's run
folder closed with a status (checked from disk through list_runs).
"""

from __future__ import annotations

from rnnplay.core.store.run_folder import list_runs
from rnnplay.tui.screens.compare import CompareScreen
from tests.tui.app_helpers import make_app, press_live, wait_for

SIZE = (120, 40)


def steps_of(screen: CompareScreen) -> list[int]:
    return [trainer.step_count for trainer in trainers(screen)]


def trainers(screen: CompareScreen):
    assert screen.session is not None
    return [c.trainer for c in screen.session.race.contenders]


async def open_compare(pilot) -> CompareScreen:
    await pilot.press("m")
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, CompareScreen)
    return screen


async def test_m_opens_the_compare_view_with_three_cells_picked(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_compare(pilot)
        assert screen.picked() == ["rnn", "lstm", "gru"]
        assert screen.session is None  # nothing is opened before the race starts
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, CompareScreen)


async def test_space_races_every_contender_and_space_pauses(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_compare(pilot)
        await pilot.press("space")
        await wait_for(pilot, lambda: min(steps_of(screen)) >= 20)
        await press_live(pilot, "space")
        assert screen.session.wait_idle(5.0)
        await pilot.pause()
        steps = steps_of(screen)
        assert len(set(steps)) == 1 and steps[0] >= 20  # rotation: equal steps
        await pilot.pause(0.3)
        assert steps_of(screen) == steps  # paused stays paused
        await wait_for(pilot, lambda: [r.steps for r in screen.results] == steps)
        chart = screen.query_one("#loss-overlay")
        assert [s.label for s in chart.series if s.in_legend] == ["rnn", "lstm", "gru"]
        await pilot.press("escape")
        await pilot.pause()
    runs = list_runs(sorted((tmp_path / "ckpt").glob("race-*")))
    assert sorted(r.config["cell"] for r in runs) == ["gru", "lstm", "rnn"]
    assert {r.status for r in runs} == {"interrupted"}


async def test_n_steps_every_contender_once(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_compare(pilot)
        await pilot.press("n")
        assert screen.session is not None and screen.session.wait_idle(5.0)
        assert steps_of(screen) == [1, 1, 1]
        await pilot.press("n")
        assert screen.session.wait_idle(5.0)
        await pilot.pause()
        assert steps_of(screen) == [2, 2, 2]
        await wait_for(pilot, lambda: all(t.strip() for t in sample_texts(screen)))
        await pilot.press("escape")
        await pilot.pause()


def sample_texts(screen: CompareScreen) -> list[str]:
    return [str(box.render()) for box in screen.query(".race-sample")]


async def test_two_contenders_race_and_one_is_refused(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_compare(pilot)
        picker = screen.query_one("#pick")
        picker.deselect("rnn")
        await pilot.press("n")
        assert screen.session.wait_idle(5.0)
        assert screen.names == ["lstm", "gru"] and steps_of(screen) == [1, 1]
        await pilot.press("escape")
        await pilot.pause()
        screen = await open_compare(pilot)
        screen.query_one("#pick").deselect("rnn")
        screen.query_one("#pick").deselect("lstm")
        await pilot.press("n")
        await pilot.pause()
        assert screen.session is None  # one contender is no race
        await pilot.press("escape")


async def test_q_with_the_race_running_quits_promptly_and_closes_every_run(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_compare(pilot)
        await pilot.press("space")
        await wait_for(pilot, lambda: min(steps_of(screen)) >= 5)
        assert screen.session.running
        await press_live(pilot, "q")
        await wait_for(pilot, lambda: not app.is_running, timeout=10.0)
    runs = list_runs(sorted((tmp_path / "ckpt").glob("race-*")))
    assert len(runs) == 3
    for run in runs:
        assert run.status == "interrupted"
        assert run.writer_pid is None or run.status != "running"
        assert (run.path / "last.npz").exists()
        assert run.steps == steps_of(screen)[0]
    race_folder = runs[0].path.parent
    assert (race_folder / "race.json").exists()
