"""Standard streams through the real CLI: real pipes, /dev/full and closed fds.

A reader that leaves early (``| head``) is a normal end (exit 0, nothing on
stderr); output that cannot be written (``> /dev/full``, a closed stdout) is
one line and exit 2; losing stderr (closed, its reader gone, a full device,
with and without ``PYTHONUNBUFFERED``) never stops or changes training; and
the interpreter never adds "Exception ignored" lines at exit. ``sample``
streams: its first text arrives while it is still generating, ``| head``
ends it at once, and Ctrl-C keeps what was printed and exits 130.
"""

from __future__ import annotations

import os
import select
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.reliability.helpers import (
    EXIT_ERROR,
    EXIT_INTERRUPTED,
    TINY_MODEL,
    cli_env,
    command,
    read_metrics,
)

HUGE = str(10**9)
"""A sample length that only a streaming ``sample`` can end early."""

NOT_WANTED = ("Traceback", "Exception ignored", "Warning")


def _spawn(args, cwd: Path, *, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **extra):
    return subprocess.Popen(
        command(args),
        cwd=cwd,
        env=cli_env(**extra.pop("env", {})),
        stdin=subprocess.DEVNULL,
        stdout=stdout,
        stderr=stderr,
        **extra,
    )


def _finish(proc: subprocess.Popen, timeout: float = 60) -> tuple[int, str]:
    try:
        _out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise AssertionError(f"the command did not end within {timeout} s") from None
    text = err.decode("utf-8", "replace") if isinstance(err, bytes) else (err or "")
    return proc.returncode, text


def _read_within(proc: subprocess.Popen, size: int, timeout: float = 30, line: bool = False):
    """Up to ``size`` bytes of the child's stdout (or its first line), waiting at most
    ``timeout`` seconds: a command that prints only at the end fails here, not hangs."""
    fd = proc.stdout.fileno()
    got = b""
    deadline = time.monotonic() + timeout
    while len(got) < size and not (line and b"\n" in got):
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            proc.kill()
            proc.communicate()
            raise AssertionError(f"no output within {timeout} s (got {len(got)} bytes)")
        chunk = os.read(fd, size - len(got))
        if not chunk:
            break
        got += chunk
    return got


def _with_closed_fd(fd: int):
    def close() -> None:
        os.close(fd)

    return close


def _dead_pipe() -> int:
    """The write end of a pipe whose reader is already gone (every write: EPIPE)."""
    read, write = os.pipe()
    os.close(read)
    return write


# -- a reader that leaves early is a normal end ---------------------------------------------
@pytest.mark.parametrize(
    "args",
    [
        ("corpora",),
        ("eval", "RUN/checkpoint.npz", "--corpus", "CORPUS", "--json"),
        ("sample", "RUN/last.npz"),
    ],
    ids=["corpora", "eval-json", "sample"],
)
def test_output_into_a_pipe_nobody_reads_ends_silently_with_exit_0(
    args, fresh_run: Path, corpus_file: Path, tmp_path: Path
) -> None:
    args = tuple(a.replace("RUN", str(fresh_run)).replace("CORPUS", str(corpus_file)) for a in args)
    dead = _dead_pipe()
    try:
        proc = _spawn(args, tmp_path, stdout=dead)
    finally:
        os.close(dead)
    code, err = _finish(proc)
    assert code == 0 and err == "", err


def test_sample_into_head_ends_at_once(fresh_run: Path, tmp_path: Path) -> None:
    """`rnnplay sample --length 1e9 | head -c 200`: head gets its bytes and sample ends."""
    proc = _spawn(("sample", fresh_run / "last.npz", "--length", HUGE), tmp_path)
    first = _read_within(proc, 200)
    proc.stdout.close()  # head exits
    code, err = _finish(proc, timeout=30)
    assert len(first) == 200
    assert code == 0 and err == "", err


def test_sample_streams_while_it_generates(fresh_run: Path, tmp_path: Path) -> None:
    proc = _spawn(("sample", fresh_run / "last.npz", "--length", HUGE), tmp_path)
    try:
        line = _read_within(proc, 10_000, line=True)
        assert b"\n" in line and proc.poll() is None, "text must arrive while sampling goes on"
    finally:
        proc.kill()
        proc.communicate()


