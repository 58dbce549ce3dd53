"""``rnnplay runs``: run folders made by ``train`` and ``race`` listed alike, newest first."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.conftest import TINY


@pytest.fixture
def runs_dir(cli, corpus, tmp_path) -> Path:
    """A folder with two trained runs and one race of two contenders."""
    root = tmp_path / "runs"
    for name, steps in (("old", "6"), ("new", "4")):
        result = cli(
            "train", "--corpus", corpus, *TINY, "--max-steps", steps, "--eval-every", "2",
            "--out", root / name, "--quiet",
        )  # fmt: skip
        assert result.code == 0, result.err
    race = cli(
        "race", "--corpus", corpus, *TINY, "--models", "rnn,gru", "--max-steps", "3",
        "--out", root / "race-1", "--quiet",
    )  # fmt: skip
    assert race.code == 0, race.err
    # Make the order certain: "old" was created a day earlier, the race a day later.
    for folder, created in (
        (root / "old", "2026-01-01T10:00:00+00:00"),
        (root / "race-1" / "rnn", "2026-01-03T10:00:00+00:00"),
        (root / "race-1" / "gru", "2026-01-03T10:00:01+00:00"),
        (root / "new", "2026-01-02T10:00:00+00:00"),
    ):
        manifest = json.loads((folder / "run.json").read_text())
        manifest["created"] = created
        (folder / "run.json").write_text(json.dumps(manifest))
    return root


def test_json_lists_every_run_newest_first_with_its_fields(cli, runs_dir):
    result = cli("runs", runs_dir, "--json")
    assert result.code == 0, result.err
    rows = json.loads(result.out)
    assert [row["name"] for row in rows] == ["race-1/gru", "race-1/rnn", "new", "old"]
    by_name = {row["name"]: row for row in rows}
    assert by_name["old"]["steps"] == 6 and by_name["new"]["steps"] == 4
    assert by_name["race-1/rnn"]["steps"] == 3
    assert by_name["race-1/rnn"]["model"] == "rnn 1x16 (embed 8)"
    assert by_name["old"]["model"] == "lstm 1x16 (embed 8)"
    for row in rows:
        assert row["status"] == "done"
        assert row["corpus"] == "tiny.txt"
        assert row["best_val_loss"] is not None and row["training_s"] > 0
        assert set(row) >= {"path", "created", "best_val_ppl", "best_val_bits"}
    records = [
        json.loads(line) for line in (runs_dir / "old" / "metrics.jsonl").read_text().splitlines()
    ]
    best = min(r["loss"] for r in records if r["kind"] == "eval")
    assert by_name["old"]["best_val_loss"] == pytest.approx(best)


def test_the_table_has_one_line_per_run_in_the_same_order(cli, runs_dir):
    result = cli("runs", runs_dir, "--units", "ppl")
    assert result.code == 0, result.err
    header, *lines = result.out.splitlines()
    for column in ("name", "model", "corpus", "steps", "best val ppl", "time s", "created"):
        assert column in header
    assert "status" in header
    assert [line.split()[0] for line in lines] == ["race-1/gru", "race-1/rnn", "new", "old"]
    assert "2026-01-02 10:00" in lines[2] and lines[2].rstrip().endswith("done")


def test_the_default_folder_is_runs_and_an_empty_one_says_so(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = cli("runs")
    assert result.code == 0 and "no runs found in runs" in result.out
    assert cli("runs", "--json").out.strip() == "[]"


def test_a_missing_folder_is_refused_in_one_line(cli, tmp_path):
    result = cli("runs", tmp_path / "nowhere")
    assert result.code == 2 and len(result.err_lines) == 1
    assert "no such folder" in result.err
