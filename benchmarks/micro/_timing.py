"""Timing helpers shared by the micro-benchmarks: best-of-repeats, thread caps, JSON output."""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from train_speed import blas_info, limit_threads  # noqa: F401  (re-exported)


def measure(fn: Callable[[], Any], *, number: int = 20, repeats: int = 7) -> dict[str, float]:
    """Milliseconds per call of ``fn``: best and median over ``repeats`` blocks of ``number``.

    The best block is the least disturbed by other processes on a shared
    machine, so comparisons use it; the median shows how noisy the run was.
    """
    fn()
    blocks = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        blocks.append(1e3 * (time.perf_counter() - start) / number)
    return {"best_ms": round(min(blocks), 4), "median_ms": round(statistics.median(blocks), 4)}


def emit(record: dict[str, Any]) -> None:
    """Print one JSON line."""
    print(json.dumps(record), flush=True)


def compare(
    fns: dict[str, Callable[[], Any]], *, number: int = 10, repeats: int = 9
) -> dict[str, dict[str, float]]:
    """Like :func:`measure` for several functions, taking turns block by block.

    Interleaving spreads background load over all variants alike, so their
    best blocks stay comparable on a busy machine.
    """
    for fn in fns.values():
        fn()
    blocks: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            start = time.perf_counter()
            for _ in range(number):
                fn()
            blocks[name].append(1e3 * (time.perf_counter() - start) / number)
    return {
        name: {"best_ms": round(min(b), 4), "median_ms": round(statistics.median(b), 4)}
        for name, b in blocks.items()
    }


def threads_arg(description: str) -> int:
    """Parse the micro-benchmarks' one flag, ``--threads`` (default 2), and apply it."""
    import argparse

    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--threads", type=int, default=2, help="BLAS / torch threads")
    threads = parser.parse_args().threads
    global _LIMITER
    _LIMITER = limit_threads(threads)
    return threads


_LIMITER = None  # keeps threadpoolctl's limit alive for the whole run
