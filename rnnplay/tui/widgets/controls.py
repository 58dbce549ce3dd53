"""Controls: the settings of the session, editable in place.

Two kinds of setting live here. The learning rate and the sampling
settings (temperature, top-k) apply live: pressing Enter in their field (or
leaving it) sends :class:`Controls.LiveChanged` and the session changes
between two steps without resetting anything. Everything else (corpus,
level, cell, layers, sizes, batch, bptt, optimizer) defines the model or
its data, so changing it means starting over: those edits are collected
and the "apply & reset" button sends :class:`Controls.StructuralChange`,
which the app confirms with the user before it resets the session.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from textual import events
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.suggester import SuggestFromList
from textual.widgets import Button, Input, Label, Select

from rnnplay.core.train.config import CELL_NAMES, LEVELS, OPTIMIZER_NAMES, TrainConfig

STRUCTURAL_INTS = ("layers", "embed", "hidden", "batch", "bptt")
AUTO = "auto"
"""Shown for a level of None: the corpus's own level (word for the toy corpus, else char)."""

STRUCTURAL_CHOICES = {
    "level": (AUTO, *LEVELS),
    "cell": CELL_NAMES,
    "optimizer": OPTIMIZER_NAMES,
}
LIVE = ("lr", "temperature", "top_k")

LABELS = {
    "corpus": "corpus",
    "level": "level",
    "cell": "cell",
    "layers": "layers",
    "embed": "embed",
    "hidden": "hidden",
    "batch": "batch",
    "bptt": "bptt",
    "optimizer": "optimizer",
    "lr": "lr",
    "temperature": "temperature",
    "top_k": "top-k",
}


@dataclass(frozen=True)
class LiveSettings:
    lr: float
    temperature: float
    top_k: int | None


def parse_live(name: str, text: str) -> float | int | None:
    """Parse a live setting; raise ValueError with a one-line reason."""
    text = text.strip()
    if name == "top_k":
        if text in ("", "0", "none", "off"):
            return None
        value = int(text)
        if value < 1:
            raise ValueError("top-k must be a positive integer (or empty for off)")
        return value
    value = float(text)
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{LABELS[name]} must be a positive number")
    return value


def _shown(value: str | None) -> str:
    return AUTO if value is None else value


def format_number(value: float) -> str:
    return f"{value:.4g}"


