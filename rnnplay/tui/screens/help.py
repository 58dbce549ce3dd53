"""The help screen: what each panel shows (two lines each) and the keys."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

PANELS: list[tuple[str, str]] = [
    (
        "Status",
        "What is training on what: corpus, cell, sizes, parameter count.\n"
        "Progress: step, epoch, tokens seen and per second, loss, validation perplexity.",
    ),
    (
        "Loss",
        "Training loss (smoothed) and validation loss, in nats per token, against tokens seen.\n"
        "Both falling means learning; validation rising while training falls means overfitting.",
    ),
    (
        "Sample",
        "Text the model writes one token at a time from the prime (editable, Enter restarts).\n"
        "Colour (c): each token's probability, or the selected hidden unit's activation.",
    ),
    (
        "Hidden state",
        "Hidden units (rows) over the sampled tokens (columns), blue -1 .. red +1.\n"
        "Up/down select a unit, v sorts by variance: some track quotes, line ends, words.",
    ),
    (
        "Next token",
        "The most likely next tokens at the current sampling step, as probability bars.\n"
        "Lower temperature sharpens them; the token actually chosen is marked.",
    ),
    (
        "Gradient flow",
        "How strongly the loss at the end of a BPTT window reaches back t steps: ||dL/dh_t||.\n"
        "A plain RNN's gradient vanishes within a few steps; LSTM and GRU carry it further.",
    ),
    (
        "Controls",
        "lr, temperature and top-k apply at once (Enter). Other settings define the model:\n"
        "change them and press 'apply & reset' to start over (asks first).",
    ),
]

KEYS: list[tuple[str, str]] = [
    ("space", "start / pause training"),
    ("n", "one training step"),
    ("g", "new sample"),
    ("+ / -", "temperature up / down"),
    ("] / [", "learning rate x2 / /2"),
    ("up / down", "select hidden unit"),
    ("c", "colour the sample by probability / by the unit"),
    ("v", "sort hidden units by variance / by index"),
    ("s", "save checkpoint"),
    ("o", "open checkpoint"),
    ("r", "reset (asks first)"),
    ("tab", "next field; escape leaves it"),
    ("ctrl+p", "command palette"),
    ("?", "this help"),
    ("q", "quit"),
]


def escape(text: str) -> str:
    """Plain text for Textual markup: every "[" taken literally."""
    return text.replace("[", "\\[")


def help_text() -> str:
    """The help as Rich markup."""
    lines = ["[b]rnnplay[/b]: watch a recurrent network learn to write.", ""]
    for title, body in PANELS:
        lines.append(f"[b $accent]{title}[/]")
        lines.extend(f"  {escape(line)}" for line in body.splitlines())
    lines += ["", "[b $accent]Keys[/]"]
    lines.extend(f"  [b]{escape(key.ljust(10))}[/b] {escape(what)}" for key, what in KEYS)
    lines += ["", "[dim]Escape, ? or q closes this screen.[/dim]"]
    return "\n".join(lines)


class HelpScreen(ModalScreen[None]):
    """A scrollable page over the playground."""

    DEFAULT_CSS = """
    HelpScreen {
        align: center middle;
        & > VerticalScroll {
            width: 100; max-width: 100%; height: auto; max-height: 100%;
            border: thick $primary; background: $surface; padding: 0 1;
        }
        & Static { width: 100%; }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,question_mark,q", "close", "Close")]

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(help_text(), id="help-text")

    def action_close(self) -> None:
        self.dismiss(None)
