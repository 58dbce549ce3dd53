"""``rnnplay race``: the table, --json, equal budgets, one run folder per contender,
bad contender lists refused in one line."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from rnnplay.core.store.checkpoint import load_checkpoint
from tests.cli.conftest import TINY


def race(cli, corpus: Path, out: Path, *flags: str):
    return cli("race", "--corpus", corpus, *TINY, "--out", out, "--quiet", *flags)


def test_a_race_prints_a_table_and_writes_one_run_folder_per_contender(cli, corpus, tmp_path):
    out = tmp_path / "race"
    result = race(cli, corpus, out, "--max-steps", "12", "--eval-every", "5")
    assert result.code == 0, result.err
    assert result.err == ""
    lines = result.out.splitlines()
    assert "contenders differ in: cell" in lines[0]
    header = lines[1]
    for column in ("contender", "params", "steps", "tokens/s", "train s", "best val"):
        assert column in header
    for column in ("perplexity", "bits/char", "grad 50 back"):
        assert column in header
    rows = {line.split()[0]: line.split() for line in lines[2:5]}
    assert sorted(rows) == ["gru", "lstm", "rnn"]
    assert all(row[6] == "12" for row in rows.values())  # steps: the model summary is 4 words
    assert "unigram entropy of the training text" in result.out
    assert sorted(p.name for p in out.iterdir()) == ["gru", "lstm", "race.json", "rnn"]
    for name in ("rnn", "lstm", "gru"):
        folder = out / name
        assert sorted(p.name for p in folder.iterdir()) == [
            "checkpoint.npz",
            "last.npz",
            "metrics.jsonl",
            "run.json",
        ]
        manifest = json.loads((folder / "run.json").read_text())
        assert manifest["status"] == "done" and manifest["config"]["cell"] == name
        records = [json.loads(line) for line in (folder / "metrics.jsonl").read_text().splitlines()]
        assert [r["step"] for r in records if r["kind"] == "train"] == list(range(1, 13))
        assert [r["step"] for r in records if r["kind"] == "eval"] == [5, 10, 12]
        last = load_checkpoint(folder / "last.npz")
        assert last.meta["step"] == 12 and last.meta["config"]["cell"] == name


def test_json_gives_the_same_table_as_one_object(cli, corpus, tmp_path):
    out = tmp_path / "race"
    result = race(cli, corpus, out, "--models", "rnn,gru", "--max-steps", "10", "--json")
    assert result.code == 0, result.err
    summary = json.loads(result.out)
    assert summary == json.loads((out / "race.json").read_text())
    assert summary["reason"] == "steps" and summary["differs"] == ["cell"]
    assert [row["name"] for row in summary["contenders"]] == ["rnn", "gru"]
    for row in summary["contenders"]:
        assert row["steps"] == 10 and row["status"] == "steps"
        assert row["params"] > 0 and row["tokens_per_s"] > 0 and row["wall_s"] > 0
        assert row["best_val_ppl"] == pytest.approx(math.exp(row["best_val_loss"]))
        assert row["best_val_bits"] == pytest.approx(row["best_val_loss"] / math.log(2))
        assert "grad_reach" in row
    assert summary["reference"]["unigram"] < summary["reference"]["uniform"]


def test_a_time_budget_gives_every_contender_the_same_steps(cli, corpus, tmp_path):
    result = race(cli, corpus, tmp_path / "r", "--max-seconds", "0.3", "--json")
    assert result.code == 0, result.err
    summary = json.loads(result.out)
    steps = {row["steps"] for row in summary["contenders"]}
    assert steps == {summary["rounds"]} and summary["rounds"] >= 1
    assert summary["reason"] == "seconds"


def test_contenders_may_differ_in_another_flag_and_the_table_says_so(cli, corpus, tmp_path):
    out = tmp_path / "race"
    result = race(cli, corpus, out, "--models", "lstm", "--hidden", "8,16", "--max-steps", "4")
    assert result.code == 0, result.err
    assert "contenders differ in: hidden" in result.out
    assert "lstm hidden=8" in result.out and "lstm hidden=16" in result.out
    assert sorted(p.name for p in out.iterdir()) == ["lstm-hidden-16", "lstm-hidden-8", "race.json"]
    config = load_checkpoint(out / "lstm-hidden-16" / "last.npz").meta["config"]
    assert config["hidden"] == 16 and config["embed"] == 8


def test_units_switch_the_best_validation_column(cli, corpus, tmp_path):
    result = race(cli, corpus, tmp_path / "r", "--max-steps", "4", "--units", "bits")
    assert result.code == 0, result.err
    header, *rows = result.out.splitlines()[1:4]
    assert "best val bits/char" in header
    summary = json.loads((tmp_path / "r" / "race.json").read_text())
    first = summary["contenders"][0]
    assert f"{first['best_val_bits']:.3f}" in rows[0]


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (("--models", "lstm"), "2 to 4 contenders, got 1"),
        (("--models", "rnn,lstm,gru,rnn,lstm"), "2 to 4 contenders, got 5"),
        (("--models", "rnn,transformer"), "unknown value 'transformer'"),
        (("--models", "rnn,lstm", "--hidden", "8,16,32"), "same length"),
        (("--models", "lstm,lstm"), "contenders 1 and 2 are the same"),
        (("--models", "rnn,,gru"), "empty item"),
        (("--hidden", "8,x"), "invalid int value: 'x'"),
    ],
)
def test_bad_contender_lists_are_refused_in_one_line(cli, corpus, tmp_path, flags, message):
    out = tmp_path / "race"
    result = race(cli, corpus, out, "--max-steps", "3", *flags)
    assert result.code == 2
    assert len(result.err_lines) == 1 and message in result.err
    assert result.err.startswith("rnnplay: error:")
    assert not out.exists() and result.out == ""


def test_a_race_needs_a_budget_and_a_fresh_folder(cli, corpus, tmp_path):
    out = tmp_path / "race"
    no_budget = race(cli, corpus, out)
    assert no_budget.code == 2 and "--max-steps N or --max-seconds S" in no_budget.err
    assert not out.exists()
    epochs = race(cli, corpus, out, "--epochs", "2")
    assert epochs.code == 2 and "not --epochs" in epochs.err and not out.exists()
    assert race(cli, corpus, out, "--max-steps", "2").code == 0
    before = (out / "race.json").read_bytes()
    again = race(cli, corpus, out, "--max-steps", "2")
    assert again.code == 2 and "already holds a race" in again.err
    assert (out / "race.json").read_bytes() == before


def test_a_diverging_contender_drops_out_and_the_others_finish(cli, corpus, tmp_path):
    out = tmp_path / "race"
    flags = ("--models", "rnn,lstm", "--lr", "1e30,0.01", "--optimizer", "sgd")
    result = race(cli, corpus, out, *flags, "--max-steps", "10", "--eval-every", "5", "--json")
    assert result.code == 0, result.err
    rows = {row["name"]: row for row in json.loads(result.out)["contenders"]}
    diverged, fine = rows["rnn lr=1e+30"], rows["lstm lr=0.01"]
    assert diverged["status"] == "nonfinite" and diverged["steps"] < 10
    assert fine["status"] == "steps" and fine["steps"] == 10
    assert len(result.err_lines) == 1 and "rnn lr=1e+30: the " in result.err
    assert "try a lower learning rate" in result.err
    assert not (out / "rnn-lr-1e-39" / "last.npz").exists()  # nothing saved from bad weights
    assert (out / "lstm-lr-0.01" / "checkpoint.npz").is_file()


def test_a_race_that_cannot_start_leaves_nothing_behind(cli, tmp_path):
    out = tmp_path / "race"
    result = cli("race", "--corpus", tmp_path / "none.txt", "--max-steps", "3", "--out", out)
    assert result.code == 2 and len(result.err_lines) == 1 and "does not exist" in result.err
    assert not out.exists()
    runs_dir = tmp_path / "runs"
    result = cli("race", "--corpus", tmp_path / "none.txt", "--max-steps", "3", "--runs-dir",
                 runs_dir)  # fmt: skip
    assert result.code == 2
    assert not any(runs_dir.iterdir())
