"""A session whose server is gone ends by itself (the parent-death watchdog)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

from tests.serve.harness import alive, wait_until

# A stand-in server: starts one "session" that watches it, prints the session's
# pid, then waits to be killed.
SERVER = textwrap.dedent(
    """
    import os, subprocess, sys, time
    session = subprocess.Popen(
        [sys.executable, "-c",
         "from rnnplay.serve.watchdog import watch_server; import time; "
         "assert watch_server(); print('watching', flush=True); time.sleep(120)"],
        env=dict(os.environ, RNNPLAY_SERVE_PID=str(os.getpid())),
        stdout=subprocess.PIPE, text=True, start_new_session=True,
    )
    assert session.stdout.readline() == "watching\\n"
    print(session.pid, flush=True)
    time.sleep(120)
    """
)


def _start() -> tuple[subprocess.Popen[str], int]:
    server = subprocess.Popen([sys.executable, "-c", SERVER], stdout=subprocess.PIPE, text=True)
    assert server.stdout is not None
    return server, int(server.stdout.readline())


def test_a_session_outlives_no_killed_server() -> None:
    for signum in (signal.SIGKILL, signal.SIGTERM):
        server, session = _start()
        assert alive(session)
        os.kill(server.pid, signum)
        server.wait(10)
        gone = wait_until(lambda pid=session: not alive(pid), 3)
        assert gone, f"session lives on after {signum!r}"


def test_the_polling_thread_alone_ends_the_session(monkeypatch) -> None:
    # Without prctl (non-Linux, or it failed) the getppid() poll still notices.
    script = SERVER.replace(
        "from rnnplay.serve.watchdog import watch_server; ",
        "import rnnplay.serve.watchdog as w; w._die_with_parent = lambda: None; "
        "watch_server = w.watch_server; ",
    )
    server = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert server.stdout is not None
    session = int(server.stdout.readline())
    server.kill()
    server.wait(10)
    assert wait_until(lambda: not alive(session), 3)


def test_without_a_server_pid_nothing_is_watched() -> None:
    from rnnplay.serve.watchdog import watch_server

    assert watch_server({}) is False
    assert watch_server({"RNNPLAY_SERVE_PID": "not a pid"}) is False
