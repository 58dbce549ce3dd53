"""The rnnplay playground: watch a recurrent network learn to write, live.

The app is a thin face over the engine. A :class:`~rnnplay.tui.session.TrainingSession`
owns the Trainer and runs ``Trainer.run`` in a thread worker; samples run
in a second thread worker on a copy of the weights
(:mod:`rnnplay.tui.sampling`). Both only post messages; every widget is
updated here, on the UI thread. Long operations (stopping the training
thread, reading a corpus, opening a checkpoint) run in workers too, so a
key press is always handled at once.

Layout: at 110x32 and more every panel is on screen in a grid; below that
the same panels are grouped on tabs (the widgets stay mounted, CSS shows
one group at a time); below 60x20 a screen says the terminal is too small.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import threading
import time
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path
from typing import Any, ClassVar

from textual import work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Container, Horizontal, Vertical
from textual.css.query import NoMatches
from textual.events import Resize
from textual.screen import Screen
from textual.widgets import Footer, Input, Label, Tab, Tabs
from textual.worker import Worker, get_current_worker

from rnnplay.core.runs import resume_trainer
from rnnplay.core.train.config import TrainConfig
from rnnplay.core.train.events import EvalEvent
from rnnplay.core.train.trainer import Trainer
from rnnplay.errors import one_line
from rnnplay.tui.crash_guard import CrashToFile, exit_code
from rnnplay.tui.messages import (
    CheckpointFailed,
    CheckpointSaved,
    Evaluated,
    GradFlowMeasured,
    LearningRateChanged,
    SampleFinished,
    SampleStarted,
    SampleTokens,
    TrainingProgress,
    TrainingStopped,
    WeightsSnapshot,
)
from rnnplay.tui.no_color import use_tolerant_filters
from rnnplay.tui.sampling import (
    SampleSettings,
    model_from_params,
    run_sample,
    sample_length,
    token_pace,
)
from rnnplay.tui.screens import ConfirmScreen, HelpScreen, OpenCheckpointScreen, TooSmallScreen
from rnnplay.tui.session import TrainingSession, build_trainer
from rnnplay.tui.widgets.controls import Controls, LiveSettings
from rnnplay.tui.widgets.distribution import NextTokenDistribution
from rnnplay.tui.widgets.gradient_flow import GradientFlow
from rnnplay.tui.widgets.heatmap import HiddenHeatmap
from rnnplay.tui.widgets.loss_chart import LossChart
from rnnplay.tui.widgets.sample_view import SampleView
from rnnplay.tui.widgets.status import StatusInfo, StatusPanel

MIN_SIZE = (60, 20)
"""Below this the playground cannot be drawn usefully: a screen says so."""

WIDE_SIZE = (110, 32)
"""From this size on every panel is on screen at once; below it they go on tabs."""

TEMPERATURE_RANGE = (0.1, 3.0)
TEMPERATURE_STEP = 0.1
LR_RANGE = (1e-6, 100.0)

SAMPLE_TICK_S = 0.2
PROGRESS_TICK_S = 0.25
"""Progress and sample tokens are buffered as they arrive and handed to the
panels on two ticks: sample panels 5 times a second (a few tokens each time),
status and loss chart 4 times a second, offset from each other. Every
repaint costs the UI thread time, which on a busy machine is taken from
training; kept apart, each group's repaint touches a small area of the
screen (the controls column is in neither)."""

SAMPLE_REST_S = 1.5
"""Pause between two automatic samples while training, so the last one can be read."""

STOP_TIMEOUT_S = 2.0
"""How long quitting or resetting waits for the training thread (a step or two)."""

TABS = (
    ("train", "Train"),
    ("sample", "Sample"),
    ("network", "Network"),
    ("controls", "Controls"),
)

DEFAULT_CHECKPOINT_DIR = "checkpoints"


def _unless_unmounted(handler: Callable[..., None]) -> Callable[..., None]:
    """Skip a tick or message that arrives while the panels are not mounted:
    worker threads and timers do not know the app is closing, and Textual
    removes the panels before ``shutting_down`` turns true, so the flags
    cannot tell a late tick from a real miss. A panel that never updates is
    what the Pilot tests would catch instead."""

    @functools.wraps(handler)
    def guarded(self: RnnPlayApp, *args: Any) -> None:
        try:
            handler(self, *args)
        except NoMatches:
            return

    return guarded


class RnnPlayApp(CrashToFile, App[int]):
    """The playground. ``trainer`` is the session it opens with (paused)."""

    CSS_PATH = "app.tcss"
    TITLE = "rnnplay"
    AUTO_FOCUS = None
    ENABLE_COMMAND_PALETTE = True

    TEMPERATURE_KEYS = Binding.Group("Temp", compact=True)
    LR_KEYS = Binding.Group("lr x2 /2", compact=True)
    UNIT_KEYS = Binding.Group("Unit", compact=True)
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "toggle_training", "Train/pause"),
        Binding("n", "step_once", "Step"),
        Binding("g", "new_sample", "Sample"),
        Binding(
            "plus,equals_sign", "temperature(1)", "Temp+", key_display="+", group=TEMPERATURE_KEYS
        ),
        Binding("minus", "temperature(-1)", "Temp-", key_display="-", group=TEMPERATURE_KEYS),
        Binding("right_square_bracket", "scale_lr(2.0)", "lr x2", key_display="]", group=LR_KEYS),
        Binding("left_square_bracket", "scale_lr(0.5)", "lr /2", key_display="[", group=LR_KEYS),
        Binding("up", "select_unit(-1)", "Unit up", key_display="\u2191", group=UNIT_KEYS),
        Binding("down", "select_unit(1)", "Unit down", key_display="\u2193", group=UNIT_KEYS),
        Binding("c", "toggle_colour", "Colour", show=False),
        Binding("v", "toggle_sort", "Sort units", show=False),
        Binding("s", "save", "Save"),
        Binding("o", "open", "Open"),
        Binding("r", "reset", "Reset"),
        Binding("question_mark", "help", "Help", key_display="?"),
        Binding("q", "quit", "Quit"),
        Binding("escape", "leave_field", "Leave field", show=False),
        Binding("1", "show_tab('train')", "Train tab", show=False),
        Binding("2", "show_tab('sample')", "Sample tab", show=False),
        Binding("3", "show_tab('network')", "Network tab", show=False),
        Binding("4", "show_tab('controls')", "Controls tab", show=False),
    ]

    def __init__(
        self,
        trainer: Trainer,
        *,
        temperature: float = 0.8,
        top_k: int | None = None,
        prime: str = "",
        checkpoint_dir: str | Path | None = None,
        sample_pace_s: float | None = None,
        sample_tokens: int | None = None,
        auto_sample: bool = True,
    ) -> None:
        super().__init__()
        use_tolerant_filters(self)  # NO_COLOR=1 (rnnplay/tui/no_color.py)
        self.sample_settings = SampleSettings(temperature, top_k)
        self.checkpoint_dir = Path(checkpoint_dir or trainer.config.out or DEFAULT_CHECKPOINT_DIR)
        self.sample_pace_s = sample_pace_s
        self.sample_tokens = sample_tokens
        self.auto_sample = auto_sample
        self._initial_prime = prime
        self.session = self._new_session(trainer)
        self._lr = trainer.lr
        self._stopping = False
        self._train_worker: Worker | None = None
        self._sample_run = 0
        self._sample_stop = threading.Event()
        self._sample_active = False
        self._sample_timer = None
        self._busy: str | None = None
        self._tab = "train"
        self._pending_points: list[tuple[int, float]] = []
        self._pending_steps: list[Any] = []
        self._status_dirty = False
        self.first_frame_at: float | None = None
        self.shutting_down = False

    # -- composition ------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        cfg = self.session.config
        yield Tabs(*(Tab(title, id=f"tab-{key}") for key, title in TABS), id="tabs")
        with Container(id="main", classes="wide"):
            status = StatusPanel(self._status_info(), id="status")
            status.border_title = "Status"
            yield status
            yield LossChart(id="loss")
            yield GradientFlow(id="gradflow")
            controls = Controls(
                cfg,
                self._live_settings(),
                corpus_names=_builtin_names(),
                id="controls",
            )
            controls.border_title = "Controls"
            yield controls
            with Vertical(id="sample-panel"):
                with Horizontal(id="prime-row"):
                    yield Label("prime", id="prime-label")
                    yield Input(
                        self._initial_prime,
                        placeholder="empty = start of a line; Enter samples",
                        id="prime",
                        compact=True,
                    )
                yield SampleView(id="sample", hint="no sample yet: press g to sample")
            yield NextTokenDistribution(id="distribution")
            yield HiddenHeatmap(id="heatmap")
        yield Footer()

    def on_mount(self) -> None:
        self._apply_layout(self.size.width, self.size.height)
        self.set_interval(SAMPLE_TICK_S, self._show_pending_samples)
        self.set_timer(
            SAMPLE_TICK_S / 2,
            lambda: self.set_interval(PROGRESS_TICK_S, self._show_pending_progress),
        )
        self._show_history()
        self.call_after_refresh(self._mark_first_frame)

    def _show_history(self) -> None:
        """A resumed session's past validation results, on the loss chart."""
        trainer = self.session.trainer
        evals = [
            (record["tokens"], record["loss"])
            for record in trainer.history
            if record.get("kind") == "eval" and "tokens" in record and "loss" in record
        ]
        if evals:
            self.query_one(LossChart).set_data([], evals)
            last = trainer.history[-1]
            if last.get("kind") == "eval":
                self.session.last_eval = _eval_from_record(last)

    def _mark_first_frame(self) -> None:
        if self.first_frame_at is None:
            self.first_frame_at = time.perf_counter()

    # -- layout ------------------------------------------------------------------
    def on_resize(self, event: Resize) -> None:
        self._apply_layout(event.size.width, event.size.height)

    def _apply_layout(self, width: int, height: int) -> None:
        too_small = width < MIN_SIZE[0] or height < MIN_SIZE[1]
        showing = isinstance(self.screen, TooSmallScreen)
        if too_small and not showing:
            self.push_screen(TooSmallScreen(*MIN_SIZE))
        elif not too_small and showing:
            self.pop_screen()
        wide = width >= WIDE_SIZE[0] and height >= WIDE_SIZE[1]
        main = self.query_one("#main")
        main.set_class(wide, "wide")
        main.set_class(not wide, "narrow")
        self.query_one("#tabs", Tabs).display = not wide
        self._show_tab(self._tab)

    def _show_tab(self, key: str) -> None:
        self._tab = key
        main = self.query_one("#main")
        for name, _title in TABS:
            main.set_class(name == key, f"tab-{name}")
        tabs = self.query_one("#tabs", Tabs)
        if tabs.active != f"tab-{key}":
            tabs.active = f"tab-{key}"

    def on_tabs_tab_activated(self, event: Tabs.TabActivated) -> None:
        if event.tab is not None and event.tab.id:
            self._show_tab(event.tab.id.removeprefix("tab-"))

    def action_show_tab(self, key: str) -> None:
        self._show_tab(key)

    def action_leave_field(self) -> None:
        self.screen.set_focus(None)

    # -- sessions ------------------------------------------------------------------
    def _new_session(self, trainer: Trainer) -> TrainingSession:
        return TrainingSession(trainer, self.post_message)

    def _install(self, trainer: Trainer) -> None:
        """Show ``trainer`` as the new session (training is stopped)."""
        self.session = self._new_session(trainer)
        self._lr = trainer.lr
        self._stop_sample()
        self._pending_points, self._pending_steps = [], []
        self.query_one(LossChart).reset_data()
        self.query_one(GradientFlow).reset()
        self.query_one(SampleView).clear()
        self.query_one(HiddenHeatmap).clear()
        self.query_one(NextTokenDistribution).clear()
        self.query_one(Controls).show(trainer.config, self._live_settings())
        self._show_history()
        self._refresh_status()

    def _live_settings(self) -> LiveSettings:
        return LiveSettings(
            lr=self._lr if hasattr(self, "_lr") else self.session.trainer.lr,
            temperature=self.sample_settings.temperature,
            top_k=self.sample_settings.top_k,
        )

    def _status_info(self) -> StatusInfo:
        session = self.session
        summary = session.summary
        trainer = session.trainer
        step = session.last_step
        evaluation = session.last_eval
        return StatusInfo(
            corpus=summary.corpus,
            level=summary.level,
            vocab_size=summary.vocab_size,
            cell=summary.cell,
            layers=summary.layers,
            embed=summary.embed,
            hidden=summary.hidden,
            num_params=summary.num_params,
            running=session.running,
            stopping=session.running and self._stopping,
            step=step.step if step else trainer.step_count,
            epoch=step.epoch if step else trainer.epoch,
            tokens=step.tokens if step else trainer.tokens_seen,
            tokens_per_s=step.tokens_per_s if step else None,
            train_loss=step.loss if step else None,
            val_ppl=evaluation.ppl if evaluation else None,
            lr=self._lr,
            elapsed_s=step.elapsed_s if step else trainer.elapsed_s,
        )

    def _refresh_status(self) -> None:
        self._status_dirty = False
        self.query_one(StatusPanel).update_info(self._status_info())

    def _show_pending(self) -> None:
        """Hand everything that arrived to the panels now."""
        self._show_pending_progress()
        self._show_pending_samples()

    @_unless_unmounted
    def _show_pending_progress(self) -> None:
        """Progress tick: new loss points to the chart, figures to the status."""
        chart = self.query_one(LossChart)
        if self._pending_points:
            points, self._pending_points = self._pending_points, []
            chart.add_train(points)
        else:
            chart.redraw_if_due()
        if self._status_dirty:
            self._refresh_status()

    @_unless_unmounted
    def _show_pending_samples(self) -> None:
        """Sample tick: new tokens to the sample view, heatmap and distribution."""
        if self._pending_steps:
            steps, self._pending_steps = self._pending_steps, []
            self.query_one(SampleView).extend(steps)
            self.query_one(HiddenHeatmap).append_steps(steps)
            vocab = self.session.trainer.dataset.vocab
            self.query_one(NextTokenDistribution).show(steps[-1], _label_of(vocab))

    # -- training ------------------------------------------------------------------
    @property
    def training(self) -> bool:
        """True while the training thread runs (a pause takes effect at the next step)."""
        return self.session.running

    def action_toggle_training(self) -> None:
        """Space: start training, or ask the running loop to pause."""
        if self._busy:
            self.notify(f"wait: {self._busy}", severity="warning", timeout=2)
            return
        if self.session.running:
            self._stopping = True
            self.session.request_stop()
        else:
            self._start_loop(steps=None)
            if self.auto_sample and not self._sample_active:
                self.session.request_snapshot()
        self._refresh_status()

    def action_step_once(self) -> None:
        """n: exactly one training step (when paused)."""
        if self._busy:
            self.notify(f"wait: {self._busy}", severity="warning", timeout=2)
            return
        if self.session.running:
            self.notify("training is running: press space to pause first", timeout=2)
            return
        self._start_loop(steps=1)
        self._refresh_status()

    def _start_loop(self, steps: int | None) -> None:
        session = self.session
        session.begin()
        self._stopping = False
        self._train_worker = self.run_worker(
            partial(_train_body, session, steps),
            name="training",
            group="training",
            thread=True,
            exit_on_error=False,
        )

    @_unless_unmounted
    def on_training_progress(self, message: TrainingProgress) -> None:
        if getattr(message, "source", None) is not self.session:
            return
        self._lr = message.step.lr
        self._pending_points.extend(message.points)
        self._status_dirty = True

    @_unless_unmounted
    def on_evaluated(self, message: Evaluated) -> None:
        if getattr(message, "source", None) is not self.session:
            return
        self._show_pending()
        self.query_one(LossChart).add_eval(message.event.tokens, message.event.loss)
        self._refresh_status()

    @_unless_unmounted
    def on_learning_rate_changed(self, message: LearningRateChanged) -> None:
        if getattr(message, "source", None) is not self.session:
            return
        event = message.event
        self._lr = event.new_lr
        self.query_one(Controls).show_live(self._live_settings())
        self.notify(f"learning rate {event.old_lr:.3g} -> {event.new_lr:.3g} ({event.reason})")
        self._refresh_status()

    @_unless_unmounted
    def on_training_stopped(self, message: TrainingStopped) -> None:
        if getattr(message, "source", None) is not self.session:
            return
        self._stopping = False
        self._show_pending()
        self.query_one(LossChart).flush()
        self._refresh_status()
        if message.error is not None:
            self.notify(message.error, title="training failed", severity="error", timeout=8)
            return
        event = message.event
        if event is None or event.reason == "cancelled":
            return
        if event.reason == "nonfinite":
            self.notify(event.message, title="training stopped", severity="error", timeout=10)
        else:
            self.notify(f"training stopped: {event.message}", timeout=5)

    @_unless_unmounted
    def on_grad_flow_measured(self, message: GradFlowMeasured) -> None:
        if getattr(message, "source", None) is not self.session:
            return
        self.query_one(GradientFlow).update(message.norms)

    async def _wait_idle(self, timeout: float = STOP_TIMEOUT_S) -> bool:
        """Ask the training loop to stop and wait (without blocking the UI) until it has."""
        session = self.session
        session.request_stop()
        if self._train_worker is not None:
            self._train_worker.cancel()
        deadline = time.monotonic() + timeout
        while session.running and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        return not session.running

    # -- learning rate ------------------------------------------------------------------
    def action_scale_lr(self, factor: float) -> None:
        """] / [: double or halve the learning rate, live."""
        self.set_lr(self._lr * factor)

    def set_lr(self, lr: float) -> None:
        lr = min(max(lr, LR_RANGE[0]), LR_RANGE[1])
        self._lr = lr
        self.session.set_lr(lr)
        self.query_one(Controls).show_live(self._live_settings())
        self._refresh_status()
        self.notify(f"learning rate {lr:.3g}", timeout=1.5)

    # -- sampling ----------------------------------------------------------------------
    def action_temperature(self, direction: int) -> None:
        """+ / -: sampling temperature up or down by 0.1, live."""
        low, high = TEMPERATURE_RANGE
        value = round(self.sample_settings.temperature + direction * TEMPERATURE_STEP, 2)
        self.set_temperature(min(max(value, low), high))

    def set_temperature(self, value: float) -> None:
        self.sample_settings.temperature = value
        self.query_one(Controls).show_live(self._live_settings())
        self.notify(f"temperature {value:.2f}", timeout=1.5)

    def action_new_sample(self) -> None:
        """g: start a fresh sample from the prime with the current weights."""
        self._stop_sample()
        self.session.request_snapshot()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "prime":
            event.stop()
            self.screen.set_focus(None)
            self.action_new_sample()

    def on_weights_snapshot(self, message: WeightsSnapshot) -> None:
        if getattr(message, "source", None) is not self.session:
            return
        self._start_sample(message.params)

    def _start_sample(self, params: list) -> None:
        self._stop_sample()
        self._sample_run += 1
        self._sample_active = True
        stop = threading.Event()
        self._sample_stop = stop
        trainer = self.session.trainer
        level = trainer.dataset.vocab.level
        seed = trainer.config.seed
        self.run_worker(
            partial(
                _sample_body,
                run_id=self._sample_run,
                config=dict(trainer.model.config),
                params=params,
                vocab=trainer.dataset.vocab,
                prime=self.query_one("#prime", Input).value,
                settings=self.sample_settings,
                seed=None if seed is None else seed + self._sample_run,
                post=self.post_message,
                stop=stop,
                length=self.sample_tokens or sample_length(level),
                pace_s=token_pace(level) if self.sample_pace_s is None else self.sample_pace_s,
            ),
            name="sample",
            group="sample",
            thread=True,
            exit_on_error=False,
        )

    def _stop_sample(self) -> None:
        self._sample_stop.set()
        self._sample_active = False
        if self._sample_timer is not None:
            self._sample_timer.stop()
            self._sample_timer = None

    @_unless_unmounted
    def on_sample_started(self, message: SampleStarted) -> None:
        if message.run_id != self._sample_run:
            return
        self._pending_steps = []
        self.query_one(SampleView).clear(prime=message.prime)
        self.query_one(HiddenHeatmap).clear()
        self.query_one(NextTokenDistribution).clear()

    @_unless_unmounted
    def on_sample_tokens(self, message: SampleTokens) -> None:
        if message.run_id != self._sample_run or not message.steps:
            return
        self._pending_steps.extend(message.steps)

    @_unless_unmounted
    def on_sample_finished(self, message: SampleFinished) -> None:
        if message.run_id != self._sample_run:
            return
        self._show_pending()
        self._sample_active = False
        if message.error is not None:
            self.notify(message.error, title="sample", severity="error", timeout=6)
            return
        if self.auto_sample and self.session.running:
            self._sample_timer = self.set_timer(SAMPLE_REST_S, self._auto_sample)

    def _auto_sample(self) -> None:
        self._sample_timer = None
        if self.session.running and not self._sample_active:
            self._sample_active = True  # a snapshot is on its way
            self.session.request_snapshot()

    @_unless_unmounted
    def on_hidden_heatmap_unit_selected(self, message: HiddenHeatmap.UnitSelected) -> None:
        view = self.query_one(SampleView)
        if view.mode == "unit":
            view.unit = message.unit

    def action_select_unit(self, delta: int) -> None:
        """Up / down: select the hidden unit (the heatmap highlights it)."""
        self.query_one(HiddenHeatmap).move_selection(delta)

    def action_toggle_colour(self) -> None:
        """c: colour the sample by token probability or by the selected unit."""
        view = self.query_one(SampleView)
        view.unit = self.query_one(HiddenHeatmap).selected_unit
        mode = view.toggle_mode()
        what = "probability" if mode == "probability" else f"hidden unit {view.unit}"
        self.notify(f"sample coloured by {what}", timeout=1.5)

    def action_toggle_sort(self) -> None:
        """v: order the heatmap's units by their variance over the sample, or by index."""
        heatmap = self.query_one(HiddenHeatmap)
        heatmap.sort_by_variance = not heatmap.sort_by_variance

    # -- controls ------------------------------------------------------------------
    def on_controls_live_changed(self, message: Controls.LiveChanged) -> None:
        if message.setting == "lr":
            self.set_lr(float(message.value))
        elif message.setting == "temperature":
            self.set_temperature(float(message.value))
        elif message.setting == "top_k":
            self.sample_settings.top_k = message.value
            self.notify(f"top-k {message.value or 'off'}", timeout=1.5)

    def on_controls_invalid_value(self, message: Controls.InvalidValue) -> None:
        self.notify(message.reason, severity="error", timeout=4)

    def on_controls_structural_change(self, message: Controls.StructuralChange) -> None:
        changes = message.changes
        try:
            config = self.session.config.replace(**changes).validate()
        except ValueError as error:
            self.notify(str(error), title="settings", severity="error", timeout=6)
            return
        described = ", ".join(f"{k} {'auto' if v is None else v}" for k, v in changes.items())

        def answered(yes: bool | None) -> None:
            if yes:
                self.replace_session(partial(build_trainer, config), f"new session: {described}")
            else:
                self.query_one(Controls).show(self.session.config)

        self.push_screen(
            ConfirmScreen(f"Apply {described}?\nThis starts training over from new weights."),
            answered,
        )

    # -- reset, open, save -------------------------------------------------------------
    def action_reset(self) -> None:
        """r: start over with the same settings (after confirming)."""

        def answered(yes: bool | None) -> None:
            if yes:
                config = self.session.config
                self.replace_session(partial(build_trainer, config), "reset: new weights")

        self.push_screen(
            ConfirmScreen("Reset? Training so far is discarded (save with s first)."), answered
        )

    def action_open(self) -> None:
        """o: open a checkpoint (asks for its path)."""

        def chosen(path: str | None) -> None:
            if path:
                self.replace_session(partial(resume_trainer, path), f"opened {path}")

        self.push_screen(OpenCheckpointScreen(), chosen)

    @work(group="session", exclusive=True)
    async def replace_session(self, factory: Callable[[], Trainer], done: str) -> None:
        """Stop training, build a new trainer off the UI thread, and show it.

        If building fails (a corpus that cannot be read, a checkpoint that
        will not load) the error is shown and the old session stays.
        """
        self._busy = "loading"
        try:
            self._stop_sample()
            if not await self._wait_idle():
                self.notify("training did not stop; try again", severity="error")
                return
            try:
                trainer = await asyncio.get_running_loop().run_in_executor(None, factory)
            except Exception as error:  # shown to the user; the session keeps what it had
                self.notify(
                    _one_line(error),
                    title="could not load",
                    severity="error",
                    timeout=8,
                    markup=False,
                )
                return
            self._install(trainer)
            self.notify(done, timeout=3)
        finally:
            self._busy = None
            self._refresh_status()

    def action_save(self) -> None:
        """s: write a checkpoint (between steps if training runs); the path is shown."""
        step = self.session.trainer.step_count
        path = self.checkpoint_dir / f"rnnplay-step{step:06d}.npz"
        try:
            self.checkpoint_dir.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            self.notify(_one_line(error), title="save failed", severity="error")
            return

        def done(written: Path | None, error: str | None) -> None:
            if error is not None:
                self.post_message(CheckpointFailed(error))
            else:
                self.post_message(CheckpointSaved(str(written)))

        self.session.save(path, done)

    def on_checkpoint_saved(self, message: CheckpointSaved) -> None:
        self.last_checkpoint = message.path
        self.notify(f"saved {message.path}", title="checkpoint", timeout=6)

    def on_checkpoint_failed(self, message: CheckpointFailed) -> None:
        self.notify(message.error, title="save failed", severity="error", timeout=8)

    # -- help, quit, palette ------------------------------------------------------------
    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    async def action_quit(self) -> None:
        """q: stop the training and sampling threads (within a step), then exit."""
        self._stop_sample()
        await self._wait_idle()
        self.exit(0)

    def exit(self, *args: Any, **kwargs: Any) -> None:
        """Exit; from here on ticks and late messages find no panels, which is fine."""
        self.shutting_down = True
        super().exit(*args, **kwargs)

    async def on_unmount(self) -> None:
        self._stop_sample()
        self.session.request_stop()

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        commands = [
            ("Start / pause training", "space: train or pause", self.action_toggle_training),
            ("One training step", "n: train on one batch", self.action_step_once),
            ("New sample", "g: sample again from the prime", self.action_new_sample),
            ("Temperature up", "+: sharper to wilder samples", partial(self.action_temperature, 1)),
            ("Temperature down", "-: safer samples", partial(self.action_temperature, -1)),
            ("Learning rate x2", "]: double the learning rate", partial(self.action_scale_lr, 2.0)),
            ("Learning rate /2", "[: halve the learning rate", partial(self.action_scale_lr, 0.5)),
            (
                "Previous hidden unit",
                "up: select the unit above",
                partial(self.action_select_unit, -1),
            ),
            (
                "Next hidden unit",
                "down: select the unit below",
                partial(self.action_select_unit, 1),
            ),
            ("Colour sample", "c: by probability or by the unit", self.action_toggle_colour),
            ("Sort hidden units", "v: by variance or by index", self.action_toggle_sort),
            ("Save checkpoint", "s: write the session to a .npz file", self.action_save),
            ("Open checkpoint", "o: continue a saved session", self.action_open),
            ("Reset training", "r: start over from new weights", self.action_reset),
            ("Help", "?: what each panel shows", self.action_help),
        ]
        for title, help_text, callback in commands:
            yield SystemCommand(title, help_text, callback)


