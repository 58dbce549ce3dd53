"""The Inspect view's parts that need no running app: text windows, sources,
the live budget, the blame scale and the text layout."""

from __future__ import annotations

import numpy as np
import pytest

from rnnplay.core.data.vocab import Vocabulary
from rnnplay.errors import PromptError
from rnnplay.tui import inspection
from rnnplay.tui.widgets.inspect_text import BLAME_LEVELS, InspectText, blame_levels, token_cells

VOCAB = Vocabulary.build("abc \nthe cat sat", "char")


def test_a_long_text_keeps_the_part_around_the_cursor():
    ids = np.arange(1000) % 7
    window, cursor = inspection.fit_text(ids, 700)
    assert window.size == inspection.MAX_TOKENS
    start = 700 - cursor
    np.testing.assert_array_equal(window, ids[start : start + window.size])
    assert 0 <= cursor < window.size and start + window.size > 700
    short, at = inspection.fit_text(ids[:10], 50)
    assert short.size == 10 and at == 9  # clamped to the text


def test_sources_give_their_ids_and_the_primes_lead():
    ids, lead = inspection.source_ids(
        "sample", VOCAB, sample=("the ", [1, 2]), valid=np.zeros(5), typed=""
    )
    assert lead == 4 and list(ids[4:]) == [1, 2]
    assert list(ids[:4]) == inspection.encode_text(VOCAB, "the ")
    assert inspection.source_ids("sample", VOCAB, sample=("x", []), valid=None, typed="") is None
    assert inspection.source_ids("typed", VOCAB, sample=("", []), valid=None, typed="") is None
    valid = np.arange(1000) % len(VOCAB)
    ids, lead = inspection.source_ids("validation", VOCAB, sample=("", []), valid=valid, typed="")
    assert lead == 0 and list(ids) == list(valid[: inspection.VALIDATION_TOKENS["char"]])
    with pytest.raises(PromptError):
        inspection.encode_text(VOCAB, "€")


def test_live_refreshes_stay_within_their_budget():
    assert inspection.next_refresh_s(0.001) == inspection.LIVE_REFRESH_S
    assert inspection.next_refresh_s(0.3) == pytest.approx(0.3 / inspection.LIVE_BUDGET)


def test_blame_levels_are_the_square_root_of_each_share():
    levels = blame_levels(np.array([0.0, 0.25, 1.0, np.nan]))
    top = BLAME_LEVELS - 1
    assert list(levels) == [0, round(0.5 * top), top, 0]
    assert list(blame_levels(np.zeros(3))) == [0, 0, 0]


def test_the_text_breaks_rows_at_newlines_and_at_the_width():
    view = InspectText()
    view.set_text(list("ab\ncdefg"), "char", cursor=4)
    rows = view.rows(3)
    assert [[i for i, _ in row] for row in rows] == [[0, 1, 2], [3, 4, 5], [6, 7]]
    assert rows[0][2][1] == "↵"
    assert token_cells("<eos>", "word") == ("↵", True)
    assert token_cells("thee", "word") == ("thee ", False)
