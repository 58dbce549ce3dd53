"""The race: 2-4 contenders trained in rotation on the same text, for an equal budget.

A race compares models fairly: every contender reads the same corpus in the
same order from the same seed (their configs differ only where the user
asked), and every contender takes the same number of steps. Cells differ in
cost, so wall time is measured per contender and reported, not equalised.

Contenders train **in rotation**: :meth:`Race.step_round` takes one step of
each in turn, so their curves grow together and one worker thread (the
TUI's) can drive the whole race, pausing between rounds. Every contender is
validated on the same cadence (``eval_every`` steps), and each validation is
followed by a gradient-flow probe: how much of the last prediction's error
gradient reaches ``probe_distance`` (default 50) steps back, relative to
the gradient at the last step (``Trainer.probe_grad_flow``).

Budgets: ``max_steps`` is the steps of each contender. ``max_seconds`` is
the time of each contender *on average*: the race ends after the round in
which the contenders' summed training time (their steps; validations,
probes and pauses excluded, as the same cadence costs each contender
differently) reaches ``len(contenders) * max_seconds``. Ending only between
rounds keeps the steps equal; a cheap cell then trains for less than
``max_seconds`` and a costly one for more, which the table shows
(``train_s``, and ``wall_s`` with validations and probes).

The engine reports plain dataclass events and never prints; it does not
build trainers (the caller opens each run through the front door and hands
the trainers in). It is not thread-safe: drive it from one thread.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator, Sequence

from rnnplay.core.race.contenders import (
    MAX_CONTENDERS,
    MIN_CONTENDERS,
    differing_settings,
    model_summary,
)
from rnnplay.core.race.events import (
    ContenderEvent,
    GradFlowEvent,
    RaceEvent,
    RaceResult,
    RaceStopEvent,
)
from rnnplay.core.train.events import EvalEvent, StopEvent
from rnnplay.core.train.stops import nonfinite_stop
from rnnplay.core.train.trainer import Trainer
from rnnplay.errors import ConfigError

PROBE_DISTANCE = 50
"""How many steps back the race measures the gradient (the issue's "50 steps back")."""


# -- contenders --------------------------------------------------------------------
class Contender:
    """One runner: its name, its trainer, and what the race measured of it.

    ``train_s`` is the time spent in its steps, ``wall_s`` in its steps,
    validations and probes; ``stop`` is None while it runs; ``grad_flow``
    is its latest probe.
    """

    def __init__(self, name: str, trainer: Trainer) -> None:
        self.name = name
        self.trainer = trainer
        self.train_s = 0.0
        self.wall_s = 0.0
        self.start_step = trainer.step_count
        self.start_tokens = trainer.tokens_seen
        self.stop: StopEvent | None = None
        self.grad_flow: GradFlowEvent | None = None
        self.last_eval: EvalEvent | None = None

    @property
    def running(self) -> bool:
        return self.stop is None

    @property
    def tokens_per_s(self) -> float:
        """Training tokens per second of step time during the race."""
        tokens = self.trainer.tokens_seen - self.start_tokens
        return tokens / self.train_s if self.train_s > 0 else 0.0


# -- the race ------------------------------------------------------------------------
class Race:
    """Train ``contenders`` (pairs of name and Trainer) in rotation for an equal budget.

    ``max_steps`` and ``max_seconds`` are per contender (see the module
    docstring); with neither the race runs until :meth:`cancel`.
    ``eval_every`` defaults to the first contender's config.
    """

    def __init__(
        self,
        contenders: Sequence[tuple[str, Trainer]],
        *,
        max_steps: int | None = None,
        max_seconds: float | None = None,
        eval_every: int | None = None,
        probe_distance: int = PROBE_DISTANCE,
    ) -> None:
        if not MIN_CONTENDERS <= len(contenders) <= MAX_CONTENDERS:
            raise ConfigError(
                f"a race needs {MIN_CONTENDERS} to {MAX_CONTENDERS} contenders, "
                f"got {len(contenders)}"
            )
        names = [name for name, _ in contenders]
        if len(set(names)) != len(names):
            raise ConfigError(f"contender names must differ, got {', '.join(names)}")
        if max_steps is not None and max_steps < 1:
            raise ConfigError(f"--max-steps must be a positive integer, got {max_steps}")
        if max_seconds is not None and not (math.isfinite(max_seconds) and max_seconds > 0):
            raise ConfigError(f"--max-seconds must be positive, got {max_seconds}")
        self.contenders = [Contender(name, trainer) for name, trainer in contenders]
        self.max_steps = max_steps
        self.max_seconds = max_seconds
        # One cadence for all: the first contender's (its --eval-every, or the default
        # scaled to the validation split's size).
        first = self.contenders[0].trainer
        self.eval_every = first.eval_interval if eval_every is None else eval_every
        self.probe_distance = probe_distance
        self.rounds = 0
        self.stopped: RaceStopEvent | None = None
        self.differs = differing_settings([c.trainer.config for c in self.contenders])

    @property
    def done(self) -> bool:
        return self.stopped is not None

    # -- driving --------------------------------------------------------------------
    def step_round(self) -> list[RaceEvent]:
        """One step of every running contender, in order, with the validations due.

        Returns the round's events; when a budget is used up the final
        validations, probes and a RaceStopEvent come at the end. After the
        race has ended it returns an empty list.
        """
        if self.done:
            return []
        events: list[RaceEvent] = []
        for index, contender in enumerate(self.contenders):
            if contender.running:
                events.extend(self._step(index, contender))
        self.rounds += 1
        reason = self._limit_reached()
        if reason is not None:
            events.extend(self._finish(reason))
        return events

    def run(self, should_stop: Callable[[], bool] | None = None) -> Iterator[RaceEvent]:
        """Step rounds until a budget ends the race; ``should_stop`` (asked before
        every round) answering True cancels it."""
        while not self.done:
            if should_stop is not None and should_stop():
                yield from self.cancel()
                return
            yield from self.step_round()

    def cancel(self, message: str = "stopped on request") -> list[RaceEvent]:
        """End the race now, without final validations (a quit is immediate)."""
        if self.done:
            return []
        events: list[RaceEvent] = []
        for index, contender in enumerate(self.contenders):
            if contender.running:
                stop = StopEvent(contender.trainer.step_count, "cancelled", message)
                contender.stop = stop
                events.append(ContenderEvent(index, contender.name, stop))
        self.stopped = RaceStopEvent(self.rounds, "cancelled", message)
        events.append(self.stopped)
        return events

    def probe(self, index: int) -> ContenderEvent:
        """A gradient-flow probe of contender ``index`` now (training is untouched);
        for a face that wants the chart between validations."""
        contender = self.contenders[index]
        started = time.perf_counter()
        contender.grad_flow = self._probe(contender.trainer)
        contender.wall_s += time.perf_counter() - started
        return ContenderEvent(index, contender.name, contender.grad_flow)

    # -- inside a round -----------------------------------------------------------------
    def _step(self, index: int, contender: Contender) -> list[RaceEvent]:
        trainer = contender.trainer
        started = time.perf_counter()
        event = trainer.step()
        took = time.perf_counter() - started
        contender.train_s += took
        contender.wall_s += took
        stop = nonfinite_stop(event)
        if stop is not None:
            contender.stop = stop
            return [ContenderEvent(index, contender.name, stop)]
        events: list[RaceEvent] = [ContenderEvent(index, contender.name, event)]
        if self.eval_every and trainer.step_count % self.eval_every == 0:
            events.extend(self._validate(index, contender))
        return events

    def _validate(self, index: int, contender: Contender) -> list[RaceEvent]:
        """Validation (the schedule sees it, as in ``Trainer.run``), then a probe."""
        trainer = contender.trainer
        started = time.perf_counter()
        events: list[RaceEvent] = []
        # The Trainer's own validation step: the schedule observes the result
        # exactly as in Trainer.run, so a raced run learns like a solo one; it
        # returns a StopEvent when the validation loss is not finite.
        validation = trainer.validation_events()
        while True:
            try:
                event = next(validation)
            except StopIteration as end:
                stop = end.value
                break
            improved = isinstance(event, EvalEvent) and trainer.improved
            if isinstance(event, EvalEvent):
                contender.last_eval = event
            events.append(ContenderEvent(index, contender.name, event, improved))
        if stop is not None:  # these weights are out of the race, and never saved
            contender.stop = stop
            events.append(ContenderEvent(index, contender.name, stop))
            contender.wall_s += time.perf_counter() - started
            return events
        probe = self._probe(trainer)
        contender.grad_flow = probe
        events.append(ContenderEvent(index, contender.name, probe))
        contender.wall_s += time.perf_counter() - started
        return events

    def _probe(self, trainer: Trainer) -> GradFlowEvent:
        flows = trainer.probe_grad_flow()
        top = flows[-1] if flows else None
        reach = None
        d = self.probe_distance
        if top is not None and len(top) > d and top[0] > 0:
            reach = float(top[d] / top[0])
        return GradFlowEvent(
            step=trainer.step_count,
            flows=tuple(tuple(float(v) for v in layer) for layer in flows),
            reach=reach,
            distance=d,
        )

    def _limit_reached(self) -> str | None:
        running = [c for c in self.contenders if c.running]
        if not running:
            return "nonfinite"
        if self.max_steps is not None and all(
            c.trainer.step_count >= self.max_steps for c in running
        ):
            return "steps"
        if self.max_seconds is not None:
            spent = sum(c.train_s for c in self.contenders)
            if spent >= self.max_seconds * len(self.contenders):
                return "seconds"
        return None

    def _finish(self, reason: str) -> list[RaceEvent]:
        events: list[RaceEvent] = []
        for index, contender in enumerate(self.contenders):
            if not contender.running:
                continue
            last = contender.last_eval
            if self.eval_every and (last is None or last.step != contender.trainer.step_count):
                events.extend(self._validate(index, contender))
                if not contender.running:  # the final validation was not finite
                    continue
            stop = StopEvent(contender.trainer.step_count, reason, _STOP_TEXT[reason])
            contender.stop = stop
            events.append(ContenderEvent(index, contender.name, stop))
        self.stopped = RaceStopEvent(self.rounds, reason, _STOP_TEXT[reason])
        events.append(self.stopped)
        return events

    # -- results -------------------------------------------------------------------------
    def results(self) -> list[RaceResult]:
        """One row per contender, in race order; valid at any time (a live table)."""
        rows = []
        for contender in self.contenders:
            trainer = contender.trainer
            config = trainer.config
            probe = contender.grad_flow
            status = "running" if contender.stop is None else contender.stop.reason
            rows.append(
                RaceResult(
                    name=contender.name,
                    model=model_summary(config),
                    params=trainer.model.num_params(),
                    steps=trainer.step_count,
                    tokens=trainer.tokens_seen,
                    tokens_per_s=contender.tokens_per_s,
                    train_s=contender.train_s,
                    wall_s=contender.wall_s,
                    best_val_loss=trainer.best_val_loss,
                    grad_reach=None if probe is None else probe.reach,
                    probe_distance=self.probe_distance,
                    status=status,
                    differs={name: getattr(config, name) for name in self.differs},
                )
            )
        return rows


_STOP_TEXT = {
    "steps": "every contender reached the step limit",
    "seconds": "the race's time budget is spent",
    "nonfinite": "every contender diverged",
}