# -- worker bodies (run on worker threads) ---------------------------------------------


def _train_body(session: TrainingSession, steps: int | None) -> None:
    worker = get_current_worker()
    session.run_loop(lambda: worker.is_cancelled, steps=steps)


def _sample_body(*, config: dict, params: list, **kwargs: Any) -> None:
    worker = get_current_worker()
    try:
        model = model_from_params(config, params)
    except Exception as error:
        kwargs["post"](SampleFinished(kwargs["run_id"], _one_line(error)))
        return
    run_sample(model=model, cancelled=lambda: worker.is_cancelled, **kwargs)


# -- helpers ----------------------------------------------------------------------------


def _label_of(vocab: Any) -> Callable[[int], str]:
    tokens = vocab.tokens

    def label(token_id: int) -> str:
        return tokens[token_id]

    return label


def _eval_from_record(record: dict) -> EvalEvent | None:
    try:
        return EvalEvent(**{name: record[name] for name in EVAL_FIELDS})
    except (KeyError, TypeError):
        return None


EVAL_FIELDS = ("step", "epoch", "tokens", "loss", "ppl", "lr", "elapsed_s", "kind")


def _one_line(error: BaseException) -> str:
    """The first line of ``error``, control characters escaped (rnnplay.errors.one_line)."""
    lines = str(error).strip().splitlines()
    return one_line(lines[0]) if lines else type(error).__name__


