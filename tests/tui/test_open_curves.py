"""Opening a checkpoint shows its training curve too, not only its validation points
(issue 24, item 11)."""

from __future__ import annotations

from rnnplay.cli import main
from rnnplay.tui.screens import OpenCheckpointScreen
from rnnplay.tui.widgets.loss_chart import LossChart
from tests.tui.app_helpers import make_app, wait_for

TINY = ["--embed", "16", "--hidden", "32", "--batch", "4", "--bptt", "8", "--seed", "3"]


async def test_o_opens_a_checkpoint_with_both_curves(tmp_path):
    folder = tmp_path / "ckpt" / "run-1"
    argv = ["train", "--corpus", "sonnets", *TINY, "--max-steps", "20", "--eval-every", "10"]
    assert main([*argv, "--out", str(folder), "--quiet"]) == 0
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        old = app.session
        await pilot.press("o")
        assert isinstance(app.screen, OpenCheckpointScreen)
        app.screen.query_one("#path").value = str(folder / "last.npz")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.session is not old)
        await pilot.pause()
        chart = app.query_one(LossChart)
        train_x, _ = chart.train_points
        eval_x, _ = chart.eval_points
        assert len(eval_x) == 2
        assert len(train_x) >= 10, "the training curve it came with"
        assert max(train_x) <= app.session.trainer.tokens_seen
