"""A screen closes itself only while it is the screen on top.

Textual's ``Screen.dismiss`` pops whatever screen is on top and resolves the
screen's result once. A close that comes late (a worker that finished its
wait after the screen was already closed, a command chosen and escape typed
at once) therefore popped the screen under it, or failed on the result
already given (``InvalidStateError``; with only the main view left
``ScreenStackError``): the app ended with exit 1. The monkey test found it
in the command palette and in the Compare view. :class:`ClosesOnce`, mixed
in before the Textual screen class, makes such a late close do nothing.
"""

from __future__ import annotations

import asyncio
from typing import Any

from textual.await_complete import AwaitComplete


class ClosesOnce:
    """Mix into a Screen (first): ``dismiss`` only while it is the screen on top."""

    def dismiss(self, result: Any = None) -> AwaitComplete:
        if self.app.screen is not self:  # type: ignore[attr-defined]
            return AwaitComplete(asyncio.sleep(0))  # closed already, or covered
        return super().dismiss(result)  # type: ignore[misc]
