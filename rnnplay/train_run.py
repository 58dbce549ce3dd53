"""``rnnplay train``: choose and check OUT, build or resume a Trainer, drive it, save.

The CLI face of the one training loop (``Trainer.run``). Order matters for
"nothing the user had is lost": OUT is checked before any work (a file, a
folder that already holds another run, a place we cannot write are refused),
the corpus and the checkpoint are read and the model built, and only then is
OUT created. Checkpoints are written atomically by ``rnnplay.core.store.checkpoint``:
``checkpoint.npz`` whenever validation improves, ``last.npz`` after every
evaluation and at the end. SIGINT (Ctrl-C) and SIGTERM stop after the current
step, save ``last.npz`` and exit 130; a second Ctrl-C gives up at once.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path
from types import FrameType
from typing import Any

from rnnplay.cli import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_OK, RUN_FILES, SAMPLE_LENGTH, UsageError
from rnnplay.core.train.config import DEFAULT_EPOCHS, TrainConfig
from rnnplay.core.train.events import EvalEvent, LRChangeEvent, StepEvent, StopEvent
from rnnplay.train_log import MetricsFile, Reporter, make_reporter


class StopFlag:
    """Set by SIGINT/SIGTERM; the training loop asks it before every step."""

    def __init__(self) -> None:
        self.signum: int | None = None
        self._previous: dict[int, Any] = {}

    def __call__(self) -> bool:
        return self.signum is not None

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.signum is not None and signum == signal.SIGINT:
            raise KeyboardInterrupt  # a second Ctrl-C: stop now, without saving
        self.signum = signum

    def install(self) -> None:
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                self._previous[sig] = signal.signal(sig, self._handle)
            except ValueError:  # not the main thread: leave signals alone
                return

    def restore(self) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        self._previous.clear()


def _first_free_run_dir(root: Path = Path("runs")) -> Path:
    n = 1
    while (root / f"run-{n}").exists():
        n += 1
    return root / f"run-{n}"


def _drop_metrics_after(path: Path, step: int) -> None:
    """Keep only the metrics records up to ``step`` (a resumed run redoes the rest).

    A run killed between two checkpoints logged steps that its last.npz does
    not hold; resuming repeats them (identically), so their old lines go.
    The file is rewritten atomically and only when there is something to drop.
    """
    import json

    if not path.is_file():
        return
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = []
    for line in lines:
        try:
            record = json.loads(line)
        except ValueError:
            continue  # a line cut short by a kill
        recorded = record.get("step") if isinstance(record, dict) else None
        if isinstance(recorded, int) and recorded <= step:
            kept.append(line if line.endswith("\n") else line + "\n")
    if kept == lines:
        return
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text("".join(kept), encoding="utf-8")
    os.replace(tmp, path)


class TrainRun:
    """One ``rnnplay train`` invocation. ``given`` holds the flags the user typed."""

    def __init__(self, config: TrainConfig, given: dict[str, Any]) -> None:
        self.config = config
        self.given = given
        self.resume = Path(config.resume).expanduser() if config.resume else None

    # -- OUT -------------------------------------------------------------------
    def choose_out(self) -> Path:
        """The output folder, checked but not created yet."""
        if "out" in self.given:
            out = Path(self.config.out).expanduser()
        elif self.resume is not None:
            out = self.resume.parent
        else:
            out = _first_free_run_dir()
        if out.exists() and not out.is_dir():
            raise UsageError(f"--out '{out}' is a file, not a folder")
        if out.is_dir():
            present = [name for name in RUN_FILES if (out / name).exists()]
            resuming_here = (
                self.resume is not None and self.resume.resolve().parent == out.resolve()
            )
            if present and not resuming_here:
                raise UsageError(
                    f"--out '{out}' already holds a run ({', '.join(present)}); continue it "
                    f"with --resume {out / 'last.npz'} or choose another --out"
                )
        probe = out
        while not probe.exists() and probe != probe.parent:
            probe = probe.parent
        if not probe.is_dir():
            raise UsageError(f"--out '{out}' cannot be created: '{probe}' is a file")
        if not os.access(probe, os.W_OK | os.X_OK):
            raise UsageError(f"--out '{out}' cannot be created: '{probe}' is not writable")
        return out

    # -- the trainer -----------------------------------------------------------
    def make_trainer(self):  # -> Trainer (imported lazily: NumPy)
        from rnnplay.core.train.trainer import Trainer

        if self.resume is not None:
            overrides = {k: v for k, v in self.given.items() if k != "resume"}
            trainer = Trainer.resume(self.resume, overrides=overrides)
            self.config = trainer.config
            return trainer
        from rnnplay.core.data.corpus import load_dataset

        config = self.config
        if config.epochs is None and config.max_steps is None and config.max_seconds is None:
            config = config.replace(epochs=float(DEFAULT_EPOCHS))
        dataset = load_dataset(
            config.corpus,
            level=config.level,
            max_vocab=config.max_vocab,
            valid=config.valid,
            test=config.test,
            val_fraction=config.val_fraction,
        )
        trainer = Trainer(_with_absolute_paths(config), dataset)
        self.config = trainer.config
        return trainer

    # -- running -----------------------------------------------------------------
    def execute(self) -> int:
        out = self.choose_out()
        trainer = self.make_trainer()
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise UsageError(f"--out '{out}' cannot be created: {error.strerror}") from None
        self.out = out
        self.trainer = trainer
        if self.resume is not None:
            _drop_metrics_after(out / "metrics.jsonl", trainer.step_count)
        reporter = make_reporter(self.config.quiet)
        metrics = MetricsFile(out / "metrics.jsonl")
        flag = self.flag = StopFlag()
        flag.install()
        try:
            stop = self._loop(trainer, reporter, metrics, flag)
            return self._finish(trainer, reporter, metrics, stop)
        finally:
            flag.restore()
            reporter.close()
            metrics.close()

    def _loop(self, trainer, reporter: Reporter, metrics: MetricsFile, flag: StopFlag) -> StopEvent:
        config = self.config
        reporter.start(step=trainer.step_count, total=self._total_steps(trainer), out=self.out)
        if self.resume is not None:
            reporter.note(f"resumed {self.resume} at step {trainer.step_count}")
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
                metrics.write(event)
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
                return event
        raise AssertionError("Trainer.run ended without a StopEvent")

    def _finish(self, trainer, reporter: Reporter, metrics: MetricsFile, stop: StopEvent) -> int:
        if stop.reason == "nonfinite":
            # The weights now are those that gave the non-finite value: saving them
            # would replace the last good last.npz with one that fails again at once.
            reporter.close()
            kept = [self.out / n for n in ("last.npz", "checkpoint.npz") if (self.out / n).exists()]
            where = (
                "kept the last good checkpoints: " + ", ".join(str(p) for p in kept)
                if kept
                else "no checkpoint had been saved yet"
            )
            print(f"rnnplay: error: {stop.message}; {where}", file=sys.stderr)
            return EXIT_ERROR
        last = self._save(trainer, "last.npz")
        if stop.reason == "cancelled":
            reporter.close()
            name = "stopped by SIGTERM" if self.flag.signum == signal.SIGTERM else "interrupted"
            print(
                f"rnnplay: {name} at step {trainer.step_count}: saved {last} "
                f"(continue with: rnnplay train --resume {last})",
                file=sys.stderr,
            )
            return EXIT_INTERRUPTED
        if trainer.dataset.test is not None:
            event = trainer.evaluate("test")
            metrics.write(event)
            reporter.evaluation(event, False)
        best = trainer.best_val_loss
        summary = f"done at step {trainer.step_count} ({stop.message})"
        if best is not None:
            from rnnplay.core.train.evaluation import perplexity

            summary += f"; best validation perplexity {perplexity(best):.3f} in " + str(
                self.out / "checkpoint.npz"
            )
        reporter.note(summary)
        return EXIT_OK

    def _total_steps(self, trainer) -> int | None:
        return trainer.planned_steps()

    def _save(self, trainer, name: str) -> Path:
        path = self.out / name
        try:
            trainer.save(path)
        except OSError as error:
            reason = error.strerror or str(error)
            raise UsageError(
                f"could not save {path}: {reason}; any earlier {name} there is intact"
            ) from None
        return path

    def _sample(self, trainer) -> str | None:
        from rnnplay.core.sampler import Sampler

        vocab = trainer.dataset.vocab
        length = SAMPLE_LENGTH if vocab.level == "char" else SAMPLE_LENGTH // 5
        try:
            sampler = Sampler(trainer.model, vocab, temperature=0.8, seed=trainer.step_count)
            return sampler.generate("", length).strip()
        except ValueError:
            return None


def _with_absolute_paths(config):  # TrainConfig -> TrainConfig
    """The config with its text files as absolute paths, so that ``--resume``
    finds them from any folder (built-in corpus names stay names)."""
    from rnnplay.core.data.corpus import BUILTIN_CORPORA

    changes = {}
    if config.corpus not in BUILTIN_CORPORA:
        changes["corpus"] = str(Path(config.corpus).resolve())
    for key in ("valid", "test"):
        if getattr(config, key):
            changes[key] = str(Path(getattr(config, key)).resolve())
    return config.replace(**changes) if changes else config
