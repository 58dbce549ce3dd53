"""Where a race lives on disk: one folder for the race, one run folder per contender.

Layout (``runs/race-N/`` by default, or the folder a face names)::

    race.json        the results (written by the face when the race ends)
    rnn/ lstm/ ...   one run folder per contender (run.json, metrics.jsonl,
                     checkpoint.npz, last.npz), opened through the front door

The race folder is locked while the race writes it (one race per folder)
and a fresh name is claimed race-free (``run_folder.claim_fresh``). Every
contender's run is opened by :func:`rnnplay.core.runs.open_run`, which
checks, creates and locks its folder; if one cannot be opened, those opened
before it are closed as failed (removing what they wrote) and a race folder
this call created is removed again, so a retry is never blocked. The CLI's
``race`` and the playground's Compare view open races here.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from rnnplay.core.runs.opening import Run, open_run
from rnnplay.core.store.run_folder import DEFAULT_ROOT, RunFolder, claim_fresh
from rnnplay.core.train.config import TrainConfig
from rnnplay.errors import RunError

RACE_FILE = "race.json"
RACE_PREFIX = "race"


def folder_name(name: str) -> str:
    """A contender's run-folder name: "lstm hidden=64" -> "lstm-hidden-64"."""
    return re.sub(r"[^A-Za-z0-9.]+", "-", name).strip("-") or "contender"


@dataclass
class RaceRuns:
    """An open race on disk: its locked folder and one open Run per contender."""

    home: RunFolder
    runs: list[Run]

    @property
    def path(self) -> Path:
        return self.home.path

    def release(self) -> None:
        """Give the race folder up (each Run is closed by its own writer)."""
        self.home.release()


def claim_race_folder(
    out: str | os.PathLike[str] | None, runs_dir: str | os.PathLike[str] = DEFAULT_ROOT
) -> RunFolder:
    """The race's folder, locked: ``out`` or a fresh ``runs_dir/race-N``.

    RunError (one line, nothing written) when ``out`` is a file or already
    holds a race, or another process is writing it.
    """
    if out is None:
        return claim_fresh(runs_dir, prefix=RACE_PREFIX)
    path = Path(out).expanduser()
    if path.exists() and not path.is_dir():
        raise RunError(f"--out '{path}' is a file, not a folder")
    if (path / RACE_FILE).exists():
        raise RunError(f"--out '{path}' already holds a race ({RACE_FILE}); choose another --out")
    return RunFolder(path).acquire()


def open_race_runs(
    configs: Sequence[TrainConfig],
    names: Sequence[str],
    *,
    out: str | os.PathLike[str] | None = None,
    runs_dir: str | os.PathLike[str] = DEFAULT_ROOT,
    headless: bool = True,
) -> RaceRuns:
    """Claim the race folder and open one run per contender in ``folder_name(name)``."""
    home = claim_race_folder(out, runs_dir)
    runs: list[Run] = []
    try:
        for config, name in zip(configs, names, strict=True):
            runs.append(open_run(config, out=home.path / folder_name(name), headless=headless))
    except BaseException:
        for run in runs:
            run.close("failed", "the race could not start")
        home.release()
        if home.created_by_us:
            with contextlib.suppress(OSError):
                home.path.rmdir()  # only when nothing is left in it
        raise
    return RaceRuns(home, runs)
