"""Shared tools of the reliability suite: run the real CLI, snapshot folders, read runs.

Every CLI case runs ``python -m rnnplay`` as a subprocess (the interpreter of
the test run), with stdin closed and stdout/stderr captured, so what is
checked is exactly what a user sees: the exit code, the lines on stderr, and
the files on disk before and after.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings

# Editing checkpoint files to build hostile ones: shared with tests/core, re-exported here.
from tests.npz_members import (  # noqa: F401
    header_of,
    npy_bytes,
    read_members,
    with_header,
    write_members,
)

EXIT_ERROR = 2
EXIT_INTERRUPTED = 130

TINY_MODEL = ("--embed", "8", "--hidden", "16", "--batch", "4", "--bptt", "8")
"""Flags of the smallest model the suite trains: a step takes about a millisecond."""


# -- how much work: CI by default, the full count from the environment --------------------
def fault_reps(default: int = 4) -> int:
    """Repetitions of each randomised fault (``RNNPLAY_FAULT_REPS``; 20 in the full run)."""
    return max(1, int(os.environ.get("RNNPLAY_FAULT_REPS", default)))


def property_examples(default: int = 25) -> int:
    """Examples per hypothesis property (``RNNPLAY_PROPERTY_EXAMPLES``)."""
    return max(1, int(os.environ.get("RNNPLAY_PROPERTY_EXAMPLES", default)))


def property_settings(scale: float = 1.0) -> settings:
    """Hypothesis settings for one property: modest in CI, larger in the full run.

    ``scale`` shrinks the count for properties whose examples train a model.
    No deadline: a loaded 2-core CI machine makes per-example timing noisy.
    """
    return settings(
        max_examples=max(3, round(property_examples() * scale)),
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


# -- running the CLI ----------------------------------------------------------------------
@dataclass
class Result:
    """What one CLI run left behind."""

    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str
    max_rss_kib: int | None = None

    @property
    def stderr_lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.strip()]

    def describe(self) -> str:
        return (
            f"rnnplay {' '.join(self.args)} -> exit {self.returncode}\n"
            f"--- stdout\n{self.stdout[-2000:]}\n--- stderr\n{self.stderr[-2000:]}"
        )


def cli_env(**extra: str) -> dict[str, str]:
    """The environment of a CLI subprocess: ours, minus anything that changes output."""
    env = dict(os.environ)
    for name in ("RNNPLAY_FAULT_REPS", "PYTHONWARNINGS", "COLUMNS", "LINES"):
        env.pop(name, None)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.update(extra)
    return env


def command(args: Sequence[str | os.PathLike[str]]) -> list[str]:
    return [sys.executable, "-m", "rnnplay", *(os.fspath(a) for a in args)]


_LAUNCHER = """
import os, sys
pid = os.fork()
if pid == 0:
    os.execv(sys.argv[2], sys.argv[2:])
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as rss:
    rss.write(str(usage.ru_maxrss))
sys.exit(os.waitstatus_to_exitcode(status))
"""
"""Forks the command from a small process and writes its own peak RSS (KiB)."""


def run_cli(
    *args: str | os.PathLike[str],
    cwd: Path,
    timeout: float = 120,
    measure_memory: bool = False,
    without_root_file_access: bool = False,
) -> Result:
    """Run ``rnnplay ARGS`` in ``cwd`` and wait for it.

    With ``measure_memory`` the command runs under a small launcher that forks it
    and reaps it with ``os.wait4``, so its own peak resident set size
    (``ru_maxrss``, KiB on Linux) is known: neither the maximum over every child
    the test process ever had, nor the test process's own size, which Linux
    counts into a child forked straight from it (a suite that imported PyTorch
    in-process would otherwise make every child look 700 MB large). With
    ``without_root_file_access`` a root test process runs the child without
    the capabilities that let root ignore file permission bits
    (:func:`drop_root_file_access`), so chmod applies to it as to any user.
    """
    preexec = drop_root_file_access if without_root_file_access and os.geteuid() == 0 else None
    argv = command(args)
    shown = tuple(os.fspath(a) for a in args)
    if not measure_memory:
        done = subprocess.run(
            argv,
            cwd=cwd,
            env=cli_env(),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            preexec_fn=preexec,
        )
        return Result(shown, done.returncode, done.stdout, done.stderr)
    out_path, err_path = cwd / ".rnnplay-stdout", cwd / ".rnnplay-stderr"
    rss_path = cwd / ".rnnplay-maxrss"
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        proc = subprocess.Popen(
            [sys.executable, "-c", _LAUNCHER, str(rss_path), *argv],
            start_new_session=True,
            cwd=cwd,
            env=cli_env(),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            preexec_fn=preexec,
        )
        deadline = time.monotonic() + timeout
        while True:
            pid, status, _ = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                os.killpg(proc.pid, 9)  # the launcher and the command it forked
                raise TimeoutError(f"rnnplay {' '.join(shown)} ran past {timeout}s")
            time.sleep(0.01)
    proc.returncode = os.waitstatus_to_exitcode(status)
    result = Result(
        shown,
        proc.returncode,
        out_path.read_text(errors="replace"),
        err_path.read_text(errors="replace"),
        max_rss_kib=int(rss_path.read_text()) if rss_path.exists() else None,
    )
    out_path.unlink()
    err_path.unlink()
    rss_path.unlink(missing_ok=True)
    return result


_PR_CAPBSET_DROP = 24
_CAP_DAC_OVERRIDE = 1
_CAP_DAC_READ_SEARCH = 2


def drop_root_file_access() -> None:
    """In a child before exec: drop CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH from the
    bounding set, so the exec'd program (still uid 0) obeys file permission bits."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (_CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH):
        if libc.prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) failed")


