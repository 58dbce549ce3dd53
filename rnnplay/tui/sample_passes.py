"""The app's side of sampling: when a sample starts, which messages count, what to show next.

:mod:`rnnplay.tui.sampling` generates tokens on a worker thread; this module
is the UI-thread orchestration around it. :class:`SamplePasses` starts a
sample from a weights snapshot, numbers the runs so that messages of a run
that was replaced are dropped, buffers tokens until the next sample tick,
and restarts sampling a moment after a sample ends while training runs.

A panel keeps showing the last sample until the next one has its first
tokens: a new run only marks the buffer "fresh", and the panels are cleared
in the same tick that hands them the new tokens, so nothing ever flashes
back to the empty hint while samples are being made.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any

from textual.worker import get_current_worker

from rnnplay.tui.messages import SampleFinished, SampleStarted, SampleTokens
from rnnplay.tui.sampling import (
    SampleSettings,
    run_sample,
    sample_length,
    token_pace,
)

if TYPE_CHECKING:
    from textual.app import App

    from rnnplay.core.nn.model import RNNLM
    from rnnplay.tui.training import TrainingSession

SAMPLE_REST_S = 1.5
"""Pause between two automatic samples while training, so the last one can be read."""


@dataclass
class PendingSample:
    """What the next sample tick hands the panels."""

    steps: list[Any] = field(default_factory=list)
    fresh_prime: str | None = None
    """Set when a new sample began: the panels start over from this prime first."""


class SamplePasses:
    """Starts, numbers, buffers and repeats the samples of one app."""

    def __init__(
        self,
        app: App,
        settings: SampleSettings,
        *,
        pace_s: float | None = None,
        tokens: int | None = None,
        auto: bool = True,
    ) -> None:
        self.app = app
        self.settings = settings
        self.pace_s = pace_s
        self.tokens = tokens
        self.auto = auto
        self.room: Any = None
        """A callable giving the characters the sample panel shows (set by the app):
        without ``tokens``, a sample is long enough to fill the panel."""
        self.run_id = 0
        self.active = False
        self._stop = threading.Event()
        self._timer: Any = None
        self._pending = PendingSample()

    def length_for(self, level: str) -> int:
        """Tokens per sample: a few lines (``sample_length``), or as many as fill the
        sample panel when it is larger (words count about 6 characters)."""
        base = sample_length(level)
        try:
            room = int(self.room()) if self.room is not None else 0
        except Exception:  # no panel (closing): the few lines
            room = 0
        fill = room if level == "char" else room // 6
        return max(base, min(fill, 4 * base, 5000))

    # -- starting and stopping ---------------------------------------------------------
    def request(self, session: TrainingSession) -> None:
        """A fresh sample with the current weights (the session sends a snapshot)."""
        self.stop()
        self.active = True  # a snapshot is on its way
        session.request_snapshot()

    def start(self, session: TrainingSession, model: RNNLM, prime: str) -> None:
        """Sample from ``model`` (a frozen copy of ``session``'s model) in a thread worker."""
        self.stop()
        self.run_id += 1
        self.active = True
        stop = threading.Event()
        self._stop = stop
        trainer = session.trainer
        level = trainer.dataset.vocab.level
        seed = trainer.config.seed
        length = self.tokens or self.length_for(level)
        self.app.run_worker(
            partial(
                _sample_body,
                run_id=self.run_id,
                model=model,
                vocab=trainer.dataset.vocab,
                prime=prime,
                settings=self.settings,
                seed=None if seed is None else seed + self.run_id,
                post=self.app.post_message,
                stop=stop,
                length=length,
                pace_s=token_pace(level, length) if self.pace_s is None else self.pace_s,
            ),
            name="sample",
            group="sample",
            thread=True,
            exit_on_error=False,
        )

    def stop(self) -> None:
        """Stop the running sample (its tokens so far stay on screen) and any restart."""
        self._stop.set()
        self.active = False
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

    def forget(self) -> None:
        """Stop, and drop what was buffered (a new session: the old text is of another model)."""
        self.stop()
        self.run_id += 1
        self._pending = PendingSample()

    # -- messages from the sampling thread ---------------------------------------------
    def started(self, message: SampleStarted) -> None:
        if message.run_id == self.run_id:
            self._pending = PendingSample(fresh_prime=message.prime)

    def tokens_arrived(self, message: SampleTokens) -> None:
        if message.run_id == self.run_id and message.steps:
            self._pending.steps.extend(message.steps)

    def finished(
        self, message: SampleFinished, again_when: Callable[[], bool], again: Callable[[], None]
    ) -> str | None:
        """The run ended: returns its error (or None); schedules ``again`` after a
        rest when automatic sampling is on and ``again_when()`` holds then."""
        if message.run_id != self.run_id:
            return None
        self.active = False
        if message.error is not None:
            self._pending.fresh_prime = None  # nothing new: keep the last sample shown
            return message.error
        if self.auto and again_when():

            def restart() -> None:
                self._timer = None
                if again_when() and not self.active:
                    again()

            self._timer = self.app.set_timer(SAMPLE_REST_S, restart)
        return None

    def take(self) -> PendingSample | None:
        """What arrived since the last tick, or None when nothing new is to be shown.

        A fresh run with no tokens yet is held back, so the old sample stays.
        """
        pending = self._pending
        if not pending.steps:
            return None
        self._pending = PendingSample()
        return pending


def _sample_body(**kwargs: Any) -> None:
    """The sampling worker: sample from the snapshot until done or cancelled."""
    worker = get_current_worker()
    run_sample(cancelled=lambda: worker.is_cancelled, **kwargs)
