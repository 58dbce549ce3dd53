"""A crash of the playground: a non-zero exit, one line, the traceback in a file.

Textual catches an exception raised anywhere in the app, restores the
terminal, prints a long rich traceback and returns normally from
``App.run`` (so ``rnnplay`` used to exit 0 after a crash).
:class:`CrashToFile` records the exception instead of printing it, and
:func:`exit_code` turns it into the CLI's promise for a bug: one line
naming the exception and the file that holds its traceback
(``rnnplay.process.crash``), and exit code 1.
"""

from __future__ import annotations

import sys
from typing import Any

from rnnplay.errors import EXIT_BUG, print_error


class CrashToFile:
    """Mix into a textual App (before ``App``): an unhandled exception is kept in
    ``crash`` and ends the app without Textual's traceback on the terminal."""

    crash: BaseException | None = None

    def _handle_exception(self, error: Exception) -> None:
        if self.crash is None:
            self.crash = error
        super()._handle_exception(error)  # type: ignore[misc]

    def _print_error_renderables(self) -> None:
        if self.crash is not None:
            self._exit_renderables.clear()  # type: ignore[attr-defined]
        super()._print_error_renderables()  # type: ignore[misc]


def exit_code(app: Any, result: Any = None) -> int:
    """The exit code of a finished app run; a crash is reported in one line first."""
    crash = getattr(app, "crash", None)
    if crash is None and getattr(app, "return_code", 0) in (0, None):
        return int(result or 0)
    from rnnplay.process.crash import report_crash

    if crash is None:
        crash = RuntimeError(f"the playground ended with exit code {app.return_code}")
    print_error(report_crash(crash, list(sys.argv)))  # never raises: stderr may be gone
    return EXIT_BUG
