"""The Compare view's bridge to the engine: one Race, driven in one thread worker.

The contenders are opened through the front door (``open_race_runs`` under
the app's ``runs_dir``, one run folder each, in ``runs_dir/race-N``) and
trained in rotation by :meth:`Race.step_round` on the worker thread, which
also writes every contender's events into its run folder
(:func:`~rnnplay.core.runs.race_record.record_contender`). The worker never touches
widgets: it posts one :class:`RaceProgress` message at most every
``POST_EVERY_S`` (and when it stops) holding what arrived since the last.

Between rounds, now and then, it probes each contender's gradient flow
(training untouched) and samples one contender from a private copy of its
weights, so the view shows a fresh line per contender without a second
thread touching a trainer. :meth:`close` (worker idle) ends the race:
unfinished contenders are stopped as cancelled, every run folder is
closed with its status, the race's table goes to ``race.json``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from textual.message import Message

from rnnplay.core.race.contenders import contender_names
from rnnplay.core.race.events import ContenderEvent, GradFlowEvent, RaceResult, RaceStopEvent
from rnnplay.core.race.rotation import Race
from rnnplay.core.runs.race_folder import RACE_FILE, open_race_runs
from rnnplay.core.runs.race_record import (
    contender_recorders,
    race_summary,
    record_contender,
    write_race_json,
)
from rnnplay.core.sampling.defaults import DEFAULT_TEMPERATURE
from rnnplay.core.sampling.sampler import Sampler
from rnnplay.core.train.config import TrainConfig
from rnnplay.core.train.events import EvalEvent, StepEvent
from rnnplay.errors import one_line

POST_EVERY_S = 0.25
PROBE_EVERY_S = 2.0
SAMPLE_EVERY_S = 1.5
SAMPLE_TOKENS = {"char": 70, "word": 14}


class RaceProgress(Message):
    """What the race did since the last message (posted by the worker thread).

    ``train``/``evals``: per contender, new (tokens, loss in nats) points;
    ``flows``: per contender index, the newest top-layer gradient flow;
    ``samples``: per contender index, a fresh sample line; ``results``: the
    live table; ``running``: whether the loop still runs.
    """

    def __init__(self, source: RaceWorker, **fields: Any) -> None:
        super().__init__()
        self.source = source
        self.train: list[list[tuple[int, float]]] = fields["train"]
        self.evals: list[list[tuple[int, float]]] = fields["evals"]
        self.flows: dict[int, tuple[float, ...]] = fields["flows"]
        self.samples: dict[int, str] = fields["samples"]
        self.results: list[RaceResult] = fields["results"]
        self.running: bool = fields["running"]
        self.stopped: RaceStopEvent | None = fields["stopped"]
        self.error: str | None = fields["error"]


class RaceWorker:
    """A race between ``configs`` in run folders under ``runs_dir``.

    Thread rules: :meth:`run_loop` runs on one worker thread; :meth:`begin`,
    :meth:`request_stop` and :meth:`close` on the UI thread, the last only
    while the loop is idle.
    """

    def __init__(
        self,
        configs: Sequence[TrainConfig],
        *,
        runs_dir: str | Path,
        post: Callable[[Message], Any],
        names: Sequence[str] | None = None,
    ) -> None:
        self.names = list(names or contender_names(configs))
        self.runs = open_race_runs(configs, self.names, runs_dir=runs_dir, headless=False)
        trainers = [run.trainer for run in self.runs.runs]
        self.race = Race(list(zip(self.names, trainers, strict=True)))
        self.recorders = contender_recorders(self.runs.runs)
        self._post = post
        self._stop = threading.Event()
        self._idle = threading.Event()
        self._idle.set()
        self.closed = False
        self.rounds_done = 0
        self._next_sample = 0
        self._last = {"post": 0.0, "probe": -PROBE_EVERY_S, "sample": -SAMPLE_EVERY_S}
        self._clear_pending()

    @property
    def running(self) -> bool:
        return not self._idle.is_set()

    @property
    def path(self) -> Path:
        return self.runs.path

    # -- UI thread ----------------------------------------------------------------
    def begin(self) -> None:
        """Mark the loop as running (before the worker starts)."""
        self._stop.clear()
        self._idle.clear()

    def request_stop(self) -> None:
        self._stop.set()

    def wait_idle(self, timeout: float | None = None) -> bool:
        return self._idle.wait(timeout)

    def close(self) -> None:
        """End the race (cancelling contenders still running) and close every run
        folder with its status; the table goes to race.json. Idempotent."""
        if self.closed:
            return
        self.closed = True
        self._take(self.race.cancel("the Compare view was closed"))
        for recorder in self.recorders:
            recorder.close()
        try:
            summary = race_summary(self.race, self.race.contenders[0].trainer.dataset)
            write_race_json(self.path / RACE_FILE, summary)
        except (OSError, ValueError):
            pass  # the run folders are complete; the summary is a convenience
        finally:
            self.runs.release()

    def results(self) -> list[RaceResult]:
        """The live table (call while the loop is idle)."""
        return self.race.results()

    # -- the worker's body ----------------------------------------------------------
    def run_loop(self, cancelled: Callable[[], bool], *, rounds: int | None = None) -> None:
        """Step rounds until stopped, cancelled, ``rounds`` done or the race ends."""
        error = None
        try:
            done = 0
            while not (self._stop.is_set() or cancelled() or self.race.done):
                if rounds is not None and done >= rounds:
                    break
                self._take(self.race.step_round())
                done += 1
                self.rounds_done += 1
                self._between_rounds(final=rounds is not None and done >= rounds)
        except Exception as exc:  # shown in the view; the run folders close on leaving
            error = one_line(exc)
        finally:
            self._flush(running=False, error=error)
            self._idle.set()

    def _between_rounds(self, *, final: bool) -> None:
        now = time.monotonic()
        if final or now - self._last["probe"] >= PROBE_EVERY_S:
            self._last["probe"] = now
            for index, contender in enumerate(self.race.contenders):
                if contender.running:
                    self._take([self.race.probe(index)])
        if final or now - self._last["sample"] >= SAMPLE_EVERY_S:
            self._last["sample"] = now
            indices = range(len(self.names)) if final else [self._next_sample]
            for index in indices:
                self._samples[index] = self._sample(index)
            self._next_sample = (self._next_sample + 1) % len(self.names)
        if now - self._last["post"] >= POST_EVERY_S:
            self._flush(running=True)

    def _sample(self, index: int) -> str:
        """A short sample of contender ``index``, between two of its steps on
        the race's thread (so from its live weights, without touching its state)."""
        trainer = self.race.contenders[index].trainer
        vocab = trainer.dataset.vocab
        seed = (trainer.config.seed or 0) + self.rounds_done
        sampler = Sampler(trainer.model, vocab, temperature=DEFAULT_TEMPERATURE, seed=seed)
        sampler.start("")
        return "".join(step.text for step in sampler.steps(SAMPLE_TOKENS.get(vocab.level, 40)))

    def _take(self, events: Sequence[ContenderEvent | RaceStopEvent]) -> None:
        for item in events:
            if isinstance(item, RaceStopEvent):
                self._stopped = item
                continue
            record_contender(self.recorders[item.contender], item)
            event = item.event
            if isinstance(event, StepEvent):
                self._train[item.contender].append((event.tokens, event.loss))
            elif isinstance(event, EvalEvent):
                self._evals[item.contender].append((event.tokens, event.loss))
            elif isinstance(event, GradFlowEvent) and event.flows:
                self._flows[item.contender] = event.flows[-1]

    def _clear_pending(self) -> None:
        count = len(self.names)
        self._train: list[list[tuple[int, float]]] = [[] for _ in range(count)]
        self._evals: list[list[tuple[int, float]]] = [[] for _ in range(count)]
        self._flows: dict[int, tuple[float, ...]] = {}
        self._samples: dict[int, str] = {}
        self._stopped: RaceStopEvent | None = None

    def _flush(self, *, running: bool, error: str | None = None) -> None:
        self._last["post"] = time.monotonic()
        message = RaceProgress(
            self,
            train=self._train,
            evals=self._evals,
            flows=self._flows,
            samples=self._samples,
            results=self.race.results(),
            running=running,
            stopped=self._stopped,
            error=error,
        )
        self._clear_pending()
        self._post(message)
