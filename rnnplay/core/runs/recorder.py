"""The one writer of a run folder: metrics lines, the best and last checkpoints, the status.

``rnnplay train``, each contender of a race and the playground hand the events
of ``Trainer.run`` to a :class:`Recorder`, so the rule is written once:

- every step and evaluation is one ``metrics.jsonl`` line (:func:`metrics_record`);
- after a finite validation, ``checkpoint.npz`` if it improved, then always
  ``last.npz``;
- at the stop, ``last.npz`` unless the weights went non-finite (nothing is ever
  saved from weights that gave a non-finite value);
- then the status: ``done``, ``interrupted`` (a cancelled stop) or ``failed``;
- a setting changed between two steps (the playground's dropout or schedule): a
  ``setting`` line, the manifest's config and ``last.npz`` (:meth:`Recorder.record_setting`).

Two choices are parameters, not second writers: ``flush_every_s`` (0: every
line reaches the file at once, as a headless run wants; more: lines are
buffered and flushed that often and at every evaluation, so a fast playground
does not pay a system call per step), and ``keep_going`` (a failed write is
noted in :attr:`Recorder.errors` and training goes on, as the playground wants;
otherwise it raises :class:`~rnnplay.errors.RunError` naming the file).

Thread rules: one thread records (the training thread); :meth:`close` may come
from another once that thread's loop returned. A lock guards against a loop that
outlived a quit.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from rnnplay.core.runs.opening import Run
from rnnplay.core.store.run_folder import BEST, LAST
from rnnplay.core.train.events import EvalEvent, StepEvent, StopEvent
from rnnplay.core.train.units import to_perplexity
from rnnplay.errors import RnnplayError, RunError


def _finite_or_none(value: float | None) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return float(value)


def metrics_record(event: StepEvent | EvalEvent) -> dict[str, Any]:
    """The metrics.jsonl object of a step or evaluation (non-finite numbers as null)."""
    if isinstance(event, StepEvent):
        record = {
            "kind": "train",
            "step": event.step,
            "epoch": event.epoch,
            "tokens": event.tokens,
            "loss": event.loss,
            "ppl": to_perplexity(event.loss),
            "lr": event.lr,
            "tokens_per_s": event.tokens_per_s,
            "elapsed_s": event.elapsed_s,
            "grad_norm": event.grad_norm,
        }
    else:
        record = {
            "kind": event.kind,
            "step": event.step,
            "epoch": event.epoch,
            "tokens": event.tokens,
            "loss": event.loss,
            "ppl": event.ppl,
            "lr": event.lr,
            "tokens_per_s": None,
            "elapsed_s": event.elapsed_s,
        }
    return {
        key: _finite_or_none(value) if isinstance(value, float) else value
        for key, value in record.items()
    }


class Recorder:
    """Records one open :class:`~rnnplay.core.runs.opening.Run` into its folder."""

    def __init__(
        self,
        run: Run,
        *,
        flush_every_s: float = 0.0,
        keep_going: bool = False,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.run = run
        self.flush_every_s = flush_every_s
        self.keep_going = keep_going
        self._clock = clock
        self._lock = threading.Lock()
        self._file: IO[str] | None = None
        self._last_flush = clock()
        self._closed = False
        self.status = "failed"
        """How the run ends if it is closed now (set by :meth:`stop`)."""
        self.message: str | None = "stopped by an error"
        self.saved_step: int | None = None
        """The step last.npz holds (None until this recorder wrote one)."""
        self.saving_s = 0.0
        """Wall time spent writing checkpoints."""
        self.errors: list[str] = []
        """Writes that failed with ``keep_going`` (training went on)."""

    # -- the recording thread -------------------------------------------------------
    def start(self) -> None:
        """Open the metrics file (claiming the run's folder if it has none yet) and
        mark the run ``running``."""
        with self._lock:
            if self._closed:
                return
            folder = self.run.ensure_folder()
            if self._file is None:
                self._file = open(folder.metrics, "a", encoding="utf-8")  # noqa: SIM115
            folder.update(status="running")

    def record(self, event: StepEvent | EvalEvent, *, improved: bool | None = None) -> None:
        """One event of ``Trainer.run``: a metrics line; after a finite validation, the
        checkpoints (``improved``: whether it was the best so far; default the trainer's
        own verdict)."""
        with self._lock:
            if self._closed or self._file is None:
                return
            self._file.write(json.dumps(metrics_record(event), allow_nan=False) + "\n")
            if isinstance(event, EvalEvent):
                self._flush()
                if event.kind == "eval" and math.isfinite(event.loss):
                    better = self.run.trainer.improved if improved is None else improved
                    if better:
                        self._save(BEST)
                    self._save_last()
            elif self._clock() - self._last_flush >= self.flush_every_s:
                self._flush()

    def record_setting(self, name: str, value: Any) -> None:
        """A setting changed between two steps (the playground's live dropout or
        schedule; ``run.trainer.config`` already holds it): a ``setting`` line in
        metrics.jsonl at the step count it applies after, the manifest's config, and
        ``last.npz`` again (when it trained), so run.json, the metrics and the
        checkpoint a resume reads all say the new value. Nothing before the run has
        a folder: it is then created with the config that holds it."""
        with self._lock:
            folder = self.run.folder
            if self._closed or folder is None or not folder.locked:
                return  # no folder yet (or not this process's): nothing to write
            trainer = self.run.trainer
            if self._file is not None:
                line = {"kind": "setting", "step": self._step(), "tokens": trainer.tokens_seen}
                self._file.write(json.dumps({**line, name: value}, allow_nan=False) + "\n")
                self._flush()
            self._try(lambda: folder.update(config=trainer.config.to_json()))
            if self._step() > self.run.started_at_step:
                self._save_last()

    def stop(self, event: StopEvent) -> Path | None:
        """The loop ended: ``last.npz`` unless the weights went non-finite, and the
        status the run will close with. Returns the path of last.npz when saved."""
        with self._lock:
            self.message = event.message
            if event.reason == "nonfinite":
                self.status = "failed"
                return None
            saved = self._save_last()
            self.status = "interrupted" if event.reason == "cancelled" else "done"
            return saved

    def pause(self) -> None:
        """The loop returned but the run goes on (the playground paused): lines
        flushed, status ``paused``."""
        with self._lock:
            if self._closed or self._file is None:
                return
            self._flush()
            self._try(lambda: self.run.folder.update(status="paused", step=self._step()))

    # -- closing (any thread, once the loop returned) ----------------------------------
    def close(
        self, status: str | None = None, message: str | None = None, *, save_last: bool = False
    ) -> None:
        """End the run: ``last.npz`` first when ``save_last`` and it trained since the
        last one, the file closed, the status (``status``, else what :meth:`stop`
        decided) written, the lock released."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            if self._file is not None:
                self._try(self._file.close)
                self._file = None
            run = self.run
            trained = self._step() > run.started_at_step
            if save_last and run.folder is not None and trained and self.saved_step != self._step():
                self._save_last()
            if status is not None:
                self.status, self.message = status, message
            run.close(self.status, self.message)

    # -- inside ------------------------------------------------------------------------
    def _step(self) -> int:
        return self.run.trainer.step_count

    def _flush(self) -> None:
        assert self._file is not None
        self._try(self._file.flush)
        self._last_flush = self._clock()

    def _save_last(self) -> Path | None:
        path = self._save(LAST)
        if path is not None:
            self.saved_step = self._step()
        return path

    def _save(self, name: str) -> Path | None:
        started = time.perf_counter()
        try:
            return self.run.save(name)
        except OSError as error:
            if self.keep_going:
                self.errors.append(str(error))
                return None
            reason = error.strerror or str(error)
            path = self.run.ensure_folder().path / name
            raise RunError(
                f"could not save {path}: {reason}; any earlier {name} there is intact"
            ) from None
        except RnnplayError as error:
            if self.keep_going:
                self.errors.append(str(error))
                return None
            raise
        finally:
            self.saving_s += time.perf_counter() - started

    def _try(self, write: Callable[[], object]) -> bool:
        try:
            write()
        except (OSError, RnnplayError) as error:
            if not self.keep_going:
                raise
            self.errors.append(str(error))
            return False
        return True
