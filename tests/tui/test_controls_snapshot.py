"""Snapshots of the Controls panel with dropout, schedule and sample length (issue 24).

At 80x24 the Controls tab shows every field at once, down to "apply & reset";
at 160x50 the panel sits in the grid beside the sample. A refused value is
drawn in the error colour and kept. Regenerate with `--snapshot-update` and
look at the PNGs (shared/tools/svg2png) first.
"""

from __future__ import annotations

from tests.tui.app_helpers import make_app, seed_mid_training, wait_for


async def edit_live_fields(pilot) -> None:
    """Dropout applied (0.2), a sample length refused (0) and left in its field."""
    app = pilot.app
    app.query_one("#dropout").focus()
    await pilot.press("ctrl+a", "ctrl+k", "0", ".", "2", "enter")
    app.query_one("#sample_length").focus()
    await pilot.press("ctrl+a", "ctrl+k", "0", "enter", "escape")
    # the dropout applies between steps, its notice may come after the presses
    await wait_for(pilot, lambda: app.session.trainer.config.dropout == 0.2)
    await pilot.pause()
    app.clear_notifications()  # the notices' toasts would cover the panel
    await pilot.pause()


def test_controls_tab_80x24(snap_compare):
    """Tab 4 at 80x24: every field and the apply button fit without scrolling."""
    assert snap_compare(make_app(), terminal_size=(80, 24), press=["4"])


def test_controls_tab_80x24_after_edits(snap_compare):
    """Dropout 0.2 applied; the refused sample length kept, marked as invalid."""

    async def run_before(pilot) -> None:
        await pilot.press("4")
        await edit_live_fields(pilot)

    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=run_before)


def test_controls_in_the_grid_160x50(snap_compare):
    """At 160x50 the Controls panel holds every field and the button in the grid."""

    async def run_before(pilot) -> None:
        seed_mid_training(pilot.app)
        await edit_live_fields(pilot)

    assert snap_compare(make_app(), terminal_size=(160, 50), run_before=run_before)
