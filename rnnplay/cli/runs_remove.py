"""``rnnplay runs rm NAME ...``: remove run folders, asking first.

A NAME is a run as ``rnnplay runs`` lists it (``run-3``, ``race-1``,
``race-1/lstm``) under ``--in`` (default runs/), or a path. Every name is
checked before anything is removed; on a terminal the command lists what
goes and asks, elsewhere it needs ``--yes``. A running or locked run is never
removed (:mod:`rnnplay.core.runs.removal`).
"""

from __future__ import annotations

import sys
from pathlib import Path

from rnnplay.errors import EXIT_OK, RunError, UsageError


def resolve(name: str, within: Path) -> Path:
    """The folder ``name`` means: a path that exists, else ``within/name``."""
    given = Path(name).expanduser()
    if given.is_dir():
        return given
    inside = within / name
    if inside.is_dir():
        return inside
    raise UsageError(f"no run named '{name}' in {within} (see 'rnnplay runs')")


def remove_runs(names: list[str], within: Path, *, yes: bool) -> int:
    """Remove the runs ``names``; returns the exit code."""
    from rnnplay.core.runs.removal import human_size, removable, remove_run

    if not names:
        raise UsageError("runs rm: name the runs to remove, e.g. 'rnnplay runs rm run-3'")
    targets = [removable(resolve(name, within)) for name in names]
    total = sum(t.size for t in targets)
    listing = ", ".join(str(t.path) for t in targets)
    if not yes:
        if not sys.stdin.isatty():
            raise UsageError(f"runs rm: would remove {listing}; add --yes to confirm")
        print(f"remove {listing} ({human_size(total)})? [y/N] ", end="", flush=True)
        answer = sys.stdin.readline().strip().lower()
        if answer not in ("y", "yes"):
            print("nothing removed")
            return EXIT_OK
    freed = 0
    for target in targets:
        try:
            freed += remove_run(target.path)
        except RunError as error:
            raise RunError(f"{error} (removed so far: {human_size(freed)})") from None
        print(f"removed {target.path}")
    print(f"{len(targets)} removed, {human_size(freed)} freed")
    return EXIT_OK
