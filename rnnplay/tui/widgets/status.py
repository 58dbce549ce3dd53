"""Status panel: what is training, on what, and how it is going.

It changes up to ten times a second while training runs, so it is drawn
with the line API: an update formats a handful of short lines once, and
``render_line`` hands out the cached strips.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

from rich.segment import Segment
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget

from rnnplay.core.train.units import format_loss, unit_label
from rnnplay.tui.widgets.theme_styles import ThemeStyles


@dataclass(frozen=True)
class StatusInfo:
    """Everything the status panel shows (plain values, no engine objects)."""

    corpus: str = "-"
    level: str = "char"
    vocab_size: int = 0
    cell: str = "lstm"
    layers: int = 1
    embed: int = 0
    hidden: int = 0
    num_params: int = 0
    running: bool = False
    note: str | None = None
    """A state that takes a moment ("finishing the current step", "loading")."""
    step: int = 0
    epoch: float = 0.0
    tokens: int = 0
    tokens_per_s: float | None = None
    rate_window_s: float | None = None
    """The window ``tokens_per_s`` is averaged over (said on the panel)."""
    train_loss: float | None = None
    val_loss: float | None = None
    val_ppl: float | None = None
    unit: str = "nats"
    """The unit losses are shown in (``rnnplay.core.train.units``: nats, bits, ppl)."""
    lr: float = 0.0
    elapsed_s: float = 0.0
    folder: str | None = None
    """The run folder saves go to (None until the session first trains or saves)."""


def human_count(n: float) -> str:
    """1234 -> 1,234; 1234567 -> 1.23M (short enough for a narrow panel)."""
    if n >= 10_000_000:
        return f"{n / 1e6:.1f}M"
    if n >= 1_000_000:
        return f"{n / 1e6:.2f}M"
    return f"{int(n):,}"


def _number(value: float | None, fmt: str) -> str:
    if value is None:
        return "-"
    if not math.isfinite(value):
        return "NaN" if math.isnan(value) else "inf"
    return format(value, fmt)


def _duration(seconds: float) -> str:
    total = int(seconds) if math.isfinite(seconds) and seconds > 0 else 0
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def _cells(pieces: list[tuple[str, str]]) -> int:
    return sum(len(text) for text, _ in pieces)


def _shorten(pieces: list[tuple[str, str]], width: int) -> list[tuple[str, str]]:
    """Cut the longest piece so the line fits: paths keep their end, other text its start."""
    excess = _cells(pieces) - width
    if excess <= 0:
        return pieces
    index = max(range(len(pieces)), key=lambda k: len(pieces[k][0]))
    text, cls = pieces[index]
    keep = max(len(text) - excess - 1, 1)
    short = "\u2026" + text[-keep:] if "/" in text else text[:keep] + "\u2026"
    return [*pieces[:index], (short, cls), *pieces[index + 1 :]]


def _spaces_trail(pieces: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Move each piece's leading spaces to the end of the piece before it, so
    that gaps belong to the text they follow (some SVG renderers of the
    snapshots collapse spaces that start a styled run)."""
    out: list[tuple[str, str]] = []
    for text, cls in pieces:
        stripped = text.lstrip(" ")
        if out and len(stripped) < len(text):
            prev_text, prev_cls = out[-1]
            out[-1] = (prev_text + " " * (len(text) - len(stripped)), prev_cls)
            text = stripped
        out.append((text, cls))
    return out


