"""A served session ends by itself when the server that started it is gone.

A killed server (SIGTERM handled badly, or SIGKILL) cannot stop its
sessions, and a session left behind trains on at full CPU for nobody. So a
session watches its server two ways:

* on Linux the kernel sends it SIGKILL the moment its parent dies
  (``prctl(PR_SET_PDEATHSIG)``), and
* a daemon thread polls ``os.getppid()`` twice a second, which also covers
  systems without prctl and the race where the parent died before prctl ran.

The server runs each session directly (no shell in between), so the parent
is the server itself. Checkpoints are written atomically, so a killed session
never leaves a damaged file.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys
import threading
import time

SERVER_PID_ENV = "RNNPLAY_SERVE_PID"
"""The server puts its pid here; a session started without it watches nothing."""

POLL_SECONDS = 0.5
_PR_SET_PDEATHSIG = 1


def watch_server(environ: dict[str, str] | None = None) -> bool:
    """Start watching the server named in the environment; False when none is named."""
    value = (os.environ if environ is None else environ).get(SERVER_PID_ENV, "")
    if not value.isdigit():
        return False
    server_pid = int(value)
    _die_with_parent()
    if os.getppid() != server_pid:
        _end()
    thread = threading.Thread(
        target=_poll, args=(server_pid,), name="rnnplay-serve-watchdog", daemon=True
    )
    thread.start()
    return True


def _die_with_parent() -> None:
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass  # the polling thread still ends the session


def _poll(server_pid: int) -> None:
    while os.getppid() == server_pid:
        time.sleep(POLL_SECONDS)
    _end()


def _end() -> None:
    # No clean-up is possible or wanted: the browser it served is gone.
    os._exit(0)
