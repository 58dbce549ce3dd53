"""NextTokenDistribution: the model's top candidates for the next token, as bars.

At each sampling step the model spreads probability over the vocabulary; this
panel lists the k most likely tokens with a bar each (on an absolute 0-1
scale, so a flat, untrained distribution looks flat) and marks the token the
sampler actually chose with '▶'. When the chosen token was not among the top
k (sampling can pick an unlikely token), it is added as a last row.

It changes five times a second while sampling runs alongside training, so a
new step redraws only the rows whose content changed, and the panel's styles
are looked up once per theme rather than per row (Textual's ``rich_style``
walks every ancestor).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar, NamedTuple

import numpy as np
from rich.cells import cell_len
from rich.segment import Segment
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget

from rnnplay.tui.widgets.palette import visible_token
from rnnplay.tui.widgets.theme_styles import ThemeStyles

_EIGHTHS = " ▏▎▍▌▋▊▉"


class Candidate(NamedTuple):
    """One row of the panel: a token, its probability, and whether it was chosen."""

    token: str
    prob: float
    chosen: bool


def bar_cells(fraction: float, width: int) -> str:
    """A horizontal bar `fraction` of `width` cells long, with eighth-cell precision."""
    if width <= 0 or not np.isfinite(fraction):
        return ""
    eighths = round(min(max(fraction, 0.0), 1.0) * width * 8)
    full, rest = divmod(eighths, 8)
    bar = "█" * full + (_EIGHTHS[rest] if rest else "")
    return bar


class NextTokenDistribution(ThemeStyles, Widget):
    """Top-k next-token probabilities at the current sampling step, the chosen one marked."""

    DEFAULT_CSS = """
    NextTokenDistribution {
        width: 1fr;
        height: 1fr;
        min-width: 20;
        min-height: 3;
        border: round $primary-muted;
        border-title-color: $text;
        & > .next-token--hint { color: $text-muted; text-style: italic; }
        & > .next-token--token { color: $text; }
        & > .next-token--bar { color: $primary; }
        & > .next-token--prob { color: $text-muted; }
        & > .next-token--chosen { color: $accent; text-style: bold; }
        & > .next-token--outside { color: $text-muted; text-style: italic; }
    }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "next-token--hint",
        "next-token--token",
        "next-token--bar",
        "next-token--prob",
        "next-token--chosen",
        "next-token--outside",
    }

    BORDER_TITLE = "Next token"

    def __init__(
        self,
        *,
        hint: str = "no sample yet: press g to sample",
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.hint = hint
        self._candidates: list[Candidate] = []
        self._outside: Candidate | None = None
        self._rows: list[Candidate] = []  # candidates, then the outside pick if any
        self._label_width = 0

    @property
    def candidates(self) -> list[Candidate]:
        """The rows shown, most likely first; a chosen token outside the top k comes last."""
        return list(self._rows)

    @property
    def chosen(self) -> Candidate | None:
        """The row of the chosen token, if one was given."""
        return next((row for row in self.candidates if row.chosen), None)

    def set(
        self,
        top_tokens: Sequence[str],
        top_probs: Sequence[float] | np.ndarray,
        chosen: int | None = None,
        *,
        chosen_token: str | None = None,
        chosen_prob: float | None = None,
    ) -> None:
        """Show candidates `top_tokens` with `top_probs`; `chosen` is the index of the pick.

        When the pick is not among the candidates, pass `chosen=None` with
        `chosen_token` and `chosen_prob` to show it as an extra row.
        """
        probs = np.asarray(top_probs, dtype=np.float64).reshape(-1)
        if len(top_tokens) != probs.shape[0]:
            raise ValueError(f"{len(top_tokens)} tokens for {probs.shape[0]} probabilities")
        if chosen is not None and not 0 <= chosen < len(top_tokens):
            raise ValueError(f"chosen index {chosen} outside 0..{len(top_tokens) - 1}")
        candidates = [
            Candidate(str(token), float(prob), i == chosen)
            for i, (token, prob) in enumerate(zip(top_tokens, probs, strict=True))
        ]
        outside = None
        if chosen is None and chosen_token is not None:
            prob = float("nan") if chosen_prob is None else float(chosen_prob)
            outside = Candidate(str(chosen_token), prob, True)
        self._show_rows(candidates, outside)

    def show(self, step: Any, token_text: Callable[[int], str] | Sequence[str]) -> None:
        """Show a sampler step (duck-typed SampleStep: token_id, text, prob, top_ids, top_probs).

        `token_text` maps a token id to its label: a sequence such as
        `vocab.tokens`, or a callable such as `vocab.token_text`.
        """
        lookup = token_text if callable(token_text) else token_text.__getitem__
        top_ids = [int(i) for i in np.asarray(step.top_ids).reshape(-1)]
        tokens = [lookup(i) for i in top_ids]
        chosen = top_ids.index(int(step.token_id)) if int(step.token_id) in top_ids else None
        self.set(
            tokens,
            step.top_probs,
            chosen,
            chosen_token=None if chosen is not None else lookup(int(step.token_id)),
            chosen_prob=getattr(step, "prob", None),
        )

    def clear(self) -> None:
        """Show the hint again (no step yet)."""
        self._show_rows([], None)

    def _show_rows(self, candidates: list[Candidate], outside: Candidate | None) -> None:
        """Take the new rows and redraw the lines whose content changed (all of
        them when the label column's width changed, or the hint came or went)."""
        height = self.size.height
        before = [self._line_content(y, height) for y in range(height)]
        old_label_width, had_rows = self._label_width, bool(self._rows)
        self._candidates, self._outside = candidates, outside
        self._rows = [*candidates, *([outside] if outside else [])]
        self._label_width = min(
            max((cell_len(visible_token(row.token)) for row in self._rows), default=0), 10
        )
        if not height or self._label_width != old_label_width or had_rows != bool(self._rows):
            self.refresh()
            return
        width = self.size.width
        for y, old in enumerate(before):
            if self._line_content(y, height) != old:
                self.refresh(Region(0, y, width, 1))

    def _line_content(self, y: int, height: int) -> tuple[Candidate, bool] | None:
        """What line `y` shows: a row and whether it is the chosen-outside-top-k one,
        or None for the hint or a blank line."""
        rows = self._rows
        if y >= len(rows):
            return None
        row = rows[y]
        outside = self._outside is not None and y == len(rows) - 1
        if height < len(rows) and y == height - 1 and self._outside is not None:
            # Too short to show every row: keep the chosen one on the last line.
            row, outside = self._outside, True
        return row, outside

    def render_line(self, y: int) -> Strip:
        width, height = self.size
        if width <= 0:
            return Strip.blank(0)
        base = self.themed()
        if not self._rows:
            if y == 0:
                hint = self.themed("next-token--hint")
                return Strip([Segment(self.hint, hint)]).crop(0, width).adjust_cell_length(width)
            return Strip.blank(width, base)
        content = self._line_content(y, height)
        if content is None:
            return Strip.blank(width, base)
        row, outside = content
        return self._row_strip(row, outside, width)

    def _row_strip(self, row: Candidate, outside: bool, width: int) -> Strip:
        base = self.themed()
        label_width = self._label_width
        label = visible_token(row.token)
        if cell_len(label) > label_width:
            label = label[: label_width - 1] + "…"
        label += " " * (label_width - cell_len(label))
        token_style = self.themed("next-token--chosen" if row.chosen else "next-token--token")
        if outside:
            token_style += self.themed("next-token--outside", alone=True)
        bar_style = self.themed("next-token--chosen" if row.chosen else "next-token--bar")
        prob_style = self.themed("next-token--prob")
        prob_text = "    ?%" if not np.isfinite(row.prob) else f"{row.prob * 100:5.1f}%"
        bar_width = max(width - 2 - label_width - 1 - len(prob_text) - 1, 0)
        bar = bar_cells(row.prob, bar_width)
        segments = [
            Segment("▶ " if row.chosen else "  ", token_style),
            Segment(label, token_style),
            Segment(" ", base),
            Segment(prob_text, token_style if row.chosen else prob_style),
            Segment(" ", base),
            Segment(bar, bar_style),
        ]
        return Strip(segments).crop(0, width).adjust_cell_length(width, base)
