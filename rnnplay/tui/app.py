"""The rnnplay playground: watch a recurrent network learn to write, live.

This module is the layout and the wiring. The engine side lives in
:mod:`rnnplay.tui.training` (one Trainer run in a thread worker), the samples
in :mod:`rnnplay.tui.sample_passes`, the keys in :mod:`rnnplay.tui.keys`
(bindings, command palette and help all come from that one table) and the
run folder in :mod:`rnnplay.tui.run_place`. Worker threads only post
messages; every widget is updated here, on the UI thread, on two ticks.

Layout: at 110x32 and more every panel is on screen in a grid; below that
the same panels are grouped on tabs (the widgets stay mounted, CSS shows
one group at a time); below 60x20 a screen says the terminal is too small.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, ClassVar

from textual.app import App, ComposeResult
from textual.binding import BindingType
from textual.containers import Container, Horizontal, Vertical
from textual.events import Resize
from textual.widgets import Input, Label, Tab, Tabs

from rnnplay.core.lessons.schema import Lesson
from rnnplay.core.nn import blas_libraries
from rnnplay.core.runs.opening import Run
from rnnplay.core.runs.options import PlaygroundOptions
from rnnplay.core.sampling.defaults import DEFAULT_TEMPERATURE
from rnnplay.core.train.trainer import Trainer
from rnnplay.core.train.units import DEFAULT_UNIT, next_unit, unit_label
from rnnplay.process.hang_watch import HangWatch
from rnnplay.tui import keys
from rnnplay.tui.commands import PaletteCommands
from rnnplay.tui.crash_guard import CrashToFile, exit_code
from rnnplay.tui.exports import ExportActions
from rnnplay.tui.gil_turns import take_short_gil_turns
from rnnplay.tui.guards import unless_unmounted
from rnnplay.tui.hangups import Hangups
from rnnplay.tui.keyboard_focus import KeyboardFocus
from rnnplay.tui.lesson_guide import BOARD_NOTE_S, LessonGuide
from rnnplay.tui.lifecycle import SessionChanges
from rnnplay.tui.live_actions import LiveActions
from rnnplay.tui.no_color import use_tolerant_filters
from rnnplay.tui.references import ReferenceLines
from rnnplay.tui.run_place import RunPlace
from rnnplay.tui.sample_passes import SamplePasses
from rnnplay.tui.sampling import SampleSettings
from rnnplay.tui.screens import HelpScreen, TooSmallScreen
from rnnplay.tui.screens.compare import CompareScreen
from rnnplay.tui.screens.runs import RunsScreen
from rnnplay.tui.status_info import status_info
from rnnplay.tui.training import TrainingSession, builtin_corpus_names, make_trainer
from rnnplay.tui.training_view import TrainingView
from rnnplay.tui.typing_guard import TypingGuard
from rnnplay.tui.widgets.controls import Controls, LiveSettings
from rnnplay.tui.widgets.distribution import NextTokenDistribution
from rnnplay.tui.widgets.footer import FittingFooter
from rnnplay.tui.widgets.gradient_flow import GradientFlow
from rnnplay.tui.widgets.heatmap import HiddenHeatmap
from rnnplay.tui.widgets.lesson_panel import LessonPanel
from rnnplay.tui.widgets.loss_chart import LossChart
from rnnplay.tui.widgets.prime_note import PrimeNote
from rnnplay.tui.widgets.sample_view import SampleView
from rnnplay.tui.widgets.status import StatusPanel

__all__ = ["RnnPlayApp", "make_trainer", "run_app"]

MIN_SIZE = (60, 20)
"""Below this the playground cannot be drawn usefully: a screen says so."""

WIDE_SIZE = (110, 32)
"""From this size on every panel is on screen at once; below it they go on tabs."""

PANEL_TICK_S = 0.25
"""Progress and sample tokens are buffered as they arrive and handed to the
panels together on one tick. Every frame costs the UI thread time, which on a
busy machine is taken from training, and a frame redraws every widget inside
the box around all its changed lines (Textual's partial update): two ticks,
one for the chart and status, one for the sample and heatmap, drew about twice
as many frames, each nearly as large as a joint one (benchmarks/tui_overhead.py)."""

TABS = (("train", "Train"), ("sample", "Sample"), ("network", "Network"), ("controls", "Controls"))


class RnnPlayApp(
    CrashToFile,
    Hangups,
    SessionChanges,
    LiveActions,
    ExportActions,
    KeyboardFocus,
    PaletteCommands,
    LessonGuide,
    TrainingView,
    App[int],
):
    """The playground. ``trainer`` is the session it opens with (paused); ``lesson``
    adds its card panel and takes away what it hides (:mod:`rnnplay.tui.lesson_guide`)."""

    CSS_PATH = "app.tcss"
    TITLE = "rnnplay"
    AUTO_FOCUS = None
    ENABLE_COMMAND_PALETTE = True
    BINDINGS: ClassVar[list[BindingType]] = keys.bindings()

    def __init__(
        self,
        trainer: Trainer,
        *,
        temperature: float = DEFAULT_TEMPERATURE,
        top_k: int | None = None,
        prime: str = "",
        runs_dir: str | Path | None = None,
        confine_paths: bool = False,
        checkpoint_dir: str | Path | None = None,
        run: Run | None = None,
        sample_pace_s: float | None = None,
        sample_tokens: int | None = None,
        auto_sample: bool = True,
        start_sample: bool = False,
        ngram_orders: tuple[int, ...] = (2, 3, 4, 5),
        lesson: Lesson | None = None,
    ) -> None:
        """``run`` is the front door's run of ``trainer`` (made here when not given);
        ``checkpoint_dir`` is the older name of ``runs_dir``; ``start_sample``
        samples once at start (an opened checkpoint shows what it writes);
        ``ngram_orders``: the n-gram reference lines drawn on the loss chart."""
        super().__init__()
        blas_libraries.prepare()  # here, before any thread: the freeze of issue 22
        use_tolerant_filters(self)  # NO_COLOR=1 (rnnplay/tui/no_color.py)
        self.sample_settings = SampleSettings(temperature, top_k)
        self.samples = SamplePasses(
            self, self.sample_settings, pace_s=sample_pace_s, tokens=sample_tokens, auto=auto_sample
        )
        self.place = RunPlace(runs_dir or checkpoint_dir or "runs", confine=confine_paths, run=run)
        if run is None:
            self.place.attach(trainer)
        self.references = ReferenceLines(self, orders=ngram_orders, confine=confine_paths)
        self._initial_prime = prime
        self._start_sample = start_sample
        self.session = TrainingSession(trainer, self.post_message)
        self._tab = "train"
        self._wide = True
        self._pending_points: list[tuple[int, float]] = []
        self._status_dirty = False
        self.unit = DEFAULT_UNIT
        """The unit every loss is shown in (u cycles nats, bits, perplexity)."""
        self.last_checkpoint: str | None = None
        self.shutting_down = False
        self.setup_lesson(lesson)
        self.typing = TypingGuard(
            keys.command_keys(lesson=self.lesson is not None), never_text=keys.keys_of("quit")
        )

    # -- composition ------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        # The tab keys are written on the tabs: listed exactly where tabs exist.
        tabs = (Tab(f"{n} {title}", id=f"tab-{key}") for n, (key, title) in enumerate(TABS, 1))
        tab_strip = Tabs(*tabs, id="tabs")
        tab_strip.can_focus = False  # 1-4 switch tabs; tab goes to the fields
        yield tab_strip
        if self.lesson is not None:
            yield LessonPanel(self.lesson, id="lesson")
        with Container(id="main", classes="wide"):
            status = StatusPanel(self.status_info(), id="status")
            status.border_title = "Status"
            yield status
            yield LossChart(id="loss")
            yield GradientFlow(id="gradflow")
            live = self.live_settings()
            controls = Controls(
                self.session.config, live, corpus_names=builtin_corpus_names(), id="controls"
            )
            controls.border_title = "Controls"
            yield controls
            with Vertical(id="sample-panel"):
                with Horizontal(id="prime-row"):
                    yield Label("prime", id="prime-label")
                    yield Input(
                        self._initial_prime,
                        placeholder="empty: a line start; Enter samples",
                        id="prime",
                        compact=True,
                        select_on_focus=False,
                    )
                    yield PrimeNote(id="prime-note")
                yield SampleView(id="sample", hint="no sample yet: press g to sample")
            yield NextTokenDistribution(id="distribution")
            yield HiddenHeatmap(id="heatmap")
        yield FittingFooter()  # whole keys only, most important first

    def on_mount(self) -> None:
        self._switch_interval = take_short_gil_turns()  # training must not wait 5 ms for the GIL
        self.samples.room = self.query_one(SampleView).room  # samples fill the panel
        self.apply_hiding()
        self.set_interval(BOARD_NOTE_S, self.write_board_note)
        self._apply_layout(self.size.width, self.size.height)
        self.set_interval(PANEL_TICK_S, self._show_pending)
        self.show_history()
        self.readable_prime()  # a --prime the model cannot read is said at once
        self.install_hangup_handlers()  # SIGTERM/SIGHUP end the run as q does
        if self._start_sample:
            self.samples.request(self.session)

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
        self._wide = width >= WIDE_SIZE[0] and height >= WIDE_SIZE[1]
        main = self.query_one("#main")
        main.set_class(self._wide, "wide")
        main.set_class(not self._wide, "narrow")
        self.query_one("#tabs", Tabs).display = not self._wide
        self._show_tab(self._tab)
        self.refresh_bindings()

    def _show_tab(self, key: str) -> None:
        self._tab = key
        main = self.query_one("#main")
        for name, _title in TABS:
            main.set_class(name == key, f"tab-{name}")
        tabs = self.query_one("#tabs", Tabs)
        if tabs.active != f"tab-{key}":
            tabs.active = f"tab-{key}"

    def on_tabs_tab_activated(self, event: Tabs.TabActivated) -> None:
        """A click or key on the tab bar. An activation that is no longer the bar's
        active tab is stale (a key moved on before it arrived): following it would
        move the bar back and start two tabs chasing each other for ever."""
        if event.tab is None or not event.tab.id or event.tab.id != event.tabs.active:
            return
        self._show_tab(event.tab.id.removeprefix("tab-"))

    @property
    def tabs_shown(self) -> bool:
        return not self._wide

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Tab keys apply (and are listed) only where there are tabs, "leave field"
        while a field (or the "apply & reset" button) has focus; behind "terminal too
        small" only quitting does."""
        if isinstance(self.screen, TooSmallScreen):
            return action == "quit"
        if not keys.works_over(self.screen, action):
            return False  # the main view's keys wait until the screen is left
        if action in self.hidden:
            return False  # the lesson took this key away
        if action in keys.LESSON_ONLY_ACTIONS:
            return self.lesson is not None
        if action in keys.TAB_ONLY_ACTIONS:
            return self.tabs_shown
        if action in keys.FIELD_ONLY_ACTIONS:  # any field: an Input, a Select, a button
            return self.focused is not None
        return True

    def on_descendant_focus(self) -> None:
        self.refresh_bindings()

    def on_descendant_blur(self) -> None:
        self.refresh_bindings()

    def action_show_tab(self, key: str) -> None:
        self._show_tab(key)

    # -- what the panels show ------------------------------------------------------------
    def live_settings(self) -> LiveSettings:
        settings, session = self.sample_settings, self.session
        return LiveSettings(
            lr=session.lr,
            temperature=settings.temperature,
            top_k=settings.top_k,
            dropout=session.setting("dropout"),
            schedule=session.setting("schedule"),
            sample_length=self.samples.tokens,
        )

    def status_info(self):
        return status_info(
            self.session,
            lr=self.session.lr,
            busy=self.busy,
            folder=self.place.folder,
            unit=self.unit,
        )

    @unless_unmounted
    def refresh_status(self) -> None:
        self._status_dirty = False
        self.query_one(StatusPanel).update_info(self.status_info())
        self.refresh_lesson()

    def show_history(self) -> None:
        """A resumed session's past validation results, on the loss chart, with the
        session's reference lines (uniform, unigram; the n-grams once fitted)."""
        chart = self.query_one(LossChart)
        self.references.show(self.session.trainer.dataset, chart.set_references)
        evals = self.session.past_evals()
        train = self.place.past_training(self.session.trainer.tokens_seen) if evals else []
        if evals or train:
            chart.set_data(train, evals)  # an opened checkpoint: both curves it came with
        for _tokens, loss in evals:
            self.note_eval(loss)
        self.refresh_status()

    def action_compare(self) -> None:
        """m: the Compare view (the main session pauses first)."""
        if isinstance(self.screen, CompareScreen):
            return
        if self.session.running:
            self.session.request_stop()
        self.push_screen(CompareScreen())

    def action_runs(self) -> None:
        """b: the Runs screen (from the main view)."""
        if self.screen is self.screen_stack[0]:
            self.push_screen(RunsScreen())

    def action_cycle_unit(self) -> None:
        """u: show losses in the next unit (nats, bits, perplexity) everywhere."""
        self.unit = next_unit(self.unit)
        for chart in self.query(LossChart):
            chart.set_unit(self.unit)
        self.refresh_status()
        self.notify(f"losses in {unit_label(self.unit)}", timeout=2)

    # -- help, quit, palette ------------------------------------------------------------
    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            lesson = self.lesson is not None
            self.push_screen(HelpScreen(tabs=self.tabs_shown, lesson=lesson, hidden=self.hidden))

    async def action_quit(self) -> None:
        """q: stop the training and sampling threads (within a step or two), then exit."""
        self.samples.stop()
        await self.wait_idle(timeout=2.0)
        self.exit(0)

    def exit(self, *args: Any, **kwargs: Any) -> None:
        """Exit; from here on ticks and late messages find no panels, which is fine."""
        self.shutting_down = True
        super().exit(*args, **kwargs)

    async def on_unmount(self) -> None:
        self.samples.stop()
        self.session.request_stop()
        self.remove_hangup_handlers()
        self.place.close(self.end_status, save_last=not self.session.running)
        sys.setswitchinterval(self._switch_interval)


def run_app(options: PlaygroundOptions) -> int:
    """Open the playground for ``options`` and run it; returns the exit code.

    The bare ``rnnplay`` command and a served tab both call this. The run is
    opened by the front door (:func:`rnnplay.core.runs.opening.open_playground`);
    a corpus or checkpoint that fails raises its RnnplayError (one line and exit 2)
    before the screen changes. An opened checkpoint shows its figures and starts a
    sample.
    """
    from rnnplay.core.lessons.loader import load_lesson
    from rnnplay.core.runs.opening import open_playground

    lesson = None if options.lesson is None else load_lesson(options.lesson)
    checkpoint, runs_dir, confine = options.checkpoint, options.runs_dir, options.confine_paths
    run = open_playground(
        options.config,
        checkpoint=checkpoint,
        given=options.typed(),
        runs_dir=runs_dir,
        confine_paths=confine,
    )
    app = RnnPlayApp(
        run.trainer,
        run=run,
        runs_dir=runs_dir,
        confine_paths=confine,
        start_sample=checkpoint is not None,
        lesson=lesson,
        sample_tokens=options.sample_length,
    )
    app.force_exit_after_s = 3.0  # after SIGTERM, should restoring the screen hang
    app.hang_watch = HangWatch()  # a freeze of the UI writes every thread's stack
    try:
        result = app.run()
    finally:
        app.cancel_forced_exit()
        app.stop_hang_watch(say=True)
    return exit_code(app, result)  # a crash: one line, traceback in a file, exit 1
