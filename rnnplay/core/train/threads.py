"""How many BLAS threads the NumPy core uses: what the process may really use, now.

NumPy's matrix products run on OpenBLAS's thread pool, which by default
starts one thread per core of the machine. On a busy machine that is the
wrong number: a product split over two threads waits for the slower half,
so when another program holds one of two cores every product waits for a
thread that is not running, and training collapses (docs/performance.md
saw 10-30x at a load of 5-7, and 38% of the quiet speed against one
competing process). One thread that runs beats two that take turns.

So the number is chosen from what this process may actually use:

- the CPUs it may run on (``os.sched_getaffinity``), capped by a cgroup CPU
  quota (``cpu.max`` in cgroup v2, ``cpu.cfs_quota_us`` in v1), as in a
  container;
- minus what other processes are using of those CPUs right now, measured
  from ``/proc/stat`` (busy time of our CPUs minus our own CPU time) over
  the last couple of seconds, or from the load average where there is no
  ``/proc/stat``;
- minus a share of a core for a thread of our own that must stay
  responsive (the playground's UI: :func:`leave_room_for_ui`).

A :class:`ThreadGovernor` re-measures every ``interval_s`` seconds between
training steps (:func:`tick`, which the Trainer calls; it costs a file read
every two seconds and nothing otherwise) and sets the pool's size through
threadpoolctl. ``--threads N`` or the environment variable
``RNNPLAY_THREADS=N`` pins the number instead.

The count does not change what is computed, but it may change the last
bits: OpenBLAS kernels can sum in a different order when the work is split
differently (seen here with ``OPENBLAS_CORETYPE=Haswell``; the SkylakeX
kernels gave identical results for 1 to 4 threads). A run resumed with the
same thread count continues bit for bit; the tests pin the count
(``tests/conftest.py``) so that their bit-for-bit comparisons do not depend
on the machine's load.

Nothing happens until a face (the CLI, the playground) calls :func:`install`:
code that builds a Trainer itself keeps the process's BLAS settings.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from pathlib import Path

from rnnplay.core.nn import blas_libraries
from rnnplay.errors import ConfigError

ENV_VAR = "RNNPLAY_THREADS"
"""``RNNPLAY_THREADS=N`` pins the BLAS thread count like ``--threads N``."""

UI_SHARE = 0.25
"""Cores the playground's UI thread is given room for (redraws, key handling)."""

SPARE = 0.3
"""A thread is added once at least ``1 - SPARE`` of a core is free for it: a
second thread that gets only part of a core slows every product down."""

INTERVAL_S = 2.0
"""Seconds between two measurements of how busy the machine is."""

FIRST_MEASUREMENT_S = 0.25
"""The first measurement comes this soon after :func:`install`."""


