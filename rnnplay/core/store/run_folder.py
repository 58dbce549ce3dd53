"""Run folders: where one training run lives on disk, with one writer at a time.

Layout of ``runs/NAME/`` (``--out`` chooses another place)::

    run.json          the manifest: config, rnnplay version, created/updated,
                      status (running, paused, done, interrupted, failed), steps of the
                      checkpoints, where it was resumed from; small, indented JSON
    metrics.jsonl     one JSON object per step / evaluation (``rnnplay.core.runs.recorder``)
    checkpoint.npz    the best validation so far
    last.npz          the latest state (after every evaluation and at the end)
    saves/NAME.npz    the playground's named saves
    .lock             exists while a process writes the folder; holds its pid

Ownership is an OS-level lock (``fcntl.flock`` on ``.lock``): the kernel
drops it when its process ends, however it ends (``kill -9`` included), so a
stale ``.lock`` file never blocks anyone. A second writer is refused with a
:class:`RunError` naming the folder and the holder's pid. Fresh default
names (``runs/run-N``) are claimed with ``mkdir``, which only one process
can win, so two runs started together never share a folder.

This module knows files, not training: it never imports NumPy. Reading many
run folders for a list is :mod:`rnnplay.core.store.run_summaries`.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import itertools
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from rnnplay import __version__
from rnnplay.errors import RunError

try:  # POSIX; elsewhere a folder is not locked (one writer is then the user's job)
    import fcntl
except ImportError:  # pragma: no cover - not on the CI platforms
    fcntl = None  # type: ignore[assignment]

MANIFEST = "run.json"
METRICS = "metrics.jsonl"
BEST = "checkpoint.npz"
LAST = "last.npz"
SAVES = "saves"
LOCK = ".lock"
CHECKPOINTS = (BEST, LAST)
RUN_FILES = (BEST, LAST, METRICS)
"""Files whose presence makes a folder hold a run (``MANIFEST`` alone does not)."""

DEFAULT_ROOT = Path("runs")
DEFAULT_PREFIX = "run"
MANIFEST_FORMAT = "rnnplay-run"
MANIFEST_VERSION = 1
STATUSES = ("running", "paused", "done", "interrupted", "failed")


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


def write_text_atomically(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` through ``.NAME.tmp`` beside it and a rename: a
    reader sees the old file or the new one, never half of one. The small text files
    of a run (run.json, a trimmed metrics.jsonl, race.json) are all written here."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def write_json_atomically(path: Path, data: dict[str, Any]) -> None:
    """``data`` as indented JSON (no NaN), through :func:`write_text_atomically`."""
    write_text_atomically(path, json.dumps(data, indent=2, allow_nan=False) + "\n")


def pid_alive(pid: Any) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class RunFolder:
    """One run folder. Creating the object touches nothing; :meth:`acquire` makes
    this process its one writer (creating the folder), :meth:`release` ends that."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._lock_fd: int | None = None
        self.created_by_us = False
        self.manifest: dict[str, Any] = {}

    def __repr__(self) -> str:
        return f"RunFolder({str(self.path)!r})"

    # -- names --------------------------------------------------------------------
    @property
    def best(self) -> Path:
        return self.path / BEST

    @property
    def last(self) -> Path:
        return self.path / LAST

    @property
    def metrics(self) -> Path:
        return self.path / METRICS

    @property
    def manifest_path(self) -> Path:
        return self.path / MANIFEST

    def save_path(self, label: str) -> Path:
        """Where a named save goes: ``saves/<label>.npz`` (``label``: letters, digits, ``-_.``)."""
        if not label or label.startswith(".") or not all(c.isalnum() or c in "-_." for c in label):
            raise RunError(f"a save name may hold letters, digits, '-', '_' and '.', got {label!r}")
        return self.path / SAVES / f"{label}.npz"

    # -- what is there --------------------------------------------------------------
    def present(self) -> list[str]:
        """The run files (``RUN_FILES``) this folder holds."""
        return [name for name in RUN_FILES if (self.path / name).exists()]

    def checkpoints(self) -> list[Path]:
        return [self.path / name for name in CHECKPOINTS if (self.path / name).exists()]

    def holds_run(self) -> bool:
        """True when there is a checkpoint to lose: a folder whose run failed before its
        first checkpoint (only metrics.jsonl / run.json left) can be used again."""
        return bool(self.checkpoints())

    def read_manifest(self) -> dict[str, Any] | None:
        """The manifest, or None when absent or unreadable."""
        try:
            data = json.loads(self.manifest_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def holder_pid(self) -> int | None:
        """The pid written in ``.lock`` (the writer, if one runs)."""
        try:
            text = (self.path / LOCK).read_text(encoding="ascii").strip()
        except (OSError, ValueError):
            return None
        return int(text) if text.isdigit() else None

    # -- the lock ---------------------------------------------------------------------
    @property
    def locked(self) -> bool:
        """True while this object holds the lock."""
        return self._lock_fd is not None

    def acquire(self) -> RunFolder:
        """Create the folder if needed and take its lock; RunError if another process has it."""
        if self._lock_fd is not None:
            return self
        if self.path.exists() and not self.path.is_dir():
            raise RunError(f"'{self.path}' is a file, not a run folder")
        if not self.path.exists():
            try:
                self.path.mkdir(parents=True)
                self.created_by_us = True
            except FileExistsError:
                pass
            except OSError as error:
                raise RunError(
                    f"run folder '{self.path}' cannot be created: {error.strerror or error}"
                ) from None
        if fcntl is None:
            self._lock_fd = -1
            return self
        lock = self.path / LOCK
        while True:
            try:
                fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
            except OSError as error:
                raise RunError(
                    f"run folder '{self.path}' cannot be written: {error.strerror or error}"
                ) from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                os.close(fd)
                self._refuse()
            # The holder before us may have removed the file between our open and our
            # lock: then we locked a name nobody else sees. Start over on the new file.
            try:
                same = os.stat(lock).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode("ascii"))
        self._lock_fd = fd
        return self

    def check_not_busy(self) -> None:
        """RunError naming the holder when another process writes this folder now
        (probes the lock without creating anything)."""
        if fcntl is None or self._lock_fd is not None:
            return
        try:
            fd = os.open(self.path / LOCK, os.O_RDWR)
        except OSError:
            return  # no lock file: nobody writes here
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError:
            self._refuse()
        finally:
            os.close(fd)

    def _refuse(self) -> None:
        pid = self.holder_pid()
        holder = f"process {pid}" if pid else "another process"
        raise RunError(
            f"run folder '{self.path}' is being written by {holder}; one writer at a "
            f"time: wait for it to finish or choose another --out"
        ) from None

    def release(self) -> None:
        """Give the lock up (removing ``.lock``); safe to call twice."""
        fd, self._lock_fd = self._lock_fd, None
        if fd is None or fd < 0:
            return
        with contextlib.suppress(OSError):
            os.unlink(self.path / LOCK)
        os.close(fd)

    def __enter__(self) -> RunFolder:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()

    # -- the manifest (writer only) ------------------------------------------------------
    def start(self, config: dict[str, Any], **fields: Any) -> None:
        """Write a fresh manifest for a run now starting (status ``running``)."""
        self._require_lock()
        old = self.read_manifest() or {}
        self.manifest = {
            "format": MANIFEST_FORMAT,
            "version": MANIFEST_VERSION,
            "rnnplay": __version__,
            "created": old.get("created", _now()) if self.holds_run() else _now(),
            "updated": _now(),
            "status": "running",
            "pid": os.getpid(),
            "config": config,
            **fields,
        }
        write_json_atomically(self.manifest_path, self.manifest)

    def update(self, **fields: Any) -> None:
        """Change manifest fields (``status`` among STATUSES) and write it atomically."""
        self._require_lock()
        status = fields.get("status")
        if status is not None and status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, got {status!r}")
        self.manifest.update(fields, updated=_now())
        write_json_atomically(self.manifest_path, self.manifest)

    def discard_if_empty(self) -> bool:
        """After a run that failed before its first checkpoint: remove what it wrote
        (metrics.jsonl, run.json, an empty saves/, the folder itself if this process
        created it and it is now empty), so the same command can simply be retried.
        Returns True when it discarded; a folder holding a checkpoint is left alone."""
        self._require_lock()
        if self.holds_run() or any((self.path / SAVES).glob("*.npz")):
            return False
        for name in (METRICS, MANIFEST, f".{MANIFEST}.tmp"):
            with contextlib.suppress(FileNotFoundError):
                (self.path / name).unlink()
        with contextlib.suppress(OSError):
            (self.path / SAVES).rmdir()
        self.release()
        if self.created_by_us:
            with contextlib.suppress(OSError):
                self.path.rmdir()
        return True

    def _require_lock(self) -> None:
        if self._lock_fd is None:
            raise RuntimeError(f"{self!r}: acquire() it before writing")


