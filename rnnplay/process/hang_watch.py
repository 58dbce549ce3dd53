"""A freeze explains itself: every thread's stack in a crash file when a loop stops answering.

A program that hangs leaves nothing behind: no exception, no traceback, a
screen that does not change. :class:`HangWatch` is told by the loop it
watches that the loop still answers (:meth:`HangWatch.beat`, which the
playground calls from a timer on its event loop every second). When no beat
has come for ``limit_s`` seconds (10 by default), the stacks of every thread
of the process are written to a crash file (``rnnplay-hang-*.txt`` beside
the crash reports of :mod:`rnnplay.process.crash`), so whoever finds the frozen
program (or the next bug report) has what it was doing.

The dump is made by :func:`faulthandler.dump_traceback_later`, which runs in
a C thread of its own and needs neither the GIL nor the event loop: it works
even when the freeze is a C call that holds the GIL (a BLAS pool, a lock in
an extension). Each beat re-arms it. A file that stayed empty (no freeze) is
removed when the watch stops; one that holds a dump is kept and named. The
file of a process killed before it could stop is removed by the next
watch that starts (:func:`sweep`), unless it holds a dump.
"""

from __future__ import annotations

import contextlib
import faulthandler
import os
import re
import sys
import tempfile
import threading
from pathlib import Path
from typing import IO

from rnnplay import __version__
from rnnplay.process.crash import crash_folder

LIMIT_S = 10.0
"""Seconds without a beat after which the stacks are written."""


class HangWatch:
    """Writes every thread's stack to a file when :meth:`beat` has not been called
    for ``limit_s`` seconds; again, below it, at each later freeze."""

    def __init__(self, limit_s: float = LIMIT_S, *, what: str = "the event loop") -> None:
        self.limit_s = limit_s
        self.beat_s = min(1.0, limit_s / 4)
        """How often the watched loop should beat (a few beats fit in the limit)."""
        self.what = what
        self.path: Path | None = None
        self._file: IO[str] | None = None
        self._header_bytes = 0
        self._argv: list[str] = []
        self._names = ""
        self._lock = threading.Lock()

    # -- the watched loop --------------------------------------------------------------
    def start(self, argv: list[str] | None = None) -> bool:
        """Open the report file and arm the watch; False when no file could be opened
        (then nothing is watched: a watch must never stop the program it watches)."""
        with self._lock:
            if self._file is not None:
                return True
            self._argv = list(argv if argv is not None else sys.argv)
            for folder in (crash_folder(), Path(tempfile.gettempdir())):
                sweep(folder)
                try:
                    folder.mkdir(parents=True, exist_ok=True)
                    fd, name = tempfile.mkstemp(prefix="rnnplay-hang-", suffix=".txt", dir=folder)
                    file = os.fdopen(fd, "w", encoding="utf-8")
                except OSError:
                    continue
                self._file, self.path = file, Path(name)
                self._names = ""
                self._write_header()
                self._arm()
                return True
            return False

    def beat(self) -> None:
        """The watched loop answers: the clock of the watch starts over."""
        with self._lock:
            if self._file is None:
                return
            if not self.frozen() and _thread_names() != self._names:
                self._write_header()  # the threads changed: name the new ones
            self._arm()  # after a freeze the next dump goes below the last

    def stop(self) -> Path | None:
        """Disarm; the report's path when a freeze was written, else None (the empty
        file is removed)."""
        with self._lock:
            if self._file is None:
                return self.path  # stopped before: its report, if any
            faulthandler.cancel_dump_traceback_later()
            file, self._file = self._file, None
            path = self.path
            with contextlib.suppress(OSError):
                file.close()
            if path is None:
                return None
            try:
                dumped = path.stat().st_size > self._header_bytes
            except OSError:
                return None
            if not dumped:
                with contextlib.suppress(OSError):
                    path.unlink()
                self.path = None
                return None
            return path

    def frozen(self) -> bool:
        """True once a dump has been written (the file holds more than its header)."""
        path = self.path
        try:
            return path is not None and path.stat().st_size > self._header_bytes
        except OSError:
            return False

    def _write_header(self) -> None:
        """The file's first lines: who, and the names of the threads alive now
        (faulthandler names threads by ident only); the dump goes after them."""
        assert self._file is not None
        self._names = _thread_names()
        header = (
            f"rnnplay {__version__}, Python {sys.version.split()[0]}\n"
            f"argv: {self._argv!r}\n"
            f"pid {os.getpid()}: {self.what} did not answer for {self.limit_s:g} s; "
            f"the stack of every thread at that moment follows (most recent call first).\n"
            f"threads (ident name): {self._names}\n\n"
        )
        try:
            self._file.seek(0)
            self._file.truncate()
            self._file.write(header)
            self._file.flush()
        except OSError:
            return
        self._header_bytes = len(header.encode("utf-8"))

    def _arm(self) -> None:
        assert self._file is not None
        faulthandler.dump_traceback_later(self.limit_s, repeat=False, file=self._file)


def sweep(folder: Path) -> int:
    """Remove the reports in ``folder`` that a killed process left without a dump: the
    file is made at start and only removed by :meth:`HangWatch.stop`, so a ``kill -9``
    (or a terminal closed under it) leaves its header behind. A file whose writer is
    alive, or that holds a dump, stays. Returns how many were removed."""
    removed = 0
    with contextlib.suppress(OSError):
        for path in folder.glob("rnnplay-hang-*.txt"):
            with contextlib.suppress(OSError, ValueError):
                text = path.read_text(encoding="utf-8", errors="replace")[:8192]
                match = _PID.search(text)
                if match is None or "(most recent call first):" in text.split("\n\n", 1)[-1]:
                    continue  # not ours to judge, or a real report
                if not _alive(int(match.group(1))):
                    path.unlink()
                    removed += 1
    return removed


_PID = re.compile(r"^pid (\d+):", re.MULTILINE)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _thread_names() -> str:
    """``ident name`` of the threads alive now (faulthandler prints idents only)."""
    return ", ".join(f"{t.ident:#x} {t.name}" for t in threading.enumerate() if t.ident)
