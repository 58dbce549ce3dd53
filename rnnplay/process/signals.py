"""The process's signals: SIGINT (Ctrl-C) and SIGTERM, handled in one place.

Two phases, one mechanism (:func:`_swap`, which also puts the previous handlers
back):

- From the first moment of a command: Python turns SIGINT into
  KeyboardInterrupt by itself, but SIGTERM kills the process at once (exit
  143, no message) unless someone handles it. ``main`` calls :func:`install`
  before anything else, so a SIGTERM while the corpus is still being read
  ends like Ctrl-C: one line and exit 130.
- While a training loop runs (``train``, ``race``): a :class:`StopFlag` takes
  both signals, and the loop asks it before every step, so the run stops
  after the current step and saves; a second Ctrl-C gives up at once.
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Callable
from types import FrameType
from typing import Any


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C so that every KeyboardInterrupt path handles it."""

    def __str__(self) -> str:
        return "stopped by SIGTERM"


def _raise_terminated(signum: int, frame: FrameType | None) -> None:
    raise Terminated()


def _swap(handler: Callable[[int, FrameType | None], Any], *signums: int) -> Callable[[], None]:
    """Give ``signums`` to ``handler`` (only possible in the main thread: elsewhere
    nothing changes); returns the function that puts the previous handlers back."""
    previous: dict[int, Any] = {}
    for signum in signums:
        try:
            previous[signum] = signal.signal(signum, handler)
        except (ValueError, OSError):  # not the main thread, or no signals here
            break

    def restore() -> None:
        for signum, old in previous.items():
            with contextlib.suppress(ValueError, OSError, TypeError):
                signal.signal(signum, old)
        previous.clear()

    return restore


def install() -> Callable[[], None]:
    """Make SIGTERM raise :class:`Terminated`; returns the function that puts the
    previous handler back."""
    return _swap(_raise_terminated, signal.SIGTERM)


def describe(interrupt: BaseException) -> str:
    """The line after ``rnnplay:`` for an interrupt: "interrupted" or "stopped by SIGTERM"."""
    return str(interrupt) if isinstance(interrupt, Terminated) else "interrupted"


class StopFlag:
    """Set by SIGINT/SIGTERM while installed; the training loop asks it before every step."""

    def __init__(self) -> None:
        self.signum: int | None = None
        self._restore: Callable[[], None] = lambda: None

    def __call__(self) -> bool:
        return self.signum is not None

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.signum is not None and signum == signal.SIGINT:
            raise KeyboardInterrupt  # a second Ctrl-C: stop now, without saving
        self.signum = signum

    def install(self) -> None:
        self._restore = _swap(self._handle, signal.SIGINT, signal.SIGTERM)

    def restore(self) -> None:
        self._restore()
        self._restore = lambda: None

    def describe(self) -> str:
        """What stopped the loop, as :func:`describe` says it for an interrupt."""
        return describe(Terminated() if self.signum == signal.SIGTERM else KeyboardInterrupt())
