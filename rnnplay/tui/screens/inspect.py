"""The Inspect view: a text with a cursor, and what the model computed at the cursor.

At the cursor: the next-token distribution (top-k; the token that really
comes next is marked) and its surprise, the chosen layer's hidden column
sorted by magnitude, the gates (LSTM, GRU), and the text before it coloured
by blame. ``t`` switches the text (the sample, a slice of the validation
split, a typed or pasted text), ``/`` searches the units that track a
feature (built-in, or a regular expression), picking one colours the text
by it, ``f`` follows the training model or freezes the copy in hand.

Every answer is computed in a thread worker on a frozen copy of the
weights (:mod:`rnnplay.tui.inspection`); at most one computation runs at a
time, and what the learner asked for meanwhile is computed next.
"""

from __future__ import annotations

import time
from functools import partial
from typing import TYPE_CHECKING, ClassVar

import numpy as np
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal
from textual.screen import Screen
from textual.suggester import SuggestFromList
from textual.widgets import Footer, Input, OptionList

from rnnplay.core.inspect.features import FEATURES
from rnnplay.core.inspect.neurons import UnitScore
from rnnplay.core.inspect.reading import Reading
from rnnplay.core.nn.model import RNNLM
from rnnplay.core.nn.stepper import frozen_copy
from rnnplay.errors import RnnplayError, one_line
from rnnplay.tui import inspection
from rnnplay.tui.inspection import SOURCE_LABELS, SOURCES, Answer, Source
from rnnplay.tui.keys import INSPECT_KEYS, screen_bindings
from rnnplay.tui.messages import InspectAnswered, InspectWeights
from rnnplay.tui.screens.closing import ClosesOnce
from rnnplay.tui.screens.inspect_panels import list_units, show_position, titles
from rnnplay.tui.widgets.distribution import NextTokenDistribution
from rnnplay.tui.widgets.gates import GatesPanel
from rnnplay.tui.widgets.hidden_column import HiddenColumn
from rnnplay.tui.widgets.inspect_text import InspectText
from rnnplay.tui.widgets.sample_view import SampleView

if TYPE_CHECKING:
    from rnnplay.core.train.trainer import Trainer
    from rnnplay.tui.app import RnnPlayApp
    from rnnplay.tui.training import TrainingSession

TICK_S = 0.5
"""How often the view checks whether live weights are due."""

SEARCH_HINT = "feature (" + ", ".join(FEATURES) + ") or a regular expression; Enter searches"
TEXT_HINT = "type or paste a text; Enter inspects it"


