"""Decorators for the app's message handlers and ticks."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from textual.css.query import NoMatches


def unless_unmounted(handler: Callable[..., None]) -> Callable[..., None]:
    """Skip a tick or message that arrives while the panels are not mounted
    (worker threads and timers do not know the app is closing)."""

    @functools.wraps(handler)
    def guarded(self: Any, *args: Any) -> None:
        try:
            handler(self, *args)
        except NoMatches:
            return

    return guarded


def from_session(handler: Callable[..., None]) -> Callable[..., None]:
    """Drop a message a replaced session sent before it stopped; skip when unmounted."""

    @functools.wraps(handler)
    def guarded(self: Any, message: Any) -> None:
        if getattr(message, "source", None) is self.session:
            handler(self, message)

    return unless_unmounted(guarded)
