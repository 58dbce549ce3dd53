"""What the CLI does with an exception that is not an :class:`~rnnplay.errors.RnnplayError`.

Such an exception is a bug, not a user's mistake: it must not be disguised
as one. :func:`report_crash` writes the full traceback to a file and
returns a one-line summary naming the exception and that file, which
``rnnplay.cli.main`` prints before exiting with ``EXIT_BUG`` (1).

The file goes under ``$XDG_STATE_HOME/rnnplay/`` when that variable is set,
else into the temporary folder (``$TMPDIR``), as ``rnnplay-crash-*.txt``.
"""

from __future__ import annotations

import os
import sys
import tempfile
import traceback
from pathlib import Path

from rnnplay import __version__
from rnnplay.errors import one_line


def crash_folder() -> Path:
    """Where crash reports go (created on demand)."""
    state = os.environ.get("XDG_STATE_HOME")
    if state:
        return Path(state) / "rnnplay"
    return Path(tempfile.gettempdir())


def write_crash_report(error: BaseException, argv: list[str] | None = None) -> Path | None:
    """Write the traceback of ``error`` (and the command line) to a new file; its path,
    or None when no file could be written anywhere."""
    text = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    header = f"rnnplay {__version__}, Python {sys.version.split()[0]}\nargv: {argv!r}\n\n"
    for folder in (crash_folder(), Path(tempfile.gettempdir())):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(prefix="rnnplay-crash-", suffix=".txt", dir=folder)
            with os.fdopen(fd, "w", encoding="utf-8") as file:
                file.write(header + text)
            return Path(name)
        except OSError:
            continue
    return None


def report_crash(error: BaseException, argv: list[str] | None = None) -> str:
    """The one line printed for an unexpected ``error`` (after writing its report)."""
    where = write_crash_report(error, argv)
    summary = type(error).__name__
    if str(error).strip():
        summary += f": {one_line(error)}"
    if where is None:
        return f"internal error (a bug in rnnplay): {summary} (no traceback file could be written)"
    return f"internal error (a bug in rnnplay): {summary}; the traceback is in {where}"
