"""A terminal that closes under a training playground (the real command, on a pty).

Seen with tmux: after the terminal went, SIGHUP made the app try to restore a
screen nobody reads, Textual's writer blocked for ever, and the process lived
on with its run folder saying it was still training. Now the run is closed
(last.npz, status interrupted) and the process ends with 130 at once.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import pty
import select
import signal
import struct
import subprocess
import sys
import termios
import threading
import time

import pytest

from rnnplay.core.store.checkpoint import load_checkpoint

pytestmark = pytest.mark.skipif(not hasattr(pty, "openpty"), reason="needs a pty")


def _drain(master: int, reading: threading.Event) -> None:
    """Read the app's screen output while ``reading`` is set, then no more (a terminal
    window that is going away: the app's writes fill the pty and block)."""
    with contextlib.suppress(OSError, ValueError):
        while reading.is_set():
            if select.select([master], [], [], 0.05)[0] and not os.read(master, 65536):
                return


def _own_terminal() -> None:
    """In the child: a session of its own whose controlling terminal is the pty (stdin),
    as in a terminal window, so that closing the pty hangs the app up."""
    os.setsid()
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def _wait(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_sighup_after_the_terminal_closed_ends_the_playground_and_closes_its_run(tmp_path):
    runs = tmp_path / "runs"
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color", "TEXTUAL_ANIMATIONS": "none"}
    env.pop("NO_COLOR", None)
    command = [sys.executable, "-m", "rnnplay", "--runs-dir", str(runs)]
    command += ["--embed", "16", "--hidden", "32", "--batch", "4", "--bptt", "8", "--seed", "1"]
    proc = subprocess.Popen(
        command,
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        preexec_fn=_own_terminal,
    )
    os.close(slave)
    reading = threading.Event()
    reading.set()
    threading.Thread(target=_drain, args=(master, reading), daemon=True).start()
    metrics = runs / "run-1" / "metrics.jsonl"
    try:
        time.sleep(3.0)  # the app starts and reads its corpus
        os.write(master, b" ")
        assert _wait(lambda: metrics.exists() and metrics.stat().st_size > 2000, 30)
        reading.clear()  # the terminal stops reading...
        time.sleep(6.0)  # (the app keeps drawing into the pty until it is full)
        proc.send_signal(signal.SIGHUP)  # ...and hangs up
        assert proc.wait(timeout=15) == 130
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
    manifest = json.loads((runs / "run-1" / "run.json").read_text())
    assert manifest["status"] == "interrupted"
    steps = [json.loads(line)["step"] for line in metrics.read_text().splitlines()]
    saved = load_checkpoint(runs / "run-1" / "last.npz").meta["step"]
    assert saved == manifest["last_step"] == max(steps), "last.npz holds every logged step"