class Controls(VerticalScroll, can_focus=False):
    """Labelled fields for every setting, and the button that applies the structural ones."""

    DEFAULT_CSS = """
    Controls {
        height: 1fr;
        scrollbar-size-vertical: 1;
        & > Horizontal { height: 1; margin-bottom: 0; }
        & Label.control-label { width: 12; color: $text-muted; }
        & Input, & Select { width: 1fr; }
        & .live Label.control-label { color: $accent; }
        & Input.-invalid { color: $error; }
        & #apply-bar { dock: bottom; height: auto; }
        & #apply { width: 100%; min-width: 10; }
        & #pending { height: auto; color: $warning; display: none; }
        & #pending.-shown { display: block; }
    }
    """

    class LiveChanged(Message):
        """A live setting (``lr``, ``temperature`` or ``top_k``) was changed."""

        def __init__(self, setting: str, value: Any) -> None:
            super().__init__()
            self.setting = setting
            self.value = value

    class StructuralChange(Message):
        """The user asks to rebuild the session with these changed settings."""

        def __init__(self, changes: dict[str, Any]) -> None:
            super().__init__()
            self.changes = changes

    class InvalidValue(Message):
        """A field holds a value that cannot be used (one-line reason)."""

        def __init__(self, reason: str) -> None:
            super().__init__()
            self.reason = reason

    def __init__(
        self,
        config: TrainConfig,
        live: LiveSettings,
        *,
        corpus_names: list[str] | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self._config = config
        self._live = live
        self._corpus_names = corpus_names or []

    # -- layout -------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        cfg = self._config
        suggester = SuggestFromList(self._corpus_names) if self._corpus_names else None
        with Horizontal():
            yield Label(LABELS["corpus"], classes="control-label")
            yield Input(
                cfg.corpus,
                id="corpus",
                compact=True,
                suggester=suggester,
                select_on_focus=False,
            )
        for name in ("level", "cell"):
            with Horizontal():
                yield Label(LABELS[name], classes="control-label")
                yield self._select(name, getattr(cfg, name))
        for name in STRUCTURAL_INTS:
            with Horizontal():
                yield Label(LABELS[name], classes="control-label")
                yield Input(
                    str(getattr(cfg, name)),
                    id=name,
                    type="integer",
                    compact=True,
                    select_on_focus=False,
                )
        with Horizontal():
            yield Label(LABELS["optimizer"], classes="control-label")
            yield self._select("optimizer", cfg.optimizer)
        for name in LIVE:
            with Horizontal(classes="live"):
                yield Label(LABELS[name], classes="control-label")
                yield Input(self._live_text(name), id=name, compact=True, select_on_focus=False)
        with Vertical(id="apply-bar"):  # docked: in sight however the fields scroll
            yield Label("", id="pending")
            yield Button("apply & reset", id="apply", disabled=True, compact=True)

    def _select(self, name: str, value: str | None) -> Select:
        options = [(choice, choice) for choice in STRUCTURAL_CHOICES[name]]
        return Select(options, value=_shown(value), id=name, allow_blank=False, compact=True)

    def _live_text(self, name: str) -> str:
        value = getattr(self._live, name)
        if value is None:
            return ""
        return str(value) if name == "top_k" else format_number(value)

    # -- showing current values -------------------------------------------------------
    def show(self, config: TrainConfig | None = None, live: LiveSettings | None = None) -> None:
        """Display the session's current settings (no messages are sent)."""
        if config is not None:
            self._config = config
        if live is not None:
            self._live = live
        with self.prevent(Input.Changed, Select.Changed):
            self.query_one("#corpus", Input).value = self._config.corpus
            for name in STRUCTURAL_CHOICES:
                self.query_one(f"#{name}", Select).value = _shown(getattr(self._config, name))
            for name in STRUCTURAL_INTS:
                self.query_one(f"#{name}", Input).value = str(getattr(self._config, name))
        self.show_live(self._live)

    def show_live(self, live: LiveSettings) -> None:
        """Display new live values (after a key or the schedule changed the lr, or a key
        the temperature). Only the live fields change: structural edits not yet applied
        stay as typed (``]`` pressed while changing the hidden size must not undo it)."""
        self._live = live
        with self.prevent(Input.Changed):
            for name in LIVE:
                field = self.query_one(f"#{name}", Input)
                if not field.has_focus:
                    field.value = self._live_text(name)
                    field.remove_class("-invalid")
        self._update_pending()

    # -- structural edits ---------------------------------------------------------------
    def pending_changes(self) -> dict[str, Any]:
        """Structural settings whose fields differ from the running session."""
        changes: dict[str, Any] = {}
        corpus = self.query_one("#corpus", Input).value.strip()
        if corpus and corpus != self._config.corpus:
            changes["corpus"] = corpus
        for name in STRUCTURAL_CHOICES:
            value = self.query_one(f"#{name}", Select).value
            if isinstance(value, str) and value != _shown(getattr(self._config, name)):
                changes[name] = None if value == AUTO else value
        for name in STRUCTURAL_INTS:
            text = self.query_one(f"#{name}", Input).value.strip()
            try:
                value = int(text)
            except ValueError:
                continue
            if value != getattr(self._config, name):
                changes[name] = value
        return changes

    def _update_pending(self) -> None:
        changes = self.pending_changes()
        button = self.query_one("#apply", Button)
        button.disabled = not changes
        label = self.query_one("#pending", Label)
        label.set_class(bool(changes), "-shown")
        label.update(
            "changed: " + ", ".join(LABELS[k] for k in changes) + " (resets)" if changes else ""
        )

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id not in LIVE:
            self._update_pending()

    def on_select_changed(self, event: Select.Changed) -> None:
        self._update_pending()

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        """Scroll the focused field above the docked apply bar: Textual's own scroll on
        focus counts a field under the bar as in sight (it is only covered)."""
        self.scroll_to_widget(event.widget, animate=False)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "apply":
            changes = self.pending_changes()
            if changes:
                self.post_message(self.StructuralChange(changes))

    # -- live edits ------------------------------------------------------------------
    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id in LIVE:
            event.stop()
            self._apply_live(event.input)

    def on_input_blurred(self, event: Input.Blurred) -> None:
        if event.input.id in LIVE:
            self._apply_live(event.input)

    def _apply_live(self, field: Input) -> None:
        name = field.id or ""
        try:
            value = parse_live(name, field.value)
        except ValueError as error:
            field.add_class("-invalid")
            reason = str(error) if "must" in str(error) else f"{LABELS[name]}: not a number"
            self.post_message(self.InvalidValue(reason))
            return
        field.remove_class("-invalid")
        if value != getattr(self._live, name):
            self._live = LiveSettings(**{**self._live.__dict__, name: value})
            self.post_message(self.LiveChanged(name, value))