def test_ctrl_c_keeps_what_sample_printed_and_exits_130(fresh_run: Path, tmp_path: Path) -> None:
    proc = _spawn(("sample", fresh_run / "last.npz", "--length", HUGE), tmp_path)
    got = _read_within(proc, 500)
    proc.send_signal(signal.SIGINT)
    rest, err = proc.communicate(timeout=30)
    lines = [line for line in err.decode().splitlines() if line.strip()]
    assert proc.returncode == EXIT_INTERRUPTED
    assert lines == ["rnnplay: interrupted"], err
    assert len(got) == 500 and all(word not in (got + rest).decode() for word in NOT_WANTED)


# -- output that cannot be written: one line, exit 2 -----------------------------------------
@pytest.mark.parametrize(
    "args",
    [
        ("corpora",),
        ("eval", "RUN/checkpoint.npz", "--corpus", "CORPUS", "--json"),
        ("eval", "RUN/checkpoint.npz", "--corpus", "CORPUS"),
        ("sample", "RUN/last.npz", "--length", "50"),
        ("sample", "RUN/last.npz", "--length", "20000"),
    ],
    ids=["corpora", "eval-json", "eval", "sample-short", "sample-long"],
)
@pytest.mark.parametrize("where", ["dev-full", "closed"])
def test_unwritable_output_is_one_line_and_exit_2(
    args, where: str, fresh_run: Path, corpus_file: Path, tmp_path: Path
) -> None:
    args = tuple(a.replace("RUN", str(fresh_run)).replace("CORPUS", str(corpus_file)) for a in args)
    if where == "dev-full":
        with open("/dev/full", "wb") as full:
            proc = _spawn(args, tmp_path, stdout=full)
        needle = "No space left on device"
    else:
        proc = _spawn(args, tmp_path, stdout=subprocess.DEVNULL, preexec_fn=_with_closed_fd(1))
        needle = "standard output is closed"
    code, err = _finish(proc)
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == EXIT_ERROR, err
    assert len(lines) == 1 and lines[0].startswith("rnnplay: error: ") and needle in lines[0], err


# -- losing stderr never stops training ------------------------------------------------------
STDERR_LOSSES = ["closed", "reader-gone", "dev-full", "reader-gone-unbuffered"]


@pytest.mark.parametrize("loss", STDERR_LOSSES)
def test_training_without_stderr_trains_and_writes_everything(
    loss: str, corpus_file: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    args = ("train", "--corpus", corpus_file, *TINY_MODEL, "--max-steps", "6")
    args += ("--eval-every", "2", "--out", out)
    env = {"PYTHONUNBUFFERED": "1"} if loss.endswith("unbuffered") else {}
    if loss == "closed":
        proc = _spawn(args, tmp_path, stderr=subprocess.DEVNULL, preexec_fn=_with_closed_fd(2))
    elif loss == "dev-full":
        with open("/dev/full", "wb") as full:
            proc = _spawn(args, tmp_path, stderr=full, env=env)
    else:
        dead = _dead_pipe()
        try:
            proc = _spawn(args, tmp_path, stderr=dead, env=env)
        finally:
            os.close(dead)
    out_text, _ = proc.communicate(timeout=120)
    assert proc.returncode == 0
    assert out_text == b""
    records = read_metrics(out / "metrics.jsonl")
    assert [r["step"] for r in records if r["kind"] == "train"] == [1, 2, 3, 4, 5, 6]
    assert [r["step"] for r in records if r["kind"] == "eval"] == [2, 4, 6]
    from rnnplay.core.store.checkpoint import load_checkpoint

    assert load_checkpoint(out / "last.npz").meta["step"] == 6


def test_a_refused_command_with_stderr_gone_still_exits_2(tmp_path: Path) -> None:
    dead = _dead_pipe()
    try:
        proc = _spawn(("train", "--corpus", "missing.txt"), tmp_path, stderr=dead)
    finally:
        os.close(dead)
    proc.communicate(timeout=60)
    assert proc.returncode == EXIT_ERROR


# -- the process is quiet at exit ----------------------------------------------------------
def test_no_exception_ignored_lines_when_stdout_breaks_late(
    fresh_run: Path, corpus_file: Path, tmp_path: Path
) -> None:
    """The reader leaves after the last write but before the exit-time flush."""
    read, write = os.pipe()
    args = ("eval", fresh_run / "checkpoint.npz", "--corpus", corpus_file, "--json")
    proc = _spawn(args, tmp_path, stdout=write)
    os.close(write)
    time.sleep(0.05)
    os.close(read)
    code, err = _finish(proc)
    assert code == 0 and all(word not in err for word in NOT_WANTED), err
