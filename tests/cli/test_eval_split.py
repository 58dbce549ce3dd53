"""``rnnplay eval`` scores the checkpoint's validation split by default, says so, and
shows progress on a terminal (issue 24, item 8). Run as a person does: a subprocess."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from rnnplay.core.store.summary import read_summary

ROOT = Path(__file__).resolve().parents[2]


def rnnplay(*argv: object, stderr=subprocess.PIPE) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run(
        [sys.executable, "-m", "rnnplay", *map(str, argv)],
        capture_output=stderr is subprocess.PIPE,
        stdout=None if stderr is subprocess.PIPE else subprocess.PIPE,
        stderr=None if stderr is subprocess.PIPE else stderr,
        text=True,
        env=env,
        timeout=120,
    )


def test_eval_without_a_corpus_scores_the_validation_split(trained: Path) -> None:
    path = trained / "checkpoint.npz"
    result = rnnplay("eval", path, "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["split"] == "valid"
    # the very figure the checkpoint's validation measured
    assert report["loss"] == pytest.approx(read_summary(path).last_val_loss, rel=1e-6)
    plain = rnnplay("eval", path)
    assert "validation split (last 10%)" in plain.stdout, plain.stdout
    assert plain.stderr == ""  # not a terminal: no progress line


def test_eval_split_train_and_all_are_said(trained: Path, corpus: Path) -> None:
    path = trained / "checkpoint.npz"
    train = json.loads(rnnplay("eval", path, "--split", "train", "--json").stdout)
    whole = json.loads(rnnplay("eval", path, "--split", "all", "--json").stdout)
    valid = json.loads(rnnplay("eval", path, "--json").stdout)
    assert train["split"] == "train" and whole["split"] == "all"
    assert whole["tokens"] == len(corpus.read_text()) - 1
    assert train["tokens"] + valid["tokens"] == whole["tokens"] - 1
    assert "the whole text" in rnnplay("eval", path, "--corpus", corpus).stdout


def test_eval_shows_progress_on_a_terminal(trained: Path) -> None:
    leader, follower = pty.openpty()
    try:
        result = rnnplay("eval", trained / "checkpoint.npz", stderr=follower)
        os.close(follower)
        follower = -1
        seen = b""
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
    finally:
        if follower >= 0:
            os.close(follower)
        os.close(leader)
    assert result.returncode == 0
    assert b"rnnplay eval:" in seen and b"% of" in seen, seen
    assert "validation split" in result.stdout
