"""A freeze explains itself: every thread's stack in a crash file (issue 22).

:class:`rnnplay.hang_watch.HangWatch` is beaten by the playground's event loop
every second; when the beats stop for its limit (10 s in the real app, a
fraction of a second here) the stack of every thread goes to a
``rnnplay-hang-*.txt`` file beside the crash reports.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from rnnplay.process.hang_watch import HangWatch
from tests.tui.app_helpers import make_app


@pytest.fixture
def state_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    return tmp_path / "state" / "rnnplay"


def _loop_blocked_here(seconds: float) -> None:
    time.sleep(seconds)  # the watched loop does not answer


def _worker_waiting_here(release: threading.Event) -> None:
    release.wait(10)


def test_a_loop_that_stops_answering_gets_every_threads_stack(state_home: Path) -> None:
    release = threading.Event()
    worker = threading.Thread(
        target=_worker_waiting_here, args=(release,), name="the-worker", daemon=True
    )
    worker.start()
    watch = HangWatch(limit_s=0.3)
    try:
        assert watch.start(["rnnplay", "--test"])
        watch.beat()  # the worker is alive now: the header names it
        _loop_blocked_here(1.0)
        assert watch.frozen()
    finally:
        release.set()
        report = watch.stop()
    assert report is not None and report.parent == state_home
    text = report.read_text()
    assert "did not answer for 0.3 s" in text and "['rnnplay', '--test']" in text
    assert "_loop_blocked_here" in text and "_worker_waiting_here" in text
    assert f"{worker.ident:#x} the-worker" in text
    assert watch.stop() == report  # stopping twice keeps the answer


def test_beats_keep_it_quiet_and_leave_no_file(state_home: Path) -> None:
    watch = HangWatch(limit_s=5.0)
    assert watch.start()
    for _ in range(10):
        time.sleep(0.05)
        watch.beat()
    assert not watch.frozen()
    assert watch.stop() is None
    assert list(state_home.glob("rnnplay-hang-*")) == []


def _block_the_ui() -> None:
    time.sleep(1.5)  # an event handler that does not return in time


@pytest.mark.slow  # runs the whole app
async def test_a_blocked_playground_writes_the_stacks_and_quits_after(
    tmp_path: Path, state_home: Path
) -> None:
    """The app beats its watch from a timer; an event handler that blocks the loop
    longer than the limit is named in the report, and the app still quits."""
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        app.hang_watch = HangWatch(limit_s=0.8)
        app.start_hang_watch()  # as on mount in the real app (run_app sets a 10 s one)
        app.call_later(_block_the_ui)
        await pilot.pause(0.2)
        await pilot.pause(0.1)
        assert app.hang_watch.frozen()
        await pilot.press("q")
    report = app.stop_hang_watch()
    assert report is not None and "_block_the_ui" in report.read_text()


def test_the_real_app_arms_a_10_s_watch(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """run_app gives the app its watch (the limit of the issue: 10 s)."""
    import rnnplay.tui.app as app_module

    seen = {}

    def fake_run(self, *args, **kwargs):
        seen["watch"] = self.hang_watch
        return 0

    monkeypatch.setattr(app_module.RnnPlayApp, "run", fake_run)
    from rnnplay.core.runs.options import PlaygroundOptions
    from tests.tui.app_helpers import tiny_config

    code = app_module.run_app(PlaygroundOptions(config=tiny_config(), runs_dir=str(tmp_path)))
    assert code == 0 and seen["watch"].limit_s == 10.0


def test_a_killed_process_leaves_no_empty_report_behind(state_home: Path) -> None:
    """The report file exists from the start (faulthandler needs it open), so a
    process killed with -9 leaves its header; the next watch removes such files of
    dead processes, never a real report or the file of a process still running."""
    import subprocess
    import sys

    from rnnplay.process.hang_watch import sweep

    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    state_home.mkdir(parents=True)
    header = "rnnplay 0\nargv: []\npid {}: the event loop did not answer\nthreads: x\n\n"
    empty = state_home / "rnnplay-hang-empty.txt"
    empty.write_text(header.format(gone))
    dumped = state_home / "rnnplay-hang-dumped.txt"
    dumped.write_text(header.format(gone) + "Thread 0x1 (most recent call first):\n  File x\n")
    living = state_home / "rnnplay-hang-living.txt"
    living.write_text(header.format(os.getpid()))
    watch = HangWatch(limit_s=5.0)
    assert watch.start()
    report = watch.path
    watch.stop()
    assert not empty.exists() and dumped.exists() and living.exists()
    assert report is not None and not report.exists()  # its own, unused, went at stop
    assert sweep(state_home) == 0
