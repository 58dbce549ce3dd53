"""The settings a playground session changes between two steps, without a reset.

The learning rate (``Trainer.lr``, the schedule's), dropout and the schedule
(:mod:`rnnplay.core.train.live_settings`) change on the training thread at
the next step boundary, or at once while the loop is idle
(``TrainingSession.submit``). Until then the value asked for is *pending*:
the session reports it (the Controls show what the user typed, not the value
it replaces). A dropout or schedule change is also recorded in the run folder
(``Recorder.record_setting``: a metrics line, run.json's config, last.npz).
A mixin of :class:`~rnnplay.tui.training.TrainingSession`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from rnnplay.core.train.live_settings import apply_setting
from rnnplay.errors import RnnplayError, one_line

_NONE = object()
"""No pending value (a pending value may itself be falsy)."""

if TYPE_CHECKING:
    from rnnplay.core.runs.recorder import Recorder
    from rnnplay.core.train.trainer import Trainer
    from rnnplay.tui.training import TrainingSession


class SessionSettings:
    """``lr``, ``set_lr``, ``setting`` and ``set_setting`` of a TrainingSession."""

    _pending_lr: float | None = None
    _pending_settings: dict[str, Any]

    @property
    def lr(self: TrainingSession) -> float:
        """The learning rate of the next step: the schedule's (``Trainer.lr``, the one
        owner), or a rate asked for with :meth:`set_lr` that the training thread has
        not applied yet."""
        pending = self._pending_lr
        return self.trainer.lr if pending is None else pending

    def set_lr(self: TrainingSession, lr: float) -> None:
        """Change the learning rate between steps, without resetting anything."""
        self._pending_lr = lr

        def apply(trainer: Trainer) -> None:
            try:
                trainer.lr = lr
            finally:
                if self._pending_lr == lr:
                    self._pending_lr = None

        self.submit(apply)

    def setting(self: TrainingSession, name: str) -> Any:
        """The value of the live setting ``name`` (``dropout``, ``schedule``) from the
        next step on: the one asked for when it is pending, else the config's."""
        value = self._pending_settings.get(name, _NONE)  # one read: the other thread may
        return getattr(self.trainer.config, name) if value is _NONE else value  # drop it

    def set_setting(
        self: TrainingSession,
        name: str,
        value: Any,
        *,
        recorder: Recorder | None = None,
        done: Callable[[str | None], None] | None = None,
    ) -> None:
        """Change ``dropout`` or ``schedule`` between steps and record it with
        ``recorder``; then ``done(None)``, or ``done(reason)`` when the engine refused
        the value, which then changed nothing (on whichever thread applied it)."""
        self._pending_settings[name] = value

        def apply(trainer: Trainer) -> None:
            error: str | None = None
            try:
                apply_setting(trainer, name, value)
                if recorder is not None:
                    recorder.record_setting(name, value)
            except RnnplayError as refused:
                error = one_line(refused)
            finally:
                if self._pending_settings.get(name) == value:
                    del self._pending_settings[name]
            if done is not None:
                done(error)

        self.submit(apply)
