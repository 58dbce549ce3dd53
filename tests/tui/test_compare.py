"""Pilot tests of the Compare view: a real race of tiny models in one thread worker.

Every test ends with the race's worker stopped and every contender's run
folder closed with a status (checked from disk through list_runs).
"""

from __future__ import annotations

from rnnplay.core.store.run_summaries import list_runs
from rnnplay.tui.screens.compare import CompareScreen, contender_config, other_hidden
from tests.tui.app_helpers import make_app, press_live, tiny_config, wait_for

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


async def test_a_fourth_contender_at_another_hidden_size_races_and_a_fifth_is_refused(tmp_path):
    app = make_app(tmp_path)  # hidden 32: the picker's second size is 64
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_compare(pilot)
        picker = screen.query_one("#pick")
        picker.select("lstm@64")
        picker.select("gru@64")
        await pilot.press("n")
        await pilot.pause()
        assert screen.session is None  # five contenders are refused, nothing opened
        picker.deselect("gru@64")
        await pilot.press("n")
        assert screen.session is not None and screen.session.wait_idle(5.0)
        assert steps_of(screen) == [1, 1, 1, 1]  # one round: all four, once
        assert [t.config.hidden for t in trainers(screen)] == [32, 32, 32, 64]
        assert screen.names == [
            "rnn hidden=32", "lstm hidden=32", "gru hidden=32", "lstm hidden=64",
        ]  # fmt: skip
        await pilot.press("n")
        assert screen.session.wait_idle(5.0)
        assert steps_of(screen) == [2, 2, 2, 2]
        await pilot.pause()
        assert len(screen.query(".race-sample")) == 4
        await pilot.press("escape")
        await pilot.pause()
    runs = list_runs(sorted((tmp_path / "ckpt").glob("race-*")))
    assert sorted((r.config["cell"], r.config["hidden"]) for r in runs) == [
        ("gru", 32), ("lstm", 32), ("lstm", 64), ("rnn", 32),
    ]  # fmt: skip
    assert {r.steps for r in runs} == {2}


def test_the_second_hidden_size_doubles_small_models_and_keeps_tied_weights_valid():
    assert (other_hidden(32), other_hidden(128), other_hidden(256)) == (64, 256, 128)
    base = tiny_config(embed=32, hidden=32, tie=True)
    config = contender_config(base, "gru@64").validate()
    assert (config.cell, config.hidden, config.embed, config.tie) == ("gru", 64, 64, True)
    plain = contender_config(tiny_config(), "rnn@64")
    assert (plain.cell, plain.hidden, plain.embed) == ("rnn", 64, 16)
    assert contender_config(base, "lstm") == base.replace(cell="lstm")


async def test_compare_and_runs_footers_show_their_own_keys_not_m_and_b(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        assert {"m", "b"} <= set(footer_keys(app))  # the main view offers both
        screen = await open_compare(pilot)
        shown = footer_keys(app)
        assert {"space", "n", "u", "escape", "q"} <= set(shown)
        assert "m" not in shown and "b" not in shown
        await pilot.press("b")  # inert here: no Runs screen over the race
        await pilot.pause()
        assert app.screen is screen
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("b")
        await pilot.pause()
        shown = footer_keys(app)
        assert {"space", "o", "g", "u", "escape"} <= set(shown)
        assert "m" not in shown and "b" not in shown
        await pilot.press("m")  # inert here too
        await pilot.pause()
        assert not isinstance(app.screen, CompareScreen)
        await pilot.press("escape")


def footer_keys(app) -> list[str]:
    """The keys the footer would show now (bindings that are shown and allowed)."""
    return [
        key
        for key, active in app.screen.active_bindings.items()
        if active.binding.show and active.enabled
    ]


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
