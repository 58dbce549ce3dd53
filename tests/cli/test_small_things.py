"""Small things of issue 24, item 11, through the CLI as a person runs it (subprocess)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ENV = dict(os.environ, PYTHONPATH=str(ROOT))


def rnnplay(*argv: object, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rnnplay", *map(str, argv)],
        capture_output=True, text=True, env=ENV, cwd=cwd, timeout=120,
    )  # fmt: skip


def test_a_mistyped_flag_is_named_with_the_close_one() -> None:
    result = rnnplay("--hiden", "128")
    assert result.returncode == 2
    assert "unknown flag '--hiden' (did you mean '--hidden'?)" in result.stderr
    assert "invalid choice" not in result.stderr
    result = rnnplay("train", "--hiden", "5")
    assert "did you mean '--hidden'?" in result.stderr


def test_runs_piped_into_head_ends_quietly(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    manifest = '{"status": "done", "config": {"corpus": "sonnets"}, "created": "2026-01-01"}'
    for i in range(1500):
        (runs / f"run-{i}").mkdir(parents=True)
        (runs / f"run-{i}" / "run.json").write_text(manifest)
    pipeline = f"{sys.executable} -m rnnplay runs | head -1"
    result = subprocess.run(
        ["bash", "-c", f"set -o pipefail; {pipeline}"],
        capture_output=True, text=True, env=ENV, cwd=tmp_path, timeout=120,
    )  # fmt: skip
    assert result.stderr == "" and result.returncode == 0
    assert result.stdout.startswith("name")


def test_a_run_folder_given_as_a_checkpoint_names_the_files(trained: Path) -> None:
    for command in ("sample", "eval"):
        result = rnnplay(command, trained)
        assert result.returncode == 2
        assert f"pass {trained / 'checkpoint.npz'} (best validation)" in result.stderr
        assert "last.npz (latest)" in result.stderr
