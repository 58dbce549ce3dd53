"""``rnnplay train`` and its run folder: one writer, resuming never destroys, a run
that fails before its first checkpoint blocks nothing, non-finite weights are never
saved, and every command a message suggests works."""

from __future__ import annotations

import json
import math
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

from rnnplay.core.nn.model import RNNLM
from rnnplay.core.store.checkpoint import load_checkpoint
from tests.cli.conftest import TINY, snapshot

ROOT = Path(__file__).resolve().parents[2]


def records(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]


def train_steps(out: Path) -> list[int]:
    return [r["step"] for r in records(out) if r["kind"] == "train"]


def train(cli, corpus, out, steps, *more):
    argv = ["train", "--corpus", corpus, *TINY, "--max-steps", str(steps), "--eval-every", "10"]
    return cli(*argv, "--out", out, "--quiet", *more)


def suggested_command(line: str) -> list[str]:
    """The ``--resume ...`` command a message suggests, as argv for cli()."""
    after = line.split("--resume ", 1)[1]
    path = after.split(" or ", 1)[0].split(")", 1)[0].strip()
    return ["train", "--resume", path]


def test_a_second_writer_of_the_same_folder_is_refused_naming_the_holder(corpus, tmp_path, cli):
    out = tmp_path / "run"
    argv = [sys.executable, "-m", "rnnplay", "train", "--corpus", str(corpus), *TINY]
    argv += ["--max-steps", "1000000", "--eval-every", "5", "--out", str(out), "--quiet"]
    proc = subprocess.Popen(argv, cwd=ROOT, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not (out / "last.npz").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        before = (out / "metrics.jsonl").stat().st_size
        second = train(cli, corpus, out, 10)
        assert second.code == 2 and len(second.err_lines) == 1, second.err
        assert str(out) in second.err and f"process {proc.pid}" in second.err
        resumed = cli("train", "--resume", out / "last.npz", "--max-steps", "5", "--quiet")
        assert resumed.code == 2 and f"process {proc.pid}" in resumed.err
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=60)
        proc.stderr.close()
    assert proc.returncode == 130
    steps = train_steps(out)
    assert steps == list(range(1, len(steps) + 1)), "each step logged once"
    assert (out / "metrics.jsonl").stat().st_size >= before
    assert json.loads((out / "run.json").read_text())["status"] == "interrupted"


def test_two_runs_started_together_without_out_get_two_folders(corpus, tmp_path):
    argv = [sys.executable, "-m", "rnnplay", "train", "--corpus", str(corpus), *TINY]
    argv += ["--max-steps", "20", "--eval-every", "10", "--quiet"]
    procs = [subprocess.Popen(argv, cwd=tmp_path, stderr=subprocess.PIPE) for _ in range(2)]
    for proc in procs:
        proc.communicate(timeout=120)
        assert proc.returncode == 0
    runs = sorted(p.name for p in (tmp_path / "runs").iterdir())
    assert runs == ["run-1", "run-2"]
    for name in runs:
        assert train_steps(tmp_path / "runs" / name) == list(range(1, 21))


def test_resuming_an_older_checkpoint_continues_in_a_new_folder(cli, corpus, tmp_path):
    out = tmp_path / "run"
    assert train(cli, corpus, out, 10).code == 0
    (out / "saves").mkdir()
    early = out / "saves" / "step10.npz"
    early.write_bytes((out / "last.npz").read_bytes())
    assert cli("train", "--resume", out / "last.npz", "--max-steps", "20", "--quiet").code == 0
    before = snapshot(out)

    result = cli("train", "--resume", early, "--max-steps", "30")
    assert result.code == 0, result.err
    new = tmp_path / "run-from-step10"
    note = next(line for line in result.err_lines if "older than" in line)
    assert str(new) in note and "--overwrite" in note
    assert snapshot(out) == before, "nothing of the original is truncated or replaced"
    assert train_steps(new) == list(range(11, 31))
    manifest = json.loads((new / "run.json").read_text())
    assert manifest["resumed_from"] == {"checkpoint": str(early), "step": 10}
    again = cli("train", "--resume", early, "--max-steps", "12", "--quiet")
    assert again.code == 0 and (tmp_path / "run-from-step10-2").is_dir()

    overwritten = cli("train", "--resume", early, "--max-steps", "15", "--overwrite", "--quiet")
    assert overwritten.code == 0, overwritten.err
    assert train_steps(out) == list(range(1, 16))
    assert load_checkpoint(out / "last.npz").meta["step"] == 15


def test_a_nan_before_the_first_checkpoint_blocks_no_retry(cli, corpus, tmp_path, monkeypatch):
    out = tmp_path / "run"
    real_forward = RNNLM.forward

    def forward(self, xs, ts):
        return math.nan if self.training else real_forward(self, xs, ts)

    monkeypatch.setattr(RNNLM, "forward", forward)
    failed = train(cli, corpus, out, 20)
    assert failed.code == 2 and len(failed.err_lines) == 1
    assert "no good checkpoint" in failed.err and "last.npz" not in failed.err
    assert not out.exists(), "nothing is left that blocks a retry"
    monkeypatch.setattr(RNNLM, "forward", real_forward)
    retry = train(cli, corpus, out, 20)
    assert retry.code == 0, retry.err
    assert train_steps(out) == list(range(1, 21))


