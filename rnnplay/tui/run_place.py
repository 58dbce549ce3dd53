"""Where the playground reads and writes: its run folder under ``runs_dir``.

The TUI's one seam to the front door (:mod:`rnnplay.core.runs.opening`) and the run
folders (:mod:`rnnplay.core.store.run_folder`). Each session of the
playground is a :class:`~rnnplay.core.runs.Run`: it claims (and locks) a
fresh ``runs_dir/run-N`` when it first trains or saves, ``s`` writes a named
save into that folder's ``saves/``, and a checkpoint's stored paths never
decide where anything is written. Replacing the session (reset, open,
apply) or quitting closes the old run, releasing its lock.

The open dialog lists the checkpoints of the runs found under ``runs_dir``
(newest first, with step and validation loss); with ``confine``
(``rnnplay serve``) every path outside ``runs_dir`` is refused.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from rnnplay.core.runs.opening import Run, check_confined, resume_trainer
from rnnplay.core.runs.recorder import Recorder
from rnnplay.core.store.run_folder import METRICS, SAVES
from rnnplay.core.store.run_summaries import list_runs
from rnnplay.core.store.summary import read_summary
from rnnplay.core.train.trainer import Trainer
from rnnplay.errors import CheckpointError

MAX_LISTED = 50

EXPORTS = "exports"
"""Under runs_dir: where screenshots and exports go before the session has a run folder."""


@dataclass(frozen=True)
class FoundCheckpoint:
    """A checkpoint the open dialog offers."""

    path: Path
    step: int | None
    val_loss: float | None
    modified: float

    def label(self, root: Path) -> str:
        """``run-2/last.npz  step 1,200  val 1.830`` (relative to ``root`` when inside it)."""
        try:
            shown = str(self.path.relative_to(root))
        except ValueError:
            shown = str(self.path)
        step = "step ?" if self.step is None else f"step {self.step:,}"
        val = "val -" if self.val_loss is None else f"val {self.val_loss:.3f}"
        return f"{shown}  {step}  {val}"


def save_label(step: int) -> str:
    """The name of a save made after ``step`` steps (the step it holds)."""
    return f"step{step:06d}"


def checkpoint_name(step: int) -> str:
    return f"{save_label(step)}.npz"


FLUSH_EVERY_S = 1.0
"""The playground's metrics lines reach the file at least this often while it trains
(a fast model does not pay a system call per step; a kill loses at most a second)."""


def playground_recorder(run: Run) -> Recorder:
    """The recorder of a playground run: buffered lines, and a failed write shown by
    the app while training goes on."""
    return Recorder(run, flush_every_s=FLUSH_EVERY_S, keep_going=True)


class RunPlace:
    """The run of the session on screen, and the paths the playground may open."""

    def __init__(
        self,
        runs_dir: str | os.PathLike[str] = "runs",
        *,
        confine: bool = False,
        run: Run | None = None,
    ) -> None:
        self.runs_dir = Path(runs_dir)
        self.confine = confine
        self.run = run
        self.recorder: Recorder | None = playground_recorder(run) if run is not None else None

    @property
    def folder(self) -> Path | None:
        """The run folder, or None while the session has not trained or saved."""
        if self.run is None or self.run.folder is None:
            return None
        return self.run.folder.path

    def attach(self, trainer: Trainer, resumed_from: Path | None = None) -> None:
        """A new session: the old run is closed (its lock released), the new one has
        no folder until it trains or saves."""
        self.close()
        self.run = Run(
            trainer,
            None,
            self.runs_dir,
            resumed_from=resumed_from,
            started_at_step=trainer.step_count,
        )
        self.recorder = playground_recorder(self.run)

    def ensure_folder(self) -> Path:
        """The run folder, claimed now (``runs_dir/run-N``, locked) if there is none yet."""
        assert self.run is not None, "attach a trainer first"
        return self.run.ensure_folder().path

    def save_path(self, step: int) -> Path:
        """Where ``s`` writes the session after ``step`` steps: the folder's saves/."""
        assert self.run is not None, "attach a trainer first"
        path = self.run.ensure_folder().save_path(save_label(step))
        path.parent.mkdir(exist_ok=True)
        return path

    def close(self, status: str = "done", *, save_last: bool = True) -> None:
        """Record how the run ended and give its folder up (nothing when it has none):
        last.npz is written first when the run trained since its last one (``save_last``
        only while the training loop is idle)."""
        if self.recorder is not None:
            self.recorder.close(status, save_last=save_last)
        elif self.run is not None:
            self.run.close(status)

    def screenshot_folder(self, path: str | os.PathLike[str] | None = None) -> Path:
        """Where a screenshot, a saved sample or the curves go: ``path`` if given
        (checked when confined), else the run folder; without one,
        ``runs_dir/exports`` (never the current folder), or when confined a run folder
        claimed now (a served visitor writes nothing outside ``runs_dir``)."""
        if path is not None:
            return check_confined(path, self.runs_dir) if self.confine else Path(path)
        if self.folder is not None:
            return self.folder
        if self.confine:
            return self.ensure_folder()
        exports = self.runs_dir / EXPORTS
        exports.mkdir(parents=True, exist_ok=True)
        return exports

    def past_training(self, tokens_seen: int) -> list[tuple[int, float]]:
        """(tokens, loss) of the training steps behind an opened checkpoint, read from
        its run folder's metrics (up to the checkpoint's ``tokens_seen``); empty when
        it is not in a run folder or nothing can be read."""
        resumed = self.run.resumed_from if self.run is not None else None
        if resumed is None:
            return []
        folder = Path(resumed).parent
        if folder.name == SAVES:
            folder = folder.parent
        points: list[tuple[int, float]] = []
        try:
            lines = (folder / METRICS).read_text(encoding="utf-8", errors="replace")
        except OSError:
            return []
        for line in lines.splitlines():
            try:
                record = json.loads(line)
                point = (int(record["tokens"]), float(record["loss"]))
            except (ValueError, KeyError, TypeError):
                continue
            if record.get("kind") == "train" and point[0] <= tokens_seen:
                points.append(point)
        return points

    def check_readable(self, path: str | os.PathLike[str]) -> Path:
        """``path`` if this playground may open it, else a RunError saying why."""
        if self.confine:
            return check_confined(path, self.runs_dir)
        return Path(path).expanduser()

    def resume(self, path: str | os.PathLike[str]) -> Trainer:
        """The trainer saved at ``path`` (checked first), through the front door."""
        return resume_trainer(self.check_readable(path))

    def found(self) -> list[FoundCheckpoint]:
        """The checkpoints and saves of the runs under ``runs_dir``, newest first."""
        paths: list[Path] = []
        for summary in list_runs([self.runs_dir]):
            paths += [summary.path / name for name in summary.checkpoints]
            saves = summary.path / SAVES
            if saves.is_dir():
                paths += sorted(saves.glob("*.npz"))
        stamped = []
        for path in paths:
            try:
                stamped.append((path.stat().st_mtime, path))
            except OSError:
                continue
        stamped.sort(key=lambda item: (-item[0], str(item[1])))
        return [_summary(path, mtime) for mtime, path in stamped[:MAX_LISTED]]


def _summary(path: Path, modified: float) -> FoundCheckpoint:
    """Step and last validation loss from the checkpoint's metadata (no arrays read)."""
    try:
        summary = read_summary(path)
    except CheckpointError:  # listed without figures; opening it reports what is wrong
        return FoundCheckpoint(path, None, None, modified)
    return FoundCheckpoint(path, summary.step, summary.last_val_loss, modified)
