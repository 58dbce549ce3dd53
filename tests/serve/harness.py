"""Start ``rnnplay serve`` as a real process on a free loopback port, and watch its sessions.

Shared by the serve tests and benchmarks/serve_load.py.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

SMALL_MODEL = ("--hidden", "32", "--embed", "16", "--eval-every", "50")
"""A model small enough that several sessions train at once on two busy cores."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def children(pid: int) -> list[int]:
    """Live (not zombie) processes whose parent is ``pid``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(entry.name))
    return sorted(found)


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def wait_until(predicate, timeout: float, interval: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())


class ServedClassroom:
    """``rnnplay serve`` running in a child process (use as a context manager)."""

    def __init__(self, runs_dir: Path, *flags: str, max_sessions: int = 2) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.runs_dir = runs_dir
        argv = [sys.executable, "-m", "rnnplay", "serve", "--port", str(self.port)]
        argv += ["--max-sessions", str(max_sessions), "--runs-dir", str(runs_dir)]
        self.argv = argv + list(flags or SMALL_MODEL)
        self.process: subprocess.Popen[str] | None = None
        self.banner = ""
        self.board_url = ""
        """The class board's secret address, from the second line serve prints."""

    def __enter__(self) -> ServedClassroom:
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        self.process = subprocess.Popen(
            self.argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
        )
        assert self.process.stdout is not None
        self.banner = self.process.stdout.readline()
        if "serving the playground" not in self.banner:
            self.process.kill()
            raise RuntimeError(f"rnnplay serve did not start: {self.banner!r}")
        for _ in range(3):  # the network notice, if any, then the board's address
            line = self.process.stdout.readline()
            if "class board" in line:
                self.board_url = line.rsplit(" ", 1)[-1].strip()
                break
        if not wait_until(self._listening, 10):
            raise RuntimeError("rnnplay serve is not listening")
        return self

    def _listening(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                return True
        except OSError:
            return False

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def sessions(self) -> list[int]:
        """pids of the session processes running now."""
        return children(self.pid)

    def stop(self, signum: int = signal.SIGINT, timeout: float = 15) -> int:
        """Send ``signum`` and return the exit code."""
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signum)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise

    def output(self) -> str:
        assert self.process is not None and self.process.stdout is not None
        return self.process.stdout.read()

    def __exit__(self, *exc: object) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
