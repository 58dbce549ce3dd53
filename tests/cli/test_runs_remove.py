"""Run folders a person can manage (issue 24, item 9): ``rnnplay runs rm`` asks first,
never removes a running or locked run; ``rnnplay runs`` shows level and last
validation loss. Run as a person does: subprocesses (a pty where a terminal
matters)."""

from __future__ import annotations

import json
import os
import pty
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from rnnplay.core.store.run_folder import RunFolder

ROOT = Path(__file__).resolve().parents[2]


def rnnplay(*argv: object, cwd: Path, stdin=None, input_text=None):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run(
        [sys.executable, "-m", "rnnplay", *map(str, argv)],
        cwd=cwd,
        stdin=stdin,
        input=input_text,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


@pytest.fixture
def runs(tmp_path: Path, trained: Path) -> Path:
    """runs/ holding two copies of a trained run."""
    folder = tmp_path / "runs"
    for name in ("run-1", "run-2"):
        shutil.copytree(trained, folder / name)
    return folder


def test_rm_without_a_terminal_needs_yes_and_removes_nothing(runs: Path) -> None:
    result = rnnplay("runs", "rm", "run-1", cwd=runs.parent, input_text="")
    assert result.returncode == 2
    assert "add --yes" in result.stderr and result.stderr.count("\n") == 1
    assert (runs / "run-1").is_dir()


def test_rm_yes_removes_and_says_what_was_freed(runs: Path) -> None:
    result = rnnplay("runs", "rm", "run-1", "--yes", cwd=runs.parent)
    assert result.returncode == 0, result.stderr
    assert not (runs / "run-1").exists() and (runs / "run-2").is_dir()
    assert "1 removed" in result.stdout and "freed" in result.stdout


def answer_on_a_terminal(runs: Path, answer: str) -> subprocess.CompletedProcess[str]:
    leader, follower = pty.openpty()
    try:
        os.write(leader, answer.encode() + b"\n")
        return rnnplay("runs", "rm", "run-2", cwd=runs.parent, stdin=follower)
    finally:
        os.close(follower)
        os.close(leader)


def test_rm_on_a_terminal_asks_and_n_keeps_the_run(runs: Path) -> None:
    result = answer_on_a_terminal(runs, "n")
    assert "remove runs/run-2" in result.stdout and "[y/N]" in result.stdout
    assert "nothing removed" in result.stdout
    assert (runs / "run-2").is_dir()
    result = answer_on_a_terminal(runs, "y")
    assert result.returncode == 0 and not (runs / "run-2").exists()


def test_a_locked_run_is_never_removed(runs: Path) -> None:
    writer = RunFolder(runs / "run-1").acquire()  # as a training process holds it
    try:
        result = rnnplay("runs", "rm", "run-1", "--yes", cwd=runs.parent)
    finally:
        writer.release()
    assert result.returncode == 2
    assert "in use" in result.stderr and (runs / "run-1" / "checkpoint.npz").is_file()


def test_rm_of_an_unknown_name_says_so(runs: Path) -> None:
    result = rnnplay("runs", "rm", "run-9", "--yes", cwd=runs.parent)
    assert result.returncode == 2 and "no run named 'run-9'" in result.stderr


def test_the_listing_shows_level_and_last_validation_loss(runs: Path) -> None:
    result = rnnplay("runs", cwd=runs.parent)
    header = result.stdout.splitlines()[0]
    assert "level" in header and "last val" in header
    rows = json.loads(rnnplay("runs", "--json", cwd=runs.parent).stdout)
    assert rows[0]["level"] == "char"
    assert rows[0]["last_val_loss"] is not None
    assert rows[0]["last_val_loss"] >= rows[0]["best_val_loss"]