# -- what the process may use ------------------------------------------------------
def affinity_cpus() -> set[int] | None:
    """The CPUs this process may run on, or None where the OS does not say."""
    try:
        return set(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return None


def cgroup_quota_cpus(root: Path = Path("/sys/fs/cgroup")) -> float | None:
    """CPUs' worth of time a cgroup quota allows (e.g. 1.5), or None without a quota."""
    try:
        quota, period = (root / "cpu.max").read_text().split()[:2]
        if quota != "max" and float(period) > 0:
            return float(quota) / float(period)
        return None
    except (OSError, ValueError):
        pass
    for folder in (root / "cpu", root / "cpu,cpuacct", root):
        try:
            quota_us = float((folder / "cpu.cfs_quota_us").read_text())
            period_us = float((folder / "cpu.cfs_period_us").read_text())
        except (OSError, ValueError):
            continue
        if quota_us > 0 and period_us > 0:
            return quota_us / period_us
        return None
    return None


def usable_cpus() -> int:
    """Cores this process may use: its affinity set, capped by a cgroup quota (at least 1)."""
    cpus = affinity_cpus()
    count = len(cpus) if cpus else (os.cpu_count() or 1)
    quota = cgroup_quota_cpus()
    if quota is not None:
        count = min(count, max(1, math.floor(quota + 0.5)))
    return max(1, count)


# -- how busy the machine is -----------------------------------------------------------
def _read_proc_stat(path: Path = Path("/proc/stat")) -> dict[int, int] | None:
    """Busy clock ticks per CPU (user, nice, system, irq, softirq, steal), or None."""
    try:
        lines = path.read_text().splitlines()
    except OSError:
        return None
    busy: dict[int, int] = {}
    for line in lines:
        if not line.startswith("cpu") or line.startswith("cpu "):
            continue
        name, *fields = line.split()
        try:
            cpu = int(name[3:])
            values = [int(v) for v in fields[:8]]
        except ValueError:
            continue
        user, nice, system, _idle, _iowait, irq, softirq, steal = (values + [0] * 8)[:8]
        busy[cpu] = user + nice + system + irq + softirq + steal
    return busy or None


def _own_cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system


class CpuMeter:
    """Cores' worth of CPU time other processes used on our CPUs since the last reading.

    ``read()`` returns None on its first call (nothing to compare with yet)
    and where neither /proc/stat nor the load average is available.
    Steal time (a hypervisor running other guests) counts as used by others.
    """

    def __init__(
        self,
        cpus: set[int] | None = None,
        stat_reader: Callable[[], dict[int, int] | None] = _read_proc_stat,
        own_cpu: Callable[[], float] = _own_cpu_seconds,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._cpus = cpus if cpus is not None else affinity_cpus()
        self._stat_reader = stat_reader
        self._own_cpu = own_cpu
        self._clock = clock
        self._hz = float(os.sysconf("SC_CLK_TCK")) if hasattr(os, "sysconf") else 100.0
        self._last: tuple[float, float, int] | None = None

    def _busy_ticks(self) -> int | None:
        stat = self._stat_reader()
        if stat is None:
            return None
        cpus = self._cpus if self._cpus else set(stat)
        return sum(ticks for cpu, ticks in stat.items() if cpu in cpus)

    def read(self) -> float | None:
        now, own, busy = self._clock(), self._own_cpu(), self._busy_ticks()
        if busy is None:
            return self._from_loadavg()
        last, self._last = self._last, (now, own, busy)
        if last is None or now - last[0] <= 0:
            return None
        wall = now - last[0]
        others = (busy - last[2]) / self._hz - (own - last[1])
        return max(0.0, others / wall)

    @staticmethod
    def _from_loadavg() -> float | None:
        try:
            load = os.getloadavg()[0]
        except (AttributeError, OSError):
            return None
        return max(0.0, load - 1.0)  # the load includes this process (about one core)


def choose_threads(usable: int, others_busy: float, reserve: float = 0.0) -> int:
    """BLAS threads for ``usable`` cores of which others use ``others_busy`` and
    ``reserve`` is kept for our own non-BLAS thread: the free cores, rounded
    so that a thread is only added when nearly a whole core is free for it."""
    free = usable - max(0.0, others_busy) - max(0.0, reserve)
    return max(1, min(usable, math.floor(free + SPARE)))


# -- setting the pool's size -------------------------------------------------------------
class _Blas:
    """threadpoolctl's controllers of NumPy's BLAS, from the list made once
    (:mod:`rnnplay.core.nn.blas_libraries`: listing walks every loaded library and is
    only safe before other threads run; setting the size is one C call)."""

    def __init__(self) -> None:
        self._libs = blas_libraries.numpy_blas()
        self.current: int | None = None

    def set(self, n: int) -> None:
        if n != self.current:
            for lib in self._libs:
                lib.set_num_threads(n)
            self.current = n

    def get(self) -> int | None:
        return self._libs[0].get_num_threads() if self._libs else None


_blas: _Blas | None = None


def _blas_pool() -> _Blas:
    global _blas
    if _blas is None:
        _blas = _Blas()
    return _blas


def set_blas_threads(n: int) -> None:
    """Set NumPy's BLAS pool to ``n`` threads now."""
    if n < 1:
        raise ValueError(f"BLAS threads must be at least 1, got {n}")
    _blas_pool().set(int(n))


def blas_threads() -> int | None:
    """NumPy's BLAS thread count as the library reports it (None without a known BLAS)."""
    return _blas_pool().get()


# -- the governor ------------------------------------------------------------------------
class ThreadGovernor:
    """Keeps the BLAS pool at the size :func:`choose_threads` gives, re-measured every
    ``interval_s`` seconds in :meth:`tick`; with ``pinned`` it sets that and stays."""

    def __init__(
        self,
        pinned: int | None = None,
        reserve: float = 0.0,
        interval_s: float = INTERVAL_S,
        meter: CpuMeter | None = None,
        usable: int | None = None,
        setter: Callable[[int], None] = set_blas_threads,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if pinned is not None and pinned < 1:
            raise ValueError(f"threads must be at least 1, got {pinned}")
        self.pinned = pinned
        self.reserve = reserve
        self.interval_s = interval_s
        self.usable = usable if usable is not None else usable_cpus()
        self._meter = meter if meter is not None else CpuMeter()
        self._setter = setter
        self._clock = clock
        # Unpinned, start from one thread: on a busy machine the first steps with
        # two would already stall (seconds each); the first measurement, a
        # quarter second later, adds threads when the cores are free.
        self.threads = pinned if pinned is not None else 1
        self.others_busy: float | None = None
        self._next = 0.0
        self._setter(self.threads)
        if pinned is None:
            self._meter.read()  # the baseline of the first measurement
            self._next = self._clock() + min(FIRST_MEASUREMENT_S, interval_s)

    def tick(self) -> int:
        """Re-measure when the interval has passed and resize the pool; the thread count."""
        if self.pinned is not None:
            return self.threads
        now = self._clock()
        if now < self._next:
            return self.threads
        self._next = now + self.interval_s
        others = self._meter.read()
        if others is not None:
            self.others_busy = others
            wanted = choose_threads(self.usable, others, self.reserve)
            if wanted != self.threads:
                self.threads = wanted
                self._setter(wanted)
        return self.threads


_governor: ThreadGovernor | None = None


def env_threads() -> int | None:
    """The count ``RNNPLAY_THREADS`` pins, None when unset or empty; ConfigError when bad."""
    raw = os.environ.get(ENV_VAR, "").strip()
    if not raw:
        return None
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{ENV_VAR} must be a positive integer, got {raw!r}") from None
    if value < 1:
        raise ConfigError(f"{ENV_VAR} must be a positive integer, got {raw!r}")
    return value


def install(threads: int | None = None, *, reserve: float = 0.0) -> ThreadGovernor:
    """Choose the BLAS thread count for this process from now on (the faces call it).

    ``threads`` pins the count (``--threads``); else ``RNNPLAY_THREADS`` does;
    else it follows what the process may use and how busy the machine is. It lists
    the BLAS libraries, once: call it on the main thread before starting threads.
    """
    global _governor
    pinned = threads if threads is not None else env_threads()
    _governor = ThreadGovernor(pinned=pinned, reserve=reserve)
    return _governor


def leave_room_for_ui(share: float = UI_SHARE) -> None:
    """Keep ``share`` of a core free for a thread of ours that is not BLAS (the TUI's)."""
    if _governor is None:
        install(reserve=share)
    else:
        _governor.reserve = share
        _governor._next = 0.0


def tick() -> None:
    """Between training steps: let the installed governor re-measure (no-op without one)."""
    if _governor is not None:
        _governor.tick()


def governor() -> ThreadGovernor | None:
    """The installed governor, if any (benchmarks and the status line read it)."""
    return _governor


def uninstall() -> None:
    """Forget the governor (tests); the BLAS pool keeps its current size."""
    global _governor
    _governor = None
