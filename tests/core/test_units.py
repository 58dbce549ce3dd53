"""Honest units: nats/bits/perplexity conversions and the reference lines of a text."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pytest

from rnnplay.core.data.corpus import Dataset
from rnnplay.core.data.stats import reference_lines, uniform_baseline, unigram_entropy
from rnnplay.core.data.vocab import Vocabulary
from rnnplay.core.train import units


def test_bits_and_perplexity_of_a_known_loss() -> None:
    # A loss of ln 4 nats is exactly 2 bits and a perplexity of 4 (a fair 4-way choice).
    nats = math.log(4)
    assert units.convert(nats, "nats") == nats
    assert units.convert(nats, "bits") == pytest.approx(2.0)
    assert units.convert(nats, "ppl") == pytest.approx(4.0)


@pytest.mark.parametrize("unit", units.UNITS)
def test_from_unit_inverts_convert(unit: str) -> None:
    for nats in (0.01, 1.0, 2.5, 7.0):
        assert units.from_unit(units.convert(nats, unit), unit) == pytest.approx(nats)


def test_overflowing_perplexity_is_inf_and_nan_stays_nan() -> None:
    assert units.convert(1e6, "ppl") == math.inf
    assert math.isnan(units.convert(math.nan, "bits"))
    assert units.format_loss(math.nan, "ppl") == "nan"
    assert units.format_loss(None, "bits") == "-"
    assert units.format_loss(math.log(8), "bits", digits=2) == "3.00"


def test_unknown_unit_is_refused_and_the_toggle_cycles() -> None:
    with pytest.raises(ValueError, match="nats, bits, ppl"):
        units.convert(1.0, "decibels")
    seen = ["nats"]
    for _ in range(3):
        seen.append(units.next_unit(seen[-1]))
    assert seen == ["nats", "bits", "ppl", "nats"]


def test_labels_name_the_token_level() -> None:
    assert units.unit_label("bits") == "bits/token"
    assert units.unit_label("bits", level="char") == "bits/char"
    assert units.unit_label("ppl", level="char") == "perplexity"
    assert units.unit_label("nats", short=True) == "nats"


def test_unigram_entropy_equals_the_entropy_computed_by_hand() -> None:
    text = "abracadabra"  # a:5 b:2 r:2 c:1 d:1 of 11
    by_hand = -sum(c / 11 * math.log(c / 11) for c in (5, 2, 2, 1, 1))
    vocab = Vocabulary.build(text, "char")
    ids = vocab.encode(text)
    assert unigram_entropy(ids) == pytest.approx(by_hand, rel=1e-12)
    assert units.convert(unigram_entropy(ids), "bits") == pytest.approx(by_hand / math.log(2))


def test_reference_lines_of_a_dataset_use_its_training_text_and_vocabulary() -> None:
    train_text, valid_text = "the cat sat on the mat\n", "a dog\n"
    vocab = Vocabulary.build(train_text + valid_text, "char")
    dataset = Dataset(
        vocab=vocab,
        train=vocab.encode(train_text),
        valid=vocab.encode(valid_text),
        test=None,
        name="t",
    )
    counts = Counter(train_text)
    n = len(train_text)
    by_hand = -sum(c / n * math.log(c / n) for c in counts.values())
    lines = {line.name: line for line in reference_lines(dataset)}
    assert lines["uniform"].nats == pytest.approx(math.log(len(vocab)))
    assert lines["unigram"].nats == pytest.approx(by_hand, rel=1e-12)
    assert lines["unigram"].nats < lines["uniform"].nats
    assert str(len(vocab)) in lines["uniform"].label


def test_uniform_baseline_is_the_entropy_of_equal_counts() -> None:
    ids = np.repeat(np.arange(7), 3)
    assert unigram_entropy(ids, 7) == pytest.approx(uniform_baseline(7))
    with pytest.raises(ValueError):
        unigram_entropy(np.array([], dtype=np.int64))
