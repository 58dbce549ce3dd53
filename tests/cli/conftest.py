"""Fixtures of the CLI tests: the real ``rnnplay`` entry point run in-process.

``cli(*argv)`` calls ``rnnplay.cli.main`` exactly as the console script does
and captures its exit code, stdout and stderr; a few tests in
``test_process.py`` run it as a subprocess where only that shows the
behaviour (imports at start-up, signals).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from rnnplay.cli import main

TINY = ("--embed", "8", "--hidden", "16", "--batch", "4", "--bptt", "8", "--seed", "5")
"""The smallest model worth training: a step takes about a millisecond."""

TEXT = (
    "the cat sat on the mat. the dog ate the log. a cat and a dog met on a mat.\n"
    "when the sun is up the cat is out; when the moon is up the dog is in.\n"
) * 30


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def err_lines(self) -> list[str]:
        return [line for line in self.err.splitlines() if line.strip()]


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., Result]:
    def run(*argv: str) -> Result:
        capsys.readouterr()
        code = main([str(a) for a in argv])
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("corpus") / "tiny.txt"
    path.write_text(TEXT, encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def trained(tmp_path_factory: pytest.TempPathFactory, corpus: Path) -> Path:
    """OUT of one tiny training run (30 steps, validated every 10), shared read-only."""
    out = tmp_path_factory.mktemp("trained") / "run"
    argv = ["train", "--corpus", str(corpus), *TINY, "--max-steps", "30", "--eval-every", "10"]
    code = main([*argv, "--out", str(out), "--quiet"])
    assert code == 0
    return out


def snapshot(folder: Path) -> dict[str, tuple[int, str]]:
    """Every file under ``folder`` with its size and content hash."""
    return {
        str(p.relative_to(folder)): (p.stat().st_size, hashlib.sha256(p.read_bytes()).hexdigest())
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }
