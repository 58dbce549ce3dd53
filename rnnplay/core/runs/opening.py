"""The front door: every face opens its runs here (``rnnplay train``, the playground,
the benchmarks), so every rule about a run is written once.

- :func:`prepare_config` validates a config and applies the defaults and the
  path rules: the default epoch count for headless runs without a limit, text
  files as absolute paths (so a resumed run finds them from any folder).
- :func:`new_trainer` / :func:`resume_trainer` build the one
  :class:`~rnnplay.core.train.trainer.Trainer`; nothing else constructs one.
  A resumed config keeps the settings the checkpoint was trained with, but
  where it was written (its stored ``out`` / ``resume``) never decides where
  anything is written now.
- :func:`open_run` opens a whole run for a writer: a trainer plus its locked
  :class:`~rnnplay.core.store.run_folder.RunFolder`. Resuming never destroys:
  a checkpoint older than its folder's ``last.npz`` continues into a new
  folder beside it unless ``overwrite`` is given.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rnnplay.core.store.run_folder import (
    BEST,
    DEFAULT_ROOT,
    LAST,
    MANIFEST,
    METRICS,
    SAVES,
    RunFolder,
    claim_fresh,
    claim_named,
    write_text_atomically,
)
from rnnplay.core.train.config import DEFAULT_EPOCHS, PROCESS_SETTINGS, TrainConfig
from rnnplay.core.train.trainer import RESUME_OVERRIDES, Trainer
from rnnplay.errors import CheckpointError, RunError

if TYPE_CHECKING:
    from rnnplay.core.data.corpus import Dataset
    from rnnplay.core.data.vocab import Vocabulary
    from rnnplay.core.nn.model import RNNLM


# -- configs and trainers -----------------------------------------------------------------
def prepare_config(config: TrainConfig, *, headless: bool = True) -> TrainConfig:
    """``config`` validated, with the default epoch count for headless runs that name
    no limit (the playground trains until paused)."""
    config.validate()
    limits = (config.epochs, config.max_steps, config.max_seconds)
    if headless and all(limit is None for limit in limits):
        return config.replace(epochs=float(DEFAULT_EPOCHS))
    return config


def with_absolute_paths(config: TrainConfig) -> TrainConfig:
    """``config`` with its text files as absolute paths, so that a resumed run finds
    them from any folder (built-in corpus names stay names). Applied once the corpus
    was read, so that a mistyped name is still reported as such."""
    from rnnplay.core.data.corpus import BUILTIN_CORPORA

    changes: dict[str, Any] = {}
    if config.corpus not in BUILTIN_CORPORA:
        changes["corpus"] = str(Path(config.corpus).expanduser().resolve())
    for key in ("valid", "test"):
        if getattr(config, key):
            changes[key] = str(Path(getattr(config, key)).expanduser().resolve())
    return config.replace(**changes) if changes else config


def new_trainer(
    config: TrainConfig,
    *,
    headless: bool = True,
    dataset: Dataset | None = None,
    model: RNNLM | None = None,
    vocab: Vocabulary | None = None,
) -> Trainer:
    """A fresh Trainer: the config prepared, its corpus read (ConfigError / CorpusError),
    or ``dataset`` used when the caller read it already (benchmarks train many models
    on one corpus). ``model`` and its ``vocab`` (``rnnplay import``) start it from
    those weights: the corpus must give that vocabulary, so the run resumes on it."""
    config = prepare_config(config, headless=headless)
    if dataset is None:
        dataset = config.load_dataset()
    if vocab is not None and dataset.vocab != vocab:
        raise CheckpointError(
            f"the corpus '{config.corpus}' gives a vocabulary other than the model's "
            f"({vocab.difference(dataset.vocab, ('model', 'corpus'))}); name the text it was "
            f"trained on with --corpus"
        )
    return Trainer(with_absolute_paths(config), dataset, model=model)


def resume_trainer(checkpoint: str | os.PathLike[str], given: Mapping[str, Any] = ()) -> Trainer:
    """The Trainer saved in ``checkpoint``, continuing exactly; ``given`` holds the
    settings typed now (those in RESUME_OVERRIDES may change, others must match)."""
    given = dict(given)
    face = {k: given.pop(k) for k in list(given) if k in PROCESS_SETTINGS}
    trainer = Trainer.resume(checkpoint, overrides=given)
    # The stored out/resume/quiet belong to the process that wrote the checkpoint.
    trainer.config = trainer.config.replace(
        out=face.get("out"), resume=str(checkpoint), quiet=bool(face.get("quiet", False))
    )
    return trainer


def checkpoint_step(path: str | os.PathLike[str]) -> int | None:
    """The training step saved in ``path`` (None when its metadata does not read)."""
    from rnnplay.core.store.summary import read_summary

    try:
        return read_summary(path).step
    except CheckpointError:
        return None


def loadable_checkpoints(folder: RunFolder) -> list[Path]:
    """The folder's checkpoints (last first) that load with finite weights."""
    import numpy as np

    from rnnplay.core.store.checkpoint import load_checkpoint

    good = []
    for path in (folder.last, folder.best):
        if not path.exists():
            continue
        try:
            params = load_checkpoint(path).model.params
        except CheckpointError:
            continue
        if all(np.isfinite(p).all() for p in params):
            good.append(path)
    return good


