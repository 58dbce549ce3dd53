"""Open a checkpoint: pick one of those found under the runs folder, or type a path."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from rnnplay.tui.run_place import FoundCheckpoint
from rnnplay.tui.screens.closing import ClosesOnce


class OpenCheckpointScreen(ClosesOnce, ModalScreen[str | None]):
    """Dismisses with the chosen or typed path (Enter), or None (Escape).

    The list holds the checkpoints found (newest first, with step and
    validation loss); it has focus when there is one, else the path field.
    """

    DEFAULT_CSS = """
    OpenCheckpointScreen {
        align: center middle;
        & > Vertical {
            width: 80; max-width: 100%; height: auto; max-height: 100%;
            border: round $primary; background: $surface; padding: 0 1;
        }
        & OptionList { height: auto; max-height: 12; margin-bottom: 1; }
        & .hint { color: $text-muted; }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(
        self,
        found: Sequence[FoundCheckpoint] = (),
        *,
        root: Path | None = None,
        suggestion: str = "",
    ) -> None:
        super().__init__()
        self.found = list(found)
        self.root = root or Path("runs")
        self.suggestion = suggestion

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Open checkpoint"
            box.border_subtitle = "Enter opens · Tab moves · Escape cancels"
            if self.found:
                yield Label(f"Found under {self.root} (newest first):", classes="hint")
                yield OptionList(
                    *(Option(c.label(self.root), id=str(i)) for i, c in enumerate(self.found)),
                    id="found",
                )
            else:
                yield Label(f"No checkpoints under {self.root} yet.", classes="hint")
            yield Label("or a path (.npz written by rnnplay):", classes="hint")
            yield Input(self.suggestion, placeholder="path/to/checkpoint.npz", id="path")
            yield Label("Training so far is replaced (save with s first).", classes="hint")

    def on_mount(self) -> None:
        if self.found:
            self.query_one("#found", OptionList).focus()
        else:
            self.query_one("#path", Input).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(str(self.found[int(event.option.id or 0)].path))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        path = event.value.strip()
        self.dismiss(path or None)

    def action_cancel(self) -> None:
        self.dismiss(None)
