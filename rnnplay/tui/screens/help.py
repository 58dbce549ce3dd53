"""The help screen: the keys first (from the one table in rnnplay.tui.keys), then the panels.

It must be usable at 80x24: the box never exceeds the screen, it scrolls
with the keys a person tries (arrows, PageUp/PageDown, Home/End, the mouse
wheel) from the moment it opens, and the line saying how to close it is on
the box's border, so it is always in sight. Keys and panel names sit in a
column of their own, so a wrapped description keeps its indent.
"""

from __future__ import annotations

from typing import ClassVar

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from rnnplay.tui.keys import help_rows
from rnnplay.tui.screens.closing import ClosesOnce

PANELS: list[tuple[str, str]] = [
    (
        "Sample",
        "Text the model writes one token at a time from the prime (p edits it, Enter samples). "
        "c colours each token by its probability or by the selected hidden unit.",
    ),
    (
        "Loss",
        "Training loss (smoothed) and validation loss, in nats per token, against tokens seen. "
        "Both falling: learning. Validation rising while training falls: overfitting. "
        "Dashed: uniform, unigram and 2- to 5-gram models of the training text.",
    ),
    (
        "Status",
        "Corpus, cell, sizes, run folder; step, epoch, tokens seen, tokens per second "
        "(averaged over the last 5 s), loss, validation perplexity, learning rate.",
    ),
    (
        "Next token",
        "The most likely next tokens at the current sampling step; the one chosen is marked. "
        "A lower temperature sharpens them.",
    ),
    (
        "Hidden state",
        "Hidden units (rows) over the sampled tokens (columns), blue -1 .. red +1. "
        "Up/down select a unit; v sorts by variance: some track quotes, line ends, words.",
    ),
    (
        "Gradient flow",
        "How much of the loss gradient reaches k steps back in the BPTT window. "
        "A plain RNN's vanishes within a few steps; LSTM and GRU carry it further.",
    ),
    (
        "Controls",
        "lr, schedule, dropout, temperature, top-k and sample len (auto fills the Sample "
        "panel) apply at once (Enter), without a reset. The other settings define the "
        "model: change them and press 'apply & reset' to start over (asks first).",
    ),
]

CLOSE_HINT = "esc / ? / q close · ↑↓ PgDn End scroll"


def _two_columns(rows: list[tuple[str, str]], first_width: int, style: str) -> Table:
    table = Table.grid(padding=(0, 1), expand=True)
    table.add_column(width=first_width, no_wrap=True, style=style)
    table.add_column(ratio=1)
    for left, right in rows:
        table.add_row(left, right)
    return table


def help_renderable(
    *, tabs: bool, lesson: bool = False, hidden: frozenset[str] = frozenset()
) -> RenderableType:
    """Keys, then panels, as Rich renderables (``tabs``: list the tab keys too;
    ``lesson``: the card keys; ``hidden``: actions a lesson took away, not listed)."""
    return Group(
        Text.from_markup("[b]rnnplay[/b]: watch a recurrent network learn to write."),
        Text(""),
        Text("Keys", style="bold"),
        _two_columns(help_rows(tabs=tabs, lesson=lesson, hidden=hidden), 9, "bold"),
        Text(""),
        Text("Panels", style="bold"),
        _two_columns(PANELS, 13, "bold"),
    )


def help_plain_text(
    *, tabs: bool, lesson: bool = False, hidden: frozenset[str] = frozenset()
) -> str:
    """The help as plain lines (for tests and for reading it outside the app)."""
    lines = [f"{key}  {what}" for key, what in help_rows(tabs=tabs, lesson=lesson, hidden=hidden)]
    lines += [f"{name}  {text}" for name, text in PANELS]
    return "\n".join(lines)


class HelpScreen(ClosesOnce, ModalScreen[None]):
    """A scrollable page over the playground; it has focus, so the scroll keys work at once."""

    DEFAULT_CSS = """
    HelpScreen {
        align: center middle;
        & > VerticalScroll {
            width: 100; max-width: 100%; height: auto; max-height: 100%;
            border: round $primary; background: $surface; padding: 0 1;
            border-subtitle-color: $text;
            scrollbar-size-vertical: 1;
        }
        & Static { width: 100%; }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,question_mark,q", "close", "Close")]

    def __init__(
        self, *, tabs: bool = False, lesson: bool = False, hidden: frozenset[str] = frozenset()
    ) -> None:
        super().__init__()
        self.tabs = tabs
        self.lesson = lesson
        self.hidden = hidden

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-scroll") as scroll:
            scroll.border_title = "Help"
            scroll.border_subtitle = CLOSE_HINT
            text = help_renderable(tabs=self.tabs, lesson=self.lesson, hidden=self.hidden)
            yield Static(text, id="help-text")

    def on_mount(self) -> None:
        self.query_one("#help-scroll").focus()

    def action_close(self) -> None:
        self.dismiss(None)
