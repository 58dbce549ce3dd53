"""Take the pictures of the Inspect lesson (docs/lessons.md, lesson 4) from the real app.

Trains a small char LSTM on the sonnets for ``--seconds`` (on this thread,
seeded), then drives the playground headless with Textual's Pilot and saves
the screen with ``save_screenshot``:

- ``lesson-inspect-units.svg``: the Inspect view (``i``) on the validation
  text, a neuron search for ``line_position`` (``/``), the best unit picked:
  the text coloured by that unit, the cursor's odds, hidden column and gates;
- ``lesson-inspect-loss.svg``: the main view after training (160x50), the
  loss chart with the uniform, unigram and 2- to 5-gram reference lines.

Also prints the figures the lesson quotes (JSON): the steps trained, the
validation loss, the n-gram references, the loss split by character class
(``Inspector.loss_split``) beside the 3-gram's, the top units and their r.

Run from the repository root: ``python docs/inspect_pictures.py [--seconds S] [--hidden H]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path

from rnnplay.core.train.config import TrainConfig
from rnnplay.core.train.events import StepEvent
from rnnplay.tui.app import RnnPlayApp
from rnnplay.tui.screens.inspect import InspectScreen
from rnnplay.tui.training import build_trainer
from rnnplay.tui.widgets.loss_chart import LossChart

DOCS = Path(__file__).resolve().parent
SIZE = (120, 40)


async def wait_until(pilot, predicate, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not predicate() and time.monotonic() < deadline:
        await pilot.pause(0.05)


def trained(seconds: float, hidden: int):
    config = TrainConfig(
        corpus="sonnets", cell="lstm", embed=32, hidden=hidden, batch=16, bptt=64,
        eval_every=20, seed=1,
    )  # fmt: skip
    trainer = build_trainer(config)
    points = []
    for event in trainer.run(max_seconds=seconds, final_eval=True):
        if isinstance(event, StepEvent):
            points.append((event.tokens, event.loss))
    return trainer, points


def loss_split(trainer) -> list[dict]:
    """The validation loss split by character class, beside the 3-gram's."""
    from rnnplay.core.inspect import Inspector

    dataset = trainer.dataset
    inspector = Inspector(trainer.model, dataset.vocab)
    split = inspector.loss_split(dataset.valid, dataset.train, orders=(3,))
    return [
        {
            "class": c.label,
            "count": c.count,
            "model": round(c.model, 3),
            "3-gram": round(c.references["3-gram"], 3),
            "share": round(c.share, 3),
        }
        for c in split
    ]


async def pictures(seconds: float, hidden: int) -> dict:
    trainer, points = trained(seconds, hidden)
    split = loss_split(trainer)
    scratch = Path(tempfile.mkdtemp(prefix="inspect-pictures-"))
    app = RnnPlayApp(trainer, runs_dir=scratch / "runs", auto_sample=False)
    figures: dict = {"steps": trainer.step_count, "split": split}
    async with app.run_test(size=(160, 50)) as pilot:
        app.query_one(LossChart).add_train(points)  # the steps trained before the app opened
        await wait_until(pilot, lambda: app.references.fitted > 0, 120.0)
        app.clear_notifications()
        await pilot.pause(0.6)
        app.save_screenshot("lesson-inspect-loss.svg", str(DOCS))
        await pilot.resize_terminal(*SIZE)
        await pilot.pause(0.3)
        figures["references"] = app.query_one("#loss").references
        figures["val_loss"] = app.session.last_eval.loss if app.session.last_eval else None
        await pilot.press("i")
        screen = app.screen
        assert isinstance(screen, InspectScreen)

        def settled() -> bool:
            return screen.answers > 0 and screen._asked is None and not screen._pending

        await wait_until(pilot, settled, 60.0)
        for key in ("left",) * 12:
            await pilot.press(key)
        await wait_until(pilot, settled, 60.0)
        await pilot.press("slash", *"line_position", "enter")
        figures["units"] = [(s.layer, s.unit, round(s.r, 3)) for s in screen._scores[:5]]
        await pilot.press("enter")
        await wait_until(pilot, settled, 60.0)
        app.clear_notifications()
        await pilot.pause(0.3)
        app.save_screenshot("lesson-inspect-units.svg", str(DOCS))
        await pilot.press("escape", "q")
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=120.0)
    parser.add_argument("--hidden", type=int, default=128)
    args = parser.parse_args()
    figures = asyncio.run(pictures(args.seconds, args.hidden))
    print(json.dumps(figures), file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