# -- a run ----------------------------------------------------------------------------------
@dataclass
class Run:
    """An open run: the trainer the faces drive and, once claimed, its locked folder.

    ``notes`` are lines worth telling the user (where a resumed run went).
    ``resumed_from`` is the checkpoint it continues, if any.
    """

    trainer: Trainer
    folder: RunFolder | None = None
    runs_dir: Path = DEFAULT_ROOT
    resumed_from: Path | None = None
    notes: list[str] = field(default_factory=list)
    started_at_step: int = 0

    @property
    def config(self) -> TrainConfig:
        return self.trainer.config

    def ensure_folder(self) -> RunFolder:
        """The run's folder, claiming a fresh ``runs_dir/run-N`` on first use (the
        playground does this when it first trains or saves)."""
        if self.folder is None:
            self.folder = claim_fresh(self.runs_dir)
            self._start_manifest()
        return self.folder

    def _start_manifest(self) -> None:
        assert self.folder is not None
        resumed = None
        if self.resumed_from is not None:
            resumed = {"checkpoint": str(self.resumed_from), "step": self.started_at_step}
        self.folder.start(self.trainer.config.to_json(), resumed_from=resumed)

    def save(self, name: str = LAST) -> Path:
        """Save the trainer as ``checkpoint.npz`` / ``last.npz`` (or a path relative to
        the folder) and note its step in the manifest."""
        folder = self.ensure_folder()
        path = folder.path / name
        written = Path(self.trainer.save(path))
        step = self.trainer.step_count
        if name == LAST:
            folder.update(step=step, last_step=step)
        elif name == BEST:
            folder.update(step=step, best_step=step, best_val_loss=self.trainer.best_val_loss)
        return written

    def save_named(self, label: str) -> Path:
        """A named save (``saves/<label>.npz``), the playground's ``s``."""
        folder = self.ensure_folder()
        path = folder.save_path(label)
        path.parent.mkdir(exist_ok=True)
        return Path(self.trainer.save(path))

    def close(self, status: str, message: str | None = None) -> None:
        """Record how the run ended (``done``, ``interrupted``, ``failed``) and give
        the folder up. A run that failed before its first checkpoint removes what
        it wrote, so that the same command can be retried."""
        folder = self.folder
        if folder is None or not folder.locked:
            return
        if status == "failed" and folder.discard_if_empty():
            return
        try:
            folder.update(status=status, step=self.trainer.step_count, message=message)
        finally:
            folder.release()


def open_playground(
    config: TrainConfig,
    *,
    checkpoint: str | os.PathLike[str] | None = None,
    given: Mapping[str, Any] = (),
    runs_dir: str | os.PathLike[str] = DEFAULT_ROOT,
    confine_paths: bool = False,
) -> Run:
    """The playground's run: fresh from ``config``, or continuing ``checkpoint``
    (``given``: the settings typed now). It has no folder until
    :meth:`Run.ensure_folder` (first training or save) claims ``runs_dir/run-N``,
    so opening never writes and never continues a folder it did not create. With
    ``confine_paths`` a checkpoint outside ``runs_dir`` is refused."""
    runs_dir = Path(runs_dir)
    if checkpoint is None:
        return Run(new_trainer(config, headless=False), None, runs_dir)
    checkpoint = Path(checkpoint).expanduser()
    if confine_paths:
        check_confined(checkpoint, runs_dir)
    trainer = resume_trainer(checkpoint, given)
    return Run(trainer, None, runs_dir, resumed_from=checkpoint, started_at_step=trainer.step_count)


def check_confined(path: str | os.PathLike[str], runs_dir: str | os.PathLike[str]) -> Path:
    """``path`` resolved; RunError unless it lies inside ``runs_dir`` (served sessions)."""
    resolved = Path(path).expanduser().resolve()
    root = Path(runs_dir).expanduser().resolve()
    if resolved != root and root not in resolved.parents:
        raise RunError(f"'{path}' is outside {root}; only files under it can be opened here")
    return resolved


