"""SIGTERM and SIGHUP end the playground as ``q`` does, and say so in its run folder.

A terminal that closes sends SIGHUP; ``rnnplay serve`` sends SIGTERM to a
session whose browser tab closed. Either used to end the process on the
spot, leaving its run folder saying ``running`` with the last steps unsaved.
:class:`Hangups` (a mixin of the app) handles both on the event loop and
closes the run at once, without waiting on the screen: the training thread
is asked to stop (a step or two), ``last.npz`` is written when it did, the
manifest says ``interrupted``. Then:

- SIGHUP: the terminal is gone, and restoring it would write to a dead
  terminal (Textual's writer blocks there for ever, seen with tmux), so the
  process ends at once with 130.
- SIGTERM: the app exits with 130 as ``rnnplay train`` does; when it runs for
  real (``force_exit_after_s``), a timer ends the process should restoring
  the screen hang on an output nobody reads.

The same mixin watches the event loop itself (:mod:`rnnplay.hang_watch`): a
timer beats every second, and when no beat comes for 10 s every thread's
stack is written to a crash file, so a freeze explains itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from rnnplay.errors import EXIT_INTERRUPTED, to_stderr

if TYPE_CHECKING:
    from rnnplay.process.hang_watch import HangWatch
    from rnnplay.tui.app import RnnPlayApp

HANDLED = (signal.SIGTERM, signal.SIGHUP)

QUIT_WAIT_S = 2.0
"""How long closing waits for the current step (a huge model must not hang it)."""


class Hangups:
    """Installs the handlers on mount (main thread only) and removes them on unmount."""

    end_status = "done"
    """What the run folder's manifest says when the app closes its run."""
    force_exit_after_s: float | None = None
    """After SIGTERM, end the process this long after asking the app to exit (set by
    ``run_app``; tests leave it None, as their process must live on)."""
    hang_watch: HangWatch | None = None
    """Writes every thread's stack to a crash file when the event loop has not
    answered for its limit (set by ``run_app``; tests set their own or none)."""
    _handled: tuple[int, ...] = ()
    _force_timer: threading.Timer | None = None

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
        self.start_hang_watch()

    def start_hang_watch(self: RnnPlayApp) -> None:
        """Arm :attr:`hang_watch` (if set) and beat it from a timer of the event loop."""
        if self.hang_watch is not None and self.hang_watch.start():
            self.set_interval(self.hang_watch.beat_s, self.hang_watch.beat)

    def remove_hangup_handlers(self: RnnPlayApp) -> None:
        with contextlib.suppress(RuntimeError):
            loop = asyncio.get_running_loop()
            for signum in self._handled:
                with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                    loop.remove_signal_handler(signum)
        self._handled = ()
        self.stop_hang_watch()

    def stop_hang_watch(self: RnnPlayApp, *, say: bool = False) -> Path | None:
        """Disarm the hang watch; the path of its report when a freeze was written
        (with ``say``, also named in one line on stderr)."""
        report = None if self.hang_watch is None else self.hang_watch.stop()
        if report is not None and say:
            to_stderr(
                f"rnnplay: the playground stopped answering for a while; the stack of "
                f"every thread at that moment is in {report}"
            )
        return report

    def on_hangup(self: RnnPlayApp, signum: int) -> None:
        """The signal arrived (on the event loop): close the run now, then end."""
        if self.end_status == "interrupted":
            return  # already ending
        self.end_status = "interrupted"
        self.samples.stop()
        self.session.request_stop()
        self.session.wait_idle(QUIT_WAIT_S)  # the training thread needs no event loop
        self.place.close("interrupted", save_last=not self.session.running)
        if signum == signal.SIGHUP:
            os._exit(EXIT_INTERRUPTED)
        if self.force_exit_after_s is not None:
            timer = threading.Timer(self.force_exit_after_s, os._exit, (EXIT_INTERRUPTED,))
            timer.daemon = True
            timer.start()
            self._force_timer = timer
        self.exit(EXIT_INTERRUPTED)

    def cancel_forced_exit(self: RnnPlayApp) -> None:
        """The app ended by itself: no timer may end the process later."""
        if self._force_timer is not None:
            self._force_timer.cancel()
            self._force_timer = None