def test_a_folder_left_by_a_kill_before_its_first_checkpoint_is_reused(cli, corpus, tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    (out / "metrics.jsonl").write_text('{"kind": "train", "step": 1, "loss": 9.0}\n{"ki')
    (out / "run.json").write_text('{"status": "running"}')
    (out / ".lock").write_text("999999999\n")
    (out / "notes.txt").write_text("mine")
    result = train(cli, corpus, out, 10)
    assert result.code == 0, result.err
    assert train_steps(out) == list(range(1, 11))
    assert (out / "notes.txt").read_text() == "mine"


def test_the_suggested_resume_command_works(cli, corpus, tmp_path):
    out = tmp_path / "run"
    assert train(cli, corpus, out, 10).code == 0
    refused = train(cli, corpus, out, 10)
    assert refused.code == 2 and "--resume" in refused.err
    command = suggested_command(refused.err_lines[0])
    assert cli(*command, "--max-steps", "12", "--quiet").code == 0
    (out / "last.npz").write_bytes(b"damaged")
    refused = train(cli, corpus, out, 10)
    assert f"--resume {out / 'checkpoint.npz'}" in refused.err, "only a loadable one is named"


def test_a_huge_learning_rate_never_ends_done_nor_saves_infinite_weights(cli, corpus, tmp_path):
    out = tmp_path / "run"
    assert train(cli, corpus, out, 10).code == 0
    for lr in ("1e30",):  # above 1e30 the flag itself is refused (limits.py)
        result = cli(
            "train", "--resume", out / "last.npz", "--lr", lr, "--eval-every", "1",
            "--max-steps", "30", "--quiet",
        )  # fmt: skip
        assert result.code == 2, result.err
        assert "not saved" in result.err and "lower learning rate" in result.err
        named = [p for p in (out / "last.npz", out / "checkpoint.npz") if str(p) in result.err]
        assert named, result.err
        for path in named:
            params = load_checkpoint(path).model.params
            assert all(map(lambda p: bool(p.size) and math.isfinite(float(p.sum())), params))
        assert json.loads((out / "run.json").read_text())["status"] == "failed"


def test_the_done_line_says_where_the_time_went(cli, corpus, tmp_path):
    out = tmp_path / "run"
    result = cli("train", "--corpus", corpus, *TINY, "--max-seconds", "0.5", "--out", out)
    assert result.code == 0, result.err
    done = result.err_lines[-1]
    assert done.startswith("done at step") and "reached the time limit" in done
    for part in ("to start", "training", "validating", "saving", "to finish"):
        assert part in done, done
    assert shlex.split(done)  # printable, one line


def test_a_log_gets_a_progress_line_with_tokens_per_s_every_ten_seconds():
    import io

    from rnnplay.cli.progress import LineReporter
    from rnnplay.core.train.events import StepEvent

    now = [0.0]
    stream = io.StringIO()
    reporter = LineReporter(stream, every_s=10.0, clock=lambda: now[0])
    for step in range(1, 61):
        now[0] = step * 0.5  # a step every half second: 30 s in all
        reporter.step(StepEvent(step, 0.1, step * 32, 2.0, 1.0, 1e-3, 1234.0, step * 0.5))
    lines = stream.getvalue().splitlines()
    assert [line.split(" epoch")[0] for line in lines] == ["step 20", "step 40", "step 60"]
    assert "1,234 tokens/s" in lines[0] and "train loss 2.0000" in lines[0]


def test_a_closed_stderr_neither_fails_the_run_nor_moves_errors_to_stdout(corpus, tmp_path):
    import os

    def close_stderr() -> None:
        os.close(2)

    base = [sys.executable, "-m", "rnnplay", "train", "--corpus", str(corpus), *TINY]
    out = tmp_path / "run"
    ok = subprocess.run(
        [*base, "--max-steps", "3", "--out", str(out)], cwd=ROOT, capture_output=False,
        stdout=subprocess.PIPE, preexec_fn=close_stderr, timeout=120,
    )  # fmt: skip
    assert ok.returncode == 0 and ok.stdout == b""
    assert load_checkpoint(out / "last.npz").meta["step"] == 3
    bad = subprocess.run(
        [*base, "--max-steps", "0", "--out", str(tmp_path / "bad")], cwd=ROOT,
        stdout=subprocess.PIPE, preexec_fn=close_stderr, timeout=120,
    )  # fmt: skip
    assert bad.returncode == 2 and bad.stdout == b""
    assert not (tmp_path / "bad").exists()


def test_runs_dir_moves_the_default_run_folders(cli, corpus, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert cli("train", "--corpus", corpus, *TINY, "--max-steps", "2", "--runs-dir", "mine",
               "--quiet").code == 0  # fmt: skip
    assert cli("--runs-dir", "theirs", "train", "--corpus", corpus, *TINY, "--max-steps", "2",
               "--quiet").code == 0  # fmt: skip
    assert (tmp_path / "mine" / "run-1" / "last.npz").is_file()
    assert (tmp_path / "theirs" / "run-1" / "last.npz").is_file()
    assert not (tmp_path / "runs").exists()
