"""Take the pictures of lessons 2 and 3 (docs/lessons.md) from the real app.

Each lesson trains for real, briefly, for a fixed number of steps from a
fixed seed (so every figure the lessons quote comes back on any machine), in a
scratch folder, then drives the playground headless with Textual's Pilot and
saves the screen with ``save_screenshot``:

- lesson 2 (``lesson-temperature-*.svg``): the playground trains a small LSTM
  on the sonnets, pauses, and samples once at a low and once at a high
  temperature (the sample, its probability colours and the next-token bars);
- lesson 3 (``lesson-overfitting.svg``): ``rnnplay race`` trains two big
  LSTMs (no dropout, dropout 0.5) on a 4 KB slice of the sonnets, small enough to
  be memorised within the budget; the Runs screen (``b``) overlays both runs'
  curves, marked with space.

Run from the repository root: ``python docs/lesson_pictures.py [2] [3]``.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rnnplay.core.train.config import TrainConfig
from rnnplay.tui.app import RnnPlayApp
from rnnplay.tui.training import build_trainer

DOCS = Path(__file__).resolve().parent
SIZE = (120, 40)


async def wait_until(pilot, predicate, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not predicate() and time.monotonic() < deadline:
        await pilot.pause(0.05)


TEMPERATURE_STEPS = 358
"""Lesson 2's training steps (seed 1): the same weights, samples and figures on any
machine (the picture once trained for 40 s, which gave 358 steps here)."""

OVERFIT_STEPS = 785
"""Lesson 3's steps per contender (the race's seed, 1 by default): repeatable, where
``--max-seconds 25`` gave 785 steps on one machine and 3,487 on another."""


async def lesson_temperature(scratch: Path, steps: int = TEMPERATURE_STEPS) -> None:
    config = TrainConfig(
        corpus="sonnets", cell="lstm", embed=32, hidden=128, batch=16, bptt=32,
        eval_every=100, seed=1,
    )  # fmt: skip
    app = RnnPlayApp(
        build_trainer(config), runs_dir=scratch / "runs", sample_pace_s=0.0, auto_sample=False
    )
    async with app.run_test(size=SIZE) as pilot:
        app.start_loop(steps=steps)  # exactly this many steps, in the training thread
        await wait_until(pilot, lambda: not app.session.running, 600.0)
        for temperature, name in ((0.3, "low"), (1.5, "high")):
            app.set_temperature(temperature)
            await pilot.press("g")
            await wait_until(pilot, lambda: not app.samples.active, 10.0)
            await pilot.pause(0.6)  # the sample tick hands the last tokens to the panel
            app.clear_notifications()
            await pilot.pause(0.1)
            app.save_screenshot(f"lesson-temperature-{name}.svg", str(DOCS))
        print(f"lesson 2: {app.session.trainer.step_count} steps", file=sys.stderr)


def race_overfitting(scratch: Path) -> Path:
    text = (Path("corpora") / "sonnets.txt").read_text(encoding="utf-8")[:4_000]
    corpus = scratch / "sonnets-4k.txt"
    corpus.write_text(text, encoding="utf-8")
    out = scratch / "runs" / "overfit"
    command = [
        sys.executable, "-m", "rnnplay", "race", "--corpus", str(corpus),
        "--models", "lstm", "--hidden", "256", "--dropout", "0,0.5",
        "--embed", "64", "--batch", "8", "--bptt", "32",
        "--max-steps", str(OVERFIT_STEPS), "--seed", "1", "--eval-every", "10",
        "--out", str(out),
    ]  # fmt: skip
    subprocess.run(command, check=True)
    return scratch / "runs"


async def lesson_overfitting(scratch: Path) -> None:
    runs_dir = race_overfitting(scratch)
    config = TrainConfig(corpus="sonnets", embed=16, hidden=32, batch=4, bptt=8, seed=1)
    app = RnnPlayApp(build_trainer(config), runs_dir=runs_dir, auto_sample=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("b")
        await pilot.pause()
        screen = app.screen
        table = screen.query_one("DataTable")
        for index, row in enumerate(screen.rows):
            if row["name"].startswith("overfit"):
                table.move_cursor(row=index)
                screen.action_mark()
        await pilot.pause(0.3)
        app.clear_notifications()
        await pilot.pause(0.1)
        app.save_screenshot("lesson-overfitting.svg", str(DOCS))


def main(lessons: list[str]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        scratch = Path(folder)
        if "2" in lessons:
            asyncio.run(lesson_temperature(scratch))
        if "3" in lessons:
            asyncio.run(lesson_overfitting(scratch))


if __name__ == "__main__":
    main(sys.argv[1:] or ["2", "3"])
