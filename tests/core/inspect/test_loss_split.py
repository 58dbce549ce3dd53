"""Where the loss comes from: character classes, the split, the Inspector's bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest

from rnnplay.core.data.vocab import Vocabulary, tokenize
from rnnplay.core.inspect.inspector import Inspector
from rnnplay.core.inspect.loss_split import CLASSES, classify, split_loss
from rnnplay.core.inspect.ngram import KneserNey
from rnnplay.core.inspect.reading import surprises
from rnnplay.core.nn.model import RNNLM
from rnnplay.core.nn.stepper import Stepper
from rnnplay.errors import PromptError


def names(text: str, level: str = "char") -> list[str]:
    return [CLASSES[k] for k in classify(tokenize(text, level), level)]


def test_every_character_class_by_hand() -> None:
    assert names("Hi, 2 é\n\t~") == [
        "word_start", "letter", "punctuation", "space", "digit", "space",
        "word_start", "newline", "space", "punctuation",
    ]  # fmt: skip
    assert names("a\u2014b") == ["word_start", "other", "word_start"]
    assert names("it, was 42\nso", "word") == [
        "word_start", "word_start", "digit", "newline", "word_start"
    ]  # fmt: skip


def test_the_split_averages_each_class_and_the_shares_add_up() -> None:
    tokens = list("ab c\n")
    nats = np.array([1.0, 2.0, 3.0, 4.0])  # predicting b, ' ', c, '\n'
    ref = {"uniform": np.full(4, 0.5)}
    split = {row.name: row for row in split_loss(tokens, "char", nats, ref)}
    assert set(split) == {"letter", "space", "word_start", "newline"}
    assert split["letter"].model == 1.0 and split["letter"].count == 1
    assert split["newline"].share == pytest.approx(0.4)
    assert sum(row.share for row in split.values()) == pytest.approx(1.0)
    assert split["space"].references == {"uniform": 0.5}
    with pytest.raises(ValueError):
        split_loss(tokens, "char", nats[:2])


TRAIN = "the cat sat on the mat.\nthe dog sat on the log.\n" * 4


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_the_inspectors_split_matches_the_models_loss(cell: str) -> None:
    vocab = Vocabulary.build(TRAIN, "char")
    model = RNNLM(len(vocab), 8, 8, cell=cell, layers=2, seed=4, dtype="float64")
    inspector = Inspector(model, vocab)
    text = "the cat sat on the log.\n"
    ids = vocab.encode(TRAIN).astype(np.int64)
    rows = inspector.loss_split(text, train=ids, orders=(2, 3))
    nats = surprises(Stepper(model), vocab.encode(text))
    total = sum(row.model * row.count for row in rows) / sum(row.count for row in rows)
    assert total == pytest.approx(nats.mean())
    trigram = KneserNey(3, len(vocab)).fit(ids).log_probs(vocab.encode(text))
    ref_total = sum(row.references["3-gram"] * row.count for row in rows) / (len(text) - 1)
    assert ref_total == pytest.approx(-trigram.mean())
    assert all(row.references["uniform"] == pytest.approx(math.log(len(vocab))) for row in rows)


def test_the_inspector_refuses_what_it_cannot_read() -> None:
    vocab = Vocabulary.build(TRAIN, "char")
    inspector = Inspector(RNNLM(len(vocab), 4, 4, seed=1), vocab)
    with pytest.raises(PromptError, match="characters the vocabulary lacks: 'Z'"):
        inspector.read("the Zoo")
    with pytest.raises(PromptError, match="empty"):
        inspector.read("")
    with pytest.raises(PromptError, match="outside"):
        inspector.blame("the cat", 7)
    with pytest.raises(PromptError, match="the last"):
        inspector.blame("the cat", -1)
    assert inspector.blame("the cat", 2).norms.shape == (3,)
    with pytest.raises(ValueError, match="vocabulary has"):
        Inspector(RNNLM(len(vocab) + 1, 4, 4, seed=1), vocab)
