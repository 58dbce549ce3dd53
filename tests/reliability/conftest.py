"""Fixtures of the reliability suite: a small corpus and one tiny trained run.

The run is trained once per session through the real CLI and shared; a test
that needs to touch its files copies them first (:func:`fresh_run`), so the
shared files stay exactly as trained.
"""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest

from tests.reliability.helpers import TINY_MODEL, run_cli

_WORDS = (
    *("the", "cat", "sat", "on", "a", "mat", "and", "the", "dog", "ran", "to", "the"),
    *("red", "door", "while", "birds", "sang", "in", "tall", "green", "trees", "near"),
    *("an", "old", "stone", "wall", "by", "the", "quiet", "river", "bank"),
)


def corpus_text(lines: int = 120, seed: int = 7) -> str:
    """A deterministic plain-ASCII text of short lines (about 5 KB for 120 lines)."""
    rng = random.Random(seed)
    out = []
    for _ in range(lines):
        out.append(" ".join(rng.choice(_WORDS) for _ in range(rng.randint(4, 9))) + ".")
    return "\n".join(out) + "\n"


@pytest.fixture(scope="session")
def shared_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("reliability-shared")


@pytest.fixture(scope="session")
def corpus_file(shared_dir: Path) -> Path:
    """A char-level training text that every tiny run uses."""
    path = shared_dir / "corpus.txt"
    path.write_text(corpus_text(), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def tiny_run(shared_dir: Path, corpus_file: Path) -> Path:
    """OUT of a 4-step tiny char-level run (checkpoint.npz, last.npz, metrics.jsonl)."""
    out = shared_dir / "tiny-run"
    result = run_cli(
        "train",
        "--corpus",
        corpus_file,
        *TINY_MODEL,
        "--max-steps",
        "4",
        "--eval-every",
        "2",
        "--out",
        out,
        "--quiet",
        cwd=shared_dir,
    )
    assert result.returncode == 0, result.describe()
    for name in ("checkpoint.npz", "last.npz", "metrics.jsonl"):
        assert (out / name).is_file(), name
    return out


@pytest.fixture
def fresh_run(tiny_run: Path, tmp_path: Path) -> Path:
    """A private copy of the tiny run's OUT folder, inside this test's tmp_path."""
    out = tmp_path / "run"
    shutil.copytree(tiny_run, out)
    return out