def open_run(
    config: TrainConfig,
    *,
    given: Mapping[str, Any] = (),
    out: str | os.PathLike[str] | None = None,
    resume: str | os.PathLike[str] | None = None,
    runs_dir: str | os.PathLike[str] = DEFAULT_ROOT,
    overwrite: bool = False,
    headless: bool = True,
    model: RNNLM | None = None,
    vocab: Vocabulary | None = None,
) -> Run:
    """Open a run for writing: a new one (``config``; from the weights of ``model``
    and its ``vocab`` when given) or one resumed from ``resume`` (``given``: the
    settings typed now). The folder is ``out``, else (new) a fresh ``runs_dir/run-N``
    or (resumed) the checkpoint's folder. Raises RunError before anything is written
    when the folder is another process's or holds another run."""
    runs_dir = Path(runs_dir)
    target = Path(out).expanduser() if out is not None else None
    if resume is None:
        if target is not None:
            _check_free(RunFolder(target))
        trainer = new_trainer(config, headless=headless, model=model, vocab=vocab)
        folder = RunFolder(target).acquire() if target is not None else claim_fresh(runs_dir)
        run = Run(trainer, folder, runs_dir)
        try:
            _check_free(folder)
            # Left by a run that died before its first checkpoint: nothing to continue.
            folder.metrics.unlink(missing_ok=True)
            run._start_manifest()
        except BaseException:
            folder.release()
            raise
        return run

    resume = Path(resume).expanduser()
    home = resume.parent
    if home.name == SAVES and (home.parent / MANIFEST).exists():
        home = home.parent  # a named save continues in its run's folder
    elsewhere = target is not None and target.resolve() != home.resolve()
    if elsewhere:
        _check_free(RunFolder(target))
    trainer = resume_trainer(resume, given)
    run = Run(trainer, None, runs_dir, resumed_from=resume, started_at_step=trainer.step_count)
    if elsewhere:
        run.folder = RunFolder(target).acquire()
        try:
            _check_free(run.folder)
        except BaseException:
            run.folder.release()
            raise
    else:
        run.folder = _resume_home(RunFolder(home), resume, trainer.step_count, overwrite, run)
    try:
        if run.folder.path.resolve() == home.resolve():
            drop_metrics_after(run.folder.path / METRICS, trainer.step_count)
        trainer.config = trainer.config.replace(out=str(run.folder.path))
        run._start_manifest()
    except BaseException:
        run.folder.release()
        raise
    return run


def _resume_home(home: RunFolder, resume: Path, step: int, overwrite: bool, run: Run) -> RunFolder:
    """The folder a run resumed in place continues in: ``home`` itself, or a new
    folder beside it when ``resume`` is older than ``home``'s last.npz."""
    home.acquire()
    try:
        last_step = _last_step(home) if resume.resolve() != home.last.resolve() else None
    except BaseException:
        home.release()
        raise
    if last_step is None or last_step <= step or overwrite:
        if last_step is not None and last_step > step:
            run.notes.append(
                f"overwriting: {home.last} (step {last_step}) will be replaced by this run "
                f"from step {step}"
            )
        return home
    home.release()
    folder = claim_named(home.path.with_name(f"{home.path.name}-from-step{step}"))
    run.notes.append(
        f"{resume} (step {step}) is older than {home.last} (step {last_step}); continuing "
        f"into a new run folder {folder.path} (to continue in {home.path} instead, "
        f"replacing its later steps, add --overwrite)"
    )
    return folder


def _last_step(folder: RunFolder) -> int | None:
    if not folder.last.exists():
        return None
    manifest = folder.read_manifest() or {}
    step = manifest.get("last_step")
    return step if isinstance(step, int) else checkpoint_step(folder.last)


def _check_free(folder: RunFolder) -> None:
    """RunError when ``folder`` cannot take a new run (a file, a folder holding a run)."""
    path = folder.path
    if path.exists() and not path.is_dir():
        raise RunError(f"--out '{path}' is a file, not a folder")
    folder.check_not_busy()
    if folder.holds_run():
        good = loadable_checkpoints(folder)
        hint = f"continue it with --resume {good[0]} or " if good else ""
        raise RunError(
            f"--out '{path}' already holds a run ({', '.join(folder.present())}); "
            f"{hint}choose another --out"
        )
    probe = path
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if not probe.is_dir():
        raise RunError(f"--out '{path}' cannot be created: '{probe}' is a file")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise RunError(f"--out '{path}' cannot be created: '{probe}' is not writable")


def drop_metrics_after(path: Path, step: int) -> None:
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
    write_text_atomically(path, "".join(kept))


__all__ = [
    "RESUME_OVERRIDES",
    "Run",
    "check_confined",
    "checkpoint_step",
    "loadable_checkpoints",
    "new_trainer",
    "open_playground",
    "open_run",
    "prepare_config",
    "resume_trainer",
    "with_absolute_paths",
]
