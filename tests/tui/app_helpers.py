"""Helpers for the app's Pilot and snapshot tests: a tiny seeded session, waiting, notices."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual import events

from rnnplay.core.train.config import TrainConfig
from rnnplay.tui.app import RnnPlayApp
from rnnplay.tui.training import build_trainer

TINY = {
    "corpus": "sonnets",
    "embed": 16,
    "hidden": 32,
    "batch": 4,
    "bptt": 8,
    "eval_every": 1000,
    "seed": 3,
    "lr": 5e-3,
}
"""A model small enough that a step takes about a millisecond. Its rate is
pinned (the default's before issue 21) so that the snapshots show the
widgets, not whatever the playground's default rate is."""


def tiny_config(**changes: Any) -> TrainConfig:
    return TrainConfig(**{**TINY, **changes})


def make_app(tmp_path: Path | None = None, *, config: TrainConfig | None = None, **kwargs: Any):
    """The playground on a tiny seeded model; samples are unpaced and short; no
    n-gram reference lines (they arrive from a worker: a frame would depend on when)."""
    trainer = build_trainer(config or tiny_config())
    options: dict[str, Any] = {
        "sample_pace_s": 0.0,
        "sample_tokens": 24,
        "auto_sample": False,
        "ngram_orders": (),
    }
    if tmp_path is not None:
        options["checkpoint_dir"] = tmp_path / "ckpt"
    options.update(kwargs)
    app = RnnPlayApp(trainer, **options)
    return app


def record_notifications(app: RnnPlayApp) -> list[tuple[str, str]]:
    """Collect (message, severity) of every notification the app shows."""
    seen: list[tuple[str, str]] = []
    original = app.notify

    def notify(message: str, *args: Any, **kwargs: Any) -> None:
        seen.append((str(message), kwargs.get("severity", "information")))
        original(message, *args, **kwargs)

    app.notify = notify  # type: ignore[method-assign]
    return seen


KEY_CHARS = {
    "space": " ",
    "plus": "+",
    "minus": "-",
    "right_square_bracket": "]",
    "left_square_bracket": "[",
    "question_mark": "?",
}


async def press_live(pilot: Any, *keys: str) -> None:
    """Press keys while training runs.

    ``pilot.press`` waits for the process to go idle (up to a second, twice)
    after every key, which never happens while a training thread computes;
    this sends the same key events and only lets the app handle them.
    """
    for key in keys:
        char = KEY_CHARS.get(key, key if len(key) == 1 else None)
        event = events.Key(key, char)
        event.set_sender(pilot.app)
        pilot.app.post_message(event)
        await pilot.pause(0.01)


async def wait_for(pilot: Any, predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    """Let the app run until ``predicate()`` holds; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await pilot.pause(0.02)


async def stop_training(pilot: Any, app: RnnPlayApp) -> None:
    """Pause the app's training (if it runs) and wait until its thread has returned."""
    app.session.request_stop()
    await wait_for(pilot, lambda: not app.session.running, timeout=5.0)


async def wait_thread_gone(app: RnnPlayApp, timeout: float = 5.0) -> None:
    """After the app exited: its training loop must have returned."""
    deadline = time.monotonic() + timeout
    while app.session.running and time.monotonic() < deadline:
        await asyncio.sleep(0.01)
    assert not app.session.running, "the training thread is still running"


def seed_mid_training(app: RnnPlayApp) -> None:
    """Fill every panel as if the app had trained for a while: seeded figures,
    curves, a sample and gradient probes; no thread, no clock."""
    from rnnplay.core.store.run_folder import RunFolder
    from rnnplay.core.train.events import EvalEvent, StepEvent
    from rnnplay.tui.widgets.distribution import NextTokenDistribution
    from rnnplay.tui.widgets.gradient_flow import GradientFlow
    from rnnplay.tui.widgets.heatmap import HiddenHeatmap
    from rnnplay.tui.widgets.loss_chart import LossChart
    from rnnplay.tui.widgets.sample_view import SampleView
    from tests.tui.panel_apps import SAMPLE_TEXT, decaying_norms, sample_steps
    from tests.tui.test_widgets_snapshot import seeded_losses

    session = app.session
    session.last_step = StepEvent(
        step=900, epoch=0.41, tokens=900 * 2048, loss=1.62, grad_norm=0.9, lr=0.005,
        tokens_per_s=31_000.0, elapsed_s=95.0,
    )  # fmt: skip
    session.last_eval = EvalEvent(
        step=900, epoch=0.41, tokens=900 * 2048, loss=1.71, ppl=5.53, lr=0.005, elapsed_s=95.0
    )
    session.rate.value = 31_250.0
    app.place.run.folder = RunFolder(Path("runs/run-1"))  # named only: nothing is written
    train, evals = seeded_losses()
    app.query_one(LossChart).set_data(train, evals)
    steps = sample_steps(units=32)
    view = app.query_one(SampleView)
    view.clear(prime="To be")
    view.extend(steps[5:])
    app.query_one(HiddenHeatmap).append_steps(steps)
    vocab = sorted(set(SAMPLE_TEXT))
    app.query_one(NextTokenDistribution).show(steps[-1], vocab)
    flow = app.query_one(GradientFlow)
    for probe in range(3):
        flow.update([decaying_norms(8, 0.9, probe)])
    app.refresh_status()
