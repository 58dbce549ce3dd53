"""``rnnplay sample``, ``rnnplay eval`` and ``rnnplay corpora``."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from rnnplay.core.store.checkpoint import load_checkpoint
from rnnplay.core.train.evaluation import sequence_loss


def test_sample_prints_only_the_prime_and_the_generated_text(cli, trained: Path) -> None:
    result = cli(
        "sample", trained / "checkpoint.npz", "--prime", "the cat", "--length", "40", "--seed", "1"
    )
    assert result.code == 0 and result.err == ""
    text = result.out.removesuffix("\n")
    assert text.startswith("the cat") and len(text) == len("the cat") + 40
    vocab = load_checkpoint(trained / "checkpoint.npz").vocab
    assert set(text) <= set(vocab.tokens)


def test_sample_is_reproducible_with_a_seed_and_options_change_it(cli, trained: Path) -> None:
    path = trained / "checkpoint.npz"
    a = cli("sample", path, "--length", "60", "--seed", "4").out
    b = cli("sample", path, "--length", "60", "--seed", "4").out
    c = cli("sample", path, "--length", "60", "--seed", "5").out
    assert a == b and a != c
    greedy = {cli("sample", path, "--length", "30", "--greedy", "--seed", s).out for s in "123"}
    assert len(greedy) == 1
    for extra in (["--top-k", "3"], ["--top-p", "0.5"], ["--temperature", "0.3"]):
        result = cli("sample", path, "--length", "20", "--seed", "1", *extra)
        assert result.code == 0 and len(result.out.removesuffix("\n")) == 20


def test_eval_reports_the_perplexity_of_a_text(cli, trained: Path, corpus: Path) -> None:
    result = cli("eval", trained / "checkpoint.npz", "--corpus", corpus, "--json")
    assert result.code == 0 and result.err == ""
    report = json.loads(result.out)
    assert report["tokens"] == len(corpus.read_text()) - 1 and report["level"] == "char"
    assert report["ppl"] == pytest.approx(math.exp(report["loss"]))
    checkpoint = load_checkpoint(trained / "checkpoint.npz")
    ids = checkpoint.vocab.encode(corpus.read_text())
    expected, _ = sequence_loss(checkpoint.model, ids, 4, 8)
    assert report["loss"] == pytest.approx(expected, rel=1e-6)
    plain = cli("eval", trained / "checkpoint.npz", "--corpus", corpus)
    assert plain.code == 0 and f"perplexity {report['ppl']:.3f}" in plain.out


def test_corpora_lists_the_built_ins_with_sizes(cli) -> None:
    result = cli("corpora")
    assert result.code == 0
    names = [line.split()[0] for line in result.out.splitlines()[:-1]]
    assert {"sonnets", "shakespeare", "toy"} <= set(names)
    assert all(("KB" in line or "MB" in line) for line in result.out.splitlines()[:-1])
