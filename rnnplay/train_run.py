"""``rnnplay train``: open a run through the front door, drive its Trainer, save.

The CLI face of the one training loop (``Trainer.run``). The run is opened by
:func:`rnnplay.core.runs.open_run`, which checks OUT before any work, reads the
corpus or the checkpoint, and only then creates and locks the run folder
(``rnnplay.core.store.run_folder``); the folder's ``run.json`` follows the run
(running, then done, interrupted or failed). A run that fails before its first
checkpoint removes what it wrote, so the same command can be retried.
Checkpoints are written atomically (``rnnplay.core.store.checkpoint``):
``checkpoint.npz`` whenever validation improves, ``last.npz`` after every
evaluation and at the end. SIGINT (Ctrl-C) and SIGTERM stop after the current
step, save ``last.npz`` and exit 130; a second Ctrl-C gives up at once.
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

from rnnplay.core.train.config import TrainConfig
from rnnplay.core.train.events import EvalEvent, LRChangeEvent, StepEvent, StopEvent
from rnnplay.errors import EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, UsageError, print_error, to_stderr
from rnnplay.signals import StopFlag
from rnnplay.train_log import MetricsFile, Reporter, make_reporter

SAMPLE_LENGTH = 300
"""Tokens of the short sample shown after each evaluation on a terminal (chars)."""


class TrainRun:
    """One ``rnnplay train`` invocation. ``given`` holds the flags the user typed."""

    def __init__(
        self,
        config: TrainConfig,
        given: dict[str, Any],
        *,
        runs_dir: Path = Path("runs"),
        overwrite: bool = False,
    ) -> None:
        self.config = config
        self.given = given
        self.runs_dir = runs_dir
        self.overwrite = overwrite
        self.resume = Path(config.resume).expanduser() if config.resume else None
        self.timings = Timings()

    def open(self):  # -> rnnplay.core.runs.Run (imported lazily: NumPy)
        """Open the run through the front door (checks OUT, reads the corpus, locks)."""
        from rnnplay.core.runs import open_run

        run = open_run(
            self.config,
            given=self.given,
            out=self.given.get("out"),
            resume=self.resume,
            runs_dir=self.runs_dir,
            overwrite=self.overwrite,
            headless=True,
        )
        self.config = run.config
        return run

    # -- running -----------------------------------------------------------------
    def execute(self) -> int:
        run = self.run = self.open()
        self.out = run.folder.path
        self.trainer = run.trainer
        self.timings.opened()
        status, message = "failed", "stopped by an error"
        try:
            reporter = make_reporter(self.config.quiet)
            metrics = MetricsFile(run.folder.metrics)
        except BaseException:
            run.close(status, message)
            raise
        flag = self.flag = StopFlag()
        flag.install()
        try:
            for note in run.notes:
                reporter.note(note)
            stop = self._loop(run.trainer, reporter, metrics, flag)
            code = self._finish(run.trainer, reporter, metrics, stop)
            status = {EXIT_OK: "done", EXIT_INTERRUPTED: "interrupted"}.get(code, "failed")
            message = stop.message
            return code
        finally:
            flag.restore()
            reporter.close()
            metrics.close()
            run.close(status, message)

    def _loop(self, trainer, reporter: Reporter, metrics: MetricsFile, flag: StopFlag) -> StopEvent:
        config = self.config
        reporter.start(step=trainer.step_count, total=trainer.planned_steps(), out=self.out)
        if self.resume is not None:
            reporter.note(f"resumed {self.resume} at step {trainer.step_count}")
        timings = self.timings
        for event in trainer.run(
            max_steps=config.max_steps,
            max_epochs=config.epochs,
            max_seconds=config.max_seconds,
            should_stop=flag,
        ):
            if isinstance(event, StepEvent):
                metrics.write(event)
                reporter.step(event)
            elif isinstance(event, EvalEvent):
                timings.evaluated()
                metrics.write(event)
                if not math.isfinite(event.loss):
                    continue  # Trainer.run stops next: nothing is saved from these weights
                if trainer.improved:
                    self._save(trainer, "checkpoint.npz")
                self._save(trainer, "last.npz")
                sample = self._sample(trainer) if reporter.wants_samples else None
                reporter.evaluation(event, trainer.improved, sample)
            elif isinstance(event, LRChangeEvent):
                reporter.note(
                    f"step {event.step}: learning rate {event.old_lr:.3g} -> "
                    f"{event.new_lr:.3g} ({event.reason})"
                )
            elif isinstance(event, StopEvent):
                timings.stopped()
                return event
            timings.tick()
        raise AssertionError("Trainer.run ended without a StopEvent")

    def _finish(self, trainer, reporter: Reporter, metrics: MetricsFile, stop: StopEvent) -> int:
        if stop.reason == "nonfinite":
            # The weights now are those that gave the non-finite value: saving them
            # would replace the last good last.npz with one that fails again at once.
            from rnnplay.core.runs import loadable_checkpoints

            reporter.close()
            kept = loadable_checkpoints(self.run.folder)
            where = (
                "kept the last good checkpoints: " + ", ".join(str(p) for p in kept)
                if kept
                else "no good checkpoint had been saved, so nothing was kept"
            )
            print_error(f"{stop.message}; {where}")
            return EXIT_USAGE
        last = self._save(trainer, "last.npz")
        if stop.reason == "cancelled":
            reporter.close()
            name = self.flag.describe()
            to_stderr(
                f"rnnplay: {name} at step {trainer.step_count}: saved {last} "
                f"(continue with: rnnplay train --resume {last})"
            )
            return EXIT_INTERRUPTED
        if trainer.dataset.test is not None:
            event = trainer.evaluate("test")
            metrics.write(event)
            reporter.evaluation(event, False)
        self.timings.finished()
        best = trainer.best_val_loss
        summary = f"done at step {trainer.step_count} ({stop.message})"
        if best is not None:
            from rnnplay.core.train.evaluation import perplexity

            summary += f"; best validation perplexity {perplexity(best):.3f} in " + str(
                self.out / "checkpoint.npz"
            )
        reporter.note(f"{summary}; {self.timings.describe()}")
        return EXIT_OK

    def _save(self, trainer, name: str) -> Path:
        started = time.perf_counter()
        try:
            return self.run.save(name)
        except OSError as error:
            reason = error.strerror or str(error)
            path = self.out / name
            raise UsageError(
                f"could not save {path}: {reason}; any earlier {name} there is intact"
            ) from None
        finally:
            self.timings.saving_s += time.perf_counter() - started

    def _sample(self, trainer) -> str | None:
        from rnnplay.core.sampler import Sampler
        from rnnplay.errors import RnnplayError

        vocab = trainer.dataset.vocab
        length = SAMPLE_LENGTH if vocab.level == "char" else SAMPLE_LENGTH // 5
        try:
            sampler = Sampler(trainer.model, vocab, temperature=0.8, seed=trainer.step_count)
            return sampler.generate("", length).strip()
        except RnnplayError:
            return None


class Timings:
    """Where the wall-clock time of one ``rnnplay train`` goes, for the final line:
    starting (reading the corpus, building or loading the model), training up to the
    limit (validations and saves counted apart), and what follows the limit."""

    def __init__(self) -> None:
        self.begun = self._last = time.perf_counter()
        self.python_s = _process_age_s()  # interpreter start and imports, before us
        self.open_s = self.loop_s = self.after_s = self.eval_s = self.saving_s = 0.0
        self._stop_at: float | None = None

    def opened(self) -> None:
        now = time.perf_counter()
        self.open_s = now - self.begun
        self._last = now

    def tick(self) -> None:
        self._last = time.perf_counter()

    def evaluated(self) -> None:
        self.eval_s += time.perf_counter() - self._last

    def stopped(self) -> None:
        self._stop_at = time.perf_counter()
        self.loop_s = self._stop_at - self.begun - self.open_s

    def finished(self) -> None:
        if self._stop_at is not None:
            self.after_s = time.perf_counter() - self._stop_at

    def describe(self) -> str:
        total = self.open_s + self.loop_s + self.after_s + (self.python_s or 0.0)
        python = f"{self.python_s:.1f} s Python and imports, " if self.python_s else ""
        return (
            f"took {total:.1f} s: {python}{self.open_s:.1f} s to start (corpus, model), "
            f"{self.loop_s:.1f} s training (of it {self.eval_s:.1f} s validating and "
            f"{self.saving_s:.1f} s saving), {self.after_s:.1f} s to finish (final save, test)"
        )


def _process_age_s() -> float | None:
    """Seconds since this process started (Linux ``/proc``; None elsewhere)."""
    import os

    try:
        with open("/proc/self/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        with open("/proc/uptime", encoding="ascii") as uptime:
            up = float(uptime.read().split()[0])
        started = int(fields[19]) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None
    age = up - started
    return age if 0.0 <= age < 3600.0 else None
