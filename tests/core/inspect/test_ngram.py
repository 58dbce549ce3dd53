"""Interpolated Kneser-Ney: hand-computed figures on tiny texts, a readable reference, caching."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pytest

from rnnplay.core.inspect import loss_split, ngram
from rnnplay.core.inspect.ngram import KneserNey


def test_a_bigram_model_of_abab_by_hand() -> None:
    # bigrams ab, ba, ab; continuation counts of a and b are 1 each (total 2)
    # p1(a) = p1(b) = (1 - .5)/2 + .5 * 2/2 * 1/2 = 1/2
    # p(b|a) = (2 - .5)/2 + .5 * 1/2 * 1/2 = 7/8, p(a|b) = .5/1 + .5 * 1 * 1/2 = 3/4
    model = KneserNey(2, 2, discount=0.5).fit(np.array([0, 1, 0, 1]))
    assert model.prob([0], 1) == pytest.approx(7 / 8)
    assert model.prob([0], 0) == pytest.approx(1 / 8)
    assert model.prob([1], 0) == pytest.approx(3 / 4)
    assert model.prob([], 0) == pytest.approx(1 / 2)
    expected = -(2 * math.log(7 / 8) + math.log(3 / 4)) / 3
    assert model.cross_entropy(np.array([0, 1, 0, 1])) == pytest.approx(expected)


def test_a_trigram_model_of_abcab_by_hand() -> None:
    # p3(c|ab) = (1-.5)/1 + .5 * p2(c|b); p2(c|b) = .5 + .5 * p1(c); p1(c) = 1/3
    a, b, c = 0, 1, 2
    model = KneserNey(3, 3, discount=0.5).fit(np.array([a, b, c, a, b]))
    assert model.prob([a, b], c) == pytest.approx(5 / 6)
    assert model.prob([a, b], a) == pytest.approx(1 / 12)
    # "abc": p(b|a) at order 2 (the longest context there) = 1.5/2 + .25 * 1/3 = 5/6
    assert model.cross_entropy(np.array([a, b, c])) == pytest.approx(-math.log(5 / 6))


def test_a_unigram_model_and_its_entropy() -> None:
    model = KneserNey(1, 2, discount=0.5).fit(np.array([0, 0, 1]))
    assert model.prob([], 0) == pytest.approx(2 / 3)  # 1.5/3 + .5 * 2/3 * 1/2
    expected = -(math.log(2 / 3) + math.log(1 / 3)) / 2
    assert model.cross_entropy(np.array([0, 0, 1])) == pytest.approx(expected)


def reference_log_probs(train, ids, n, V, D):
    """Interpolated Kneser-Ney written out with dictionaries, one position at a time."""
    train = [int(x) for x in train]
    counts = {
        k: Counter(tuple(train[i - k + 1 : i + 1]) for i in range(k - 1, len(train)))
        for k in range(1, n + 1)
    }
    cont = {k: Counter(g[1:] for g in counts[k + 1]) for k in range(1, n)}

    def p(k, h, w, top):
        if k == 0:
            return 1 / V
        table = counts[k] if top else cont[k]
        lower = p(k - 1, h[1:], w, False)
        mine = {g: v for g, v in table.items() if g[:-1] == h}
        total = sum(mine.values())
        if total == 0:
            return lower
        return max(mine.get((*h, w), 0) - D, 0) / total + D * len(mine) / total * lower

    out = []
    for i in range(1, len(ids)):
        h = tuple(int(x) for x in ids[max(0, i - n + 1) : i])
        out.append(math.log(p(len(h) + 1, h, int(ids[i]), True)))
    return np.array(out)


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5])
def test_matches_a_readable_reference_and_sums_to_one(n: int) -> None:
    rng = np.random.default_rng(n)
    V = 5
    train = rng.choice(4, 300, p=[0.5, 0.3, 0.15, 0.05])  # token 4 never seen
    valid = rng.integers(0, V, 60)
    model = KneserNey(n, V, discount=0.7).fit(train)
    np.testing.assert_allclose(
        model.log_probs(valid), reference_log_probs(train, valid, n, V, 0.7), rtol=1e-12
    )
    for context in ([], [1], [0, 2], [4, 4, 4], [0, 1, 0, 1]):
        assert sum(model.prob(context, w) for w in range(V)) == pytest.approx(1.0, abs=1e-12)
    # a model of order 5 answers as the model of order n fitted on its own
    np.testing.assert_allclose(
        KneserNey(5, V, discount=0.7).fit(train).log_probs(valid, n), model.log_probs(valid)
    )


def test_the_discount_is_estimated_from_counts_of_counts() -> None:
    ids = np.array([0, 1, 0, 1, 0, 2, 2, 1])  # bigrams 01 x2, 10 x2, 02, 22, 21: n1=3, n2=2
    model = KneserNey(2, 3).fit(ids)
    assert model.discounts[1][0] == pytest.approx(3 / (3 + 2 * 2))


def test_more_context_helps_on_a_repetitive_text() -> None:
    text = np.array([0, 1, 2, 3, 4] * 200)
    losses = [KneserNey(n, 5).fit(text).cross_entropy(text[:100]) for n in (1, 2, 3)]
    assert losses[0] > losses[1] > 0 and losses[2] <= losses[1]


def test_references_are_cached_per_corpus(tmp_path, monkeypatch) -> None:
    rng = np.random.default_rng(0)
    train, valid = rng.integers(0, 4, 500), rng.integers(0, 4, 100)
    first = loss_split.ngram_references(train, valid, 4, (2, 3), cache_dir=tmp_path)
    assert list(first) == ["2-gram", "3-gram"]
    assert first["2-gram"] == pytest.approx(KneserNey(2, 4).fit(train).cross_entropy(valid))
    assert len(list(tmp_path.glob("ngram-*.json"))) == 1

    def refuse(*args, **kwargs):
        raise AssertionError("fitted again")

    monkeypatch.setattr(loss_split, "fitted", refuse)
    assert loss_split.ngram_references(train, valid, 4, (2, 3), cache_dir=tmp_path) == first
    assert ngram.fitted(train, 4, 2) is ngram.fitted(train, 4, 3)  # in memory too