# -- fresh names ----------------------------------------------------------------------
def claim_fresh(
    root: str | os.PathLike[str] = DEFAULT_ROOT, prefix: str = DEFAULT_PREFIX
) -> RunFolder:
    """Create and lock a new folder ``root/prefix-N`` (the lowest free N).

    ``mkdir`` succeeds for one process only, so concurrent callers get
    different folders.
    """
    root = Path(root)
    if root.exists() and not root.is_dir():
        raise RunError(f"'{root}' is a file, not a folder for runs")
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise RunError(f"'{root}' cannot be created: {error.strerror or error}") from None
    taken = {p.name for p in root.iterdir()}
    names = (f"{prefix}-{n}" for n in itertools.count(1))
    return _claim_first(root / name for name in names if name not in taken)


def claim_named(path: str | os.PathLike[str]) -> RunFolder:
    """Create and lock ``path``, or ``path-2``, ``path-3``... when taken (race-free)."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise RunError(f"'{path.parent}' cannot be created: {error.strerror or error}") from None
    tail = (path.with_name(f"{path.name}-{n}") for n in itertools.count(2))
    return _claim_first(itertools.chain([path], tail))


def _claim_first(paths: Iterable[Path]) -> RunFolder:
    for path in paths:
        try:
            path.mkdir()
        except FileExistsError:
            continue
        except OSError as error:
            raise RunError(f"'{path}' cannot be created: {error.strerror or error}") from None
        folder = RunFolder(path)
        folder.created_by_us = True
        return folder.acquire()
    raise AssertionError("unreachable: the names are endless")
