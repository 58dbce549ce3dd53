"""Recording a race: each contender's events into its run folder, the results as JSON.

Face-neutral (no printing): the CLI's ``race`` and the playground's Compare
view hand every :class:`~rnnplay.core.race.rotation.ContenderEvent` to
:func:`record_contender`, which feeds the contender's
:class:`~rnnplay.core.runs.recorder.Recorder` (the one writer ``rnnplay
train`` and the playground use too). :func:`race_summary` is the table as one
JSON-ready object; :func:`write_race_json` stores it atomically.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rnnplay.core.data.stats import reference_lines
from rnnplay.core.race.events import ContenderEvent
from rnnplay.core.race.rotation import Race
from rnnplay.core.runs.opening import Run
from rnnplay.core.runs.recorder import Recorder
from rnnplay.core.train.events import EvalEvent, StepEvent, StopEvent


def contender_recorders(runs: Sequence[Run]) -> list[Recorder]:
    """One started :class:`Recorder` per contender's run (every line flushed)."""
    recorders = [Recorder(run) for run in runs]
    for recorder in recorders:
        recorder.start()
    return recorders


def record_contender(recorder: Recorder, item: ContenderEvent) -> None:
    """Hand one contender's event to its recorder (its stop decides the status)."""
    event = item.event
    if isinstance(event, StopEvent):
        recorder.stop(event)
    elif isinstance(event, (StepEvent, EvalEvent)):
        recorder.record(event, improved=item.improved)


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
