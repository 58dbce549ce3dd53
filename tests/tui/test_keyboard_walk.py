"""A keyboard-only walk of the playground (issue 24, "Done when"): every control the help
lists is reached from the keyboard at 80x24 and at larger sizes, and does what it says.

Nothing here is a hand-typed list. The keys come from the one key table
(:data:`rnnplay.tui.keys.ACTIONS`: each action applies where the help lists it,
each of its keys is pressed; :mod:`tests.tui.walk_checks` says what each one
must do, and an action without a check fails by name). The fields are the
Controls panel's own widgets, whatever they are: each is reached by Tab and by
shift+Tab from the main view, is on screen when focused (the panel scrolls to
it), and is edited by keys; "apply & reset" is then pressed by Enter.
"""

from __future__ import annotations

import re

import pytest
from textual.widgets import Button, Input, Select

from rnnplay.core.data.corpus import resolve_corpus
from rnnplay.core.lessons.loader import load_lesson
from rnnplay.tui import keys
from rnnplay.tui.app import RnnPlayApp
from rnnplay.tui.screens.confirm import ConfirmScreen
from rnnplay.tui.training import builtin_corpus_names
from rnnplay.tui.widgets.control_values import LIVE_CHOICES, LIVE_INPUTS
from rnnplay.tui.widgets.controls import Controls
from tests.tui.app_helpers import make_app, wait_for, wait_thread_gone
from tests.tui.walk_checks import CHECKS, settle

SIZES = [(80, 24), (120, 40)]
LIVE = frozenset(LIVE_INPUTS) | frozenset(LIVE_CHOICES)
"""The fields that apply at once (the rest wait for "apply & reset")."""
CONTROL_SIZES = [(80, 24), (110, 32)]
"""110x32: the smallest size with every panel on screen, where the Controls scroll (at
120x40 they fit today; the larger walk is the keys')."""


def listed_actions(app: RnnPlayApp) -> list[keys.KeyAction]:
    """The key table's actions that apply in the main view now (the help's list)."""
    lesson = app.lesson is not None
    return [
        a
        for a in keys.ACTIONS
        if keys.applies(a, tabs=app.tabs_shown, field=True, lesson=lesson, hidden=app.hidden)
    ]


async def assert_back_at_main(pilot, app: RnnPlayApp) -> None:
    await settle(pilot, app)
    assert len(app.screen_stack) == 1, app.screen_stack
    assert app.focused is None, app.focused
    assert not app.session.running


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_every_key_the_help_lists_does_what_it_says(size, tmp_path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=size) as pilot:
        actions = listed_actions(app)
        assert not [a.action for a in actions if a.action not in CHECKS], "unchecked keys"
        rows = keys.help_rows(tabs=app.tabs_shown)
        written = " ".join(k for k, _ in rows)
        for action in actions:
            if action.action != "leave_field" and action.where != "tabs":
                assert action.display in written, f"the help leaves out {action.action}"
        for action in actions:
            if action.action == "quit":
                continue  # its own test: it ends the walk
            for key in action.keys.split(","):
                await CHECKS[action.action](pilot, app, key)
                await assert_back_at_main(pilot, app)
    await wait_thread_gone(app)


