"""Controls: the settings of the session, editable in place.

Two kinds of setting live here. The live ones apply between two steps
without resetting anything: the learning rate, its schedule and dropout
(training goes on from the same weights) and the sampling settings
(temperature, top-k, the sample length: ``auto`` fills the Sample panel, a
number overrides it). Pressing Enter in a typed field (or leaving it), or
choosing a schedule, sends :class:`Controls.LiveChanged`. Everything else
(corpus, level, cell, layers, sizes, batch, bptt, optimizer) defines the
model or its data, so changing it means starting over: those edits are
collected and the "apply & reset" button sends
:class:`Controls.StructuralChange`, which the app confirms with the user
before it resets the session. A value that cannot be used sends
:class:`Controls.InvalidValue` (one line) and changes nothing; the field
keeps the text, marked, to be corrected. The fields' names, labels and
parsing are in :mod:`rnnplay.tui.widgets.control_values`.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.suggester import SuggestFromList
from textual.widgets import Button, Input, Label, Select

from rnnplay.core.train.config import TrainConfig
from rnnplay.tui.widgets.control_values import (
    AUTO,
    LABELS,
    LIVE_CHOICES,
    LIVE_INPUTS,
    LIVE_ORDER,
    NAMES,
    STRUCTURAL_CHOICES,
    STRUCTURAL_INTS,
    LiveSettings,
    length_text,
    live_text,
    parse_live,
    shown,
)

__all__ = ["LABELS", "Controls", "LiveSettings"]


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
        & #apply { width: 100%; min-width: 10; }
        & #pending { height: auto; color: $warning; display: none; }
        & #pending.-shown { display: block; }
    }
    """

    class LiveChanged(Message):
        """A live setting (``lr``, ``schedule``, ``dropout``, ``temperature``, ``top_k``
        or ``sample_length``) was changed."""

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
        self._refused: tuple[str, str] | None = None
        """The field and text last refused (its notice is not repeated)."""

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
        for name in LIVE_ORDER:
            with Horizontal(classes="live"):
                yield Label(LABELS[name], classes="control-label")
                if name in LIVE_CHOICES:
                    yield self._select(name, getattr(self._live, name))
                else:
                    text = live_text(self._live, name)
                    yield Input(text, id=name, compact=True, select_on_focus=False)
        yield Label("", id="pending")
        yield Button("apply & reset", id="apply", disabled=True, compact=True)

    def _select(self, name: str, value: str | None) -> Select:
        choices = STRUCTURAL_CHOICES.get(name) or LIVE_CHOICES[name]
        options = [(choice, choice) for choice in choices]
        return Select(options, value=shown(value), id=name, allow_blank=False, compact=True)

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
                self.query_one(f"#{name}", Select).value = shown(getattr(self._config, name))
            for name in STRUCTURAL_INTS:
                self.query_one(f"#{name}", Input).value = str(getattr(self._config, name))
            for name in LIVE_CHOICES:
                self.query_one(f"#{name}", Select).value = getattr(self._live, name)
            for name in LIVE_INPUTS:
                field = self.query_one(f"#{name}", Input)
                if not field.has_focus:
                    field.value = live_text(self._live, name)
                    field.remove_class("-invalid")
        self._update_pending()

    def show_live(self, live: LiveSettings) -> None:
        """Display new live values (after a key or the session changed one)."""
        self.show(live=live)

    # -- structural edits ---------------------------------------------------------------
    def pending_changes(self) -> dict[str, Any]:
        """Structural settings whose fields differ from the running session."""
        changes: dict[str, Any] = {}
        corpus = self.query_one("#corpus", Input).value.strip()
        if corpus and corpus != self._config.corpus:
            changes["corpus"] = corpus
        for name in STRUCTURAL_CHOICES:
            value = self.query_one(f"#{name}", Select).value
            if isinstance(value, str) and value != shown(getattr(self._config, name)):
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
            "changed: " + ", ".join(NAMES[k] for k in changes) + " (resets)" if changes else ""
        )

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id not in LIVE_INPUTS:
            self._update_pending()

    def on_select_changed(self, event: Select.Changed) -> None:
        name = event.select.id or ""
        if name not in LIVE_CHOICES:
            self._update_pending()
        elif isinstance(event.value, str) and event.value != getattr(self._live, name):
            self._set_live(name, event.value)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "apply":
            changes = self.pending_changes()
            if changes:
                self.post_message(self.StructuralChange(changes))

    # -- live edits ------------------------------------------------------------------
    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id in LIVE_INPUTS:
            event.stop()
            self._apply_live(event.input)

    def on_input_blurred(self, event: Input.Blurred) -> None:
        if event.input.id in LIVE_INPUTS:
            self._apply_live(event.input)

    def _apply_live(self, field: Input) -> None:
        name = field.id or ""
        try:
            value = parse_live(name, field.value)
        except ValueError as error:
            field.add_class("-invalid")
            if self._refused != (name, field.value):  # Enter, then leaving: one notice
                self._refused = (name, field.value)
                reason = str(error)
                if not reason.startswith(NAMES[name]):
                    reason = f"{NAMES[name]}: {reason}"
                self.post_message(self.InvalidValue(reason))
            return
        self._refused = None
        field.remove_class("-invalid")
        if name == "sample_length":
            field.value = length_text(value)  # "auto" or the number, however it was typed
        if value != getattr(self._live, name):
            self._set_live(name, value)

    def _set_live(self, name: str, value: Any) -> None:
        self._live = LiveSettings(**{**self._live.__dict__, name: value})
        self.post_message(self.LiveChanged(name, value))
