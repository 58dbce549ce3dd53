"""Standard streams that end the way a person expects, whatever is on the other side.

- stdout (results: samples, ``eval``, ``corpora``): written only through
  :func:`write_out` / :func:`flush_out`. A reader that leaves early
  (``| head``) is a normal end: :class:`ReaderGone` (a BrokenPipeError, so
  ``main`` ends with exit 0 and prints nothing). Output that cannot be
  written (``> /dev/full``, a closed stdout) is :class:`OutputError`: one
  line and a non-zero exit.
- stderr (progress, warnings, error lines): replaced by a
  :class:`ForgivingStream` that drops what it cannot write. Losing stderr
  (closed, a reader that went away, a full disk) never stops or changes
  training: the files are written as if it were there.
- At the end (:func:`finish`) stdout is flushed once more and any stream
  that failed points at ``/dev/null``, so the interpreter's own flush at
  exit has nothing to complain about (no "Exception ignored" lines, no
  exit code 120).

:func:`prepare` runs first in ``main``: a closed fd 0, 1 or 2 gets
``/dev/null`` so that no file opened later (a checkpoint being written!)
takes its number and receives stray output.
"""

from __future__ import annotations

import contextlib
import os
import sys
from typing import IO, Any

from rnnplay.errors import EXIT_USAGE, OutputError, print_error

_closed_at_start: set[int] = set()
_CLOSED = "standard output is closed: there is nowhere to write the result"


class ReaderGone(BrokenPipeError):  # noqa: N818 - not an error: a normal end
    """The reader of stdout went away (``| head``): a normal end, exit 0."""


def _point_at_devnull(fd: int) -> None:
    """Make ``fd`` write into /dev/null (later writes and the exit-time flush succeed)."""
    with contextlib.suppress(OSError):
        null = os.open(os.devnull, os.O_RDWR)
        if null != fd:
            os.dup2(null, fd)
            os.close(null)


class ForgivingStream:
    """A text stream that never raises: what cannot be written is dropped.

    Wraps ``sys.stderr`` (or nothing, when stderr was closed at start). The
    first failure points fd 2 at /dev/null and marks the stream ``lost``;
    everything else (``isatty``, ``fileno``, ``encoding``) is the wrapped
    stream's, so rich and the reporters see the terminal they expect.
    """

    def __init__(self, stream: IO[str] | None) -> None:
        self._stream = stream
        self.lost = stream is None

    def write(self, text: str) -> int:
        if not self.lost:
            try:
                self._stream.write(text)  # type: ignore[union-attr]
            except (OSError, ValueError, AttributeError):
                self._lose()
        return len(text)

    def flush(self) -> None:
        if not self.lost:
            try:
                self._stream.flush()  # type: ignore[union-attr]
            except (OSError, ValueError, AttributeError):
                self._lose()

    def isatty(self) -> bool:
        if self.lost:
            return False
        try:
            return bool(self._stream.isatty())  # type: ignore[union-attr]
        except (OSError, ValueError, AttributeError):
            return False

    def _lose(self) -> None:
        self.lost = True
        fd = None
        with contextlib.suppress(OSError, ValueError, AttributeError):
            fd = self._stream.fileno()  # type: ignore[union-attr]
        if fd is not None:
            _point_at_devnull(fd)

    def __getattr__(self, name: str) -> Any:
        if self._stream is None:
            raise AttributeError(name)
        return getattr(self._stream, name)


def prepare() -> None:
    """Run first: give closed standard fds /dev/null and make stderr forgiving."""
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            _closed_at_start.add(fd)
            _point_at_devnull(fd)
    if not isinstance(sys.stderr, ForgivingStream):
        sys.stderr = ForgivingStream(sys.stderr)  # type: ignore[assignment]


def _stdout_failed(error: OSError) -> Exception:
    """The exception for a failed stdout write; stdout then points at /dev/null."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        _point_at_devnull(sys.stdout.fileno())
    if isinstance(error, BrokenPipeError):
        return ReaderGone()
    reason = error.strerror or type(error).__name__
    return OutputError(f"cannot write to standard output: {reason}")


def _stdout() -> IO[str]:
    stream = sys.stdout
    if stream is None or 1 in _closed_at_start:
        raise OutputError(_CLOSED) from None
    return stream


def write_out(text: str) -> None:
    """Write ``text`` to stdout (ReaderGone or OutputError when that is impossible)."""
    stream = _stdout()
    try:
        stream.write(text)
    except OSError as error:
        raise _stdout_failed(error) from None
    except ValueError:  # a closed file object
        raise OutputError(_CLOSED) from None


def flush_out() -> None:
    """Push what :func:`write_out` buffered to the reader now."""
    stream = _stdout()
    try:
        stream.flush()
    except OSError as error:
        raise _stdout_failed(error) from None
    except ValueError:
        raise OutputError(_CLOSED) from None


def finish(code: int) -> int:
    """Flush stdout at the end of a command; returns the exit code to use.

    A reader that left keeps ``code``; an unwritable stdout prints one line
    and turns a success into exit 2. Either way nothing is left for the
    interpreter's flush at exit to fail on.
    """
    stream = sys.stdout
    if stream is None or 1 in _closed_at_start:
        return code
    try:
        stream.flush()
    except OSError as error:
        failure = _stdout_failed(error)
        if isinstance(failure, OutputError):
            print_error(failure)
            return code or EXIT_USAGE
    except ValueError:
        pass
    with contextlib.suppress(Exception):
        sys.stderr.flush()
    return code
