"""Snapshot tests of the Compare view with seeded race data (no thread, no clock)."""

from __future__ import annotations

import math

import numpy as np

from rnnplay.core.data.stats import reference_lines
from rnnplay.core.race.events import RaceResult
from rnnplay.tui.screens.compare import CompareScreen
from tests.tui.app_helpers import make_app

NAMES = ["rnn", "lstm", "gru"]
FINAL = {"rnn": 2.1, "lstm": 1.75, "gru": 1.8}
SAMPLES = {
    0: "Thou art the sore of mine hend, and thy swe",
    1: "Shall I compare thee to a summer's day?\nThou",
    2: "When in the chronicle of wasted time I see",
}


def seed_race(screen: CompareScreen) -> None:
    """Curves, validations, probes, a table and samples as a race leaves them."""
    rng = np.random.default_rng(0)
    dataset = screen.rnnplay.session.trainer.dataset
    screen.show_contenders(NAMES, reference_lines(dataset))
    for index, name in enumerate(NAMES):
        start, end = math.log(62), FINAL[name]
        steps = np.arange(1, 601)
        loss = end + (start - end) * np.exp(-steps / (120 + 40 * index))
        loss += rng.normal(0, 0.05, loss.size)
        screen.train[index] = [(int(s) * 32, float(v)) for s, v in zip(steps, loss, strict=True)]
        screen.evals[index] = [
            (int(s) * 32, float(loss[s - 1] + 0.08)) for s in range(100, 601, 100)
        ]
        decay = (0.55, 0.93, 0.9)[index]
        screen.flows[index] = tuple(float(decay**d) for d in range(64))
    screen.results = [
        RaceResult(
            name=name, model=f"{name} 1x32 (embed 16)", params=(4606, 9310, 7742)[i],
            steps=600, tokens=19200, tokens_per_s=(52000.0, 21000.0, 24000.0)[i],
            train_s=1.0, wall_s=1.2, best_val_loss=FINAL[name] + 0.08,
            grad_reach=(0.55**50, 0.93**50, 0.9**50)[i], probe_distance=50,
            status="running", differs={"cell": name},
        )
        for i, name in enumerate(NAMES)
    ]  # fmt: skip
    screen.show_samples(SAMPLES)
    screen.redraw()


async def open_seeded(pilot) -> None:
    await pilot.press("m")
    await pilot.pause()
    seed_race(pilot.app.screen)
    await pilot.pause()


def test_compare_picker_80x24(snap_compare):
    """Before the race: the three cells picked, the hint in the empty charts."""
    assert snap_compare(make_app(), terminal_size=(80, 24), press=["m"])


def test_compare_picker_160x50(snap_compare):
    """The picker has focus at once: its cursor row shows, ticks read as [x] / [ ]."""
    assert snap_compare(make_app(), terminal_size=(160, 50), press=["m", "down"])


def test_compare_racing_80x24(snap_compare):
    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=open_seeded)


def test_compare_racing_160x50(snap_compare):
    assert snap_compare(make_app(), terminal_size=(160, 50), run_before=open_seeded)
