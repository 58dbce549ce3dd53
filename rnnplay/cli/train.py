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

import argparse
import math
import time
from pathlib import Path
from typing import Any

from rnnplay.cli.progress import Reporter, make_reporter
from rnnplay.core.train.config import TrainConfig
from rnnplay.core.train.events import EvalEvent, LRChangeEvent, StepEvent, StopEvent
from rnnplay.errors import EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, print_error, to_stderr
from rnnplay.process.signals import StopFlag


def register(commands: Any) -> None:
    """Add ``train`` to the CLI's subparsers."""
    from rnnplay.cli.flags import add_train_flags, add_version

    train = commands.add_parser(
        "train",
        help="train headless and write checkpoints",
        description="Train a language model headless. Writes OUT/checkpoint.npz (best "
        "validation so far), OUT/last.npz and OUT/metrics.jsonl. Ctrl-C saves last.npz "
        "and exits 130.",
    )
    add_train_flags(train)
    add_version(train)
    train.set_defaults(handler=run_train)


def run_train(args: argparse.Namespace) -> int:
    """``rnnplay train``: the typed settings over the defaults, one run, its exit code."""
    from rnnplay.cli.flags import given_settings, install_threads

    install_threads(args, ui=False)
    given = given_settings(args)
    run = TrainRun(TrainConfig(**given), given, runs_dir=args.runs_dir, overwrite=args.overwrite)
    return run.execute()


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
        from rnnplay.core.runs.opening import open_run

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
        from rnnplay.core.runs.recorder import Recorder  # NumPy: only when training

        recorder = self.recorder = Recorder(run)
        try:
            reporter = make_reporter(self.config.quiet)
            recorder.start()
        except BaseException:
            recorder.close()
            raise
        flag = self.flag = StopFlag()
        flag.install()
        try:
            for note in run.notes:
                reporter.note(note)
            stop = self._loop(run.trainer, reporter, flag)
            code = self._finish(run.trainer, reporter, stop)
            if code not in (EXIT_OK, EXIT_INTERRUPTED):
                recorder.status = "failed"
            return code
        finally:
            flag.restore()
            reporter.close()
            recorder.close()

    def _loop(self, trainer, reporter: Reporter, flag: StopFlag) -> StopEvent:
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
                self.recorder.record(event)
                reporter.step(event)
            elif isinstance(event, EvalEvent):
                timings.evaluated()
                self.recorder.record(event)
                if not math.isfinite(event.loss):
                    continue  # Trainer.run stops next: nothing is saved from these weights
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

    def _finish(self, trainer, reporter: Reporter, stop: StopEvent) -> int:
        last = self.recorder.stop(stop)
        if stop.reason == "nonfinite":
            # The weights now are those that gave the non-finite value: saving them
            # would replace the last good last.npz with one that fails again at once.
            from rnnplay.core.runs.opening import loadable_checkpoints

            reporter.close()
            kept = loadable_checkpoints(self.run.folder)
            where = (
                "kept the last good checkpoints: " + ", ".join(str(p) for p in kept)
                if kept
                else "no good checkpoint had been saved, so nothing was kept"
            )
            print_error(f"{stop.message}; {where}")
            return EXIT_USAGE
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
            self.recorder.record(event)
            reporter.evaluation(event, False)
        self.timings.finished()
        self.timings.saving_s = self.recorder.saving_s
        best = trainer.best_val_loss
        summary = f"done at step {trainer.step_count} ({stop.message})"
        if best is not None:
            from rnnplay.core.train.units import to_perplexity

            summary += f"; best validation perplexity {to_perplexity(best):.3f} in " + str(
                self.out / "checkpoint.npz"
            )
        reporter.note(f"{summary}; {self.timings.describe()}")
        return EXIT_OK

    def _sample(self, trainer) -> str | None:
        from rnnplay.core.sampling.defaults import DEFAULT_TEMPERATURE
        from rnnplay.core.sampling.sampler import Sampler
        from rnnplay.errors import RnnplayError

        vocab = trainer.dataset.vocab
        length = SAMPLE_LENGTH if vocab.level == "char" else SAMPLE_LENGTH // 5
        try:
            sampler = Sampler(
                trainer.model, vocab, temperature=DEFAULT_TEMPERATURE, seed=trainer.step_count
            )
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
