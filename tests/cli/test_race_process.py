"""``race`` and ``runs`` in a real process: start-up imports, and Ctrl-C during a race."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import pytest

from rnnplay.core.store.checkpoint import load_checkpoint
from tests.cli.conftest import TINY
from tests.cli.test_process import PROBE


@pytest.mark.parametrize("argv", [["race", "--help"], ["runs", "--help"]])
def test_help_imports_neither_numpy_nor_textual_nor_rich(argv: list[str]) -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(argv=argv)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0
    assert "usage: rnnplay" in result.stdout
    assert "HEAVY=\n" in result.stderr


def test_ctrl_c_saves_every_contender_prints_the_table_and_exits_130(tmp_path, corpus) -> None:
    out = tmp_path / "race"
    limits = ["--max-seconds", "120", "--eval-every", "1000000", "--out", out]
    process = subprocess.Popen(
        [sys.executable, "-m", "rnnplay", "race", "--corpus", corpus, *TINY, *limits],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stderr.readline().startswith("racing rnn, lstm, gru")
        metrics = out / "gru" / "metrics.jsonl"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and (
            not metrics.exists() or len(metrics.read_text().splitlines()) < 5
        ):
            time.sleep(0.05)
        process.send_signal(signal.SIGINT)
        table, rest = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130
    assert "Traceback" not in rest and "race interrupted" in rest
    assert "contenders differ in: cell" in table
    steps = set()
    for name in ("rnn", "lstm", "gru"):
        folder = out / name
        steps.add(load_checkpoint(folder / "last.npz").meta["step"])
        assert json.loads((folder / "run.json").read_text())["status"] == "interrupted"
    assert len(steps) == 1 and steps.pop() >= 5  # stopped between rounds: equal steps