class InspectScreen(ClosesOnce, Screen[None]):
    """Ask the model why, at a cursor, on the live model or a frozen copy."""

    BINDINGS: ClassVar[list[BindingType]] = screen_bindings(INSPECT_KEYS)
    OWN_KEYS: ClassVar[bool] = True
    """The main view's keys wait while this screen is shown (keys.works_over)."""
    DEFAULT_CSS = """
    InspectScreen { layout: vertical; }
    InspectScreen #inspect-text { height: 1fr; min-height: 5; }
    InspectScreen #inspect-input { height: 1; display: none; }
    InspectScreen #inspect-input.shown { display: block; }
    InspectScreen #inspect-row { height: 13; }
    InspectScreen.tall #inspect-row { height: 24; }
    InspectScreen #inspect-row > * {
        width: 1fr; height: 1fr; border-subtitle-color: $text-muted;
    }
    InspectScreen #inspect-units {
        display: none; border: round $primary-muted; border-title-color: $text;
    }
    InspectScreen #inspect-units.shown { display: block; }
    InspectScreen.narrow.searched #inspect-gates { display: none; }
    """

    def __init__(
        self, source: Source = "sample", cursor: int | None = None, text: str = ""
    ) -> None:
        """``source``: the text first shown; ``cursor``: a token of it to explain
        (the sample's k-th generated token; default: its last); ``text``: the
        typed text."""
        super().__init__()
        self.source: Source = source
        self.typed = text
        self.ids = np.zeros(0, dtype=np.int64)
        self.cursor = 0
        self._first_cursor = cursor
        self.model: RNNLM | None = None
        self.model_step = -1
        self.live = True
        self.layer_index = 0
        self.unit: UnitScore | None = None
        self.reading: Reading | None = None
        self._text_version = 0
        self._model_version = 0
        self._request = 0
        self._asked: tuple[int, int, int] | None = None  # (model, text, cursor) in work
        self._pending = False
        self._asking_weights = False
        self._session: TrainingSession | None = None
        self._last_refresh = -1e9
        self._refresh_every = inspection.LIVE_REFRESH_S
        self._input_mode = "search"
        self._scores: list[UnitScore] = []
        self.answers = 0
        """Answers shown (tests wait on it)."""

    @property
    def rnnplay(self) -> RnnPlayApp:
        return self.app  # type: ignore[return-value]

    # -- composition ------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield InspectText(id="inspect-text", hint="reading…")
        yield Input(id="inspect-input", compact=True, select_on_focus=False)
        with Horizontal(id="inspect-row"):
            yield NextTokenDistribution(id="inspect-next", hint="reading…")
            yield HiddenColumn(id="inspect-hidden")
            yield GatesPanel(id="inspect-gates")
            yield OptionList(id="inspect-units")
        yield Footer()

    def on_mount(self) -> None:
        self._session = self.rnnplay.session
        self.layer_index = self._session.trainer.model.config.layers - 1
        self._layout(self.app.size.width, self.app.size.height)
        if not self._load_source(self.source, self._first_cursor):
            self._load_source("validation")
        self._ask_weights()
        self.set_interval(TICK_S, self._tick)

    def on_resize(self) -> None:
        self._layout(self.app.size.width, self.app.size.height)

    def _layout(self, width: int, height: int) -> None:
        self.set_class(height >= 40, "tall")
        self.set_class(width < 110, "narrow")

    # -- the text ---------------------------------------------------------------------
    @property
    def vocab(self):
        return self.rnnplay.session.trainer.dataset.vocab

    def _source_ids(self, source: Source) -> tuple[np.ndarray, int] | None:
        """The ids of ``source`` and how many lead in (the sample's prime), or None."""
        view = self.rnnplay.query_one(SampleView)
        return inspection.source_ids(
            source,
            self.vocab,
            sample=(view.prime, view.token_ids),
            valid=self.rnnplay.session.trainer.dataset.valid,
            typed=self.typed,
        )

    def _load_source(self, source: Source, picked: int | None = None) -> bool:
        """Show ``source``'s text (False, changing nothing, when it has none).

        ``picked``: a token of the source (the sample's k-th generated token):
        the cursor goes just before it, where the model predicted it; by
        default the cursor predicts the text's last token."""
        found = self._source_ids(source)
        if found is None or found[0].size == 0:
            return False
        ids, lead = found
        wanted = ids.size - 1 if picked is None else lead + picked
        ids, cursor = inspection.fit_text(ids, max(wanted - 1, 0))
        self.source, self.ids = source, ids
        self._text_version += 1
        self.reading = None
        text = self.query_one(InspectText)
        text.set_text([self.vocab.tokens[int(i)] for i in ids], self.vocab.level, cursor)
        text.colouring = "blame"
        self.cursor = text.cursor
        self.unit = None
        self.query_one("#inspect-units", OptionList).remove_class("shown")
        self.remove_class("searched")
        self._titles()
        self._compute()
        return True

    # -- weights ----------------------------------------------------------------------
    def _ask_weights(self) -> None:
        """A frozen copy from the training thread between two steps (now, when idle)."""
        if self._asking_weights:
            return
        self._asking_weights = True
        self._last_refresh = time.monotonic()

        def copy(trainer: Trainer) -> None:
            self.post_message(InspectWeights(frozen_copy(trainer.model), trainer.step_count))

        self.rnnplay.session.submit(copy)

    def on_inspect_weights(self, message: InspectWeights) -> None:
        self._asking_weights = False
        self.model, self.model_step = message.model, message.step
        self._model_version += 1
        self.reading = None
        self._titles()
        self._compute()

    def _tick(self) -> None:
        session = self.rnnplay.session
        if session is not self._session:  # reset or opened: another model, maybe vocabulary
            self._session = session
            self.layer_index = min(self.layer_index, session.trainer.model.config.layers - 1)
            self.model = None
            if not self._load_source(self.source):
                self._load_source("validation")
            self._ask_weights()
            return
        if not self.live or self._asking_weights or self._asked is not None:
            return
        due = time.monotonic() - self._last_refresh >= self._refresh_every
        if due and session.trainer.step_count != self.model_step:
            self._ask_weights()

    # -- computing ----------------------------------------------------------------------
    def _compute(self) -> None:
        """Ask the worker for what the view lacks: the reading and/or the cursor's blame."""
        if self.model is None or self.ids.size == 0:
            return
        if self._asked is not None:
            self._pending = True
            return
        self._request += 1
        self._asked = (self._model_version, self._text_version, self.cursor)
        self.app.run_worker(
            partial(self._work, self._request, self.model, self.ids, self.cursor, self.reading),
            name="inspect",
            group="inspect",
            thread=True,
            exit_on_error=False,
        )

    def _work(self, request, model, ids, cursor, reading) -> None:
        vocab = self.vocab
        self.post_message(
            InspectAnswered(inspection.answer(request, model, vocab, ids, cursor, reading))
        )

    def on_inspect_answered(self, message: InspectAnswered) -> None:
        answer: Answer = message.answer  # type: ignore[assignment]
        asked, self._asked = self._asked, None
        same_text = asked is not None and asked[:2] == (self._model_version, self._text_version)
        if answer.error is not None:
            self.notify(answer.error, title="inspect", severity="error", timeout=6)
        elif same_text:
            if answer.reading is not None:
                self.reading = answer.reading
            if self.live and answer.reading is not None:
                self._refresh_every = inspection.next_refresh_s(answer.seconds)
            blame = answer.blame if answer.cursor == self.cursor else None
            self._show(blame)
            self.answers += 1
        moved = answer.error is None and answer.cursor != self.cursor
        if self._pending or not same_text or moved:
            self._pending = False
            self._compute()

    # -- showing ----------------------------------------------------------------------
    def _show(self, blame=None) -> None:
        if self.reading is None:
            return
        show_position(self, self.reading, blame)
        self._titles()

    def _titles(self) -> None:
        titles(self)

    # -- keys -------------------------------------------------------------------------
    def action_cursor(self, delta: int) -> None:
        self._move_to(self.cursor + delta)

    def _move_to(self, position: int) -> None:
        self.cursor = self.query_one(InspectText).move_cursor(position)
        self._show()
        self._compute()

    def on_inspect_text_clicked(self, message: InspectText.Clicked) -> None:
        self._move_to(message.position)

    def action_next_source(self) -> None:
        """t: the next text source that has a text (typed: asks for one)."""
        start = SOURCES.index(self.source)
        for step in range(1, len(SOURCES) + 1):
            source = SOURCES[(start + step) % len(SOURCES)]
            if source == "typed":
                self._ask_input("text")
                return
            if self._load_source(source):
                self.notify(f"inspecting {SOURCE_LABELS[source]}", timeout=2)
                return

    def action_search(self) -> None:
        """/: search the units that track a feature of this text."""
        self._ask_input("search")

    def _ask_input(self, mode: str) -> None:
        field = self.query_one("#inspect-input", Input)
        self._input_mode = mode
        field.placeholder = SEARCH_HINT if mode == "search" else TEXT_HINT
        field.suggester = SuggestFromList(list(FEATURES)) if mode == "search" else None
        field.value = "" if mode == "search" else self.typed
        field.add_class("shown")
        field.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        field = event.input
        field.remove_class("shown")
        self.set_focus(None)
        value = event.value
        if self._input_mode == "text":
            self._take_typed(value)
        elif value.strip():
            self.search(value.strip())

    def _take_typed(self, value: str) -> None:
        if not value:
            return
        try:
            inspection.encode_text(self.vocab, value)
        except RnnplayError as error:
            self.notify(one_line(error), title="text", severity="error", timeout=6)
            return
        self.typed = value
        self._load_source("typed")

    def search(self, feature: str) -> list[UnitScore]:
        """Rank the units by correlation with ``feature`` and list them to pick from."""
        if self.reading is None or self.model is None:
            self.notify("still reading the text: try again in a moment", timeout=3)
            return []
        try:
            scores = inspection.search_units(self.model, self.vocab, self.reading, feature)
        except RnnplayError as error:
            self.notify(one_line(error), title="search", severity="error", timeout=6)
            return []
        self._scores = scores
        list_units(self, scores, feature)
        return scores

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.pick_unit(self._scores[event.option_index])

    def pick_unit(self, score: UnitScore) -> None:
        """Colour the text by ``score``'s unit and show its layer."""
        self.unit, self.layer_index = score, score.layer
        self.query_one(InspectText).colouring = "unit"
        self.set_focus(None)
        self._show()

    def action_toggle_colour(self) -> None:
        text = self.query_one(InspectText)
        if self.unit is None:
            self.notify("pick a unit first: / searches them", timeout=3)
            return
        text.colouring = "blame" if text.colouring == "unit" else "unit"
        self._show()

    def action_next_layer(self) -> None:
        layers = self.rnnplay.session.trainer.model.config.layers
        self.layer_index = (self.layer_index + 1) % layers
        self._show()
        self.notify(f"layer {self.layer_index} of {layers}", timeout=1.5)

    def action_toggle_live(self) -> None:
        """f: follow the training model, or keep the copy in hand."""
        self.live = not self.live
        if self.live:
            self._ask_weights()
        self._titles()
        self.notify("following training" if self.live else "frozen copy", timeout=2)

    def action_toggle_training(self) -> None:
        self.rnnplay.action_toggle_training()

    def action_leave(self) -> None:
        field = self.query_one("#inspect-input", Input)
        units = self.query_one("#inspect-units", OptionList)
        if field.has_class("shown"):
            field.remove_class("shown")
            self.set_focus(None)
        elif units.has_focus:
            self.set_focus(None)
        else:
            self.dismiss()

    async def action_quit_all(self) -> None:
        await self.rnnplay.action_quit()
