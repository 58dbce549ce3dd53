"""Removing run folders: a lifecycle a person can manage.

Every space, reset and race makes a run folder with its checkpoints, so
folders pile up. :func:`remove_run` deletes one run folder (or a race's
folder with all its contenders) after checking, under the run's own lock,
that no process writes it: a running or locked run is never removed. The
CLI (``rnnplay runs rm``) and the playground's Runs screen both ask first.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from rnnplay.core.runs.race_folder import RACE_FILE
from rnnplay.core.store.run_folder import RunFolder
from rnnplay.core.store.run_summaries import read_run
from rnnplay.errors import RunError


@dataclass(frozen=True)
class Removable:
    """A run folder (or a race's folder) that may be removed, and its size."""

    path: Path
    runs: tuple[Path, ...]
    """The run folders inside (the folder itself for a single run)."""
    size: int
    """Bytes on disk."""


def folder_size(path: Path) -> int:
    """Bytes of the files under ``path`` (unreadable entries count 0)."""
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            with contextlib.suppress(OSError):
                total += os.lstat(os.path.join(root, name)).st_size
    return total


def removable(path: str | os.PathLike[str]) -> Removable:
    """What removing ``path`` would delete; RunError when it holds no run."""
    folder = Path(path)
    if (folder / RACE_FILE).is_file():
        runs = tuple(child for child in sorted(folder.iterdir()) if read_run(child) is not None)
    elif read_run(folder) is not None:
        runs = (folder,)
    else:
        raise RunError(f"'{folder}' is not a run folder (no run.json or checkpoints)")
    return Removable(folder, runs, folder_size(folder))


def remove_run(path: str | os.PathLike[str]) -> int:
    """Delete the run (or race) folder at ``path``; returns the bytes freed.

    Each run's lock is taken first: a run another process writes (running,
    paused in a playground, a race in progress) raises RunError and nothing
    is deleted.
    """
    target = removable(path)
    held: list[RunFolder] = []
    try:
        for run in target.runs:
            folder = RunFolder(run)
            try:
                folder.acquire()
            except RunError:
                raise RunError(
                    f"'{run}' is in use (being written by a running process); stop it first"
                ) from None
            held.append(folder)
        shutil.rmtree(target.path)
    except OSError as error:
        raise RunError(f"'{target.path}' could not be removed: {error.strerror or error}") from None
    finally:
        for folder in held:
            folder.release()
    return target.size


def human_size(size: int) -> str:
    """8,650,000 -> '8.2 MB'."""
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"
