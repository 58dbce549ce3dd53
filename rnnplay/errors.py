"""One error hierarchy for everything rnnplay refuses, and the exit codes.

A :class:`RnnplayError` is a problem the user can fix: its message is the
one line printed after ``rnnplay: error:`` and the process exits with
:data:`EXIT_USAGE`. Anything else that escapes is a bug: the CLI prints a
one-line summary, writes the traceback to a file and exits with
:data:`EXIT_BUG`. This module imports nothing from rnnplay, so every layer
(the NumPy core included) may raise these errors.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_BUG = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class RnnplayError(Exception):
    """A problem the user can fix; ``str(error)`` is the one line we print."""

    exit_code = EXIT_USAGE


class UsageError(RnnplayError):
    """A flag or argument is wrong."""


class ConfigError(RnnplayError, ValueError):
    """A setting is out of range; the message names the flag."""


class CorpusError(RnnplayError, ValueError):
    """A corpus cannot be read or is unusable."""


class CheckpointError(RnnplayError, ValueError):
    """A checkpoint file is missing, damaged, foreign or hostile."""


class OutputError(RnnplayError):
    """A result cannot be written (stdout closed, a full disk behind ``>``)."""


class RunError(RnnplayError):
    """A run folder cannot be used as asked (locked, holds another run, ...)."""


class PromptError(RnnplayError, ValueError):
    """Text given to a model (a prime) holds tokens its vocabulary lacks."""


class NumericalError(RnnplayError, ValueError):
    """The model's numbers are not finite (training diverged); nothing is saved from them."""


def one_line(error: BaseException | str) -> str:
    """``error`` as one printable line: whitespace collapsed, control characters
    (terminal escape sequences included) shown escaped, never raw."""
    if isinstance(error, OSError) and not isinstance(error, str) and error.strerror:
        where = f" '{error.filename}'" if error.filename else ""
        text = f"{error.strerror}{where}"
    else:
        text = str(error)
    text = " ".join(text.split())
    if not text and isinstance(error, BaseException):
        text = type(error).__name__
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)


def to_stderr(text: str) -> None:
    """Print one line on stderr; nothing when stderr is closed (never onto stdout,
    which is where ``print`` would send it when ``sys.stderr`` is None)."""
    import contextlib
    import sys

    stream = sys.stderr
    if stream is None:
        return
    with contextlib.suppress(OSError, ValueError):  # broken: the exit code still tells
        print(text, file=stream, flush=True)


def print_error(error: BaseException | str) -> None:
    """The user-facing error line, ``rnnplay: error: <one line>``, on stderr
    (:func:`to_stderr`); every face prints its errors through here."""
    to_stderr(f"rnnplay: error: {one_line(error)}")
