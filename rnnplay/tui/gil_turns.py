"""Short GIL turns while the app trains beside its UI.

The training thread gives the GIL up many times a step (every BLAS product,
every large ufunc, each compiled time loop) and must get it back to go on.
While the UI thread is drawing, CPython hands the GIL back only when the
holder blocks or after the switch interval, 5 ms by default; a step that
re-takes the GIL ~100 times can lose tens of milliseconds a step to those
waits, which is most of what the playground cost against the engine alone
(app/engine ~0.85 with a core to spare). At 0.5 ms a wait is short enough
not to matter; the price, more frequent switches of the UI thread, is a few
microseconds each.
"""

from __future__ import annotations

import sys

SWITCH_INTERVAL_S = 0.0005
"""The GIL switch interval the app runs with (CPython's default is 0.005)."""


def take_short_gil_turns() -> float:
    """Set the process's switch interval for an app that trains; returns the old one."""
    previous = sys.getswitchinterval()
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    return previous
