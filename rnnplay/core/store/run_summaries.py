"""Reading many run folders without locking them: one :class:`RunSummary` each.

A run said ``running`` or ``paused`` whose writer is gone reads as ``stopped``.
Knows files, not training: it never imports NumPy.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rnnplay.core.store.run_folder import LOCK, STATUSES, RunFolder, pid_alive


# -- reading many runs ------------------------------------------------------------------
@dataclass
class RunSummary:
    """What a list of runs shows about one run folder (read without locking it)."""

    path: Path
    name: str
    status: str  # one of STATUSES, "stopped" (said running, no writer alive) or "unknown"
    created: str | None = None
    updated: str | None = None
    rnnplay_version: str | None = None
    config: dict[str, Any] = field(default_factory=dict)
    steps: int = 0
    best_val_loss: float | None = None
    best_step: int | None = None
    last_val_loss: float | None = None
    last_train_loss: float | None = None
    checkpoints: list[str] = field(default_factory=list)
    writer_pid: int | None = None


def read_run(path: str | os.PathLike[str]) -> RunSummary | None:
    """The summary of the run folder at ``path``, or None when it holds no run."""
    folder = RunFolder(path)
    if not folder.path.is_dir():
        return None
    manifest = folder.read_manifest()
    if manifest is None and not folder.present():
        return None
    manifest = manifest or {}
    status = manifest.get("status") if manifest.get("status") in STATUSES else "unknown"
    pid = folder.holder_pid() if (folder.path / LOCK).exists() else None
    alive = pid_alive(pid)
    if status in ("running", "paused") and not alive:
        status = "stopped"
    summary = RunSummary(
        path=folder.path,
        name=folder.path.name,
        status=status,
        created=manifest.get("created"),
        updated=manifest.get("updated"),
        rnnplay_version=manifest.get("rnnplay"),
        config=manifest.get("config") if isinstance(manifest.get("config"), dict) else {},
        checkpoints=[p.name for p in folder.checkpoints()],
        writer_pid=pid if alive else None,
    )
    for record in _records(folder.metrics):
        step = record.get("step")
        if isinstance(step, int):
            summary.steps = max(summary.steps, step)
        loss = record.get("loss")
        if not isinstance(loss, (int, float)):
            continue
        if record.get("kind") == "train":
            summary.last_train_loss = float(loss)
        elif record.get("kind") == "eval":
            summary.last_val_loss = float(loss)
            if summary.best_val_loss is None or loss < summary.best_val_loss:
                summary.best_val_loss, summary.best_step = float(loss), step
    return summary


def list_runs(dirs: Iterable[str | os.PathLike[str]]) -> list[RunSummary]:
    """Every run in ``dirs``: each entry is a run folder itself or a folder of them
    (as ``runs/``). Sorted by creation time, then name; unreadable entries skipped."""
    found: dict[Path, RunSummary] = {}
    for entry in dirs:
        entry = Path(entry)
        summary = read_run(entry)
        candidates = [summary] if summary is not None else []
        if summary is None and entry.is_dir():
            with contextlib.suppress(OSError):
                candidates = [read_run(child) for child in sorted(entry.iterdir())]
        for item in candidates:
            if item is not None:
                found.setdefault(item.path.resolve(), item)
    return sorted(found.values(), key=lambda s: (s.created or "", s.name))


def _records(path: Path) -> Iterator[dict[str, Any]]:
    try:
        file = open(path, encoding="utf-8")  # noqa: SIM115
    except OSError:
        return
    with file:
        for line in file:
            try:
                record = json.loads(line)
            except ValueError:
                continue  # a line cut short by a kill
            if isinstance(record, dict):
                yield record
