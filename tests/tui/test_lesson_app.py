"""A lesson in the playground: its card panel, its keys, what it hides, the setup line."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from rnnplay.cli import build_parser
from rnnplay.cli.playground import options_from_args
from rnnplay.core.lessons.loader import builtin_names, load_lesson
from rnnplay.core.lessons.schema import CONTROLS, KEYS, PANELS
from rnnplay.core.runs.setup_line import setup_line
from rnnplay.tui import keys
from rnnplay.tui.lesson_guide import PANEL_IDS
from rnnplay.tui.screens.help import help_plain_text
from rnnplay.tui.widgets.controls import LABELS
from rnnplay.tui.widgets.lesson_panel import LessonPanel
from tests.tui.app_helpers import make_app, record_notifications

SIZE = (160, 50)


def test_the_lesson_names_match_the_playground() -> None:
    """Every name a lesson can hide has its widget or key here, and nothing more."""
    assert set(PANEL_IDS) == set(PANELS)
    assert set(keys.LESSON_KEYS) == set(KEYS)
    assert set(CONTROLS) == set(LABELS)
    table = {keys.action_name(a.action) for a in keys.ACTIONS}
    for actions in keys.LESSON_KEYS.values():
        assert actions <= table


def lesson_app(tmp_path: Path, name: str):
    lesson = load_lesson(name)
    return make_app(tmp_path, config=lesson.config(), lesson=lesson), lesson


def palette_titles(app) -> set[str]:
    return {command.title for command in app.get_system_commands(app.screen)}


def footer_actions(app) -> set[str]:
    return {
        keys.action_name(binding.action)
        for _key, (_node, binding, enabled, _tip) in app.active_bindings.items()
        if binding.show and enabled
    }


@pytest.mark.parametrize("name", builtin_names())
async def test_every_builtin_lesson_opens_with_cards_and_hides_what_it_says(
    name: str, tmp_path: Path
) -> None:
    app, lesson = lesson_app(tmp_path, name)
    async with app.run_test(size=SIZE) as pilot:
        panel = app.query_one(LessonPanel)
        assert panel.index == 0
        assert "card 1/" in str(panel.border_subtitle)
        first = panel.card_text
        # Cards advance with l and go back with h; the last card stays.
        for number in range(2, len(lesson.cards) + 1):
            await pilot.press("l")
            assert panel.index == number - 1
            assert f"card {number}/{len(lesson.cards)}" in str(panel.border_subtitle)
        await pilot.press("l")
        assert panel.index == len(lesson.cards) - 1
        for _ in lesson.cards:
            await pilot.press("h")
        assert panel.index == 0 and panel.card_text == first

        # Hidden panels are not drawn and cannot take focus.
        for panel_name in lesson.hidden_panels:
            widget = app.query_one(f"#{PANEL_IDS[panel_name]}")
            assert not widget.visible and widget.disabled
            assert all(not child.focusable for child in widget.query("*"))
        # Hidden controls are out of the Controls panel.
        for control in lesson.hidden_controls:
            field = app.query_one(f"#controls #{control}")
            assert field.disabled and not field.parent.display
        # Hidden keys: not run, not in the footer, the palette or the help.
        gone = app.hidden
        assert gone, "every built-in lesson takes some key away"
        titles = palette_titles(app)
        help_text = help_plain_text(tabs=False, lesson=True, hidden=gone)
        for action in keys.ACTIONS:
            if keys.action_name(action.action) in gone:
                assert app.check_action(keys.action_name(action.action), ()) is False
                assert action.title not in titles
                assert f"{action.display}  {action.description}" not in help_text
        assert not footer_actions(app) & gone
        assert "Next lesson card" in titles and "Copy setup line" in titles
        if "open" in gone:
            await pilot.press("o")
            assert app.screen is app.screen_stack[0]  # no open dialog


async def test_without_a_lesson_the_card_keys_do_not_exist(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE):
        assert not app.query(LessonPanel)
        assert app.check_action("next_card", ()) is False
        assert "Next lesson card" not in palette_titles(app)
        assert "next card" not in help_plain_text(tabs=False)


async def test_cards_quote_the_figures_on_screen(tmp_path: Path) -> None:
    app, _lesson = lesson_app(tmp_path, "vanishing-gradients")
    async with app.run_test(size=SIZE) as pilot:
        panel = app.query_one(LessonPanel)
        assert "(rnn)" in panel.card_text and "64 characters" in panel.card_text
        await pilot.press("l")
        assert "50 steps back is …" in panel.card_text  # no probe yet
        app.note_grad_flow([[2.0] + [1.0] * 49 + [0.002]])
        app.refresh_lesson()
        assert "50 steps back is 0.001 of" in panel.card_text


async def test_the_copied_setup_line_parses_back_to_the_same_config(tmp_path: Path) -> None:
    app, _lesson = lesson_app(tmp_path, "temperature")
    copied: list[str] = []
    async with app.run_test(size=SIZE):
        seen = record_notifications(app)
        app.copy_to_clipboard = copied.append  # type: ignore[method-assign]
        app.action_copy_setup()
        line = copied[-1]
        assert line.startswith("rnnplay --lesson temperature")
        argv = shlex.split(line)[1:]
        parsed = options_from_args(build_parser().parse_args(argv)).config
        assert parsed == app.session.config
        assert any(message == line for message, _severity in seen)


@pytest.mark.parametrize(
    "changes",
    [{}, {"cell": "gru", "hidden": 48, "lr": 0.0125}, {"tie": True, "embed": 64, "hidden": 64},
     {"corpus": "toy", "level": "word", "dropout": 0.25, "max_steps": 70},
     {"schedule": "epoch-decay", "decay_after": 2, "decay_factor": 0.25, "epochs": 5.0}],
)  # fmt: skip
def test_a_setup_line_without_a_lesson_reproduces_the_config(changes) -> None:
    from rnnplay.core.train.config import TrainConfig

    config = TrainConfig(**changes).validate()
    argv = shlex.split(setup_line(config))[1:]
    assert options_from_args(build_parser().parse_args(argv)).config == config


def lesson_snapshot_app():
    lesson = load_lesson("vanishing-gradients")
    from tests.tui.app_helpers import tiny_config

    return make_app(config=tiny_config(cell="rnn", bptt=64), lesson=lesson)


def seeded_lesson(pilot) -> None:
    from tests.tui.app_helpers import seed_mid_training
    from tests.tui.panel_apps import decaying_norms

    seed_mid_training(pilot.app)
    pilot.app.note_eval(1.71)
    pilot.app.note_grad_flow([decaying_norms(64, 0.7)])
    pilot.app.query_one(LessonPanel).move(1)
    pilot.app.refresh_lesson()


def test_lesson_panel_80x24(snap_compare):
    assert snap_compare(lesson_snapshot_app(), terminal_size=(80, 24), run_before=seeded_lesson)


def test_lesson_panel_160x50(snap_compare):
    assert snap_compare(lesson_snapshot_app(), terminal_size=(160, 50), run_before=seeded_lesson)


def test_a_lessons_race_picks_the_compare_views_contenders() -> None:
    from rnnplay.tui.screens.compare import pick_options

    rows = pick_options(64, ("gru", "lstm@128", "rnn@32"))
    picked = [value for _label, value, on in rows if on]
    assert picked == ["gru", "lstm@128", "rnn@32"]
    assert [value for _l, value, on in pick_options(64) if on] == ["rnn", "lstm", "gru"]


async def test_the_playground_leaves_the_board_its_card_and_sample(tmp_path: Path) -> None:
    from rnnplay.core.runs.board import read_board_status
    from rnnplay.tui.screens import HelpScreen

    app, lesson = lesson_app(tmp_path, "hidden-units")
    async with app.run_test(size=SIZE) as pilot:
        app.write_board_note()  # no run folder yet: nothing written, nothing fails
        folder = app.place.ensure_folder()
        app.write_board_note()
        note = read_board_status(folder)
        assert (note["card"], note["cards"], note["lesson"]) == (1, len(lesson.cards), lesson.title)
        assert note["sample"] is None
        await pilot.press("l")
        app.push_screen(HelpScreen())  # a screen on top: the note still finds the panels
        await pilot.pause()
        app.write_board_note()
        note = read_board_status(folder)
        assert note["card"] == 2 and note["card_text"] == app.query_one(LessonPanel).card_text
