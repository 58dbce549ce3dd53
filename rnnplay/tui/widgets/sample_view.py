"""SampleView: generated text appearing token by token, coloured by what the model computed.

Two colourings, switched with `mode`:

- "probability": each token's colour is the probability the model gave it
  when it was sampled (red and dim when unlikely, green and bold when sure).
- "unit": each token's background is the activation of one hidden unit after
  reading it, on the heatmap's diverging scale, so a unit that tracks quotes,
  line length or word boundaries lights up along the text (Karpathy's
  "visualizing the cells").

The prime (the text the sample was started from) is shown in its own style.
A click on a token posts ``TokenPicked`` (the app inspects it there).
Only the last `max_tokens` tokens are kept. The view is drawn with the line
API and stays cheap however long sampling runs (it redraws five times a
second while training competes for the CPU): text is wrapped per paragraph
(the text between two line breaks, which is how Rich wraps it anyway),
walking back from the newest only until the rows are filled, and wrapped
paragraphs are cached, so a new token rewraps just the last one. A run of
empty lines is drawn as one (the text itself keeps every line break). New tokens
redraw only the rows whose text changed, and the styles are looked up once
per theme rather than per line.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from functools import partial
from typing import Any, ClassVar, Literal, NamedTuple

import numpy as np
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.geometry import Region
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

from rnnplay.tui.widgets.palette import (
    DIVERGING_TEXTS,
    diverging_background,
    diverging_level,
    probability_level,
    probability_text,
)
from rnnplay.tui.widgets.sample_paragraphs import Piece, one_blank_per_run, printable
from rnnplay.tui.widgets.theme_styles import ThemeStyles

_DIM = Style(dim=True)
"""The line-break mark is dim: it shows where a newline was sampled without crowding the text."""

ColourMode = Literal["probability", "unit"]
COLOUR_MODES: tuple[ColourMode, ...] = ("probability", "unit")


class _Token(NamedTuple):
    text: str
    prob: float | None
    hidden: np.ndarray | None
    token_id: int | None = None


class SampleView(ThemeStyles, Widget):
    """Sampled text, newest at the bottom, coloured by probability or by a hidden unit."""

    DEFAULT_CSS = """
    SampleView {
        width: 1fr;
        height: 1fr;
        min-width: 20;
        min-height: 3;
        border: round $primary-muted;
        border-title-color: $text;
        & > .sample-view--hint { color: $text-muted; text-style: italic; }
        & > .sample-view--prime { color: $text-muted; text-style: italic underline; }
        & > .sample-view--legend { color: $text-muted; }
        & > .sample-view--plain { color: $text; }
    }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "sample-view--hint",
        "sample-view--prime",
        "sample-view--legend",
        "sample-view--plain",
    }

    BORDER_TITLE = "Sample"

    class TokenPicked(Message):
        """A sampled token was clicked: ``index`` among the kept generated tokens."""

        def __init__(self, index: int) -> None:
            super().__init__()
            self.index = index

    def __init__(
        self,
        *,
        max_tokens: int = 1000,
        hint: str = "no sample yet: press g to sample",
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        if max_tokens < 1:
            raise ValueError("max_tokens must be at least 1")
        self.max_tokens = max_tokens
        self.hint = hint
        self._prime = ""
        self._tokens: deque[_Token] = deque(maxlen=max_tokens)
        self._pushed = 0  # tokens pushed since the last clear (kept or dropped)
        self._links: dict[int, Style] = {}
        self._mode: ColourMode = "probability"
        self._unit = 0
        self._version = 0
        # Wrapped paragraphs by (pieces), valid for one (width, theme) context.
        self._paragraphs: dict[tuple[Piece, ...], list[Strip]] = {}
        self._paragraphs_context: tuple[Any, ...] | None = None
        # The text rows last drawn, and what they were drawn for.
        self._rows: tuple[tuple[Any, ...], list[Strip]] | None = None

    # ----------------------------------------------------------------- data

    @property
    def prime(self) -> str:
        """The text the current sample started from."""
        return self._prime

    @property
    def token_count(self) -> int:
        """Number of generated tokens kept (at most max_tokens)."""
        return len(self._tokens)

    @property
    def token_ids(self) -> list[int]:
        """The kept generated tokens' ids (empty when any came without one)."""
        ids = [token.token_id for token in self._tokens]
        return [] if any(i is None for i in ids) else ids  # type: ignore[misc]

    @property
    def generated_text(self) -> str:
        """The kept generated text, without the prime."""
        return "".join(token.text for token in self._tokens)

    def clear(self, prime: str = "") -> None:
        """Start a new sample from `prime` (shown in its own style)."""
        self._prime = prime
        self._tokens.clear()
        self._pushed = 0
        self._links = {}
        self._rows = None  # the legend may change too: redraw everything
        self._changed()

    def append(self, step: Any) -> None:
        """Add one sampler step: anything with `.text` and optionally `.prob`,
        `.hidden` and `.token_id` (e.g. SampleStep)."""
        self.extend([step])

    def extend(self, steps: Iterable[Any]) -> None:
        """Add a batch of sampler steps (as append, one after the other, redrawn once)."""
        added = False
        for step in steps:
            get = partial(getattr, step)
            self._push(step.text, get("prob", None), get("hidden", None), get("token_id", None))
            added = True
        if added:
            self._changed()

    def append_token(
        self, text: str, prob: float | None = None, hidden: np.ndarray | None = None
    ) -> None:
        """Add one token with its probability and the hidden state after it (both optional)."""
        self._push(text, prob, hidden)
        self._changed()

    def _push(self, text: str, prob: Any, hidden: Any, token_id: Any = None) -> None:
        if hidden is not None:
            hidden = np.asarray(hidden, dtype=np.float32).reshape(-1)
        prob = None if prob is None else float(prob)
        token_id = None if token_id is None else int(token_id)
        self._tokens.append(_Token(str(text), prob, hidden, token_id))
        self._pushed += 1

    def _changed(self) -> None:
        """After new text: redraw the rows whose strips differ from those last drawn
        (usually just the newest line), or everything when that cannot be told."""
        self._version += 1
        before = self._rows
        width, height = self.size
        if before is None or width <= 0 or not self._tokens or not self.is_mounted:
            self.refresh()
            return
        after = self._text_rows(width, self._text_row_count(height))
        if before[0][1:] != self._rows[0][1:]:  # drawn for another size, mode or theme
            self.refresh()
            return
        for y, (old, new) in enumerate(zip(before[1], after, strict=True)):
            if old is not new and old != new:
                self.refresh(Region(0, y, width, 1))

    # -------------------------------------------------------------- colours

    @property
    def mode(self) -> ColourMode:
        """How tokens are coloured: "probability" or "unit"."""
        return self._mode

    @mode.setter
    def mode(self, mode: ColourMode) -> None:
        if mode not in COLOUR_MODES:
            raise ValueError(f"colour mode must be one of {COLOUR_MODES}, got {mode!r}")
        if mode != self._mode:
            self._mode = mode
            self.refresh()

    @property
    def unit(self) -> int:
        """The hidden unit used by the "unit" colouring."""
        return self._unit

    @unit.setter
    def unit(self, unit: int) -> None:
        unit = max(int(unit), 0)
        if unit != self._unit:
            self._unit = unit
            if self._mode == "unit":
                self.refresh()

    def colour_by_probability(self) -> None:
        """Colour tokens by the probability they were sampled with."""
        self.mode = "probability"

    def colour_by_unit(self, unit: int | None = None) -> None:
        """Colour tokens by hidden unit `unit` (default: the current one)."""
        if unit is not None:
            self.unit = unit
        self.mode = "unit"

    def toggle_mode(self) -> ColourMode:
        """Switch between the two colourings; returns the new mode."""
        self.mode = "unit" if self._mode == "probability" else "probability"
        return self._mode

    def token_style(self, index: int) -> Style:
        """The colouring style of kept token `index` under the current mode."""
        return self._token_style(self._tokens[index])

    def _token_style(self, token: _Token) -> Style:
        if self._mode == "probability":
            if token.prob is None:
                return self.themed("sample-view--plain", alone=True)
            return probability_text(probability_level(token.prob))
        if token.hidden is None or self._unit >= token.hidden.shape[0]:
            return self.themed("sample-view--plain", alone=True)
        return DIVERGING_TEXTS[diverging_level(token.hidden[self._unit])]

    # ------------------------------------------------------------ rendering

    def styles_changed(self) -> None:
        self._paragraphs_context = None
        self._rows = None

    def _paragraphs_backward(self) -> Iterator[tuple[Piece, ...]]:
        """The kept sample (prime, then coloured tokens) as paragraphs, newest first.

        A newline token keeps a visible, coloured mark (↵) before its break; a
        newline in the prime is a plain break. Pieces that are nothing but
        control codes (which Rich drops) are left out of a paragraph when the
        text has more than one: Rich's split drops their empty spans, which
        would otherwise cut the paragraph's segments.
        """
        pieces: list[Piece] = []  # the paragraph being collected, last piece first
        for back, token in enumerate(reversed(self._tokens)):
            style = self._token_style(token) + self._link(self._pushed - 1 - back)
            parts = token.text.split("\n")
            for i in range(len(parts) - 1, -1, -1):
                if parts[i]:
                    pieces.append((parts[i], style))
                if i:
                    yield printable(pieces)
                    pieces = [("↵", style + _DIM)]
        if self._prime:
            style = self.themed("sample-view--prime", alone=True)
            parts = self._prime.split("\n")
            for i in range(len(parts) - 1, -1, -1):
                if parts[i]:
                    pieces.append((parts[i], style))
                if i:
                    yield printable(pieces)
                    pieces = []
        broken = "\n" in self._prime or any("\n" in token.text for token in self._tokens)
        yield printable(pieces) if broken else tuple(reversed(pieces))

    def _link(self, number: int) -> Style:
        """The token's number (since the last clear) as style meta, for clicks."""
        link = self._links.get(number)
        if link is None:
            link = self._links[number] = Style.from_meta({"token": number})
        return link

    def on_click(self, event: events.Click) -> None:
        """A click on a sampled token: ask for it to be inspected."""
        number = event.style.meta.get("token")
        kept = None if number is None else number - (self._pushed - len(self._tokens))
        if kept is not None and 0 <= kept < len(self._tokens):
            self.post_message(self.TokenPicked(kept))

    def _wrap(self, paragraph: tuple[Piece, ...], width: int) -> list[Strip]:
        """One paragraph wrapped to `width` cells, as full-width strips."""
        text = Text(no_wrap=False, overflow="fold")
        for piece, style in paragraph:
            text.append(piece, style)
        console = self.app.console
        base = self.themed()
        return [
            Strip(Segment.apply_style(line.render(console), base)).adjust_cell_length(width, base)
            for line in text.wrap(console, width)
        ]

    def _tail_lines(self, width: int, rows: int) -> list[Strip]:
        """The last `rows` wrapped lines of the sample, or all of them when fewer."""
        context = (width, self.app.theme)
        known = self._paragraphs if self._paragraphs_context == context else {}
        used: dict[tuple[Piece, ...], list[Strip]] = {}
        blocks: list[list[Strip]] = []  # wrapped paragraphs, newest first
        count = 0
        for paragraph in one_blank_per_run(self._paragraphs_backward()):
            lines = used.get(paragraph) or known.get(paragraph)
            if lines is None:
                lines = self._wrap(paragraph, width)
            used[paragraph] = lines
            blocks.append(lines)
            count += len(lines)
            if count >= rows:
                break
        self._paragraphs, self._paragraphs_context = used, context
        return [line for lines in reversed(blocks) for line in lines]

    def room(self) -> int:
        """Characters the panel shows at once (its text rows times its width)."""
        width, height = self.size
        return max(width, 0) * self._text_row_count(height)

    @staticmethod
    def _text_row_count(height: int) -> int:
        """Rows for text: all but the legend's last row (when there is room for both)."""
        return height - 1 if height >= 2 else height

    def _text_rows(self, width: int, rows: int) -> list[Strip]:
        """The `rows` text rows, bottom-anchored: the newest text sits on the last row."""
        key = (self._version, width, rows, self._mode, self._unit, self.app.theme)
        if self._rows is not None and self._rows[0] == key:
            return self._rows[1]
        lines = self._tail_lines(width, rows)
        first = max(len(lines) - rows, 0)
        shown = lines[first : first + rows]
        shown += [Strip.blank(width, self.themed())] * (rows - len(shown))
        self._rows = (key, shown)
        return shown

    def _legend(self, width: int) -> Strip:
        base = self.themed()
        label = self.themed("sample-view--legend")
        if self._mode == "probability":
            swatches = [Segment("█", probability_text(level)) for level in range(0, 11, 2)]
            segments = [Segment("colour: p(token) low ", label), *swatches, Segment(" high", label)]
        else:
            swatches = [Segment(" ", diverging_background(level)) for level in (0, 5, 10, 15, 20)]
            segments = [Segment(f"colour: unit {self._unit}  -1 ", label), *swatches]
            segments.append(Segment(" +1", label))
        if self._prime:
            prime = self.themed("sample-view--prime")
            segments += [Segment("  ", label), Segment("prime", prime)]
        return Strip(segments).crop(0, width).adjust_cell_length(width, base)

    def render_line(self, y: int) -> Strip:
        width, height = self.size
        if width <= 0:
            return Strip.blank(0)
        if not self._prime and not self._tokens:
            if y == 0:
                hint = self.themed("sample-view--hint")
                return Strip([Segment(self.hint, hint)]).crop(0, width).adjust_cell_length(width)
            return Strip.blank(width, self.themed())
        text_rows = self._text_row_count(height)
        if y == text_rows:
            return self._legend(width)
        rows = self._text_rows(width, text_rows)
        return rows[y] if 0 <= y < len(rows) else Strip.blank(width, self.themed())
