"""A sample that fills a large panel takes no longer to appear than a few lines do, so
a training model's next sample (with what it learned meanwhile) follows within seconds."""

from __future__ import annotations

import pytest

from rnnplay.tui.sampling import sample_length, token_pace


@pytest.mark.parametrize("level", ["char", "word"])
def test_a_panel_filling_sample_takes_as_long_as_a_few_lines(level: str) -> None:
    base = sample_length(level)
    few_lines_s = base * token_pace(level, base)
    assert token_pace(level) == token_pace(level, base)
    for length in (base * 2, base * 4):
        assert length * token_pace(level, length) == pytest.approx(few_lines_s)
    assert token_pace(level, base // 2) == token_pace(level)  # short ones keep the pace
