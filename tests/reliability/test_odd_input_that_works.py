"""Odd but valid input must work: CRLF and mixed newlines, a one-character corpus,
an empty prime, edge values of the sampling flags. Exit 0, nothing on stderr but
progress, and results that show the input was understood (normalized newlines
train bit for bit like plain ones)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rnnplay.core.store.checkpoint import load_checkpoint
from tests.reliability.helpers import TINY_MODEL, read_metrics, run_cli, train_losses

FLAGS = (*TINY_MODEL, "--max-steps", "3", "--eval-every", "3", "--seed", "5", "--quiet")


def assert_ok(result) -> None:
    assert result.returncode == 0, result.describe()
    assert "Traceback" not in result.stderr and "error" not in result.stderr, result.describe()


def train_on(tmp_path: Path, name: str, data: bytes) -> Path:
    (tmp_path / name).write_bytes(data)
    out = tmp_path / f"out-{name}"
    assert_ok(run_cli("train", "--corpus", name, *FLAGS, "--out", out, cwd=tmp_path))
    return out


def mixed_newlines(text: str) -> str:
    endings = ("\r\n", "\r", "\n")
    lines = text.split("\n")
    return "".join(line + endings[i % 3] for i, line in enumerate(lines[:-1])) + lines[-1]


def test_crlf_and_mixed_newlines_train_exactly_like_plain_newlines(
    tmp_path: Path, corpus_file: Path
) -> None:
    text = corpus_file.read_text(encoding="utf-8")
    assert "\r" not in text
    runs = {
        "lf": train_on(tmp_path, "lf.txt", text.encode()),
        "crlf": train_on(tmp_path, "crlf.txt", text.replace("\n", "\r\n").encode()),
        "mixed": train_on(tmp_path, "mixed.txt", mixed_newlines(text).encode()),
        "bom-crlf": train_on(
            tmp_path, "bom.txt", b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode()
        ),
    }
    vocabs = {name: load_checkpoint(out / "last.npz").vocab for name, out in runs.items()}
    assert "\r" not in vocabs["crlf"].index and "\ufeff" not in vocabs["bom-crlf"].index
    assert all(v == vocabs["lf"] for v in vocabs.values())
    losses = {name: train_losses(read_metrics(out / "metrics.jsonl")) for name, out in runs.items()}
    assert len(losses["lf"]) == 3
    assert all(loss == losses["lf"] for loss in losses.values()), losses

    # Evaluating a CRLF text scores exactly what the LF text scores.
    scores = []
    for name in ("lf.txt", "crlf.txt", "mixed.txt"):
        result = run_cli("eval", runs["lf"] / "last.npz", "--corpus", name, "--json", cwd=tmp_path)
        assert_ok(result)
        scores.append(json.loads(result.stdout))
    assert scores[0]["loss"] == scores[1]["loss"] == scores[2]["loss"]
    assert scores[0]["tokens"] == scores[1]["tokens"] == scores[2]["tokens"]


def test_a_corpus_of_one_distinct_character_trains_samples_and_evaluates(tmp_path: Path) -> None:
    """Degenerate but valid: a one-token vocabulary has nothing to learn (perplexity 1)."""
    out = train_on(tmp_path, "a.txt", b"a" * 400)
    checkpoint = load_checkpoint(out / "last.npz")
    assert checkpoint.vocab.tokens == ["a"]
    sample = run_cli("sample", out / "last.npz", "--length", "20", "--seed", "1", cwd=tmp_path)
    assert_ok(sample)
    assert sample.stdout == "a" * 20 + "\n"
    evaluation = run_cli("eval", out / "last.npz", "--corpus", "a.txt", "--json", cwd=tmp_path)
    assert_ok(evaluation)
    record = json.loads(evaluation.stdout)
    assert record["loss"] == pytest.approx(0.0, abs=1e-6) and record["ppl"] == pytest.approx(1.0)


def test_empty_prime_generates_from_a_fresh_start(tiny_run: Path, tmp_path: Path) -> None:
    vocab = load_checkpoint(tiny_run / "last.npz").vocab
    outputs = []
    for _ in range(2):
        result = run_cli(
            "sample", tiny_run / "last.npz", "--prime", "", "--length", "40", "--seed", "3",
            cwd=tmp_path,
        )  # fmt: skip
        assert_ok(result)
        assert result.stderr == ""
        outputs.append(result.stdout)
    text = outputs[0]
    generated = text[:-1] if len(text) == 41 else text
    assert len(generated) == 40 and set(generated) <= set(vocab.tokens)
    assert outputs[0] == outputs[1], "a seeded sample repeats"


@pytest.mark.parametrize(
    "flags",
    [
        ("--length", "1"),
        ("--top-k", "VOCAB"),
        ("--top-k", "1", "--temperature", "1e-6"),
        ("--top-p", "1"),
        ("--top-p", "1e-9"),
        ("--temperature", "1e6"),
        ("--temperature", "1e-320"),
        ("--greedy", "--temperature", "100"),
    ],
    ids=lambda flags: " ".join(flags),
)
def test_edge_values_of_sampling_flags_work(flags, tiny_run: Path, tmp_path: Path) -> None:
    vocab = load_checkpoint(tiny_run / "last.npz").vocab
    flags = tuple(str(len(vocab)) if f == "VOCAB" else f for f in flags)
    result = run_cli(
        "sample", tiny_run / "last.npz", "--prime", "the ", "--length", "30", "--seed", "2",
        *flags, cwd=tmp_path,
    )  # fmt: skip
    assert_ok(result)
    length = 1 if flags[:2] == ("--length", "1") else 30
    body = result.stdout[len("the ") :]
    body = body[:-1] if len(body) == length + 1 else body
    assert result.stdout.startswith("the ") and len(body) == length
    assert set(body) <= set(vocab.tokens)
