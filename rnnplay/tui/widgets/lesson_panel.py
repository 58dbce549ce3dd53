"""The lesson panel: the card a student is on, its figures filled in from the screen.

One line of title (the lesson, ``card 2/6``, the card's kind) and the card's
text, wrapped, at most a few lines high. The app hands it the figures it
shows elsewhere (:meth:`LessonPanel.show`), so the card quotes the same
numbers as the status and chart panels.
"""

from __future__ import annotations

from collections.abc import Mapping

from rich.text import Text
from textual.widgets import Static

from rnnplay.core.lessons.figures import fill
from rnnplay.core.lessons.schema import Lesson

KIND_LABELS = {"do": "DO", "look": "LOOK", "ask": "QUESTION"}


class LessonPanel(Static):
    """The current card of a lesson; ``l`` / ``h`` move between cards (keys.py)."""

    DEFAULT_CSS = """
    LessonPanel {
        height: auto;
        max-height: 5;
        border: round $accent;
        border-title-color: $accent;
        border-subtitle-color: $text-muted;
        padding: 0 1;
    }
    """

    def __init__(self, lesson: Lesson, *, id: str | None = None) -> None:
        super().__init__("", id=id)
        self.lesson = lesson
        self.index = 0
        self._figures: Mapping[str, object] = {}
        self._shown: str | None = None

    @property
    def card_text(self) -> str:
        """The current card as the student reads it (figures filled in)."""
        card = self.lesson.cards[self.index]
        return fill(card.text, self._figures)

    def move(self, by: int) -> bool:
        """Go ``by`` cards on (or back); False at either end."""
        index = self.index + by
        if not 0 <= index < len(self.lesson.cards):
            return False
        self.index = index
        self._redraw()
        return True

    def show(self, figures: Mapping[str, object]) -> None:
        """New figures; redrawn only when the card's text changes."""
        self._figures = figures
        self._redraw()

    def on_mount(self) -> None:
        self._redraw()

    def _redraw(self) -> None:
        card = self.lesson.cards[self.index]
        total = len(self.lesson.cards)
        self.border_title = f"Lesson: {self.lesson.title}"
        nav = "l next" if self.index + 1 < total else "last card"
        self.border_subtitle = f"card {self.index + 1}/{total} · {nav}"
        text = self.card_text
        key = f"{self.index}:{text}"
        if key == self._shown:
            return
        self._shown = key
        body = Text()
        body.append(f"{KIND_LABELS[card.kind]}  ", style="bold")
        body.append(text)
        self.update(body)
