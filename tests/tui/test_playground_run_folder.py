"""The playground's run folder is a run like ``rnnplay train``'s.

It holds the same metrics.jsonl records, checkpoint.npz on an improved
validation, last.npz after validations and at quit, and a manifest whose
status says what the run is doing (running, paused, done; interrupted after
SIGTERM or SIGHUP, which end the app as ``q`` does).
"""

from __future__ import annotations

import json
import os
import signal

import pytest

from rnnplay.core.store.checkpoint import load_checkpoint
from rnnplay.core.store.run_summaries import list_runs, read_run
from rnnplay.errors import EXIT_INTERRUPTED
from tests.tui.app_helpers import make_app, stop_training, tiny_config, wait_for

SIZE = (120, 40)


async def test_a_trained_and_quit_session_is_listed_like_a_cli_run(tmp_path):
    runs = tmp_path / "runs"
    app = make_app(config=tiny_config(eval_every=5), runs_dir=runs)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("space")
        await wait_for(pilot, lambda: app.session.trainer.step_count >= 12)
        await stop_training(pilot, app)
        folder = app.place.folder
        assert folder is not None and folder.parent == runs
        assert read_run(folder).status == "paused"
        steps = app.session.trainer.step_count
        await pilot.press("q")
    (summary,) = list_runs([runs])
    assert summary.status == "done"
    assert summary.steps == steps
    assert summary.best_val_loss is not None and summary.best_step is not None
    assert summary.last_train_loss is not None
    assert set(summary.checkpoints) == {"checkpoint.npz", "last.npz"}
    records = [json.loads(line) for line in (folder / "metrics.jsonl").read_text().splitlines()]
    train = [r["step"] for r in records if r["kind"] == "train"]
    assert train == list(range(1, steps + 1)), "one line per step, in order, none twice"
    assert {"tokens_per_s", "grad_norm", "lr", "ppl"} <= set(records[0])
    assert load_checkpoint(folder / "last.npz").meta["step"] == steps, "last.npz at quit"
    best = load_checkpoint(folder / "checkpoint.npz").meta
    assert best["step"] == summary.best_step and best["best_val_loss"] == pytest.approx(
        summary.best_val_loss
    )
    manifest = json.loads((folder / "run.json").read_text())
    assert manifest["last_step"] == steps and manifest["status"] == "done"


async def test_sigterm_ends_the_playground_and_marks_its_run_interrupted(tmp_path):
    runs = tmp_path / "runs"
    app = make_app(runs_dir=runs)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("space")
        await wait_for(pilot, lambda: app.session.trainer.step_count >= 3)
        folder = app.place.folder
        assert read_run(folder).status == "running"
        os.kill(os.getpid(), signal.SIGTERM)
        await wait_for(pilot, lambda: app.return_value is not None)
    assert app.return_value == EXIT_INTERRUPTED
    assert not app.session.running
    summary = read_run(folder)
    assert summary.status == "interrupted"
    step = load_checkpoint(folder / "last.npz").meta["step"]
    assert step == app.session.trainer.step_count and step >= 3


async def test_a_session_that_never_trained_leaves_no_folder(tmp_path):
    runs = tmp_path / "runs"
    app = make_app(runs_dir=runs)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("q")
    assert not runs.exists() or list_runs([runs]) == []
