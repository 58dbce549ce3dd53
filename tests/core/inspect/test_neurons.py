"""Neuron search: the built-in features by hand, correlation ranking on planted units."""

from __future__ import annotations

import numpy as np
import pytest

from rnnplay.core.data.vocab import Vocabulary, tokenize
from rnnplay.core.inspect.features import feature_values
from rnnplay.core.inspect.inspector import Inspector
from rnnplay.core.inspect.neurons import correlations, rank_units, unit_windows
from rnnplay.core.nn.model import RNNLM
from rnnplay.errors import UsageError

TEXT = 'a "bc" (d)\nxy'


def values(feature: str, text: str = TEXT, level: str = "char") -> list[float]:
    return feature_values(tokenize(text, level), level, feature).tolist()


def test_the_built_in_features_by_hand() -> None:
    #                         a     "  b  c  "     (  d  )  \n x  y
    assert values("quotes") == [0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0]
    assert values("brackets") == [0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0]
    assert values("after_newline") == [0] * 11 + [1, 0]
    assert values("line_position") == [*range(11), 0, 1]
    assert values("vowel") == [1] + [0] * 12
    assert values("word_start") == [1, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 1, 0]
    assert values("[a-c]+") == [1, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0]
    assert values("^") == [1] + [0] * 12  # a zero-width match marks where it stands


def test_word_level_features_read_each_words_first_character() -> None:
    text = 'the "old cat"\nate it'
    # words: the "old cat" <eos> ate it
    assert values("quotes", text, "word") == [0, 1, 1, 0, 0, 0]
    assert values("after_newline", text, "word") == [0, 0, 0, 0, 1, 0]
    assert values("vowel", text, "word") == [0, 0, 0, 0, 1, 1]


def test_a_bad_regular_expression_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="bad regular expression"):
        values("(unclosed")


def test_correlations_are_pearsons_r() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=50)
    states = np.column_stack([2 * x + 1, -x, rng.normal(size=50), np.full(50, 3.0)])
    r = correlations(x, states)
    assert r[0] == pytest.approx(1.0) and r[1] == pytest.approx(-1.0)
    assert r[2] == pytest.approx(np.corrcoef(x, states[:, 2])[0, 1])
    assert r[3] == 0.0  # a unit that does not vary


def test_a_planted_unit_ranks_first() -> None:
    rng = np.random.default_rng(1)
    feature = (rng.random(400) < 0.3).astype(float)
    layers = [{"h": rng.normal(size=(400, 16))} for _ in range(2)]
    layers[1]["h"][:, 11] = -feature + rng.normal(0, 0.3, 400)  # anti-correlated, planted
    layers[0]["h"][:, 3] = feature + rng.normal(0, 1.0, 400)  # weaker
    ranked = rank_units(layers, feature, top=3)
    assert (ranked[0].layer, ranked[0].unit) == (1, 11) and ranked[0].r < -0.5
    assert (ranked[1].layer, ranked[1].unit) == (0, 3)
    assert abs(ranked[2].r) < 0.25
    with pytest.raises(UsageError, match="does not vary"):
        rank_units(layers, np.ones(400))
    with pytest.raises(UsageError, match="no state 'c'"):
        rank_units(layers, feature, state="c")


def newline_model(vocab: Vocabulary) -> RNNLM:
    """An RNN whose unit 0 is on right after a newline: unit 1 reads '\\n',
    unit 0 reads unit 1 one step later; units 2, 3 are noise."""
    V = len(vocab)
    model = RNNLM(V, V, 4, cell="rnn", seed=0, dtype="float64")
    E = model.embedding.params[0]
    E[...] = np.eye(V)
    Wx, Wh, b = model.recurrent[0].params
    Wx[...] = np.random.default_rng(2).normal(0, 0.5, Wx.shape)
    Wx[:, :2] = 0
    Wx[vocab.index["\n"], 1] = 6
    Wh[...] = 0
    Wh[1, 0] = 4
    b[...] = 0
    b[1] = -3
    return model


def test_the_search_finds_a_unit_built_into_a_models_weights() -> None:
    text = "to be or not\nthat is the\nquestion of all\nand so on\n" * 3
    vocab = Vocabulary.build(text, "char")
    inspector = Inspector(newline_model(vocab), vocab)
    reading = inspector.read(text)
    best = inspector.units(reading, "after_newline", top=2)[0]
    assert (best.layer, best.unit, best.state) == (0, 0, "h") and best.r > 0.95
    on, off = inspector.windows(reading, 0, 0, count=3)
    assert len(on) == 3 and len(off) == 3
    for window in on:
        assert reading.tokens[window.position - 1] == "\n" and window.value > 0.9
        assert window.text == "".join(reading.tokens[window.start : window.end])
    assert all(window.value < -0.9 for window in off)


def test_windows_do_not_overlap() -> None:
    tokens = list("abcdefghijklmnopqrstuvwxyz")
    activation = np.zeros(26)
    activation[[5, 6, 20]] = [3.0, 2.0, 1.0]
    on, _ = unit_windows(tokens, activation, count=3, before=2, after=1)
    assert [w.position for w in on] == [5, 20, 0]  # 6 overlaps 5
    assert on[0].text == "defg"
