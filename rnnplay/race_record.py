"""Recording a race: each contender's events into its run folder, the results as JSON.

Face-neutral (no printing): the CLI's ``race`` and the playground's Compare
view feed every :class:`rnnplay.core.race.ContenderEvent` to the
contender's :class:`ContenderRecorder`, which writes ``metrics.jsonl`` (as
``rnnplay train`` does), saves ``checkpoint.npz`` when validation improves
and ``last.npz`` after every validation and at the end, and closes the run
with its status (done, interrupted, failed). Nothing is saved from weights
that gave a non-finite value. :func:`race_summary` is the table as one
JSON-ready object; :func:`write_race_json` stores it atomically.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from rnnplay.core.data.stats import reference_lines
from rnnplay.core.race import ContenderEvent, Race
from rnnplay.core.runs import Run
from rnnplay.core.store.run_folder import BEST, LAST
from rnnplay.core.train.events import EvalEvent, StepEvent, StopEvent
from rnnplay.train_log import MetricsFile


class ContenderRecorder:
    """Writes one contender's events into its open Run; :meth:`close` when the race ends."""

    def __init__(self, run: Run) -> None:
        self.run = run
        self.metrics = MetricsFile(run.folder.metrics)
        self.status = "failed"
        self.message: str | None = "stopped by an error"

    def handle(self, item: ContenderEvent) -> None:
        event = item.event
        if isinstance(event, StepEvent):
            self.metrics.write(event)
        elif isinstance(event, EvalEvent):
            self.metrics.write(event)
            if not math.isfinite(event.loss):
                return  # the race stops this contender: nothing is saved from these weights
            if item.improved:
                self.run.save(BEST)
            self.run.save(LAST)
        elif isinstance(event, StopEvent):
            self.message = event.message
            if event.reason == "nonfinite":
                return
            self.run.save(LAST)
            self.status = "interrupted" if event.reason == "cancelled" else "done"

    def close(self) -> None:
        self.metrics.close()
        self.run.close(self.status, self.message)


def race_summary(race: Race, dataset: Any, unit: str = "nats") -> dict[str, Any]:
    """The race as one JSON-ready object: contenders' rows, what differs, reference lines."""
    stopped = race.stopped
    return {
        "reason": None if stopped is None else stopped.reason,
        "rounds": race.rounds,
        "unit": unit,
        "level": dataset.vocab.level,
        "differs": list(race.differs),
        "probe_distance": race.probe_distance,
        "reference": {line.name: line.nats for line in reference_lines(dataset)},
        "contenders": [row.to_json() for row in race.results()],
    }


def write_race_json(path: Path, summary: dict[str, Any]) -> None:
    """Write ``summary`` to ``path`` atomically (a temporary file, then a rename)."""
    from rnnplay.core.store.run_folder import write_json_atomically

    path.parent.mkdir(parents=True, exist_ok=True)
    write_json_atomically(path, summary)
