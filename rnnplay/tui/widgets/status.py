"""Status panel: what is training, on what, and how it is going.

It changes up to ten times a second while training runs, so it is drawn
with the line API: an update formats a handful of short lines once, and
``render_line`` hands out the cached strips.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget


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
    stopping: bool = False
    step: int = 0
    epoch: float = 0.0
    tokens: int = 0
    tokens_per_s: float | None = None
    train_loss: float | None = None
    val_ppl: float | None = None
    lr: float = 0.0
    elapsed_s: float = 0.0

    def with_changes(self, **changes: object) -> StatusInfo:
        return replace(self, **changes)


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


class StatusPanel(Widget):
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
        self._styles: dict[str, Style] | None = None

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

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles = None
        self._strips.clear()

    def _format(self) -> list[list[tuple[str, str]]]:
        """Lines as (text, component class) pieces."""
        i = self._info
        if i.running and i.stopping:
            state = [("\u25a0 pausing...", "status--paused")]
        elif i.running:
            state = [("\u25b6 training", "status--running")]
        else:
            state = [("\u25a0 paused", "status--paused"), ("  space: train", "status--hint")]
        model = f"{i.cell} {i.layers}x{i.hidden}, embed {i.embed}"
        rows: list[tuple[str, list[tuple[str, str]]]] = [
            ("corpus", [(f"{i.corpus} ({i.level}, {i.vocab_size} tokens)", "status--value")]),
            ("model", [(model, "status--value")]),
            ("params", [(f"{i.num_params:,}", "status--value")]),
            ("state", state),
            (
                "step",
                [
                    (f"{i.step:,}", "status--value"),
                    ("  epoch ", "status--label"),
                    (f"{i.epoch:.2f}", "status--value"),
                ],
            ),
            (
                "tokens",
                [
                    (human_count(i.tokens), "status--value"),
                    ("  ", "status--label"),
                    (
                        _number(i.tokens_per_s, ",.0f") if i.running else "-",
                        "status--value",
                    ),
                    (" tok/s", "status--label"),
                ],
            ),
            (
                "loss",
                [
                    (_number(i.train_loss, ".3f"), "status--value"),
                    ("  val ppl ", "status--label"),
                    (_number(i.val_ppl, ".2f"), "status--value"),
                ],
            ),
            (
                "lr",
                [
                    (_number(i.lr, ".3g"), "status--value"),
                    ("  elapsed ", "status--label"),
                    (_duration(i.elapsed_s), "status--value"),
                ],
            ),
        ]
        return [
            _spaces_trail([(label.ljust(self.LABEL_WIDTH), "status--label"), *pieces])
            for label, pieces in rows
        ]

    def get_content_height(self, container, viewport, width: int) -> int:
        return len(self._lines or self._format())

    def _style_of(self, cls: str) -> Style:
        """Base style plus component ``cls`` (looked up once per theme, not per line:
        ``rich_style`` walks the ancestors and is costly at ten updates a second)."""
        if self._styles is None:
            base = self.rich_style
            self._styles = {"": base}
            for name in self.COMPONENT_CLASSES:
                self._styles[name] = base + self.get_component_rich_style(name, partial=True)
        return self._styles[cls]

    def render_line(self, y: int) -> Strip:
        if self._lines is None:
            self._lines = self._format()
        if y >= len(self._lines):
            return Strip.blank(self.size.width, self._style_of(""))
        strip = self._strips.get(y)
        if strip is None:
            segments = [Segment(text, self._style_of(cls)) for text, cls in self._lines[y]]
            strip = Strip(segments).crop_extend(0, self.size.width, self._style_of(""))
            self._strips[y] = strip
        return strip

    def on_resize(self) -> None:
        self._strips.clear()
