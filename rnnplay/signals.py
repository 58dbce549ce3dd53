"""SIGTERM handled from the first moment of a command, as Ctrl-C is.

Python turns SIGINT into KeyboardInterrupt by itself, but SIGTERM kills the
process at once (exit 143, no message) unless someone handles it. ``main``
calls :func:`install` before anything else, so a SIGTERM while the corpus is
still being read (before the training loop installs its own stop flag, or
after it restores this handler) ends like Ctrl-C: one line and exit 130.
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Callable
from types import FrameType


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C so that every KeyboardInterrupt path handles it."""

    def __str__(self) -> str:
        return "stopped by SIGTERM"


def _raise_terminated(signum: int, frame: FrameType | None) -> None:
    raise Terminated()


def install() -> Callable[[], None]:
    """Make SIGTERM raise :class:`Terminated` (only possible in the main thread);
    returns the function that puts the previous handler back."""
    try:
        previous = signal.signal(signal.SIGTERM, _raise_terminated)
    except (ValueError, OSError):  # not the main thread, or no signals here
        return lambda: None

    def restore() -> None:
        with contextlib.suppress(ValueError, OSError, TypeError):
            signal.signal(signal.SIGTERM, previous)

    return restore


def describe(interrupt: BaseException) -> str:
    """The line after ``rnnplay:`` for an interrupt: "interrupted" or "stopped by SIGTERM"."""
    return str(interrupt) if isinstance(interrupt, Terminated) else "interrupted"
