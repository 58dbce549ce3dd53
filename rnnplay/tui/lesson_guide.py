"""A lesson in the playground: its panel, its figures, and what it takes away.

What a lesson hides is really unavailable, not just out of sight: a hidden
panel is invisible and disabled (nothing in it can take focus); a hidden
control's row is removed from the Controls panel's layout and disabled; a
hidden key's action is refused by ``check_action`` (so it is neither run nor
shown in the footer), left out of the command palette and the help screen.
Hiding the learning-rate or temperature control takes its keys away too.
A mixin of :class:`~rnnplay.tui.app.RnnPlayApp`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rnnplay.core.lessons.figures import grad_reach
from rnnplay.core.lessons.schema import Lesson
from rnnplay.core.train.units import convert, unit_label
from rnnplay.tui import keys

if TYPE_CHECKING:
    from rnnplay.tui.app import RnnPlayApp

PANEL_IDS = {
    "status": "status",
    "loss": "loss",
    "gradient-flow": "gradflow",
    "controls": "controls",
    "sample": "sample-panel",
    "next-token": "distribution",
    "heatmap": "heatmap",
}
"""A lesson's panel names -> the widgets' ids."""

BOARD_NOTE_S = 2.0
"""How often the playground leaves the class board its note (the board polls as often)."""

CONTROL_KEYS = {"lr": "lr", "temperature": "temperature"}
"""A hidden control also takes away the keys that change the same setting."""

PANEL_KEYS = {
    "sample": ("sample", "prime"),
    "heatmap": ("select-unit", "sort"),
}
"""A hidden panel also takes away the keys that only act on it."""


def hidden_actions(lesson: Lesson | None) -> frozenset[str]:
    """The action names (keys.py) a lesson takes away."""
    if lesson is None:
        return frozenset()
    names = set(lesson.hidden_keys)
    names |= {CONTROL_KEYS[c] for c in lesson.hidden_controls if c in CONTROL_KEYS}
    for panel in lesson.hidden_panels:
        names |= set(PANEL_KEYS.get(panel, ()))
    return frozenset().union(*(keys.LESSON_KEYS[name] for name in names))


class LessonGuide:
    """The lesson's state in the app: ``lesson`` (or None), the panel, the figures."""

    lesson: Lesson | None = None
    hidden: frozenset[str] = frozenset()
    best_val: float | None = None
    grad_flow: list[list[float]] | None = None
    _references: tuple[Any, dict[str, float]] | None = None
    _board_note: tuple[Any, ...] | None = None

    def setup_lesson(self: RnnPlayApp, lesson: Lesson | None) -> None:
        self.lesson = lesson
        self.hidden = hidden_actions(lesson)

    def apply_hiding(self: RnnPlayApp) -> None:
        """Make what the lesson hides unavailable (called once the panels exist)."""
        if self.lesson is None:
            return
        for name in self.lesson.hidden_panels:
            widget = self.query_one(f"#{PANEL_IDS[name]}")
            widget.add_class("lesson-hidden")
            widget.disabled = True
        from rnnplay.tui.widgets.controls import Controls

        controls = self.query_one(Controls)
        for name in self.lesson.hidden_controls:
            field = controls.query_one(f"#{name}")
            field.disabled = True
            if field.parent is not None:
                field.parent.display = False

    def lesson_figures(self: RnnPlayApp) -> dict[str, Any]:
        """Every figure a card may quote, as the screen shows it now."""
        from rnnplay.core.data.stats import reference_lines

        session = self.session
        config = session.config
        unit = self.unit
        step = session.last_step
        evaluation = session.last_eval
        dataset = session.trainer.dataset
        if self._references is None or self._references[0] is not dataset:
            lines = {line.name: line.nats for line in reference_lines(dataset)}
            self._references = (dataset, lines)
        references = self._references[1]

        def loss(nats: float | None) -> float | None:
            return None if nats is None else convert(nats, unit)

        flows = self.grad_flow
        return {
            "step": step.step if step else session.trainer.step_count,
            "train_loss": loss(step.loss if step else session.trainer.train_loss),
            "val_loss": loss(evaluation.loss if evaluation else None),
            "best_val": loss(self.best_val),
            "unigram": loss(references.get("unigram")),
            "uniform": loss(references.get("uniform")),
            "grad_50": None if flows is None else grad_reach(flows, 50),
            "grad_far": None if flows is None else grad_reach(flows, config.bptt - 1),
            "lr": session.lr,
            "temperature": self.sample_settings.temperature,
            "cell": config.cell,
            "bptt": config.bptt,
            "dropout": config.dropout,
            "clip": config.clip,
            "unit": unit_label(unit),
            "level": config.level or "char",
        }

    def note_eval(self: RnnPlayApp, nats: float) -> None:
        if self.best_val is None or nats < self.best_val:
            self.best_val = nats

    def note_grad_flow(self: RnnPlayApp, norms: Any) -> None:
        self.grad_flow = [[float(v) for v in layer] for layer in norms]

    def refresh_lesson(self: RnnPlayApp) -> None:
        if self.lesson is None or self.shutting_down:
            return
        for panel in self._lesson_panels():
            panel.show(self.lesson_figures())

    def _lesson_panels(self: RnnPlayApp) -> list[Any]:
        """The lesson panel of the main view (whatever screen is on top of it)."""
        from rnnplay.tui.widgets.lesson_panel import LessonPanel

        if not self.screen_stack:
            return []
        return list(self.screen_stack[0].query(LessonPanel))

    def action_next_card(self: RnnPlayApp) -> None:
        self._move_card(1)

    def action_previous_card(self: RnnPlayApp) -> None:
        self._move_card(-1)

    def _move_card(self: RnnPlayApp, by: int) -> None:
        for panel in self._lesson_panels():
            panel.show(self.lesson_figures())
            if not panel.move(by):
                self.notify("that was the last card" if by > 0 else "this is the first card")

    def write_board_note(self: RnnPlayApp) -> None:
        """Leave the class board what only the playground knows (the card the student
        is on, the latest sample line) in the run folder's ``board.json``, when it
        changed. Nothing is written before the session has a run folder."""
        folder = self.place.folder
        if folder is None or self.shutting_down:
            return
        from rnnplay.core.runs.board import write_board_status
        from rnnplay.tui.widgets.sample_view import SampleView

        main = self.screen_stack[0] if self.screen_stack else None
        views = [] if main is None else list(main.query(SampleView))
        if not views:
            return  # the panels are not there (starting, or closing): next time
        lines = [line for line in views[0].generated_text.splitlines() if line]
        note: dict[str, Any] = {"sample": lines[-1][-120:] if lines else None}
        for panel in self._lesson_panels():
            note.update(
                lesson=panel.lesson.title,
                card=panel.index + 1,
                cards=len(panel.lesson.cards),
                card_text=panel.card_text,
            )
        key = (str(folder), tuple(sorted(note.items())))
        if key == self._board_note:
            return
        try:
            write_board_status(folder, note)
        except OSError:
            return  # the board is a convenience; the session goes on without it
        self._board_note = key
