"""What each key of the key table must do, for the keyboard walk (tests/tui/test_keyboard_walk.py).

One check per :class:`~rnnplay.tui.keys.KeyAction` action string: it presses the
key it is given (each of the action's keys in turn), asserts what the help says
the key does (a screen opens, a setting changes, a file appears) and leaves the
main view as it found it (Escape back, focus nowhere, no training thread
running). The walk takes the actions from the table, so an action added there
without a check here fails the walk by name.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from textual.widgets import Input

from rnnplay.tui.app import RnnPlayApp
from rnnplay.tui.screens import HelpScreen
from rnnplay.tui.screens.compare import CompareScreen
from rnnplay.tui.screens.confirm import ConfirmScreen
from rnnplay.tui.screens.inspect import InspectScreen
from rnnplay.tui.screens.open_checkpoint import OpenCheckpointScreen
from rnnplay.tui.screens.runs import RunsScreen
from rnnplay.tui.widgets.heatmap import HiddenHeatmap
from rnnplay.tui.widgets.sample_view import SampleView
from tests.tui.app_helpers import press_live, wait_for

Check = Callable[[Any, RnnPlayApp, str], Awaitable[None]]
CHECKS: dict[str, Check] = {}


def check(*actions: str) -> Callable[[Check], Check]:
    """Register ``fn`` as the check of ``actions`` (action strings of the key table)."""

    def register(fn: Check) -> Check:
        for action in actions:
            CHECKS[action] = fn
        return fn

    return register


async def settle(pilot: Any, app: RnnPlayApp) -> None:
    """No training thread left running, the UI caught up."""
    app.session.request_stop()
    await wait_for(pilot, lambda: not app.session.running, timeout=10)
    assert app.session.wait_idle(10.0)
    await pilot.pause()


async def opens_and_escapes(pilot: Any, app: RnnPlayApp, key: str, screen: type) -> None:
    """``key`` shows ``screen`` over the main view; Escape comes back to the main view."""
    await pilot.press(key)
    await wait_for(pilot, lambda: isinstance(app.screen, screen), timeout=5)
    await pilot.press("escape")
    await wait_for(pilot, lambda: app.screen is app.screen_stack[0], timeout=5)
    assert len(app.screen_stack) == 1


async def has_sample(pilot: Any, app: RnnPlayApp) -> None:
    """A finished sample on the Sample panel (g, as a person asks for one)."""
    view = app.query_one(SampleView)
    if view.token_count == 0:
        await pilot.press("g")
        await wait_for(pilot, lambda: view.token_count > 0 and not app.samples.active)
    await pilot.pause()


def notes_since(seen: list[tuple[str, str]], count: int) -> list[str]:
    return [text for text, _ in seen[count:]]


# -- screens and dialogs --------------------------------------------------------------------
@check("help")
async def _help(pilot: Any, app: RnnPlayApp, key: str) -> None:
    await opens_and_escapes(pilot, app, key, HelpScreen)


@check("inspect")
async def _inspect(pilot: Any, app: RnnPlayApp, key: str) -> None:
    await opens_and_escapes(pilot, app, key, InspectScreen)


@check("open")
async def _open(pilot: Any, app: RnnPlayApp, key: str) -> None:
    session = app.session
    await opens_and_escapes(pilot, app, key, OpenCheckpointScreen)
    assert app.session is session  # escape opened nothing


@check("reset")
async def _reset(pilot: Any, app: RnnPlayApp, key: str) -> None:
    session = app.session
    await opens_and_escapes(pilot, app, key, ConfirmScreen)
    assert app.session is session  # escape answered no: nothing was reset


@check("compare")
async def _compare(pilot: Any, app: RnnPlayApp, key: str) -> None:
    await opens_and_escapes(pilot, app, key, CompareScreen)


@check("runs")
async def _runs(pilot: Any, app: RnnPlayApp, key: str) -> None:
    await opens_and_escapes(pilot, app, key, RunsScreen)


# -- training --------------------------------------------------------------------------------
@check("toggle_training")
async def _toggle_training(pilot: Any, app: RnnPlayApp, key: str) -> None:
    steps = app.session.trainer.step_count
    await press_live(pilot, key)
    await wait_for(pilot, lambda: app.session.trainer.step_count > steps, timeout=30)
    assert app.session.running
    await press_live(pilot, key)  # the same key pauses
    await wait_for(pilot, lambda: not app.session.running)
    await settle(pilot, app)


@check("step_once")
async def _step_once(pilot: Any, app: RnnPlayApp, key: str) -> None:
    steps = app.session.trainer.step_count
    await pilot.press(key)
    await settle(pilot, app)
    assert app.session.trainer.step_count == steps + 1


@check("save")
async def _save(pilot: Any, app: RnnPlayApp, key: str) -> None:
    await pilot.press(key)
    await wait_for(pilot, lambda: app.place.folder is not None)
    saves = app.place.folder / "saves"
    await wait_for(pilot, lambda: saves.is_dir() and any(saves.glob("*.npz")))


# -- live settings ---------------------------------------------------------------------------
@check("temperature(1)", "temperature(-1)")
async def _temperature(pilot: Any, app: RnnPlayApp, key: str) -> None:
    before = app.sample_settings.temperature
    await pilot.press(key)
    after = app.sample_settings.temperature
    up = key in ("plus", "equals_sign")
    assert (after > before) if up else (after < before), (key, before, after)
    shown = app.query_one("#temperature", Input).value
    assert float(shown) == round(after, 4)  # the Controls field follows


@check("scale_lr(2.0)", "scale_lr(0.5)")
async def _scale_lr(pilot: Any, app: RnnPlayApp, key: str) -> None:
    before = app.session.lr
    await pilot.press(key)
    factor = 2.0 if key == "right_square_bracket" else 0.5
    assert app.session.lr == before * factor
    assert float(app.query_one("#lr", Input).value) == float(f"{app.session.lr:.4g}")


@check("cycle_unit")
async def _cycle_unit(pilot: Any, app: RnnPlayApp, key: str) -> None:
    before = app.unit
    await pilot.press(key)
    assert app.unit != before


# -- samples and the network -----------------------------------------------------------------
@check("new_sample")
async def _new_sample(pilot: Any, app: RnnPlayApp, key: str) -> None:
    view = app.query_one(SampleView)
    view.clear()
    assert view.token_count == 0
    await pilot.press(key)
    await wait_for(pilot, lambda: view.token_count > 0 and not app.samples.active)


@check("focus_prime")
async def _focus_prime(pilot: Any, app: RnnPlayApp, key: str) -> None:
    await pilot.press(key)
    prime = app.query_one("#prime", Input)
    assert app.focused is prime
    await pilot.press("t", "o")
    assert prime.value.endswith("to")
    await pilot.press(*["backspace"] * 2, "escape")
    assert app.focused is None


@check("leave_field")
async def _leave_field(pilot: Any, app: RnnPlayApp, key: str) -> None:
    await pilot.press("p")
    assert app.focused is not None
    await pilot.press(key)
    assert app.focused is None


@check("save_sample")
async def _save_sample(pilot: Any, app: RnnPlayApp, key: str) -> None:
    await has_sample(pilot, app)
    folder = app.place.screenshot_folder()
    before = set(folder.glob("sample-*.txt"))
    await pilot.press(key)
    written = set(folder.glob("sample-*.txt")) - before or set(folder.glob("sample-*.txt"))
    assert written, "w wrote no sample file"
    view = app.query_one(SampleView)
    assert view.generated_text in max(written, key=lambda p: p.stat().st_mtime).read_text()


@check("export_curves")
async def _export_curves(pilot: Any, app: RnnPlayApp, key: str) -> None:
    if app.session.trainer.step_count == 0:
        await pilot.press("n")
        await settle(pilot, app)
    await pilot.press(key)
    folder = app.place.screenshot_folder()
    files = list(folder.glob("curves-*.csv"))
    assert files, "e wrote no CSV"
    assert "train_smoothed" in files[0].read_text()


@check("select_unit(-1)", "select_unit(1)")
async def _select_unit(pilot: Any, app: RnnPlayApp, key: str) -> None:
    await has_sample(pilot, app)
    heatmap = app.query_one(HiddenHeatmap)
    other = "down" if key == "up" else "up"
    if key == "up":
        await pilot.press(other)  # somewhere to move up from
    before = heatmap.selected_unit
    await pilot.press(key)
    assert heatmap.selected_unit != before, key


@check("toggle_colour")
async def _toggle_colour(pilot: Any, app: RnnPlayApp, key: str) -> None:
    view = app.query_one(SampleView)
    before = view.mode
    await pilot.press(key)
    assert view.mode != before
    await pilot.press(key)
    assert view.mode == before


@check("toggle_sort")
async def _toggle_sort(pilot: Any, app: RnnPlayApp, key: str) -> None:
    heatmap = app.query_one(HiddenHeatmap)
    before = heatmap.sort_by_variance
    await pilot.press(key)
    assert heatmap.sort_by_variance != before
    await pilot.press(key)


@check("show_tab('train')", "show_tab('sample')", "show_tab('network')", "show_tab('controls')")
async def _show_tab(pilot: Any, app: RnnPlayApp, key: str) -> None:
    tab = {"1": "train", "2": "sample", "3": "network", "4": "controls"}[key]
    await pilot.press(key)
    assert app._tab == tab
    panel = {"train": "#status", "sample": "#prime", "network": "#heatmap", "controls": "#corpus"}
    assert app.query_one(panel[tab]).region.area > 0, f"{tab} tab shows nothing"
    await pilot.press("1")


# -- a lesson's cards --------------------------------------------------------------------------
@check("next_card", "previous_card")
async def _cards(pilot: Any, app: RnnPlayApp, key: str) -> None:
    from rnnplay.tui.widgets.lesson_panel import LessonPanel

    panel = app.query_one(LessonPanel)
    if key == "h":
        await pilot.press("l")
    before = panel.index
    await pilot.press(key)
    assert panel.index == before + (1 if key == "l" else -1)


@check("quit")
async def _quit(pilot: Any, app: RnnPlayApp, key: str) -> None:
    await pilot.press(key)
    await wait_for(pilot, lambda: not app.is_running, timeout=10)
