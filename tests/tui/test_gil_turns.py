"""The playground runs with short GIL turns (rnnplay/tui/gil_turns.py), so its
training thread never waits CPython's 5 ms for the GIL while the UI draws, and
leaves the process as it found it."""

from __future__ import annotations

import sys

from rnnplay.tui.gil_turns import SWITCH_INTERVAL_S
from tests.tui.app_helpers import make_app


async def test_the_app_trains_with_short_gil_turns_and_restores_them(tmp_path) -> None:
    before = sys.getswitchinterval()
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("n")
        assert sys.getswitchinterval() == SWITCH_INTERVAL_S
        await pilot.press("q")
    assert sys.getswitchinterval() == before