def assert_clean_failure(
    result: Result, *needles: str, code: int = EXIT_ERROR, stdout_empty: bool = True
) -> str:
    """Exit ``code``, exactly one line on stderr (``rnnplay: error: ...``) naming
    every needle (case-insensitive), no traceback, nothing on stdout."""
    assert result.returncode == code, result.describe()
    assert "Traceback" not in result.stderr, result.describe()
    lines = result.stderr_lines
    assert len(lines) == 1, result.describe()
    line = lines[0]
    assert line.startswith("rnnplay: error: "), result.describe()
    for needle in needles:
        assert needle.lower() in line.lower(), f"{needle!r} not in: {line}"
    if stdout_empty:
        assert result.stdout == "", result.describe()
    return line


# -- snapshots of folders -----------------------------------------------------------------
Snapshot = dict[str, tuple[Any, ...]]


def snapshot(*roots: Path) -> Snapshot:
    """Every file and folder under ``roots``: kind, size, mtime (ns), mode and sha256.

    Two equal snapshots mean nothing was created, deleted, rewritten (even with
    the same bytes: the mtime would move) or re-permissioned.
    """
    entries: Snapshot = {}
    for root in roots:
        if not root.exists():
            entries[str(root)] = ("absent",)
            continue
        for path in [root, *sorted(root.rglob("*"))]:
            st = path.lstat()
            if path.is_symlink():
                entries[str(path)] = ("link", os.readlink(path))
            elif path.is_dir():
                entries[str(path)] = ("dir", st.st_mode)
            else:
                try:
                    digest = hashlib.sha256(path.read_bytes()).hexdigest()
                except PermissionError:  # a file a test made unreadable on purpose
                    digest = "unreadable"
                entries[str(path)] = ("file", st.st_size, st.st_mtime_ns, st.st_mode, digest)
    return entries


def assert_unchanged(before: Snapshot, after: Snapshot) -> None:
    added = sorted(set(after) - set(before))
    removed = sorted(set(before) - set(after))
    changed = sorted(k for k in set(before) & set(after) if before[k] != after[k])
    assert not (added or removed or changed), (
        f"files changed: added {added}, removed {removed}, changed {changed}"
    )


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# -- reading runs ---------------------------------------------------------------------------
def read_metrics(path: Path, *, allow_partial_last: bool = False) -> list[dict[str, Any]]:
    """The records of a metrics.jsonl; a torn last line (a killed writer) may be allowed."""
    lines = path.read_text(encoding="utf-8").split("\n")
    records = []
    for number, line in enumerate(lines):
        if not line:
            continue
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            is_last = all(not rest for rest in lines[number + 1 :])
            if allow_partial_last and is_last:
                continue
            raise
    return records


def train_losses(records: Iterable[dict[str, Any]]) -> dict[int, float]:
    """step -> loss of the training records (the last record of a step wins)."""
    return {r["step"]: r["loss"] for r in records if r["kind"] == "train"}


def wait_for(condition, timeout: float, what: str, interval: float = 0.005) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)
