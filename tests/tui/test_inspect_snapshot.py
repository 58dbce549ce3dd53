"""Snapshots of the Inspect view at 80x24 and 160x50.

The tiny seeded model of the other app snapshots, trained 100 steps on the
test's own thread (no training thread, no clock), inspected on the start of
the validation split; each frame is taken once the worker has answered.
Regenerate with `--snapshot-update` and look at the SVGs first.
"""

from __future__ import annotations

from rnnplay.tui.screens.inspect import InspectScreen
from tests.tui.app_helpers import make_app, wait_for


async def inspected(pilot, *keys: str) -> None:
    app = pilot.app
    for _ in range(100):
        app.session.trainer.step()
    await pilot.press("i")
    screen = app.screen
    assert isinstance(screen, InspectScreen)

    def settled() -> bool:
        return screen.answers > 0 and screen._asked is None and not screen._pending

    await wait_for(pilot, settled, timeout=30)
    for key in keys:
        await pilot.press(key)
    await wait_for(pilot, settled, timeout=30)
    app.clear_notifications()
    await pilot.pause()


def test_inspect_80x24(snap_compare):
    """Compact: the text with the cursor and its blame on top; odds, hidden column, gates."""

    async def run_before(pilot) -> None:
        await inspected(pilot, "left", "left")

    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=run_before)


def test_inspect_unit_picked_160x50(snap_compare):
    """Large: a search for the line position, the top unit picked, the text coloured by it."""

    async def run_before(pilot) -> None:
        await inspected(pilot, "slash", *"line_position", "enter", "enter")

    assert snap_compare(make_app(), terminal_size=(160, 50), run_before=run_before)