class StatusPanel(ThemeStyles, Widget):
    """Corpus, model, state and progress figures as label/value lines."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "status--label",
        "status--value",
        "status--running",
        "status--paused",
        "status--hint",
    }

    DEFAULT_CSS = """
    StatusPanel {
        height: auto;
        & > .status--label { color: $text-muted; }
        & > .status--value { color: $text; text-style: bold; }
        & > .status--running { color: $success; text-style: bold; }
        & > .status--paused { color: $warning; text-style: bold; }
        & > .status--hint { color: $text-muted; text-style: italic; }
    }
    """

    LABEL_WIDTH = 8
    PARTIAL_COMPONENT_STYLES = True

    def __init__(
        self,
        info: StatusInfo | None = None,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._info = info or StatusInfo()
        self._lines: list[list[tuple[str, str]]] | None = None
        self._strips: dict[int, Strip] = {}

    @property
    def info(self) -> StatusInfo:
        return self._info

    def update_info(self, info: StatusInfo) -> None:
        """Show ``info``; only the lines whose text changed are redrawn."""
        if info == self._info:
            return
        self._info = info
        old = self._lines
        self._lines = self._format()
        if old is None or len(old) != len(self._lines):
            self._strips.clear()
            self.refresh()
            return
        for y, (before, after) in enumerate(zip(old, self._lines, strict=True)):
            if before != after:
                self._strips.pop(y, None)
                self.refresh(Region(0, y, self.size.width, 1))

    def styles_changed(self) -> None:
        self._strips.clear()

    def _format(self) -> list[list[tuple[str, str]]]:
        """Lines as (text, component class) pieces, each fitted to the panel's width:
        of a line's variants the first that fits, long values shortened with "…"."""
        i = self._info
        V, L = "status--value", "status--label"
        if i.note:
            state = [[(f"\u25a0 {i.note}\u2026", "status--paused")]]
        elif i.running:
            state = [[("\u25b6 training", "status--running")]]
        else:
            state = [
                [("\u25a0 paused", "status--paused"), ("  space: train", "status--hint")],
                [("\u25a0 paused", "status--paused")],
            ]
        rate = _number(i.tokens_per_s, ",.0f") if i.running else "-"
        window = f" ({i.rate_window_s:g} s avg)" if i.rate_window_s and i.running else ""
        short_window = f" {i.rate_window_s:g}s avg" if window else ""
        tokens = [(human_count(i.tokens), V), ("  ", L), (rate, V), (" tok/s", L)]
        unit = f" {unit_label(i.unit, short=True)}"
        val = [(format_loss(i.val_loss, i.unit), V), (unit, L)]
        if i.unit != "ppl":
            val += [("  ppl ", L), (_number(i.val_ppl, ".2f"), V)]
        rows: list[tuple[str, list[list[tuple[str, str]]]]] = [
            ("corpus", [[(i.corpus, V), (f"  {i.level}", L)]]),
            (
                "model",
                [
                    [(f"{i.cell} {i.layers}x{i.hidden}", V), (f"  embed {i.embed}", L)],
                    [(f"{i.cell} {i.layers}x{i.hidden}", V)],
                ],
            ),
            (
                "size",
                [
                    [
                        (f"{i.num_params:,}", V),
                        (" params  ", L),
                        (f"{i.vocab_size:,}", V),
                        (" tokens", L),
                    ],
                    [
                        (human_count(i.num_params), V),
                        (" params  ", L),
                        (f"{i.vocab_size:,}", V),
                        (" vocab", L),
                    ],
                    [(human_count(i.num_params), V), ("  vocab ", L), (f"{i.vocab_size:,}", V)],
                    [(f"{i.num_params:,}", V), (" params", L)],
                ],
            ),
            ("state", state),
            ("step", [[(f"{i.step:,}", V), ("  epoch ", L), (f"{i.epoch:.2f}", V)]]),
            ("tokens", [[*tokens, (window, L)], [*tokens, (short_window, L)], tokens]),
            ("loss", [[(format_loss(i.train_loss, i.unit), V), (unit, L)]]),
            ("val", [val, val[:2], val[:1]]),
            (
                "lr",
                [
                    [(_number(i.lr, ".3g"), V), ("  elapsed ", L), (_duration(i.elapsed_s), V)],
                    [(_number(i.lr, ".3g"), V)],
                ],
            ),
            ("run", [[(i.folder or "on first train or save", V if i.folder else L)]]),
        ]
        width = self.size.width or 10_000
        lines = []
        for label, variants in rows:
            # A note ("finishing the current step") takes the label's room too.
            head = ("", L) if label == "state" and i.note else (label.ljust(self.LABEL_WIDTH), L)
            candidates = [[head, *pieces] for pieces in variants]
            fitting = next((c for c in candidates if _cells(c) <= width), None)
            lines.append(_spaces_trail(fitting or _shorten(candidates[-1], width)))
        return lines

    def get_content_height(self, container, viewport, width: int) -> int:
        return len(self._lines or self._format())

    def render_line(self, y: int) -> Strip:
        if self._lines is None:
            self._lines = self._format()
        if y >= len(self._lines):
            return Strip.blank(self.size.width, self.themed())
        strip = self._strips.get(y)
        if strip is None:
            segments = [Segment(text, self.themed(cls)) for text, cls in self._lines[y]]
            strip = Strip(segments).crop_extend(0, self.size.width, self.themed())
            self._strips[y] = strip
        return strip

    def on_resize(self) -> None:
        self._lines = self._format()
        self._strips.clear()
        self.refresh()