def _builtin_names() -> list[str]:
    try:
        from rnnplay.core.data.corpus import BUILTIN_CORPORA
    except ImportError:
        return []
    return sorted(BUILTIN_CORPORA)


def make_trainer(config: TrainConfig, checkpoint: str | None, given: Iterable[str] = ()) -> Trainer:
    """The trainer the app opens with: resumed from ``checkpoint`` (with the
    settings a resume may change) or fresh from ``config`` (``rnnplay.core.runs``)."""
    from rnnplay.core.runs import open_playground

    typed = {name: getattr(config, name) for name in given}
    return open_playground(config, checkpoint=checkpoint, given=typed).trainer


def run_app(args: argparse.Namespace) -> int:
    """Entry point of the bare ``rnnplay`` command (called by rnnplay.cli).

    ``args.config`` is a validated TrainConfig, ``args.given`` the names of
    the flags typed, ``args.checkpoint`` a path or None, ``args.runs_dir`` the
    folder of run folders and ``args.confine_paths`` whether nothing outside it
    may be opened. A corpus or checkpoint that fails raises its RnnplayError
    (one line and exit 2 from the CLI) before the screen changes.
    """
    from rnnplay.core.runs import open_playground

    config = getattr(args, "config", None) or TrainConfig()
    typed = {name: getattr(config, name) for name in getattr(args, "given", ())}
    run = open_playground(
        config,
        checkpoint=getattr(args, "checkpoint", None),
        given=typed,
        runs_dir=getattr(args, "runs_dir", None) or "runs",
        confine_paths=bool(getattr(args, "confine_paths", False)),
    )
    app = RnnPlayApp(run.trainer)
    result = app.run()
    return exit_code(app, result)  # a crash: one line, traceback in a file, exit 1
