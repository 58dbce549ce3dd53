"""Behind "terminal too small" keys do nothing but quit (issue 24, item 7)."""

from __future__ import annotations

from rnnplay.tui.screens import TooSmallScreen
from tests.tui.app_helpers import make_app


async def test_keys_are_inert_while_the_terminal_is_too_small(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(50, 15)) as pilot:
        assert isinstance(app.screen, TooSmallScreen)
        await pilot.press("space", "n", "s", "m", "b", "o", "r", "g", "ctrl+p", "tab")
        await pilot.pause(0.2)
        assert isinstance(app.screen, TooSmallScreen)  # nothing opened over it
        assert not app.session.running and app.session.trainer.step_count == 0
        assert not (tmp_path / "ckpt").exists(), "no run folder was made"
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert not isinstance(app.screen, TooSmallScreen)
        await pilot.press("n")  # the playground's keys are back
        assert app.session.wait_idle(5.0)
        await pilot.pause()
        assert app.session.trainer.step_count == 1


async def test_q_still_quits_when_too_small(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(50, 15)) as pilot:
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0
