"""Paragraphs of the Sample view: runs of styled text between two line breaks.

The Sample view wraps its text paragraph by paragraph and caches each one;
these helpers shape the paragraphs it hands to the wrapper.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from rich.control import strip_control_codes
from rich.style import Style

Piece = tuple[str, Style]
"""A run of text in one style, within a paragraph."""


def is_blank(paragraph: tuple[Piece, ...]) -> bool:
    """A paragraph that is only a line-break mark (an empty sampled line)."""
    return all(text == "↵" for text, _style in paragraph)


def one_blank_per_run(
    paragraphs: Iterable[tuple[Piece, ...]],
) -> Iterator[tuple[Piece, ...]]:
    """``paragraphs`` with each run of empty lines shown as one: a sample that is
    often mostly line breaks keeps its rows for text (display only, the text is
    unchanged)."""
    previous_blank = False
    for paragraph in paragraphs:
        blank = is_blank(paragraph)
        if not (blank and previous_blank):
            yield paragraph
        previous_blank = blank


def printable(reversed_pieces: list[Piece]) -> tuple[Piece, ...]:
    """Pieces in text order, without those that are only control codes."""
    return tuple(piece for piece in reversed(reversed_pieces) if strip_control_codes(piece[0]))
