"""SIGTERM and SIGHUP end the playground as ``q`` does, and say so in its run folder.

A terminal that closes sends SIGHUP; ``rnnplay serve`` sends SIGTERM to a
session whose browser tab closed. Either used to end the process on the
spot, leaving its run folder saying ``running`` with the last steps unsaved.
:class:`Hangups` (a mixin of the app) handles both on the event loop: the
training thread is asked to stop, ``last.npz`` is written when it did, the
manifest says ``interrupted``, and the app exits with 130 as ``rnnplay
train`` does for SIGTERM.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import threading
from typing import TYPE_CHECKING

from rnnplay.errors import EXIT_INTERRUPTED

if TYPE_CHECKING:
    from rnnplay.tui.app import RnnPlayApp

HANDLED = (signal.SIGTERM, signal.SIGHUP)

QUIT_WAIT_S = 2.0
"""How long the ending waits for the current step (a huge model must not hang it)."""


class Hangups:
    """Installs the handlers on mount (main thread only) and removes them on unmount."""

    end_status = "done"
    """What the run folder's manifest says when the app closes its run."""
    _handled: tuple[int, ...] = ()

    def install_hangup_handlers(self: RnnPlayApp) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        loop = asyncio.get_running_loop()
        installed = []
        for signum in HANDLED:
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(signum, self.on_hangup, signum)
                installed.append(signum)
        self._handled = tuple(installed)

    def remove_hangup_handlers(self: RnnPlayApp) -> None:
        with contextlib.suppress(RuntimeError):
            loop = asyncio.get_running_loop()
            for signum in self._handled:
                with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                    loop.remove_signal_handler(signum)
        self._handled = ()

    def on_hangup(self: RnnPlayApp, signum: int) -> None:
        """The signal arrived (on the event loop): end the run cleanly, then exit 130."""
        if self.end_status == "interrupted":
            return  # already ending
        self.end_status = "interrupted"
        self.run_worker(self._end_after_signal(), group="hangup", exclusive=True)

    async def _end_after_signal(self: RnnPlayApp) -> None:
        self.samples.stop()
        await self.wait_idle(timeout=QUIT_WAIT_S)
        self.exit(EXIT_INTERRUPTED)