@pytest.mark.parametrize("key", sorted(keys.keys_of("quit")))
async def test_each_quit_key_quits(key, tmp_path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("n")
        await settle(pilot, app)
        await CHECKS["quit"](pilot, app, key)
    assert app.return_value == 0
    await wait_thread_gone(app)


async def test_a_lessons_card_keys_work(tmp_path) -> None:
    lesson = _first_builtin_lesson()
    app = make_app(tmp_path, config=lesson.config(), lesson=lesson)
    async with app.run_test(size=(80, 24)) as pilot:
        card_actions = [a for a in listed_actions(app) if a.where == "lesson"]
        assert card_actions, "a lesson's help lists its card keys"
        for action in card_actions:
            for key in action.keys.split(","):
                await CHECKS[action.action](pilot, app, key)
                await assert_back_at_main(pilot, app)


def _first_builtin_lesson():
    from rnnplay.core.lessons.loader import builtin_names

    return load_lesson(sorted(builtin_names())[0])


# -- the Controls panel, field by field ------------------------------------------------------
def control_widgets(app: RnnPlayApp) -> list:
    """Every field and button of the Controls panel, in the panel's order."""
    return [w for w in app.query_one(Controls).query("*") if isinstance(w, Input | Select | Button)]


def on_screen(app: RnnPlayApp, widget) -> bool:
    """Whether ``widget`` is drawn where a person sees it (not scrolled out, not clipped):
    the screen shows it at the first cell of its region."""
    region = widget.region
    if region.area == 0 or not app.screen.region.contains_region(region):
        return False
    try:
        hit, _ = app.screen.get_widget_at(region.x, region.y)
    except Exception:
        return False
    return widget in hit.ancestors_with_self


def next_text(field: Input) -> str:
    """A different value a person might type, valid for the field: the next integer,
    half a decimal (a rate, a temperature, a dropout stays in range), 0.1 for a zero,
    5 for an empty top-k, 100 for "auto", the smallest other built-in corpus for a name."""
    text = field.value.strip()
    if re.fullmatch(r"[1-9]\d*", text):
        return str(int(text) + 1)
    if not text:
        return "5"
    try:
        value = float(text)
    except ValueError:
        if field.suggester is None:  # a word such as "auto": a number instead
            return "100"
        # a corpus: the smallest other one (the walk builds its session)
        others = [name for name in builtin_corpus_names() if name != text]
        return min(others, key=lambda name: resolve_corpus(name).stat().st_size)
    return f"{value / 2:.4g}" if value else "0.1"


async def edit_by_keys(pilot, app: RnnPlayApp, widget) -> object:
    """Change ``widget``'s value with keys only; returns the new value."""
    controls = app.query_one(Controls)
    if isinstance(widget, Select):
        before = widget.value
        await pilot.press("enter")  # opens its list
        await pilot.press("down", "enter")
        assert widget.value != before, f"{widget.id}: the keys chose nothing"
        assert app.focused is widget
        if widget.id in LIVE:  # applies at once
            await wait_for(pilot, lambda: getattr(app.live_settings(), widget.id) == widget.value)
        else:
            assert widget.id in controls.pending_changes()
        return widget.value
    new = next_text(widget)
    await pilot.press("end", *["backspace"] * len(widget.value), *new)
    assert widget.value == new, (widget.id, widget.value, new)
    if widget.id in LIVE:
        await pilot.press("enter")  # a live setting applies at once
        assert app.focused is widget
        await wait_for(pilot, lambda: float(getattr(app.live_settings(), widget.id)) == float(new))
    else:
        assert widget.id in controls.pending_changes(), widget.id
    return new


async def tab_to(pilot, app: RnnPlayApp, key: str, widget, limit: int) -> None:
    for _ in range(limit):
        if app.focused is widget:
            return
        await pilot.press(key)
    assert app.focused is widget, f"{key} never reached {widget.id}"


@pytest.mark.parametrize("size", CONTROL_SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_tab_reaches_edits_and_shows_every_control(size, tmp_path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=size) as pilot:
        widgets = control_widgets(app)
        focusable = len(app.screen.focus_chain) + len(widgets)
        if app.tabs_shown:  # the help's "1 - 4" keys: the Controls tab first
            await pilot.press(sorted(keys.keys_of("show_tab('controls')"))[0])
        for index, widget in enumerate(widgets):  # forward: each in the panel's order
            if index == 0:
                await tab_to(pilot, app, "tab", widget, focusable + 2)
            else:
                await pilot.press("tab")
                assert app.focused is widget, f"tab from {widgets[index - 1].id}: {app.focused}"
            assert on_screen(app, widget), f"{widget.id} focused but not on screen at {size}"
            if isinstance(widget, Button):
                assert not widget.disabled
            else:
                await edit_by_keys(pilot, app, widget)
        for index in range(len(widgets) - 2, -1, -1):  # and back, one shift+tab each
            widget = widgets[index]
            await pilot.press("shift+tab")
            assert app.focused is widget, f"shift+tab to {widget.id}: {app.focused}"
            assert on_screen(app, widget), f"{widget.id} (shift+tab) not on screen at {size}"
        for widget in {type(w): w for w in reversed(widgets)}.values():  # one of each kind
            key = "shift+tab" if isinstance(widget, Button) else "tab"
            await pilot.press("escape")
            await tab_to(pilot, app, key, widget, focusable + 2)
            await pilot.press("escape")  # "tab: next field (escape leaves it)"
            assert app.focused is None, f"escape did not leave {widget.id}"
        await tab_to(pilot, app, "shift+tab", widgets[-1], focusable + 2)
        assert isinstance(app.focused, Button) and app.focused.id == "apply"
        structural = app.query_one(Controls).pending_changes()
        assert structural, "the edits left nothing to apply"
        await pilot.press("enter")  # apply & reset
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        old = app.session
        await pilot.press("y")
        await wait_for(pilot, lambda: app.session is not old, timeout=20)
        await settle(pilot, app)
        config = app.session.config
        for name, value in structural.items():
            assert getattr(config, name) == value, (name, getattr(config, name), value)


async def test_a_live_key_keeps_structural_edits_not_yet_applied(tmp_path) -> None:
    """] (or a schedule) changing the lr redrew every field from the session, undoing a
    hidden size typed but not applied yet (found by the walk above)."""
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        hidden = app.query_one("#hidden", Input)
        await tab_to(pilot, app, "tab", hidden, len(app.screen.focus_chain) + 2)
        await pilot.press("end", "backspace", "backspace", "4", "8", "escape")
        await pilot.press("right_square_bracket", "plus")
        assert hidden.value == "48"
        assert app.query_one(Controls).pending_changes() == {"hidden": 48}
        assert not app.query_one("#apply", Button).disabled


# -- the Compare, Runs and Inspect screens' own keys ------------------------------------------
async def back_to_main(pilot, app: RnnPlayApp) -> None:
    for _ in range(4):
        if len(app.screen_stack) == 1:
            break
        await pilot.press("escape")
        await settle(pilot, app)
    assert len(app.screen_stack) == 1, app.screen_stack
    app.screen.set_focus(None)


@pytest.mark.parametrize(
    ("column", "table"),
    [(c, t) for c, _, t in keys.SCREEN_HELP],
    ids=[c.replace(" ", "-") for c, _, _ in keys.SCREEN_HELP],
)
async def test_each_screen_key_the_help_lists_reaches_its_action(column, table, tmp_path) -> None:
    """The help's "in m / in b / in i" lines: each key, pressed in its screen as it opens
    (no click, no tab first), runs its action; escape comes back."""
    opener = column.split()[-1]
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("n")  # a run to list, a curve to show
        await settle(pilot, app)
        for screen_key in table:
            name = keys.action_name(screen_key.action)
            for key in screen_key.keys.split(","):
                await pilot.press(opener)
                await wait_for(pilot, lambda: len(app.screen_stack) == 2)
                screen, calls = app.screen, []
                original = getattr(screen, f"action_{name}")

                def spy(*args, original=original, name=name, calls=calls):
                    calls.append(args)
                    return None if name == "quit_all" else original(*args)

                setattr(screen, f"action_{name}", spy)
                await pilot.press(key)
                await pilot.pause()
                assert calls, f"{key} in {type(screen).__name__} never ran {screen_key.action}"
                if name == "leave":
                    assert app.screen is not screen, f"{key} did not leave"
                await back_to_main(pilot, app)


async def test_apply_and_reset_stays_in_sight_whichever_field_has_the_keys(tmp_path) -> None:
    """Issue 24: in a 1400x757 browser (a terminal of about 145x39) the line saying what
    changed pushed "apply & reset" out of the Controls panel. The two are docked at its
    bottom: after a change both are on screen while Tab walks every field."""
    app = make_app(tmp_path)
    async with app.run_test(size=(145, 39)) as pilot:
        widgets = control_widgets(app)
        limit = len(app.screen.focus_chain) + len(widgets) + 2
        await tab_to(pilot, app, "tab", widgets[0], limit)
        await pilot.press("x")
        apply, pending = app.query_one("#apply", Button), app.query_one("#pending")
        for widget in widgets:
            await tab_to(pilot, app, "tab", widget, limit)
            assert on_screen(app, widget), widget.id
            assert on_screen(app, apply) and on_screen(app, pending), f"hidden at {widget.id}"


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_text_typed_right_after_tab_goes_into_the_field(size, tmp_path) -> None:
    """Tab and a letter in one burst (a quick typist, a loaded machine): the focus moved
    after the letter was handled, so the typing guard took it for stray text."""
    from textual import events

    app = make_app(tmp_path)
    async with app.run_test(size=size) as pilot:
        for key, char in (("tab", "\t"), ("x", "x")):
            event = events.Key(key, char)
            event.set_sender(app)
            app.post_message(event)  # both queued before either is handled
        await pilot.pause()
        assert app.focused is not None and app.focused.value.endswith("x"), app.focused


async def test_keys_in_one_burst_act_in_their_order(tmp_path) -> None:
    """4 then tab in one burst: the Controls tab first, then its first field (a focus
    key handled ahead of the keys before it went to the prime on the Sample tab)."""
    from textual import events

    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        for key, char in (("4", "4"), ("tab", "\t"), ("x", "x")):
            event = events.Key(key, char)
            event.set_sender(app)
            app.post_message(event)
        await pilot.pause()
        assert app._tab == "controls"
        assert app.focused is not None and app.focused.id == "corpus", app.focused
        assert app.focused.value.endswith("x")


async def test_a_key_after_the_terminal_lost_focus_goes_into_the_field(tmp_path) -> None:
    """A browser tab reports focus and blur on its own time (a served session starts
    blurred): Textual takes the focus off the field while the app is blurred and gives
    it back on the next key, but the typing guard saw that key first and dropped it."""
    from textual import events

    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("4", "tab")
        field = app.focused
        assert field is not None and field.id == "corpus"
        app.post_message(events.AppBlur())
        await pilot.pause()
        assert app.focused is None
        await pilot.press("x")
        assert app.focused is field and field.value.endswith("x"), field.value
