"""SampleView: generated text appearing token by token, coloured by what the model computed.

Two colourings, switched with `mode`:

- "probability": each token's colour is the probability the model gave it
  when it was sampled (red and dim when unlikely, green and bold when sure).
- "unit": each token's background is the activation of one hidden unit after
  reading it, on the heatmap's diverging scale, so a unit that tracks quotes,
  line length or word boundaries lights up along the text (Karpathy's
  "visualizing the cells").

The prime (the text the sample was started from) is shown in its own style.
Only the last `max_tokens` tokens are kept, and the text is wrapped once per
change and width, then the bottom lines are drawn with the line API, so the
view stays cheap however long sampling runs.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from typing import Any, ClassVar, Literal, NamedTuple

import numpy as np
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.strip import Strip
from textual.widget import Widget

from rnnplay.tui.widgets.palette import (
    diverging_background,
    diverging_levels,
    diverging_text,
    probability_level,
    probability_text,
)

ColourMode = Literal["probability", "unit"]
COLOUR_MODES: tuple[ColourMode, ...] = ("probability", "unit")


class _Token(NamedTuple):
    text: str
    prob: float | None
    hidden: np.ndarray | None


class SampleView(Widget):
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
        self._mode: ColourMode = "probability"
        self._unit = 0
        self._version = 0
        self._wrapped: tuple[tuple[Any, ...], list[Strip]] | None = None

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
    def generated_text(self) -> str:
        """The kept generated text, without the prime."""
        return "".join(token.text for token in self._tokens)

    def clear(self, prime: str = "") -> None:
        """Start a new sample from `prime` (shown in its own style)."""
        self._prime = prime
        self._tokens.clear()
        self._changed()

    def append(self, step: Any) -> None:
        """Add one sampler step: anything with `.text`, `.prob` and `.hidden` (e.g. SampleStep)."""
        self.append_token(step.text, getattr(step, "prob", None), getattr(step, "hidden", None))

    def extend(self, steps: Iterable[Any]) -> None:
        """Add a batch of sampler steps (as append, one after the other)."""
        for step in steps:
            self.append(step)

    def append_token(
        self, text: str, prob: float | None = None, hidden: np.ndarray | None = None
    ) -> None:
        """Add one token with its probability and the hidden state after it (both optional)."""
        if hidden is not None:
            hidden = np.asarray(hidden, dtype=np.float32).reshape(-1)
        self._tokens.append(_Token(str(text), None if prob is None else float(prob), hidden))
        self._changed()

    def _changed(self) -> None:
        self._version += 1
        self.refresh()

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
                return self.get_component_rich_style("sample-view--plain")
            return probability_text(probability_level(token.prob))
        if token.hidden is None or self._unit >= token.hidden.shape[0]:
            return self.get_component_rich_style("sample-view--plain")
        return diverging_text(int(diverging_levels(token.hidden[self._unit])))

    # ------------------------------------------------------------ rendering

    def _text(self) -> Text:
        """The whole kept sample as Rich Text: prime, then coloured tokens."""
        text = Text(no_wrap=False, overflow="fold")
        if self._prime:
            text.append(self._prime, self.get_component_rich_style("sample-view--prime"))
        for token in self._tokens:
            style = self._token_style(token)
            pieces = token.text.split("\n")
            for i, piece in enumerate(pieces):
                if i:
                    # A newline token keeps a visible, coloured mark before the break.
                    text.append("↵", style)
                    text.append("\n")
                if piece:
                    text.append(piece, style)
        return text

    def _lines(self, width: int) -> list[Strip]:
        key = (self._version, width, self._mode, self._unit, self.app.theme)
        if self._wrapped is not None and self._wrapped[0] == key:
            return self._wrapped[1]
        console = self.app.console
        lines = self._text().wrap(console, width)
        base = self.rich_style
        strips = [
            Strip(Segment.apply_style(line.render(console), base)).adjust_cell_length(width, base)
            for line in lines
        ]
        self._wrapped = (key, strips)
        return strips

    def _legend(self, width: int) -> Strip:
        base = self.rich_style
        label = base + self.get_component_rich_style("sample-view--legend")
        if self._mode == "probability":
            swatches = [Segment("█", probability_text(level)) for level in range(0, 11, 2)]
            segments = [Segment("colour: p(token) low ", label), *swatches, Segment(" high", label)]
        else:
            swatches = [Segment(" ", diverging_background(level)) for level in (0, 5, 10, 15, 20)]
            segments = [Segment(f"colour: unit {self._unit}  -1 ", label), *swatches]
            segments.append(Segment(" +1", label))
        if self._prime:
            prime = base + self.get_component_rich_style("sample-view--prime")
            segments += [Segment("  ", label), Segment("prime", prime)]
        return Strip(segments).crop(0, width).adjust_cell_length(width, base)

    def render_line(self, y: int) -> Strip:
        width, height = self.size
        base = self.rich_style
        if width <= 0:
            return Strip.blank(0)
        if not self._prime and not self._tokens:
            if y == 0:
                hint = base + self.get_component_rich_style("sample-view--hint")
                return Strip([Segment(self.hint, hint)]).crop(0, width).adjust_cell_length(width)
            return Strip.blank(width, base)
        text_rows = height - 1 if height >= 2 else height
        if y == text_rows:
            return self._legend(width)
        lines = self._lines(width)
        # Bottom-anchored: the newest text sits on the last text row.
        first = max(len(lines) - text_rows, 0)
        index = first + y
        if index < len(lines):
            return lines[index]
        return Strip.blank(width, base)
