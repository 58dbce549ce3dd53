"""Ask for the path of a checkpoint to open."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label


class OpenCheckpointScreen(ModalScreen[str | None]):
    """Dismisses with the path typed (Enter) or None (Escape)."""

    DEFAULT_CSS = """
    OpenCheckpointScreen {
        align: center middle;
        & > Vertical {
            width: 70; max-width: 95%; height: auto;
            border: thick $primary; background: $surface; padding: 1 2;
        }
        & Label { margin-bottom: 1; }
        & .hint { color: $text-muted; margin: 1 0 0 0; }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, suggestion: str = "") -> None:
        super().__init__()
        self.suggestion = suggestion

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Open checkpoint (.npz written by rnnplay):")
            yield Input(self.suggestion, placeholder="path/to/checkpoint.npz", id="path")
            yield Label(
                "Enter opens it, Escape cancels. Training so far is replaced.", classes="hint"
            )

    def on_mount(self) -> None:
        self.query_one("#path", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        path = event.value.strip()
        self.dismiss(path or None)

    def action_cancel(self) -> None:
        self.dismiss(None)
