"""The playground lists the BLAS libraries on its main thread only (issue 22's freeze).

threadpoolctl up to 3.6 listed libraries with a Python callback inside
glibc's loader lock; a listing on the training thread beside an import on
another thread (CPython's ``dlopen`` with the GIL held) deadlocked both, and
a freshly started playground froze at its first step (``n``) with ``q``
unable to quit. The fix lists once, on the main thread, before any thread
starts (:mod:`rnnplay.core.nn.blas_libraries`). Before it, the first step
listed twice on the training thread (the compiled loop pinning SciPy's BLAS
and reading NumPy's count).

The session runs in a fresh process: a process that listed before (this
one, in ``tests/conftest.py``) would not list again, so only a fresh one
shows where the playground's own listings happen.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("numba") is None or importlib.util.find_spec("scipy") is None,
    reason="without the compiled loops (numba, SciPy) no step needs a BLAS library by name",
)

CHILD = r"""
import asyncio, json, sys, threading
import threadpoolctl

listings = []


class Recording(threadpoolctl.ThreadpoolController):
    def __init__(self, *args, **kwargs):
        here = threading.current_thread()
        listings.append({"thread": here.name, "main": here is threading.main_thread()})
        super().__init__(*args, **kwargs)


threadpoolctl.ThreadpoolController = Recording
if sys.argv[1] == "bare":  # the bare `rnnplay` installs the thread governor first
    from rnnplay.core.train import threads

    threads.install(None, reserve=threads.UI_SHARE)
from tests.tui.app_helpers import make_app


async def main():
    app = make_app(checkpoint_dir=sys.argv[2])
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("n")
        for _ in range(1500):  # a hang guard, not a clock: the step takes milliseconds
            if app.session.trainer.step_count >= 1 and not app.session.running:
                break
            await asyncio.sleep(0.02)
        steps = app.session.trainer.step_count
        await pilot.press("q")
    print(json.dumps({"steps": steps, "listings": listings}))


asyncio.run(main())
"""


@pytest.mark.parametrize("start", ["bare", "served"])
def test_a_first_step_lists_no_library_off_the_main_thread(start: str, tmp_path: Path) -> None:
    """``bare``: as ``rnnplay`` (governor first); ``served``: as a served tab (none)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TEXTUAL_ANIMATIONS": "none"}
    env.pop("RNNPLAY_KERNELS", None)  # the compiled loops on, as a user has them
    result = subprocess.run(
        [sys.executable, "-c", CHILD, start, str(tmp_path / "runs")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["steps"] == 1, report
    assert report["listings"], "nothing was listed: the compiled loop did not run"
    off_main = [entry["thread"] for entry in report["listings"] if not entry["main"]]
    assert off_main == [], f"listed on {off_main} (all listings: {report['listings']})"
    assert len(report["listings"]) == 1, report["listings"]
