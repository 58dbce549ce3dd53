"""docs/lessons.md can be repeated by anyone (issue 24, item 10): every command that
trains says how many steps (never a time budget), and lesson 2's commands run
twice with the same result."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LESSONS = ROOT / "docs" / "lessons.md"


def bash_blocks() -> list[str]:
    text = LESSONS.read_text(encoding="utf-8")
    return re.findall(r"```bash\n(.*?)```", text, re.S)


def test_every_training_command_has_steps_and_no_time_budget():
    commands = [
        block.replace("\\\n", " ")
        for block in bash_blocks()
        if re.search(r"rnnplay (train|race)", block)
    ]
    assert commands
    for command in commands:
        assert "--max-seconds" not in command, command
        assert "--max-steps" in command, command


def test_lesson_2_runs_twice_with_the_same_samples(tmp_path: Path):
    (block,) = [b for b in bash_blocks() if "lesson-temperature" in b]
    shrunk = block.replace("--max-steps 600", "--max-steps 3 --hidden 16 --embed 8")
    shrunk = shrunk.replace("--length 300", "--length 40")
    shim = tmp_path / "bin"
    shim.mkdir()
    (shim / "rnnplay").write_text(f'#!/bin/sh\nexec {sys.executable} -m rnnplay "$@"\n')
    (shim / "rnnplay").chmod(0o755)
    env = dict(os.environ, PYTHONPATH=str(ROOT), PATH=f"{shim}:{os.environ['PATH']}")

    def run() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["bash", "-e", "-c", shrunk], cwd=tmp_path, env=env, capture_output=True,
            text=True, timeout=300,
        )  # fmt: skip

    runs = [run(), run()]
    assert [r.returncode for r in runs] == [0, 0], runs[1].stderr
    assert runs[0].stdout == runs[1].stdout and "== temperature 1.5" in runs[0].stdout
