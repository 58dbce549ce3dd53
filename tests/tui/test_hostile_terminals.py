"""The playground under NO_COLOR=1, TERM=dumb and a 20x5 terminal, and what a crash does.

``NO_COLOR=1`` used to crash at start-up (the loss chart's canvas renders a
segment without a style, which Textual's monochrome filter could not take);
a crash anywhere used to exit 0 with Textual's traceback on the terminal. Now
a crash exits 1 with one line naming a file that holds the traceback.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rnnplay.core.runs.options import PlaygroundOptions
from rnnplay.core.train.config import TrainConfig
from rnnplay.tui import app as app_module
from tests.tui.app_helpers import TINY, make_app


async def test_no_color_starts_trains_and_samples(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app()
    assert app.no_color
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("n")
        await pilot.pause(0.3)
        await pilot.press("g")
        await pilot.pause(0.5)
        assert app.session.trainer.step_count == 1
    assert app.crash is None and app.return_code in (0, None)


async def test_a_20x5_terminal_shows_the_too_small_note_and_quits() -> None:
    app = make_app()
    async with app.run_test(size=(20, 5)) as pilot:
        await pilot.pause()
        assert type(app.screen).__name__ == "TooSmallScreen"
        await pilot.press("q")
        await pilot.pause()
    assert app.crash is None


def test_a_crash_exits_1_with_one_line_and_the_traceback_in_a_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """run_app (the bare `rnnplay`) with a bug that fires after start-up."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("TEXTUAL_ANIMATIONS", "none")
    real_mount = app_module.RnnPlayApp.on_mount

    def on_mount(self) -> None:
        real_mount(self)
        self.set_timer(0.2, lambda: 1 / 0)

    def run_headless(self, *args, **kwargs):
        return app_module.App.run(self, headless=True, size=(80, 24))

    monkeypatch.setattr(app_module.RnnPlayApp, "on_mount", on_mount)
    monkeypatch.setattr(app_module.RnnPlayApp, "run", run_headless)
    options = PlaygroundOptions(config=TrainConfig(**TINY), runs_dir=str(tmp_path / "runs"))
    code = app_module.run_app(options)
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 1, err
    assert len(lines) == 1 and "ZeroDivisionError" in lines[0], err
    reports = list((tmp_path / "state" / "rnnplay").glob("rnnplay-crash-*.txt"))
    assert len(reports) == 1 and str(reports[0]) in lines[0]
    assert "Traceback" in reports[0].read_text() and "1 / 0" in reports[0].read_text()


# -- a real terminal: the app in a pseudo-terminal of its own ---------------------------------
def _in_a_terminal(env: dict[str, str], cols: int, rows: int, tmp_path: Path) -> tuple[int, str]:
    """Run the bare `rnnplay` under `script` (a pty), press q after start-up."""
    inner = (
        f"stty cols {cols} rows {rows}; {sys.executable} -m rnnplay "
        f"--embed 8 --hidden 16 --batch 4 --bptt 8"
    )
    proc = subprocess.Popen(
        ["script", "-qec", inner, "/dev/null"],
        cwd=tmp_path,
        env={**os.environ, "TEXTUAL_ANIMATIONS": "none", **env},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    time.sleep(1.5)  # keys typed early wait in the pty until the app reads them
    try:
        out, _ = proc.communicate(b"q", timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
        raise AssertionError("the app did not quit on q") from None
    return proc.returncode, out.decode("utf-8", "replace")


@pytest.mark.skipif(shutil.which("script") is None, reason="needs util-linux script (a pty)")
@pytest.mark.parametrize(
    ("env", "size"),
    [({"NO_COLOR": "1"}, (80, 24)), ({"TERM": "dumb"}, (80, 24)), ({}, (20, 5))],
    ids=["no-color", "term-dumb", "20x5"],
)
def test_the_app_in_a_real_terminal_starts_and_quits_cleanly(env, size, tmp_path: Path) -> None:
    code, out = _in_a_terminal(env, *size, tmp_path)
    assert code == 0, out[-3000:]
    assert "Traceback" not in out and "Error" not in out, out[-3000:]
