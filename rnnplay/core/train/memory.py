"""How much memory this process may still take, and the line for running out of it.

:func:`available_bytes` is the smallest of what the machine has free
(``MemAvailable`` in ``/proc/meminfo``), what this process's cgroup still
allows (``memory.max`` less ``memory.current``, or the cgroup v1 pair) and
what its address-space limit (``ulimit -v``) leaves. ``TrainConfig.check_memory``
compares its estimate with it, so a model that cannot fit is refused before
anything is allocated; :func:`out_of_memory_line` turns a ``MemoryError``
that still happens into one line with the sizes involved.

Pure Python (NumPy is not needed to read a few files).
"""

from __future__ import annotations

import resource
from pathlib import Path
from typing import Any


def _read_int(path: Path) -> int | None:
    try:
        text = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return int(text) if text.isdigit() else None  # "max" means no limit


def _meminfo(field: str) -> int | None:
    try:
        with open("/proc/meminfo", encoding="ascii") as info:
            for line in info:
                name, _, rest = line.partition(":")
                if name == field:
                    return int(rest.split()[0]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def _cgroup_room() -> int | None:
    """What this process's cgroup still allows, or None when it sets no limit."""
    try:
        lines = Path("/proc/self/cgroup").read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    room = []
    for line in lines:
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        hierarchy, controllers, where = parts
        if hierarchy == "0":  # cgroup v2
            base = Path("/sys/fs/cgroup") / where.lstrip("/")
            limit, used = base / "memory.max", base / "memory.current"
        elif "memory" in controllers.split(","):
            base = Path("/sys/fs/cgroup/memory") / where.lstrip("/")
            limit, used = base / "memory.limit_in_bytes", base / "memory.usage_in_bytes"
        else:
            continue
        top, now = _read_int(limit), _read_int(used)
        if top is not None and now is not None and top < 2**60:
            room.append(max(0, top - now))
    return min(room) if room else None


def _address_space_room() -> int | None:
    soft, _hard = resource.getrlimit(resource.RLIMIT_AS)
    if soft == resource.RLIM_INFINITY:
        return None
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmSize:"):
                    return max(0, soft - int(line.split()[1]) * 1024)
    except (OSError, ValueError, IndexError):
        pass
    return soft


def available_bytes() -> int | None:
    """Bytes this process can still allocate, as far as the system tells; None if unknown."""
    known = [n for n in (_meminfo("MemAvailable"), _cgroup_room(), _address_space_room()) if n]
    return min(known) if known else None


def gib(n: float) -> str:
    if n >= 1024**3:
        return f"{n / 1024**3:.3g} GiB"
    return f"{n / 1024**2:.3g} MiB"


def out_of_memory_line(error: MemoryError, args: Any = None) -> str:
    """One line for a MemoryError: what failed to allocate, the sizes that asked for it."""
    what = " ".join(str(error).split()) or "an allocation failed"
    parts = [f"out of memory ({what})"]
    sizes = _sizes(args)
    if sizes:
        parts.append(f"with {sizes}")
    free = available_bytes()
    if free is not None:
        parts.append(f"{gib(free)} is available now")
    return "; ".join(parts) + "; lower --hidden, --embed, --layers, --batch or --bptt"


def _sizes(args: Any) -> str:
    """The model and batch flags of a command line, shown as typed or defaulted."""
    if args is None:
        return ""
    try:
        from rnnplay.core.train.config import TrainConfig

        names = set(TrainConfig.__dataclass_fields__)
        given = {k: v for k, v in vars(args).items() if k in names}
        config = TrainConfig(**given)
    except (TypeError, ValueError):
        return ""
    if getattr(args, "command", None) not in (None, "train"):
        return ""
    return (
        f"--hidden {config.hidden} --embed {config.embed} --layers {config.layers} "
        f"--batch {config.batch} --bptt {config.bptt}"
    )
