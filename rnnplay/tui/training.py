"""The bridge between the app and the engine: one Trainer, run in a worker thread.

A :class:`TrainingSession` owns the :class:`~rnnplay.core.train.trainer.Trainer` of
what is on screen. Its :meth:`~TrainingSession.run_loop` is the body of the
app's training thread worker: it iterates ``Trainer.run`` (the one training
loop of the project), asks to stop before every step, and turns the engine's
events into app messages, at most five progress messages a second
(step events are coalesced; evaluation, learning-rate and stop events always
go through at once).

Between two steps (the only moments the model is consistent and nobody is
writing to it) the loop also runs what the UI asked for: changes of the
learning rate, dropout and schedule (:mod:`rnnplay.tui.session_settings`)
and checkpoint saves queued with :meth:`~TrainingSession.submit`,
a copy of the weights for the sampler, and every couple of seconds a
gradient-flow probe. When the loop is not running, the same requests run
at once on the caller's thread.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np

from rnnplay.core.nn.model import RNNLM
from rnnplay.core.nn.stepper import frozen_copy
from rnnplay.core.runs.recorder import Recorder
from rnnplay.core.train.config import TrainConfig
from rnnplay.core.train.events import EvalEvent, LRChangeEvent, StepEvent, StopEvent
from rnnplay.core.train.trainer import Trainer
from rnnplay.errors import one_line
from rnnplay.tui.messages import (
    Evaluated,
    GradFlowMeasured,
    LearningRateChanged,
    TrainingProgress,
    TrainingStopped,
    WeightsSnapshot,
)
from rnnplay.tui.session_figures import ModelSummary, TokenRate
from rnnplay.tui.session_settings import SessionSettings

Post = Callable[[Any], Any]
TrainerCommand = Callable[[Trainer], None]

PROGRESS_INTERVAL_S = 0.2
"""Coalesce step events into at most one progress message per this many seconds
(the app shows progress four times a second; more messages would only wake
the UI thread for nothing)."""

GRAD_FLOW_INTERVAL_S = 2.0
"""Probe the gradient flow about this often while training runs..."""

GRAD_FLOW_BUDGET = 0.01
"""...but spend at most this fraction of the training time on probes: a probe
costs about one training step, so the interval stretches with the step time
(the default model: a probe every ~4 s; at 2.5% the probes alone took 2-3%
of the app's training speed, benchmarks/tui_overhead.py)..."""

GRAD_FLOW_MAX_INTERVAL_S = 15.0
"""...up to this long at most, so probes keep coming for every model and level
(a word-level model's big softmax made one probe look like twenty steps)."""


def build_trainer(config: TrainConfig) -> Trainer:
    """A fresh Trainer for ``config`` through the front door (``rnnplay.core.runs.opening``);
    can raise ConfigError / CorpusError with a one-line message."""
    from rnnplay.core.runs.opening import new_trainer

    return new_trainer(config, headless=False)


class TrainingSession(SessionSettings):
    """One trainer and the thread-side logic that drives it for the app.

    Thread rules: :meth:`run_loop` runs on a worker thread; everything else
    is called from the UI thread. The trainer is touched by the worker only
    while the loop runs, and by the UI thread only while it does not
    (:meth:`submit` picks the right side).
    """

    def __init__(
        self,
        trainer: Trainer,
        post: Post,
        *,
        progress_interval: float = PROGRESS_INTERVAL_S,
        grad_flow_interval: float = GRAD_FLOW_INTERVAL_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.trainer = trainer
        self.summary = ModelSummary.of(trainer)
        self._post = post
        self._pending_lr: float | None = None
        self._pending_settings: dict[str, Any] = {}
        self.progress_interval = progress_interval
        self.grad_flow_interval = grad_flow_interval
        self._clock = clock
        self._lock = threading.Lock()
        self._commands: queue.SimpleQueue[TrainerCommand] = queue.SimpleQueue()
        self._loop_active = False
        self._stop = threading.Event()
        self._snapshot_wanted = threading.Event()
        self._idle = threading.Event()
        self._idle.set()
        self.generation = 0
        # When the gradient flow was last probed and how long to wait until the
        # next probe; kept across pauses so that pausing often does not probe more.
        self._last_probe: float | None = None
        self._probe_every = grad_flow_interval
        self.last_step: StepEvent | None = None
        self.last_eval: EvalEvent | None = _last_eval(trainer.history)
        self.rate = TokenRate()
        self.recorder: Recorder | None = None
        """Writes the run folder from the training thread (set by the app)."""

    # -- state the UI reads -------------------------------------------------
    @property
    def running(self) -> bool:
        """True from the moment a loop starts until it has fully returned."""
        return not self._idle.is_set()

    @property
    def config(self) -> TrainConfig:
        return self.trainer.config

    def past_evals(self) -> list[tuple[int, float]]:
        """(tokens, loss) of the validation runs a resumed trainer brought along."""
        return [
            (record["tokens"], record["loss"])
            for record in self.trainer.history
            if record.get("kind") == "eval" and "tokens" in record and "loss" in record
        ]

    # -- requests from the UI -------------------------------------------------
    def begin(self) -> int:
        """Mark the loop as running (UI thread, before the worker starts) and
        return its generation number, which tags the messages it posts."""
        with self._lock:
            if self._loop_active:
                raise RuntimeError("the training loop is already running")
            self._loop_active = True
            self._stop.clear()
            self._idle.clear()
            self.generation += 1
            return self.generation

    def request_stop(self) -> None:
        """Ask the loop to stop before its next step (returns at once)."""
        self._stop.set()

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until the loop has returned (for worker threads and tests)."""
        return self._idle.wait(timeout)

    def submit(self, command: TrainerCommand) -> bool:
        """Run ``command(trainer)`` between two steps if the loop runs, else now.

        Returns True when it was queued for the training thread, False when
        it already ran on the calling thread.
        """
        with self._lock:
            if self._loop_active:
                self._commands.put(command)
                return True
        command(self.trainer)
        return False

    def request_snapshot(self) -> None:
        """Ask for a :class:`WeightsSnapshot` message: from the training thread
        at its next step boundary, or right away when the loop is idle."""
        with self._lock:
            if self._loop_active:
                self._snapshot_wanted.set()
                return
        self._emit(WeightsSnapshot(self.generation, self.snapshot_model()))

    def snapshot_model(self) -> RNNLM:
        """A frozen copy of the model with weights of its own (call only while
        the loop is idle or from the training thread)."""
        return frozen_copy(self.trainer.model)

    def save(
        self,
        path: str | Path | Callable[[Trainer], Path],
        on_done: Callable[[Path | None, str | None], None],
    ) -> None:
        """Write a checkpoint between steps; ``on_done(path, error)`` is called
        on whichever thread did the writing. ``path`` may be a function of the
        trainer, called when the checkpoint is written (so a name can carry the
        step it holds, not the step it was asked at)."""

        def write(trainer: Trainer) -> None:
            try:
                target = path(trainer) if callable(path) else Path(path)
                path_shown = target
                written = trainer.save(target)
            except Exception as error:  # reported to the user, never raised into the loop
                on_done(None, one_line(error))
            else:
                on_done(Path(written) if written is not None else path_shown, None)

        self.submit(write)

    # -- the worker's body ----------------------------------------------------------
    def run_loop(self, cancelled: Callable[[], bool], *, steps: int | None = None) -> None:
        """Train until asked to stop (or for ``steps`` more steps), posting messages.

        Runs on the worker thread after :meth:`begin`. ``cancelled`` is the
        worker's cancellation flag; it is checked before every step along
        with :meth:`request_stop`. Without ``steps`` the config's limits
        (``max_steps``, ``epochs``, ``max_seconds``) still apply.
        """
        generation = self.generation
        trainer = self.trainer
        pending: list[tuple[int, float]] = []
        latest: StepEvent | None = None
        last_post = 0.0
        if self._last_probe is None:
            self._last_probe = self._clock()
        stop_event: StopEvent | None = None
        error: str | None = None
        config = trainer.config
        recorder = self.recorder

        def should_stop() -> bool:
            return self._stop.is_set() or cancelled()

        def flush() -> None:
            nonlocal pending, latest, last_post
            if latest is not None:
                self._emit(TrainingProgress(latest, pending))
                pending, latest = [], None
                last_post = self._clock()

        try:
            if recorder is not None:
                recorder.start()
            if steps is None:
                events = trainer.run(
                    max_steps=config.max_steps,
                    max_epochs=config.epochs,
                    max_seconds=config.max_seconds,
                    should_stop=should_stop,
                )
            else:
                events = trainer.run(
                    max_steps=trainer.step_count + steps, should_stop=should_stop, final_eval=False
                )
            for event in events:
                if recorder is not None and isinstance(event, StepEvent | EvalEvent):
                    recorder.record(event)
                if isinstance(event, StepEvent):
                    self.last_step = event
                    self.rate.add(event.elapsed_s, event.tokens, event.tokens_per_s)
                    pending.append((event.tokens, event.loss))
                    latest = event
                    if self._clock() - last_post >= self.progress_interval:
                        flush()
                elif isinstance(event, EvalEvent):
                    flush()
                    self.last_eval = event
                    self._emit(Evaluated(event))
                elif isinstance(event, LRChangeEvent):
                    flush()
                    self._emit(LearningRateChanged(event))
                elif isinstance(event, StopEvent):
                    stop_event = event
                    flush()
                    continue
                self._between_steps()
                if steps is None and self._clock() - self._last_probe >= self._probe_every:
                    took = self._probe_grad_flow()
                    self._last_probe = self._clock()
                    self._probe_every = min(
                        max(self.grad_flow_interval, took / GRAD_FLOW_BUDGET),
                        max(GRAD_FLOW_MAX_INTERVAL_S, self.grad_flow_interval),
                    )
            if steps is not None and not should_stop():
                # One step on demand: show its gradient flow straight away.
                self._probe_grad_flow()
        except Exception as exc:  # the UI shows it; the session keeps what it had
            error = one_line(exc)
        finally:
            flush()
            self.rate.pause()
            if recorder is not None:
                recorder.pause()
            with self._lock:
                # Under the lock, so that nothing submitted from now on can
                # run on the UI thread while this thread still works.
                self._between_steps()
                self._loop_active = False
            self._idle.set()
            self._emit(TrainingStopped(generation, stop_event, error))

    def _emit(self, message: Any) -> None:
        """Post ``message`` tagged with this session, so the app can drop
        messages that a replaced session sent before it stopped."""
        message.source = self
        self._post(message)

    def _between_steps(self) -> None:
        self._drain_commands()
        if self._snapshot_wanted.is_set():
            self._snapshot_wanted.clear()
            self._emit(WeightsSnapshot(self.generation, self.snapshot_model()))

    def _drain_commands(self) -> None:
        while True:
            try:
                command = self._commands.get_nowait()
            except queue.Empty:
                return
            command(self.trainer)

    def _probe_grad_flow(self) -> float:
        """Probe and post the gradient flow; return how long the probe took."""
        started = self._clock()
        norms = self.trainer.probe_grad_flow()
        if norms and all(np.all(np.isfinite(n)) for n in norms):
            self._emit(GradFlowMeasured([np.asarray(n, dtype=np.float64) for n in norms]))
        return self._clock() - started


def _last_eval(history: list[dict[str, Any]]) -> EvalEvent | None:
    """The last validation record of a resumed trainer, as an event (None if none)."""
    names = ("step", "epoch", "tokens", "loss", "ppl", "lr", "elapsed_s")
    for record in reversed(history):
        if record.get("kind") == "eval":
            try:
                return EvalEvent(**{name: record[name] for name in names})
            except (KeyError, TypeError):
                return None
    return None


def make_trainer(config: TrainConfig, checkpoint: str | None, given: Iterable[str] = ()) -> Trainer:
    """The trainer the app opens with: resumed from ``checkpoint`` (with the
    settings a resume may change) or fresh from ``config`` (``rnnplay.core.runs.opening``)."""
    from rnnplay.core.runs.opening import open_playground

    typed = {name: getattr(config, name) for name in given}
    return open_playground(config, checkpoint=checkpoint, given=typed).trainer


def builtin_corpus_names() -> list[str]:
    """Names of the built-in corpora, for the corpus field's suggestions."""
    try:
        from rnnplay.core.data.corpus import BUILTIN_CORPORA
    except ImportError:
        return []
    return sorted(BUILTIN_CORPORA)
