"""The class board's reading: every run folder under a runs directory, as the teacher sees it.

A served session (or a class's copied laptops' runs) leaves run folders
(``run.json``, ``metrics.jsonl``); the playground adds a small
``board.json`` beside them with what only it knows: the lesson and the
card the student is on, and the latest sample line
(:func:`write_board_status`). :class:`BoardReader` reads all of it without
locking anything, the metrics incrementally (each poll reads only the lines
added since the last), so a board refreshed every two seconds stays cheap
for a class of thirty.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

STATUS_FILE = "board.json"
"""The playground's per-session note for the board, in its run folder."""

MAX_POINTS = 300
"""Training points kept per run for the overlaid curves (older ones thinned)."""

MAX_RUNS = 40
"""The newest runs shown; a board is for a class, not an archive."""


def write_board_status(folder: Path, status: dict[str, Any]) -> None:
    """Write ``board.json`` in ``folder`` atomically (a reader never sees half a file)."""
    path = Path(folder) / STATUS_FILE
    temporary = path.with_name(f".{STATUS_FILE}.{os.getpid()}.tmp")
    temporary.write_text(json.dumps({**status, "updated": time.time()}), encoding="utf-8")
    os.replace(temporary, path)


def read_board_status(folder: Path) -> dict[str, Any]:
    """The folder's ``board.json``, or {} when it has none or it cannot be read."""
    try:
        data = json.loads((Path(folder) / STATUS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


@dataclass
class BoardRow:
    """One session (run folder) on the board."""

    name: str
    path: str
    status: str
    steps: int
    best_val: float | None
    train_loss: float | None
    train: list[tuple[int, float]] = field(default_factory=list)
    lesson: str | None = None
    card: int | None = None
    cards: int | None = None
    card_text: str | None = None
    sample: str | None = None


@dataclass
class _Curve:
    offset: int = 0
    points: list[tuple[int, float]] = field(default_factory=list)
    every: int = 1
    seen: int = 0
    last: float | None = None
    best_val: float | None = None
    steps: int = 0


class BoardReader:
    """Reads the runs under ``dirs`` again on every :meth:`read`; metrics incrementally."""

    def __init__(self, dirs: list[Path]) -> None:
        self.dirs = [Path(d) for d in dirs]
        self._curves: dict[str, _Curve] = {}

    def read(self) -> list[BoardRow]:
        """Every run found, newest first (at most :data:`MAX_RUNS`)."""
        from rnnplay.core.runs.listing import run_rows

        rows = []
        for row in run_rows(self.dirs)[:MAX_RUNS]:
            curve = self._update(Path(row["path"]) / "metrics.jsonl")
            status = read_board_status(Path(row["path"]))
            best = row["best_val_loss"]
            if best is None or (curve.best_val is not None and curve.best_val < best):
                best = curve.best_val
            rows.append(
                BoardRow(
                    name=row["name"],
                    path=row["path"],
                    status=row["status"],
                    steps=max(row["steps"] or 0, curve.steps),
                    best_val=best,
                    train_loss=curve.last,
                    train=list(curve.points),
                    lesson=_text(status.get("lesson")),
                    card=_int(status.get("card")),
                    cards=_int(status.get("cards")),
                    card_text=_text(status.get("card_text")),
                    sample=_text(status.get("sample")),
                )
            )
        return rows

    def _update(self, metrics: Path) -> _Curve:
        curve = self._curves.setdefault(str(metrics), _Curve())
        try:
            with open(metrics, "rb") as file:
                file.seek(0, os.SEEK_END)
                if file.tell() < curve.offset:  # rewritten (a resume in place): start over
                    curve = self._curves[str(metrics)] = _Curve()
                file.seek(curve.offset)
                chunk = file.read()
        except OSError:
            return curve
        end = chunk.rfind(b"\n") + 1  # a line still being written waits for the next poll
        curve.offset += end
        for line in chunk[:end].splitlines():
            self._add(curve, line)
        return curve

    @staticmethod
    def _add(curve: _Curve, line: bytes) -> None:
        try:
            record = json.loads(line)
            step, loss = int(record["step"]), float(record["loss"])
        except (ValueError, KeyError, TypeError):
            return
        if record.get("kind") == "eval":
            if curve.best_val is None or loss < curve.best_val:
                curve.best_val = loss
            return
        curve.steps = max(curve.steps, step)
        curve.last = loss
        curve.seen += 1
        if curve.seen % curve.every == 0:
            curve.points.append((step, loss))
        if len(curve.points) > MAX_POINTS:  # thin: keep every other point, sample half as often
            curve.points = curve.points[::2]
            curve.every *= 2


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
