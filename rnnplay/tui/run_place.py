"""Where the playground reads and writes: its run folder under ``runs_dir``.

The TUI creates (or continues) one run folder when it first trains or
saves, shows its path, and ``s`` saves into it; a checkpoint's stored paths
never decide where anything is written. The open dialog lists the
checkpoints found under ``runs_dir`` (newest first, with step and
validation loss) and, with ``confine`` (``rnnplay serve``), refuses every
path outside ``runs_dir``.

This is the TUI's one seam to the run folders: when rnnplay.core.runs
(the front door) is present its folder rules are used here and nowhere
else in the TUI.
"""

from __future__ import annotations

import math
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

from rnnplay.errors import RunError

CHECKPOINT_GLOB = "*.npz"
MAX_LISTED = 50


@dataclass(frozen=True)
class FoundCheckpoint:
    """A checkpoint the open dialog offers."""

    path: Path
    step: int | None
    val_loss: float | None
    modified: float

    def label(self, root: Path) -> str:
        """``run-2/last.npz  step 1,200  val 1.83`` (relative to ``root`` when inside it)."""
        try:
            shown = str(self.path.relative_to(root))
        except ValueError:
            shown = str(self.path)
        step = "step ?" if self.step is None else f"step {self.step:,}"
        val = "val -" if self.val_loss is None else f"val {self.val_loss:.3f}"
        return f"{shown}  {step}  {val}"


def checkpoint_name(step: int) -> str:
    """The file name of a save made after ``step`` steps (the step it holds)."""
    return f"step{step:06d}.npz"


class RunPlace:
    """The playground's run folder (made on first use) and the paths it may open."""

    def __init__(self, runs_dir: str | os.PathLike[str] = "runs", *, confine: bool = False) -> None:
        self.runs_dir = Path(runs_dir)
        self.confine = confine
        self.folder: Path | None = None

    def ensure_folder(self) -> Path:
        """The run folder, created now if this session has none yet (race-free name)."""
        if self.folder is not None:
            return self.folder
        self.runs_dir.mkdir(parents=True, exist_ok=True)
        n = 1
        while True:
            candidate = self.runs_dir / f"tui-{n}"
            try:
                candidate.mkdir()
            except FileExistsError:
                n += 1
                continue
            self.folder = candidate
            return candidate

    def new_session(self) -> None:
        """A reset or an opened checkpoint: the next save makes a new run folder."""
        self.folder = None

    def save_path(self, step: int) -> Path:
        return self.ensure_folder() / checkpoint_name(step)

    def check_readable(self, path: str | os.PathLike[str]) -> Path:
        """``path`` if this playground may open it, else a RunError saying why."""
        resolved = Path(path).expanduser()
        if self.confine and not _inside(resolved, self.runs_dir):
            raise RunError(f"only checkpoints under {self.runs_dir} can be opened here")
        return resolved

    def found(self) -> list[FoundCheckpoint]:
        """Checkpoints under ``runs_dir`` (two levels deep), newest first."""
        if not self.runs_dir.is_dir():
            return []
        paths = [*self.runs_dir.glob(CHECKPOINT_GLOB), *self.runs_dir.glob("*/" + CHECKPOINT_GLOB)]
        stamped = []
        for path in paths:
            try:
                stamped.append((path.stat().st_mtime, path))
            except OSError:
                continue
        stamped.sort(key=lambda item: (-item[0], str(item[1])))
        return [_summary(path, mtime) for mtime, path in stamped[:MAX_LISTED]]


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return True


def _summary(path: Path, modified: float) -> FoundCheckpoint:
    """Step and last validation loss from the checkpoint's metadata (no arrays read)."""
    from rnnplay.core.store import checkpoint as store

    step: int | None = None
    val: float | None = None
    try:
        with zipfile.ZipFile(path) as zf:
            members = store._zip_members(str(path), zf)
            header = store._load_json(str(path), zf, members[store.META_MEMBER])
        meta = header.get("meta") or {}
        step = meta.get("step") if isinstance(meta.get("step"), int) else None
        evals = [r for r in meta.get("history") or [] if isinstance(r, dict) and "loss" in r]
        evals = [r for r in evals if r.get("kind") == "eval"]
        if (
            evals
            and isinstance(evals[-1]["loss"], int | float)
            and math.isfinite(evals[-1]["loss"])
        ):
            val = float(evals[-1]["loss"])
    except Exception:  # listed without figures; opening it reports what is wrong
        pass
    return FoundCheckpoint(path, step, val, modified)
