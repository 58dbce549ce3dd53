"""Shown instead of the playground when the terminal cannot hold it."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import BindingType
from textual.screen import Screen
from textual.widgets import Static


class TooSmallScreen(Screen[None]):
    """Says how big the terminal must be; the app removes it once it is."""

    DEFAULT_CSS = """
    TooSmallScreen {
        align: center middle;
        & Static { width: auto; height: auto; color: $warning; text-align: center; }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [("q", "app.quit", "Quit")]

    def __init__(self, min_width: int, min_height: int) -> None:
        super().__init__()
        self.min_width = min_width
        self.min_height = min_height

    def compose(self) -> ComposeResult:
        yield Static(id="message")

    def on_mount(self) -> None:
        self.update_size()

    def on_resize(self) -> None:
        self.update_size()

    def update_size(self) -> None:
        width, height = self.app.size
        self.query_one("#message", Static).update(
            f"terminal too small: needs at least {self.min_width}x{self.min_height}\n"
            f"(now {width}x{height}; q quits)"
        )
