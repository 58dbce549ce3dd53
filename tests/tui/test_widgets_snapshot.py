"""Snapshot tests of the app's own panels (status, loss chart, controls) mounted alone.

Fixed figures and seeded curves, no clock, no thread: every frame is
reproducible. Regenerate with `--snapshot-update` and look at the SVGs
(../shared/tools/svg2png) before committing them.
"""

from __future__ import annotations

import numpy as np
from textual.app import App, ComposeResult
from textual.widget import Widget

from rnnplay.core.train.config import TrainConfig
from rnnplay.tui.widgets.controls import Controls, LiveSettings
from rnnplay.tui.widgets.loss_chart import LossChart
from rnnplay.tui.widgets.status import StatusInfo, StatusPanel

RUNNING = StatusInfo(
    corpus="sonnets",
    level="char",
    vocab_size=62,
    cell="lstm",
    layers=1,
    embed=64,
    hidden=256,
    num_params=346_942,
    running=True,
    step=1_204,
    epoch=0.53,
    tokens=2_465_792,
    tokens_per_s=41_250.0,
    train_loss=1.7342,
    val_loss=1.6886,
    val_ppl=5.412,
    rate_window_s=5.0,
    folder="runs/run-3",
    lr=0.002,
    elapsed_s=154.0,
)


class HostApp(App[None]):
    """Mounts one widget; ``feed`` fills it once mounted."""

    CSS = "Screen { align: center middle; } #panel { border: round $border; }"
    AUTO_FOCUS = None

    def __init__(self, widget: Widget, feed=None) -> None:
        super().__init__()
        self.widget = widget
        self.feed = feed

    def compose(self) -> ComposeResult:
        self.widget.id = "panel"
        yield self.widget

    def on_mount(self) -> None:
        if self.feed is not None:
            self.feed(self.widget)


def seeded_losses(steps: int = 900, seed: int = 0) -> tuple[list, list]:
    """A noisy falling training curve and validation every 100 steps."""
    rng = np.random.default_rng(seed)
    t = np.arange(1, steps + 1)
    curve = 1.45 + 2.7 * np.exp(-t / 180.0)
    noisy = curve + rng.normal(0, 0.12, steps)
    train = [(int(k * 2048), float(v)) for k, v in zip(t, noisy, strict=True)]
    evals = [(int(k * 2048), float(1.55 + 2.6 * np.exp(-k / 190.0))) for k in t[99::100]]
    return train, evals


def test_status_running(snap_compare):
    """Every figure filled in while training runs."""
    panel = StatusPanel(RUNNING)
    panel.styles.width = 38
    assert snap_compare(HostApp(panel), terminal_size=(44, 12))


def test_status_paused_fresh(snap_compare):
    """A fresh session: paused, with the hint to press space; elapsed 0:00."""
    info = StatusInfo(
        corpus="toy",
        level="word",
        vocab_size=120,
        cell="gru",
        layers=2,
        embed=32,
        hidden=64,
        num_params=52_344,
        lr=0.01,
    )
    panel = StatusPanel(info)
    panel.styles.width = 38
    assert snap_compare(HostApp(panel), terminal_size=(44, 12))


def test_loss_chart_with_seeded_curves(snap_compare):
    """Smoothed training loss, validation points, axes in tokens, legend."""
    train, evals = seeded_losses()

    def feed(chart: LossChart) -> None:
        chart.set_data(train, evals)

    assert snap_compare(HostApp(LossChart(), feed), terminal_size=(80, 20))


def test_loss_chart_empty(snap_compare):
    """Before training: empty axes, no legend."""
    assert snap_compare(HostApp(LossChart()), terminal_size=(60, 14))


def test_controls_default(snap_compare):
    """Every setting of the default recipe; live ones (lr, temperature, top-k) highlighted."""
    controls = Controls(TrainConfig(), LiveSettings(lr=0.002, temperature=0.8, top_k=None))
    controls.styles.width = 40
    assert snap_compare(HostApp(controls), terminal_size=(46, 20))


def test_controls_with_pending_change(snap_compare):
    """Editing a structural field enables 'apply & reset' and says what changed."""
    controls = Controls(TrainConfig(), LiveSettings(lr=0.002, temperature=0.8, top_k=5))
    controls.styles.width = 40

    def edit(pilot) -> None:
        controls.query_one("#hidden").value = "256"

    assert snap_compare(HostApp(controls), terminal_size=(46, 20), run_before=edit)


def test_loss_chart_one_point(snap_compare):
    """One step: a small range around the point, distinct round ticks, no collapsed labels."""

    def feed(chart: LossChart) -> None:
        chart.set_data([(2048, 4.1268)])

    assert snap_compare(HostApp(LossChart(), feed), terminal_size=(60, 14))


def test_loss_chart_after_reset(snap_compare):
    """After a reset the old axes are gone: the chart is empty again."""
    train, evals = seeded_losses()

    def feed(chart: LossChart) -> None:
        chart.set_data(train, evals)
        chart.reset_data()

    assert snap_compare(HostApp(LossChart(), feed), terminal_size=(60, 14))
