"""A short seeded monkey in every size the issue names (issue 22; tests/tui/monkey.py).

Each case presses seeded random keys (every key of the key table, arrows, Tab,
Escape, Enter, text, resizes) through every screen, then quits with ``q`` and
checks: no exception, no worker or thread left, the app ended, every run
folder unlocked and whole. A failure names its seed:
``python tests/soak/monkey_soak.py --seed SEED --size WxH --presses N`` replays it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.tui.monkey import SIZES, monkey

PRESSES = int(os.environ.get("RNNPLAY_MONKEY_PRESSES", "80"))
SEEDS = (11,)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
async def test_the_monkey_finds_nothing(seed: int, size: tuple[int, int], tmp_path: Path) -> None:
    outcome = await monkey(seed, size, PRESSES, tmp_path)
    assert not outcome.failures, outcome.summary()
    assert sum(outcome.pressed.values()) > PRESSES // 2  # it really pressed keys


def test_the_monkey_knows_every_key_of_the_table() -> None:
    from rnnplay.tui import keys
    from tests.tui.monkey import table_keys

    bound = {k for a in keys.ACTIONS for k in a.keys.split(",")} - {"q", "ctrl+c"}
    assert bound <= set(table_keys())


async def test_ctrl_p_over_a_palette_under_another_screen_does_not_crash(tmp_path: Path) -> None:
    """Found by the monkey (seed 11, 80x24): the palette open, the terminal shrinks below
    60x20 (the too-small note goes over it), ctrl+p: Textual only looked at the top
    screen, pushed a second palette with the same id and the app crashed
    (DuplicateIds, exit 1)."""
    from tests.tui.app_helpers import make_app

    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.resize_terminal(20, 5)
        await pilot.pause()
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        for _ in range(3):
            await pilot.press("escape")
        await pilot.press("q")
    assert app.crash is None and app.return_code == 0


async def test_a_palette_search_after_its_list_is_gone_does_not_crash(tmp_path: Path) -> None:
    """Found by the monkey (seeds 1000 and 11): a key typed into the palette just before
    it closed started its search after the list was removed; the search worker failed
    with NoMatches('CommandList') and the app crashed (exit 1). Here the list is removed
    by hand, then a search starts and results are shown, as after that late key."""
    from textual.command import CommandList, CommandPalette

    from tests.tui.app_helpers import make_app

    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        palette = app.screen
        assert isinstance(palette, CommandPalette)
        await palette.query_one(CommandList).remove()
        palette._gather_commands("sa")
        await pilot.pause(0.2)
        palette._list_visible = not palette._list_visible  # what showing results does
        palette._show_busy = not palette._show_busy
        palette._start_no_matches_countdown("zzz")  # and a search that found nothing
        await pilot.pause(0.8)
        await pilot.press("escape", "escape", "q")
    assert app.crash is None and app.return_code == 0


async def test_page_keys_in_a_palette_not_yet_drawn_do_not_crash(tmp_path: Path) -> None:
    """Found by the soak (seeds 6003, 6005): ctrl+p then PageUp at once. The palette's
    list had its commands but had not been drawn, so it knew no lines to page through:
    KeyError in Textual's OptionList, exit 1."""
    from textual.command import Command, CommandList, CommandPalette, Hit

    from tests.tui.app_helpers import make_app

    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        palette = app.screen
        assert isinstance(palette, CommandPalette)
        listing = palette.query_one(CommandList)
        hits = [Command(f"entry {n}", Hit(1.0, f"entry {n}", lambda: None)) for n in range(3)]
        palette._list_visible = False  # the list is hidden until the search shows it
        await pilot.pause()
        listing.clear_options().add_options(hits)  # commands arrive, not drawn yet
        palette._action_command_list("page_up")
        palette._action_command_list("page_down")
        await pilot.pause()
        await pilot.press("escape", "escape", "q")
    assert app.crash is None and app.return_code == 0


async def test_a_palette_closed_twice_leaves_the_screens_under_it(tmp_path: Path) -> None:
    """Found by the soak (seed 7000): a command chosen and escape at once closed the
    palette twice; Textual's second close popped the screen under it, and with only
    the main view left that was ScreenStackError, exit 1 (over the help screen it
    would have closed the help instead)."""
    from textual.command import CommandPalette

    from tests.tui.app_helpers import make_app

    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        palette = app.screen
        assert isinstance(palette, CommandPalette)
        palette.dismiss()
        await pilot.pause()
        palette.dismiss()  # the late second close
        await pilot.pause()
        assert len(app.screen_stack) == 1
        await pilot.press("q")
    assert app.crash is None and app.return_code == 0


async def test_leaving_the_compare_view_twice_closes_it_once(tmp_path: Path) -> None:
    """Found by the soak (seed 8002, 20x5): two leave requests (escape) whose waits for
    the race ended one after the other each closed the Compare view; the second found
    its result already given (InvalidStateError in the worker, exit 1) and would
    otherwise have popped the screen under it."""
    from rnnplay.tui.screens.compare import CompareScreen
    from tests.tui.app_helpers import make_app

    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("m")
        await pilot.pause()
        view = app.screen
        assert isinstance(view, CompareScreen)
        view.dismiss()
        await pilot.pause()
        view.dismiss()  # the second leave, late
        await pilot.pause()
        assert len(app.screen_stack) == 1
        await pilot.press("q")
    assert app.crash is None and app.return_code == 0


async def test_a_q_that_does_not_quit_is_reported_as_such(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Seeds 10005, 10008 and 10011 at 20x5 were reported as "the app ended before q,
    by itself (exit code None)": the report looked at the app after Pilot had shut it
    down. What happened was the opposite: q did not end it (the typing guard took q
    for text after stray letters, fixed in 87e6e90). The two are told apart now."""
    from rnnplay.tui.app import RnnPlayApp
    from tests.tui import monkey as monkey_module

    async def ignore_quit(self) -> None:  # q swallowed, as the typing guard once did
        return None

    monkeypatch.setattr(monkey_module, "QUIT_TIMEOUT_S", 1.0)
    monkeypatch.setattr(RnnPlayApp, "action_quit", ignore_quit)
    outcome = await monkey(5, (20, 5), 0, tmp_path)
    assert outcome.failures[:1] == ["q did not end the app within 1 s (screen TooSmallScreen)"]


async def test_an_app_that_ends_before_q_is_reported_as_such(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rnnplay.tui.app import RnnPlayApp

    real_mount = RnnPlayApp.on_mount

    def on_mount(self) -> None:
        real_mount(self)
        self.set_timer(0.05, lambda: self.exit(None))

    monkeypatch.setattr(RnnPlayApp, "on_mount", on_mount)
    outcome = await monkey(5, (80, 24), 40, tmp_path)
    assert outcome.failures[:1] == ["the app ended before q, by itself (exit code 0)"]
