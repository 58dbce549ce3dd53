"""Tables for the headless commands (``race``, ``runs``): aligned text, or rich on a terminal.

A pipe or a file gets plain text aligned in columns (numbers right, text
left), which stays readable in logs and is easy to ``grep`` or ``cut``; a
terminal wide enough for the whole table gets a rich table (a narrower one
gets the plain text, so that no number is ever cut). rich is imported only
for the terminal.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Sequence
from typing import IO


def plain_table(headers: Sequence[str], rows: Sequence[Sequence[str]], right: set[int]) -> str:
    """``rows`` of cells under ``headers``, columns two spaces apart; ``right`` aligns right."""
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(cell)) for w, cell in zip(widths, row, strict=True)]

    def line(cells: Sequence[str]) -> str:
        parts = [
            cell.rjust(w) if i in right else cell.ljust(w)
            for i, (cell, w) in enumerate(zip(cells, widths, strict=True))
        ]
        return "  ".join(parts).rstrip()

    return "\n".join([line(headers), *(line(row) for row in rows)])


def print_table(
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    right: set[int],
    title: str | None = None,
    notes: Sequence[str] = (),
    stream: IO[str] | None = None,
) -> None:
    """Print a table with an optional title line and note lines below it."""
    stream = sys.stdout if stream is None else stream
    text = plain_table(headers, rows, right)
    width = max(len(line) for line in text.splitlines()) + len(headers) + 3  # rich's borders
    if stream.isatty() and width <= shutil.get_terminal_size().columns:
        from rich.console import Console
        from rich.table import Table

        table = Table(title=title, title_justify="left")
        for i, header in enumerate(headers):
            table.add_column(header, justify="right" if i in right else "left", no_wrap=True)
        for row in rows:
            table.add_row(*row)
        console = Console(file=stream, highlight=False)
        console.print(table)
        for note in notes:
            console.print(note, markup=False)
        return
    lines = ([title] if title else []) + [text, *notes]
    if stream is sys.stdout:  # a reader that left (| head) is a normal end, not an error
        from rnnplay.process import streams

        streams.write_out("\n".join(lines) + "\n")
        streams.flush_out()
        return
    print("\n".join(lines), file=stream)
    stream.flush()
