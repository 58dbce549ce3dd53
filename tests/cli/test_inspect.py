"""``rnnplay inspect``: per-position records, blame, the neuron search, and one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from rnnplay.core.inspect import Inspector
from rnnplay.core.store.checkpoint import load_checkpoint


def records(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines()]


def test_json_lines_give_every_position_as_the_core_computes_it(cli, trained: Path) -> None:
    path = trained / "checkpoint.npz"
    result = cli("inspect", path, "--text", "the cat sat", "--json", "--top-k", "3")
    assert result.code == 0 and result.err == ""
    rows = records(result.out)
    assert [row["token"] for row in rows] == list("the cat sat")
    checkpoint = load_checkpoint(path)
    reading = Inspector(checkpoint.model, checkpoint.vocab).read("the cat sat", top_k=3)
    for t, row in enumerate(rows):
        assert row["position"] == t and len(row["top"]) == 3
        assert row["top"][0][0] == checkpoint.vocab.tokens[reading.top_ids[t, 0]]
        if t < len(rows) - 1:
            assert row["next"] == "the cat sat"[t + 1]
            assert row["surprise"] == pytest.approx(reading.surprise[t])
            assert row["prob"] == pytest.approx(np.exp(-reading.surprise[t]))
        assert "blame" not in row and "states" not in row
    assert rows[-1]["next"] is None and rows[-1]["surprise"] is None


def test_at_one_position_adds_its_blame_and_states(cli, trained: Path) -> None:
    path = trained / "checkpoint.npz"
    result = cli("inspect", path, "--text", "the cat sat", "--at", "-2", "--json", "--states")
    (row,) = records(result.out)
    assert row["position"] == 9 and row["token"] == "a" and row["next"] == "t"
    checkpoint = load_checkpoint(path)
    blame = Inspector(checkpoint.model, checkpoint.vocab).blame("the cat sat", 9)
    np.testing.assert_allclose(row["blame"]["norms"], blame.norms, rtol=1e-6)
    np.testing.assert_allclose(row["blame"]["grad_x_input"], blame.grad_x_input, rtol=1e-6)
    assert len(row["states"]) == 1 and set(row["states"][0]) == {"h", "c", "f", "g", "i", "o"}
    human = cli("inspect", path, "--text", "the cat sat", "--at", "9")
    assert human.code == 0 and human.out.startswith("     9  'a' -> 't'  p=")
    assert "blame: " in human.out


def test_blame_for_every_position_from_a_file(cli, trained: Path, tmp_path: Path) -> None:
    text = tmp_path / "t.txt"
    text.write_text("the dog ate\n", encoding="utf-8")
    result = cli("inspect", trained / "checkpoint.npz", "--file", text, "--blame", "--json")
    rows = records(result.out)
    assert len(rows) == 12
    assert [len(row["blame"]["norms"]) for row in rows[:-1]] == list(range(1, 12))
    assert "blame" not in rows[-1]  # nothing comes after the last token


def test_units_ranks_every_unit_and_shows_where_the_best_fires(cli, trained: Path) -> None:
    text = "the cat sat on the mat. the dog ate the log.\n" * 3
    path = trained / "checkpoint.npz"
    result = cli("inspect", path, "--text", text, "--units", "word_start", "--json")
    assert result.code == 0, result.err
    rows = records(result.out)
    units = [row for row in rows if "r" in row]
    assert len(units) == 10
    assert [abs(u["r"]) for u in units] == sorted((abs(u["r"]) for u in units), reverse=True)
    windows = [row for row in rows if "where" in row]
    assert {w["where"] for w in windows} == {"on", "off"}
    assert all(w["unit"] == units[0] for w in windows)
    regex = cli("inspect", trained / "checkpoint.npz", "--text", text, "--units", "[aeiou]")
    assert regex.code == 0 and regex.out.startswith("layer 0 unit")


CKPT = "CKPT"
BAD = {
    "unknown characters": (("--text", "the Zoo"), "characters the vocabulary lacks: 'Z'"),
    "empty text": (("--text", ""), "empty"),
    "no text at all": ((), "one of the arguments --text --file is required"),
    "both sources": (("--text", "a", "--file", "f.txt"), "not allowed with"),
    "missing file": (("--file", "nowhere.txt"), "does not exist"),
    "at outside": (("--text", "the cat", "--at", "7"), "--at 7 is outside the text's 7 tokens"),
    "at not a number": (("--text", "the cat", "--at", "x"), "invalid int value"),
    "top-k zero": (("--text", "the cat", "--top-k", "0"), "--top-k"),
    "bad regex": (("--text", "the cat", "--units", "(a"), "bad regular expression"),
    "constant feature": (("--text", "the cat", "--units", "quotes"), "does not vary"),
    "unknown state": (("--text", "the cat", "--units", "vowel", "--state", "z"), "no state 'z'"),
    "units with at": (("--text", "the cat", "--units", "vowel", "--at", "1"), "leave out --at"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_input_is_one_line(case: str, cli, trained: Path) -> None:
    argv, expected = BAD[case]
    result = cli("inspect", trained / "checkpoint.npz", *argv)
    assert result.code == 2, result.err
    assert len(result.err_lines) == 1, result.err
    assert result.err.startswith("rnnplay: error: ") and expected in result.err
    assert result.out == ""


def test_a_bad_checkpoint_is_one_line(cli, tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.npz"
    garbage.write_bytes(b"not a zip")
    result = cli("inspect", garbage, "--text", "the cat")
    assert result.code == 2 and len(result.err_lines) == 1 and result.out == ""
