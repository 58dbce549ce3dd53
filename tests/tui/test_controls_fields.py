"""Dropout, schedule and sample length in the Controls panel, driven by keys (issue 24, 11).

Each field is reached with Tab on the Controls tab at 80x24, typed or chosen,
and applied with Enter: the sample length reaches the next sample, dropout and
the schedule reach the trainer between two steps and the run folder (a
``setting`` line, run.json's config, last.npz, which a resume reads). A value
that cannot be used gives one notice and changes nothing.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from textual.widgets import Input, Select

from rnnplay.core.train.trainer import Trainer
from rnnplay.tui.widgets.sample_view import SampleView
from tests.tui.app_helpers import make_app, record_notifications, wait_for

SMALL = (80, 24)


async def tab_to(pilot, app, field_id: str) -> None:
    """On the Controls tab, Tab from the first field until ``field_id`` has focus."""
    if app.focused is not None:
        await pilot.press("escape")  # out of a field first: 4 would be typed into it
    await pilot.press("4", "tab")
    for _ in range(30):
        if app.focused is not None and app.focused.id == field_id:
            return
        await pilot.press("tab")
    raise AssertionError(f"tab never reached #{field_id}")


async def type_into(pilot, app, field_id: str, text: str) -> Input:
    """Reach the field, replace its text by typing, press Enter."""
    await tab_to(pilot, app, field_id)
    field = app.focused
    assert isinstance(field, Input)
    await pilot.press("ctrl+a", "ctrl+k", *text, "enter")  # home, clear to the end, type
    return field


SLOW_MACHINE_S = 60.0
"""How long a step or a sample may take on a loaded machine (the first step also
compiles the fused loops); a bound for waiting, not a speed test."""


async def take_sample(pilot, app) -> int:
    """Leave the field, press g, wait for the sample: its generated token count."""
    run = app.samples.run_id
    await pilot.press("escape", "g")
    await wait_for(
        pilot, lambda: app.samples.run_id > run and not app.samples.active, SLOW_MACHINE_S
    )
    await pilot.pause(0.3)  # the sample tick hands the panel what arrived
    return app.query_one(SampleView).token_count


async def one_step(pilot, app) -> None:
    """Leave the field, press n, wait until that step is done and recorded."""
    steps = app.session.trainer.step_count
    await pilot.press("escape", "n")
    session = app.session
    await wait_for(
        pilot, lambda: not session.running and session.trainer.step_count > steps, SLOW_MACHINE_S
    )
    await pilot.pause()


def metrics(folder: Path) -> list[dict]:
    return [json.loads(line) for line in (folder / "metrics.jsonl").read_text().splitlines()]


# -- sample length -------------------------------------------------------------------
async def test_a_typed_sample_length_is_the_next_samples_length(tmp_path):
    app = make_app(tmp_path)  # 24-token samples
    async with app.run_test(size=SMALL) as pilot:
        assert app.query_one("#sample_length", Input).value == "24"
        await type_into(pilot, app, "sample_length", "57")
        assert await take_sample(pilot, app) == 57
        await type_into(pilot, app, "sample_length", "auto")
        assert app.samples.tokens is None
        assert app.query_one("#sample_length", Input).value == "auto"
        expected = app.samples.length_for(app.session.trainer.dataset.vocab.level)
        assert await take_sample(pilot, app) == expected


async def test_a_sample_length_that_cannot_be_used_is_refused_once_and_kept(tmp_path):
    app = make_app(tmp_path)
    seen = record_notifications(app)
    async with app.run_test(size=SMALL) as pilot:
        for bad in ("0", "many", "999999"):
            seen.clear()
            field = await type_into(pilot, app, "sample_length", bad)
            await pilot.press("escape")  # leaving the field: no second notice
            errors = [text for text, severity in seen if severity == "error"]
            assert errors == [
                f"sample length must be auto or a whole number from 1 to 20,000, got {bad!r}"
            ]
            assert field.value == bad and field.has_class("-invalid")  # nothing lost
            assert app.samples.tokens == 24  # nothing applied


# -- dropout ---------------------------------------------------------------------------
async def test_dropout_applies_between_steps_and_is_recorded(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SMALL) as pilot:
        await one_step(pilot, app)  # the run has a folder and a metrics file now
        await type_into(pilot, app, "dropout", "0.3")
        trainer = app.session.trainer
        assert trainer.config.dropout == 0.3
        assert [layer.ratio for layer in trainer.model.dropouts] == [0.3, 0.3]
        await one_step(pilot, app)
        folder = app.place.folder
        assert folder is not None
        manifest = json.loads((folder / "run.json").read_text())
        assert manifest["config"]["dropout"] == 0.3
        settings = [r for r in metrics(folder) if r["kind"] == "setting"]
        assert settings == [{"kind": "setting", "step": 1, "tokens": 32, "dropout": 0.3}]
        assert [r["step"] for r in metrics(folder) if r["kind"] == "train"] == [1, 2]
    # quit wrote last.npz: a resumed run trains with the recorded dropout
    resumed = Trainer.resume(folder / "last.npz")
    assert resumed.config.dropout == 0.3 and resumed.model.config.dropout == 0.3
    assert [layer.ratio for layer in resumed.model.dropouts] == [0.3, 0.3]


async def test_a_dropout_outside_zero_to_one_is_refused_and_changes_nothing(tmp_path):
    app = make_app(tmp_path)
    seen = record_notifications(app)
    async with app.run_test(size=SMALL) as pilot:
        field = await type_into(pilot, app, "dropout", "1.5")
        errors = [text for text, severity in seen if severity == "error"]
        assert errors == ["dropout must lie in [0, 1) (0 turns it off)"]
        assert field.value == "1.5" and field.has_class("-invalid")
        assert app.session.trainer.config.dropout == 0.0
        seen.clear()
        await type_into(pilot, app, "dropout", "lots")
        assert [text for text, s in seen if s == "error"] == ["dropout: not a number"]
        assert app.session.trainer.model.dropouts[0].ratio == 0.0


# -- schedule ----------------------------------------------------------------------------
async def test_the_schedule_is_chosen_with_keys_and_reaches_trainer_and_record(tmp_path):
    app = make_app(tmp_path)
    seen = record_notifications(app)
    async with app.run_test(size=SMALL) as pilot:
        await one_step(pilot, app)
        lr = app.session.lr
        await tab_to(pilot, app, "schedule")
        select = app.focused
        assert isinstance(select, Select) and select.value == "constant"
        await pilot.press("enter", "down", "enter")  # open the list, the next one, choose
        await pilot.pause()
        trainer = app.session.trainer
        assert select.value == "plateau"
        assert trainer.schedule.name == "plateau" and trainer.config.schedule == "plateau"
        assert trainer.lr == lr  # the rate goes on from where it was
        assert any("schedule plateau" in text for text, _ in seen)
        await one_step(pilot, app)
        folder = app.place.folder
        manifest = json.loads((folder / "run.json").read_text())
        assert manifest["config"]["schedule"] == "plateau"
        assert {"kind": "setting", "step": 1, "tokens": 32, "schedule": "plateau"} in metrics(
            folder
        )
    resumed = Trainer.resume(folder / "last.npz")
    assert resumed.schedule.name == "plateau" and resumed.config.schedule == "plateau"


async def test_a_reset_keeps_the_live_dropout_and_schedule(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SMALL) as pilot:
        await type_into(pilot, app, "dropout", "0.2")
        await tab_to(pilot, app, "schedule")
        await pilot.press("enter", "down", "enter")  # plateau
        old = app.session
        await pilot.press("escape", "r")
        await pilot.press("y")
        await wait_for(pilot, lambda: app.session is not old and not app.changing, SLOW_MACHINE_S)
        config = app.session.trainer.config
        assert config.dropout == 0.2 and config.schedule == "plateau"
        assert app.session.trainer.model.dropouts[0].ratio == 0.2  # new weights, same dropout
        assert app.query_one("#dropout", Input).value == "0.2"
        assert app.query_one("#schedule", Select).value == "plateau"


# -- reachable ---------------------------------------------------------------------------
async def test_tab_reaches_the_new_fields_on_screen_at_80x24(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SMALL) as pilot:
        for name in ("schedule", "dropout", "sample_length"):
            await tab_to(pilot, app, name)
            await pilot.pause()
            region = app.focused.region
            assert region.height == 1 and 0 < region.y < SMALL[1] - 1, name  # scrolled into view
            await pilot.press("escape")


@pytest.mark.parametrize("size", [(120, 40), (160, 50)])
async def test_in_the_grid_tab_reaches_the_new_fields_and_the_button_in_view(tmp_path, size):
    """Wide layouts: Tab goes round every field; the ones the panel has to scroll to
    (at 120x40) come into view inside the Controls panel when they get focus."""
    app = make_app(tmp_path)
    async with app.run_test(size=size) as pilot:
        panel = app.query_one("#controls").content_region
        app.query_one("#hidden", Input).value = "40"  # a pending change: the button works
        wanted = {"schedule", "dropout", "sample_length", "apply"}
        for _ in range(40):
            await pilot.press("tab")
            await pilot.pause()
            focused = app.focused
            if focused is not None and focused.id in wanted:
                wanted.discard(focused.id)
                region = focused.region
                assert region.height == 1 and panel.contains_region(region), focused.id
            if not wanted:
                break
        assert not wanted, f"tab never reached {wanted}"


# -- lessons ---------------------------------------------------------------------------
async def test_a_lesson_hides_the_new_fields_from_view_and_from_tab(tmp_path):
    from rnnplay.core.lessons.loader import load_lesson

    path = tmp_path / "lesson.toml"
    path.write_text(
        'title = "T"\ngoal = "G"\n[hide]\n'
        'controls = ["schedule", "dropout", "sample_length"]\n[[cards]]\ndo = "x"\n'
    )
    lesson = load_lesson(str(path))
    app = make_app(tmp_path, config=lesson.config(), lesson=lesson)
    async with app.run_test(size=SMALL) as pilot:
        for name in ("schedule", "dropout", "sample_length"):
            field = app.query_one(f"#controls #{name}")
            assert field.disabled and not field.parent.display
        await pilot.press("4", "tab")
        reached = set()
        for _ in range(20):
            reached.add(app.focused.id)
            await pilot.press("tab")
        assert {"lr", "temperature", "top_k"} <= reached
        assert not reached & {"schedule", "dropout", "sample_length"}


@pytest.mark.parametrize(
    ("limit", "said"),
    [({"max_steps": 100}, "decays to a tenth by step 100"), ({}, "no step limit ahead")],
)
async def test_choosing_cosine_says_where_it_decays_to(tmp_path, limit, said):
    from tests.tui.app_helpers import tiny_config

    app = make_app(tmp_path, config=tiny_config(**limit))
    seen = record_notifications(app)
    async with app.run_test(size=SMALL) as pilot:
        await tab_to(pilot, app, "schedule")
        await pilot.press("enter", "down", "down", "enter")
        await pilot.pause()
        assert app.session.trainer.schedule.name == "cosine"
        assert any(said in text for text, _ in seen)


def test_a_value_the_engine_refuses_is_reported_and_changes_nothing() -> None:
    """Behind the field's own check, the session reports the engine's refusal."""
    from rnnplay.tui.training import TrainingSession, build_trainer
    from tests.tui.app_helpers import tiny_config

    session = TrainingSession(build_trainer(tiny_config()), lambda message: None)
    said: list[str | None] = []
    session.set_setting("dropout", 1.5, done=said.append)
    assert said == ["--dropout must lie in [0, 1), got 1.5"]
    assert session.setting("dropout") == 0.0 and session.trainer.config.dropout == 0.0
    session.set_setting("schedule", "plateau", done=said.append)
    assert said[-1] is None and session.setting("schedule") == "plateau"
