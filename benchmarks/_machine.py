"""What the benchmarks report about the machine and how they pin its BLAS threads.

Every benchmark prints the load beside its figures (other work on the machine
skews them) and most pin NumPy's BLAS pool; both are written once here. Run a
benchmark as a script from the repository root (``python benchmarks/NAME.py``),
so this folder is on ``sys.path``.
"""

from __future__ import annotations

import os
from typing import Any


def load_average() -> list[float] | None:
    """The 1/5/15-minute load averages, rounded; None where the system has none."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def limit_blas(threads: int) -> Any:
    """Cap NumPy's BLAS pool at ``threads`` (threadpoolctl); returns the limiter (keep
    it alive while measuring), or None without threadpoolctl."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return None
    return threadpool_limits(limits=threads, user_api="blas")
