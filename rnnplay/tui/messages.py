"""Messages the training and sampling threads post to the app.

Worker threads never touch widgets: they post these messages (``post_message``
is thread-safe) and the app's handlers update the panels on the UI thread.
Step events are coalesced so that at most about five progress messages reach
the UI per second; evaluation, learning-rate and stop events always arrive.
"""

from __future__ import annotations

import numpy as np
from textual.message import Message

from rnnplay.core.nn.model import RNNLM
from rnnplay.core.train.events import EvalEvent, LRChangeEvent, StepEvent, StopEvent


class TrainingProgress(Message):
    """One or more training steps finished since the last progress message.

    ``step`` is the newest step event; ``points`` holds (tokens seen, loss)
    for every step it stands for, so the loss chart loses nothing to the
    coalescing.
    """

    def __init__(self, step: StepEvent, points: list[tuple[int, float]]) -> None:
        super().__init__()
        self.step = step
        self.points = points


class Evaluated(Message):
    """A validation pass finished."""

    def __init__(self, event: EvalEvent) -> None:
        super().__init__()
        self.event = event


class LearningRateChanged(Message):
    """The schedule (not the user) changed the learning rate."""

    def __init__(self, event: LRChangeEvent) -> None:
        super().__init__()
        self.event = event


class TrainingStopped(Message):
    """The training loop ended: paused, cancelled, limit reached, NaN or a crash.

    ``event`` is the engine's stop event when it sent one; ``error`` a
    one-line description when the loop died of an exception.
    """

    def __init__(
        self, generation: int, event: StopEvent | None = None, error: str | None = None
    ) -> None:
        super().__init__()
        self.generation = generation
        self.event = event
        self.error = error


class GradFlowMeasured(Message):
    """Per layer, mean ||dL/dh_t|| against distance back in the BPTT window."""

    def __init__(self, norms: list[np.ndarray]) -> None:
        super().__init__()
        self.norms = norms


class WeightsSnapshot(Message):
    """A frozen copy of the model (``core.nn.stepper.frozen_copy``), taken
    between two steps, for the sampler to generate from without touching the
    live model."""

    def __init__(self, generation: int, model: RNNLM) -> None:
        super().__init__()
        self.generation = generation
        self.model = model


class SampleStarted(Message):
    """A new sample began from ``prime``."""

    def __init__(self, run_id: int, prime: str) -> None:
        super().__init__()
        self.run_id = run_id
        self.prime = prime


class SampleTokens(Message):
    """Tokens the sampler produced since its last message (in order)."""

    def __init__(self, run_id: int, steps: list) -> None:
        super().__init__()
        self.run_id = run_id
        self.steps = steps


class SampleFinished(Message):
    """The sample reached its length (or was cancelled, or failed)."""

    def __init__(self, run_id: int, error: str | None = None) -> None:
        super().__init__()
        self.run_id = run_id
        self.error = error


class CheckpointSaved(Message):
    """A checkpoint was written to ``path``."""

    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path


class CheckpointFailed(Message):
    """Saving a checkpoint failed, with a one-line reason."""

    def __init__(self, error: str) -> None:
        super().__init__()
        self.error = error


class SettingApplied(Message):
    """A live setting (dropout, schedule) was applied between two steps, or refused
    by the engine (``error``: why; nothing changed then)."""

    def __init__(self, error: str | None) -> None:
        super().__init__()
        self.error = error


class InspectWeights(Message):
    """A frozen copy of the model for the Inspect view, taken between two
    steps by the training thread (or at once while it is idle) at ``step``."""

    bubble = False

    def __init__(self, model: RNNLM, step: int) -> None:
        super().__init__()
        self.model = model
        self.step = step


class InspectAnswered(Message):
    """The Inspect view's worker finished a request (``answer``: a
    :class:`rnnplay.tui.inspection.Answer`)."""

    bubble = False

    def __init__(self, answer: object) -> None:
        super().__init__()
        self.answer = answer
