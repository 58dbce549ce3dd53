"""Deleting runs from the Runs screen (issue 24, item 9): d asks, y deletes, the
playground's own run (locked while it is open) is never deleted; the table fits
80 columns with level and last validation loss."""

from __future__ import annotations

from rnnplay.cli import main
from rnnplay.tui.screens.runs import RunsScreen
from tests.tui.app_helpers import make_app, record_notifications, wait_for

TINY = ["--embed", "8", "--hidden", "16", "--batch", "4", "--bptt", "8", "--seed", "5"]


def train_run(folder) -> None:
    argv = ["train", "--corpus", "toy", *TINY, "--max-steps", "4", "--eval-every", "2"]
    assert main([*argv, "--out", str(folder), "--quiet"]) == 0


async def test_d_asks_and_y_deletes_the_run_under_the_cursor(tmp_path):
    runs = tmp_path / "ckpt"
    train_run(runs / "run-1")
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("b")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, RunsScreen) and len(screen.rows) == 1
        labels = [str(c.label) for c in screen.query_one("DataTable").columns.values()]
        assert "level" in labels and "last" in labels
        await pilot.press("d")
        await pilot.pause()
        assert "Delete run-1" in str(app.screen.question)
        await pilot.press("n")  # no: kept
        await pilot.pause()
        assert (runs / "run-1").is_dir()
        await pilot.press("d", "y")
        await wait_for(pilot, lambda: not (runs / "run-1").exists())
        assert screen.rows == []


async def test_the_open_run_is_never_deleted(tmp_path):
    app = make_app(tmp_path)
    notes = record_notifications(app)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("n")  # one step: the session's run folder, locked by this app
        assert app.session.wait_idle(5.0)
        await pilot.pause()
        folder = app.place.folder
        assert folder is not None and folder.is_dir()
        await pilot.press("b")
        await pilot.pause()
        await pilot.press("d", "y")
        await pilot.pause()
        assert folder.is_dir()
        assert any("in use" in text and sev == "error" for text, sev in notes)
