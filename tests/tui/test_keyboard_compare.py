"""The Compare view's contender list is used from the keyboard alone (issue 24, item 1).

A person over SSH opens Compare with ``m`` and must be able to reach the
list, move through it and tick or untick a contender with keys only.
"""

from __future__ import annotations

from textual.widgets import SelectionList

from rnnplay.tui.screens.compare import CompareScreen
from tests.tui.app_helpers import make_app

SIZE = (120, 40)


async def test_the_list_has_focus_when_compare_opens_and_enter_toggles(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("m")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, CompareScreen)
        assert isinstance(app.focused, SelectionList)
        await pilot.press("enter")  # the first row, rnn: unticked
        assert screen.picked() == ["lstm", "gru"]
        await pilot.press("down", "down", "down", "enter")  # rnn, hidden 64: ticked
        assert screen.picked() == ["lstm", "gru", "rnn@64"]
        await pilot.press("enter")  # and unticked again
        assert screen.picked() == ["lstm", "gru"]
        await pilot.press("escape")


async def test_tab_reaches_the_list_again_after_leaving_it(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("m")
        await pilot.pause()
        app.screen.set_focus(None)
        await pilot.press("tab")
        assert isinstance(app.focused, SelectionList)
        await pilot.press("escape")


async def test_a_fourth_contender_ticked_by_keys_races(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("m")
        await pilot.pause()
        screen = app.screen
        await pilot.press("down", "down", "down", "down", "enter", "n")
        assert screen.session is not None and screen.session.wait_idle(5.0)
        assert screen.session.names[-1].startswith("lstm")
        assert len(screen.session.names) == 4
        await pilot.press("escape")
        await pilot.pause()


async def test_picked_and_unpicked_rows_differ_without_colour(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("m")
        await pilot.pause()
        picker = app.screen.query_one(SelectionList)
        rows = [picker.render_line(y).text for y in range(6)]
        assert [row[1] for row in rows] == ["x", "x", "x", " ", " ", " "]
        await pilot.press("escape")
