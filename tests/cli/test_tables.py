"""The headless commands' tables: aligned plain text, rich only where it fits a terminal."""

from __future__ import annotations

import io
import os
import shutil

import pytest

from rnnplay.cli.tables import plain_table, print_table

HEADERS = ["name", "steps", "loss"]
ROWS = [["rnn", "12", "3.015"], ["lstm hidden=256", "1200", "2.9"]]


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_plain_text_aligns_numbers_right_and_text_left() -> None:
    assert plain_table(HEADERS, ROWS, right={1, 2}).splitlines() == [
        "name             steps   loss",
        "rnn                 12  3.015",
        "lstm hidden=256   1200    2.9",
    ]


@pytest.mark.parametrize(("columns", "rich"), [(200, True), (30, False)])
def test_a_terminal_gets_rich_only_when_the_whole_table_fits(monkeypatch, columns, rich) -> None:
    monkeypatch.setattr(shutil, "get_terminal_size", lambda: os.terminal_size((columns, 24)))
    stream = FakeTerminal()
    print_table(HEADERS, ROWS, right={1, 2}, title="t", notes=["a note"], stream=stream)
    text = stream.getvalue()
    assert ("┃" in text) is rich
    for cell in ("lstm hidden=256", "1200", "3.015", "a note"):
        assert cell in text  # never cut


def test_a_pipe_gets_plain_text_with_title_and_notes() -> None:
    stream = io.StringIO()
    print_table(HEADERS, ROWS, right={1, 2}, title="the title", notes=["n1"], stream=stream)
    lines = stream.getvalue().splitlines()
    assert lines[0] == "the title" and lines[-1] == "n1" and len(lines) == 5
