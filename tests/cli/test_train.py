"""``rnnplay train``: the files it writes, what it prints, resuming, and NaN."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from rnnplay.core.nn.model import RNNLM
from rnnplay.core.store.checkpoint import load_checkpoint
from tests.cli.conftest import TINY

METRIC_KEYS = {"kind", "step", "epoch", "tokens", "loss", "ppl", "lr", "tokens_per_s", "elapsed_s"}


def records(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]


def test_train_writes_best_and_last_checkpoints_and_metrics(trained: Path) -> None:
    assert sorted(p.name for p in trained.iterdir()) == [
        "checkpoint.npz",
        "last.npz",
        "metrics.jsonl",
        "run.json",
    ]
    manifest = json.loads((trained / "run.json").read_text())
    assert manifest["status"] == "done" and manifest["last_step"] == 30
    assert manifest["config"]["max_steps"] == 30
    rows = records(trained)
    assert all(set(row) >= METRIC_KEYS for row in rows)
    train = [r for r in rows if r["kind"] == "train"]
    evals = [r for r in rows if r["kind"] == "eval"]
    assert [r["step"] for r in train] == list(range(1, 31))
    assert [r["step"] for r in evals] == [10, 20, 30]
    assert all(r["tokens"] == r["step"] * 32 for r in train)
    assert all(r["ppl"] == pytest.approx(math.exp(r["loss"])) for r in rows)
    assert all(r["tokens_per_s"] > 0 for r in train)
    assert evals[-1]["loss"] < evals[0]["loss"]

    last = load_checkpoint(trained / "last.npz")
    assert last.meta["step"] == 30
    best = load_checkpoint(trained / "checkpoint.npz")
    best_step = min(evals, key=lambda r: r["loss"])["step"]
    assert best.meta["step"] == best_step
    assert best.meta["best_val_loss"] == pytest.approx(min(r["loss"] for r in evals))


def test_quiet_prints_nothing_and_a_log_gets_one_line_per_evaluation(cli, corpus, tmp_path):
    quiet = cli(
        "train", "--corpus", corpus, *TINY, "--max-steps", "4", "--out", tmp_path / "q", "--quiet"
    )
    assert (quiet.code, quiet.out, quiet.err) == (0, "", "")
    loud = cli(
        "train",
        "--corpus",
        corpus,
        *TINY,
        "--max-steps",
        "4",
        "--eval-every",
        "2",
        "--out",
        tmp_path / "l",
    )
    assert loud.code == 0 and loud.out == ""
    lines = loud.err_lines
    assert lines[0].startswith("training from step 0 of 4")
    assert [line.split(" epoch")[0] for line in lines[1:3]] == ["step 2", "step 4"]
    assert "validation loss" in lines[1] and "perplexity" in lines[1]
    assert lines[-1].startswith("done at step 4") and "checkpoint.npz" in lines[-1]


def test_default_out_is_a_new_numbered_run_folder(cli, corpus, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for _ in range(2):
        assert cli("train", "--corpus", corpus, *TINY, "--max-steps", "2", "--quiet").code == 0
    assert sorted(p.name for p in (tmp_path / "runs").iterdir()) == ["run-1", "run-2"]


def test_epochs_limit_and_a_test_split(cli, corpus, tmp_path):
    test_file = tmp_path / "test.txt"
    test_file.write_text("the dog sat on the log.\n" * 20)
    out = tmp_path / "run"
    result = cli(
        "train",
        "--corpus",
        corpus,
        *TINY,
        "--epochs",
        "0.05",
        "--test",
        test_file,
        "--out",
        out,
        "--quiet",
    )
    assert result.code == 0
    rows = records(out)
    assert rows[-1]["kind"] == "test" and rows[-2]["kind"] == "eval"
    assert rows[-3]["epoch"] >= 0.05 > rows[-4]["epoch"]


def test_resume_continues_the_run_in_its_folder(cli, corpus, tmp_path):
    straight = tmp_path / "straight"
    assert (
        cli(
            "train",
            "--corpus",
            corpus,
            *TINY,
            "--max-steps",
            "40",
            "--eval-every",
            "10",
            "--out",
            straight,
            "--quiet",
        ).code
        == 0
    )
    split = tmp_path / "split"
    assert (
        cli(
            "train",
            "--corpus",
            corpus,
            *TINY,
            "--max-steps",
            "20",
            "--eval-every",
            "10",
            "--out",
            split,
            "--quiet",
        ).code
        == 0
    )
    resumed = cli("train", "--resume", split / "last.npz", "--max-steps", "40", "--quiet")
    assert resumed.code == 0, resumed.err
    assert [r["loss"] for r in records(split)] == [r["loss"] for r in records(straight)]
    assert load_checkpoint(split / "last.npz").meta["step"] == 40


def test_resume_may_change_limits_and_lr_but_not_the_model(cli, trained, tmp_path):
    out = tmp_path / "more"
    result = cli(
        "train",
        "--resume",
        trained / "last.npz",
        "--max-steps",
        "33",
        "--lr",
        "0.001",
        "--out",
        out,
        "--quiet",
    )
    assert result.code == 0, result.err
    rows = records(out)
    assert [r["step"] for r in rows if r["kind"] == "train"] == [31, 32, 33]
    assert all(r["lr"] == 0.001 for r in rows)


def test_a_nan_loss_stops_with_one_line_and_keeps_the_last_good_weights(
    cli, corpus, tmp_path, monkeypatch
):
    out = tmp_path / "nan"
    real_forward = RNNLM.forward
    calls = {"train": 0}

    def forward(self, xs, ts):
        if self.training:
            calls["train"] += 1
            if calls["train"] > 12:
                return math.nan
        return real_forward(self, xs, ts)

    monkeypatch.setattr(RNNLM, "forward", forward)
    result = cli(
        "train",
        "--corpus",
        corpus,
        *TINY,
        "--max-steps",
        "50",
        "--eval-every",
        "5",
        "--out",
        out,
        "--quiet",
    )
    assert result.code == 2
    assert len(result.err_lines) == 1
    line = result.err_lines[0]
    assert "step 13" in line and "lower learning rate" in line and "last.npz" in line
    monkeypatch.setattr(RNNLM, "forward", real_forward)
    # the weights that led to the bad step are not saved over the last good checkpoints
    assert load_checkpoint(out / "last.npz").meta["step"] == 10
    assert load_checkpoint(out / "checkpoint.npz").meta["step"] in (5, 10)
    assert max(r["step"] for r in records(out)) == 12


def test_a_huge_learning_rate_ends_cleanly(cli, corpus, tmp_path):
    result = cli(
        "train",
        "--corpus",
        corpus,
        *TINY,
        "--optimizer",
        "sgd",
        "--lr",
        "1e38",
        "--clip",
        "1e30",
        "--max-steps",
        "50",
        "--out",
        tmp_path / "huge",
        "--quiet",
    )
    assert result.code == 2 and len(result.err_lines) == 1
    assert "became" in result.err and "lower learning rate" in result.err
    assert "Traceback" not in result.err


def test_resume_drops_metrics_logged_after_the_checkpoint(cli, corpus, tmp_path):
    out = tmp_path / "run"
    assert (
        cli(
            "train",
            "--corpus",
            corpus,
            *TINY,
            "--max-steps",
            "20",
            "--eval-every",
            "10",
            "--out",
            out,
            "--quiet",
        ).code
        == 0
    )
    straight = (out / "metrics.jsonl").read_text()
    # as if killed at step 27 after the checkpoint of step 20: lines 21..27 and a cut line
    with open(out / "metrics.jsonl", "a") as log:
        for step in range(21, 28):
            log.write(json.dumps({"kind": "train", "step": step, "loss": 9.0}) + "\n")
        log.write('{"kind": "tr')
    assert cli("train", "--resume", out / "last.npz", "--max-steps", "20", "--quiet").code == 0
    assert (out / "metrics.jsonl").read_text() == straight


def test_resume_from_another_folder_finds_a_relative_corpus(cli, corpus, tmp_path, monkeypatch):
    corpus = Path(corpus)
    monkeypatch.chdir(corpus.parent)
    out = tmp_path / "run"
    first = cli(
        "train", "--corpus", corpus.name, *TINY, "--max-steps", "2", "--out", out, "--quiet"
    )
    assert first.code == 0, first.err
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    resumed = cli("train", "--resume", out / "last.npz", "--max-steps", "4", "--quiet")
    assert resumed.code == 0, resumed.err
    assert load_checkpoint(out / "last.npz").meta["step"] == 4
