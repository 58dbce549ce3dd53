"""The keyboard walk once in a real terminal: the bare ``rnnplay`` in tmux at 80x24.

Pilot draws into no terminal; this runs the real program in a tmux pane of
its own (a private tmux server, so a person's tmux is never touched; tmux
reads the program's output as it comes, so the pty never fills up, see
docs/reliability.md) and types as a person does: ``4`` for the Controls tab,
Tab into the first field, a letter (a change, so "apply & reset" can take
focus), then Tab until the last control is the focused one. The pane's text
must show it, lit, on screen; then Escape and ``q`` end the program cleanly.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

TMUX = shutil.which("tmux")
pytestmark = pytest.mark.skipif(TMUX is None, reason="needs tmux (apt-get install tmux)")

SGR = re.compile(r"\x1b\[([0-9;]*)m")


class Pane:
    """One program in a tmux pane of a private tmux server."""

    def __init__(self, folder: Path, cols: int, rows: int, command: str) -> None:
        self.socket = str(folder / "tmux.sock")
        env = {**os.environ, "TERM": "xterm-256color", "TEXTUAL_ANIMATIONS": "none"}
        size = ["-x", str(cols), "-y", str(rows)]
        subprocess.run(
            [*self._tmux(), "-f", "/dev/null", "new-session", "-d", *size, command],
            env=env,
            check=True,
        )

    def _tmux(self) -> list[str]:
        assert TMUX is not None
        return [TMUX, "-S", self.socket]

    def keys(self, *keys: str) -> None:
        for key in keys:
            subprocess.run([*self._tmux(), "send-keys", key], check=True)
            time.sleep(0.15)

    def screen(self, *, styled: bool = False) -> str:
        flags = ["-p", "-e"] if styled else ["-p"]
        done = subprocess.run(
            [*self._tmux(), "capture-pane", *flags], capture_output=True, text=True
        )
        return done.stdout

    def wait_for(self, predicate, timeout: float = 30.0) -> str:
        deadline = time.monotonic() + timeout
        text = self.screen()
        while not predicate(text) and time.monotonic() < deadline:
            time.sleep(0.2)
            text = self.screen()
        return text

    def alive(self) -> bool:
        done = subprocess.run([*self._tmux(), "has-session"], capture_output=True)
        return done.returncode == 0

    def close(self) -> None:
        subprocess.run([*self._tmux(), "kill-server"], capture_output=True)


def reversed_before(line: str, text: str) -> bool:
    """Whether ``text`` on the pane's styled ``line`` is drawn reversed (SGR 7 set since
    the last reset): how the playground lights a focused button."""
    head = line[: line.index(text)]
    reverse = False
    for match in SGR.finditer(head):
        params = [int(p) for p in match.group(1).split(";") if p] or [0]
        i = 0
        while i < len(params):
            code = params[i]
            if code in (38, 48, 58):  # a colour: 5;N or 2;R;G;B follow
                i += 3 if params[i + 1 : i + 2] == [5] else 5
                continue
            if code == 0:
                reverse = False
            elif code == 7:
                reverse = True
            elif code == 27:
                reverse = False
            i += 1
    return reverse


def focused_apply(styled: str) -> bool:
    return any(
        reversed_before(line, "apply & reset")
        for line in styled.splitlines()
        if "apply & reset" in line
    )


def test_tab_reaches_the_last_control_on_screen_in_a_real_80x24_terminal(tmp_path) -> None:
    rc_file = tmp_path / "rc"
    command = (
        f"{sys.executable} -m rnnplay --embed 8 --hidden 16 --batch 4 --bptt 8 "
        f"--runs-dir {tmp_path / 'runs'}; echo $? > {rc_file}"
    )
    pane = Pane(tmp_path, 80, 24, command)
    try:
        text = pane.wait_for(lambda t: "? Help" in t)
        assert "? Help" in text, text
        pane.keys("4")
        assert "corpus" in pane.wait_for(lambda t: "corpus" in t), pane.screen()
        pane.keys("Tab")  # the corpus field; the footer says so (esc leaves it)
        assert "Leave field" in pane.wait_for(lambda t: "Leave field" in t), pane.screen()
        pane.keys("x")  # a change enables "apply & reset"
        assert "changed: corpus" in pane.wait_for(lambda t: "changed: corpus" in t)
        for _ in range(40):
            if focused_apply(pane.screen(styled=True)):
                break
            pane.keys("Tab")
            time.sleep(0.2)
        styled, text = pane.screen(styled=True), pane.screen()
        assert focused_apply(styled), text  # lit, so drawn on screen
        rows = text.splitlines()
        assert any("apply & reset" in row for row in rows[:23]), text  # above the footer
        assert len(rows) <= 24
        pane.keys("Escape")
        time.sleep(0.5)
        assert not focused_apply(pane.screen(styled=True)), "escape left the button lit"
        pane.keys("q")
        deadline = time.monotonic() + 30
        while not rc_file.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert rc_file.exists(), pane.screen()
        assert rc_file.read_text().strip() == "0"
    finally:
        pane.close()
