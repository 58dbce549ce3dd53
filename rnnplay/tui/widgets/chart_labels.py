"""Labels the braille charts share: the x tick labels and a reference line's name.

The loss chart and the Compare view's overlays lay out their axes the same
way; written once here so both read alike and stay alike.
"""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip


def x_label_strip(x_ticks: list[tuple[int, str]], gutter: int, width: int, style: Style) -> Strip:
    """Tick labels centred on their ticks, moved inside the plot at the ends, none cut
    (a label that would overlap the previous one is left out)."""
    row = [" "] * (width + 1)
    end = -1
    for col, text in x_ticks:
        start = min(max(col + 1 - len(text) // 2, 0), width + 1 - len(text))
        if start > end:
            row[start : start + len(text)] = list(text)
            end = start + len(text)
    return Strip([Segment(" " * gutter + "".join(row), style)])


def with_reference_label(
    runs: list[tuple[str, int]], label: str, width: int, owner: int
) -> list[tuple[str, int]]:
    """``runs`` (a canvas row of (text, owner) chunks) with ``label`` written over its
    right end, owned by ``owner`` (a reference line's name on the line itself); the
    label shortens to its first word, and rows too narrow for that stay as they are."""
    text = f" {label} "
    if len(text) > width // 2:  # "uniform over 62 tokens" -> "uniform"
        text = f" {label.split()[0]} "
    if len(text) > width // 2:
        return runs
    cells = [(ch, who) for chunk, who in runs for ch in chunk]
    cells[width - len(text) :] = [(ch, owner) for ch in text]
    merged: list[tuple[str, int]] = []
    for ch, who in cells:
        if merged and merged[-1][1] == who:
            merged[-1] = (merged[-1][0] + ch, who)
        else:
            merged.append((ch, who))
    return merged
