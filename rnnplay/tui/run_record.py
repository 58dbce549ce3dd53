"""The playground's run folder written as ``rnnplay train`` writes its own.

A :class:`RunRecorder` is handed to the training thread: it appends the same
``metrics.jsonl`` records as the CLI (:func:`rnnplay.train_log.metrics_record`),
saves ``checkpoint.npz`` when a validation improved and ``last.npz`` after
every validation, and keeps the manifest's status honest (``running`` while
the loop runs, ``paused`` between loops, how the run ended at close).

Metrics lines are buffered and flushed about once a second, at every
evaluation and when the loop stops, so a fast model does not pay a system
call per step and a killed playground loses at most a second of lines.

Thread rules: the training thread calls :meth:`loop_started`, :meth:`record`
and :meth:`loop_ended`; the UI thread calls :meth:`close` once the loop has
returned (the lock below only guards against a loop that outlived a quit).
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Callable
from typing import IO

from rnnplay.core.runs import Run
from rnnplay.core.store.run_folder import BEST, LAST
from rnnplay.core.train.events import EvalEvent, StepEvent
from rnnplay.errors import RnnplayError
from rnnplay.train_log import metrics_record

FLUSH_EVERY_S = 1.0
"""Metrics lines reach the file at least this often while training runs."""


class RunRecorder:
    """Writes one playground run's metrics, checkpoints and status."""

    def __init__(
        self,
        run: Run,
        *,
        flush_every_s: float = FLUSH_EVERY_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.run = run
        self.flush_every_s = flush_every_s
        self._clock = clock
        self._lock = threading.Lock()
        self._file: IO[str] | None = None
        self._last_flush = clock()
        self._closed = False
        self.saved_step: int | None = None
        """The step last.npz holds (None until this run wrote one)."""
        self.errors: list[str] = []
        """Writes that failed (shown by the app; training goes on)."""

    # -- the training thread ---------------------------------------------------------
    def loop_started(self) -> None:
        with self._lock:
            if self._closed:
                return
            folder = self.run.ensure_folder()
            if self._file is None:
                self._file = open(folder.metrics, "a", encoding="utf-8")  # noqa: SIM115
            folder.update(status="running")

    def record(self, event: StepEvent | EvalEvent) -> None:
        """One event of ``Trainer.run``: a metrics line; after a validation, checkpoints."""
        with self._lock:
            if self._closed or self._file is None:
                return
            self._file.write(json.dumps(metrics_record(event), allow_nan=False) + "\n")
            if isinstance(event, EvalEvent):
                self._flush()
                if event.kind == "eval" and math.isfinite(event.loss):
                    self._save_checkpoints()
            elif self._clock() - self._last_flush >= self.flush_every_s:
                self._flush()

    def loop_ended(self) -> None:
        with self._lock:
            if self._closed or self._file is None:
                return
            self._flush()
            self._try(lambda: self.run.folder.update(status="paused", step=self._step()))

    # -- the UI thread -----------------------------------------------------------------
    def close(self, status: str = "done", *, save_last: bool = True) -> None:
        """End the run: last.npz (when it trained since the last one and the loop is
        idle: ``save_last``), the file closed, the manifest's status, the lock released."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            if self._file is not None:
                self._file.close()
                self._file = None
            run = self.run
            trained = self._step() > run.started_at_step
            if save_last and run.folder is not None and trained and self.saved_step != self._step():
                self._try(lambda: run.save(LAST))
            run.close(status, message=None)

    # -- inside ------------------------------------------------------------------------
    def _step(self) -> int:
        return self.run.trainer.step_count

    def _flush(self) -> None:
        assert self._file is not None
        self._try(self._file.flush)
        self._last_flush = self._clock()

    def _save_checkpoints(self) -> None:
        run = self.run
        if run.trainer.improved:
            self._try(lambda: run.save(BEST))
        if self._try(lambda: run.save(LAST)):
            self.saved_step = self._step()

    def _try(self, write: Callable[[], object]) -> bool:
        try:
            write()
        except (OSError, RnnplayError) as error:
            self.errors.append(str(error))
            return False
        return True
