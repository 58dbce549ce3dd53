"""What only a real process shows: start-up imports and signals."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rnnplay.core.store.checkpoint import load_checkpoint
from tests.cli.conftest import TINY

PROBE = """
import sys
from rnnplay.cli import main
try:
    main({argv!r})
except SystemExit:
    pass
heavy = [m for m in ("numpy", "textual", "rich") if m in sys.modules]
print("HEAVY=" + ",".join(heavy), file=sys.stderr)
"""


@pytest.mark.parametrize("argv", [["--help"], ["train", "--help"], ["sample", "--help"]])
def test_help_imports_neither_numpy_nor_textual_nor_rich(argv: list[str]) -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(argv=argv)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0
    assert "usage: rnnplay" in result.stdout
    assert "HEAVY=\n" in result.stderr


def test_train_help_shows_the_defaults_from_the_config() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "rnnplay", "train", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0
    flat = " ".join(result.stdout.split())
    for text in ("hidden units per layer (default 128)", "(default 0.02)", "(default adam)"):
        assert text in flat


def test_a_bad_input_in_a_real_process_is_one_line_without_traceback(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "rnnplay", "train", "--corpus", tmp_path / "none.txt"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("signum", "said"), [(signal.SIGINT, "interrupted"), (signal.SIGTERM, "SIGTERM")]
)
def test_a_signal_saves_last_npz_and_exits_130(tmp_path: Path, corpus: Path, signum, said) -> None:
    out = tmp_path / "run"
    limits = ["--max-seconds", "120", "--eval-every", "1000000", "--out", out]
    process = subprocess.Popen(
        [sys.executable, "-m", "rnnplay", "train", "--corpus", corpus, *TINY, *limits],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stderr.readline().startswith("training from step 0")
        metrics = out / "metrics.jsonl"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(metrics.read_text().splitlines()) < 5:
            time.sleep(0.05)
        process.send_signal(signum)
        _, rest = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130
    assert "Traceback" not in rest
    assert said in rest and str(out / "last.npz") in rest
    saved = load_checkpoint(out / "last.npz")
    steps = [json.loads(line)["step"] for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert saved.meta["step"] == steps[-1] >= 5
