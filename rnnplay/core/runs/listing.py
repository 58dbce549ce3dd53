"""Listing runs: one row per run folder found, for the ``runs`` command and the
playground's Runs screen alike.

Each directory searched is a run folder itself or a folder of them
(``runs/``); a race's folder (holding ``race.json``) is a folder of its
contenders' runs, listed as ``race-1/lstm``. Rows come from each folder's
manifest and metrics (:func:`rnnplay.core.store.run_summaries.list_runs`),
read without locking anything.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from rnnplay.core.train.units import to_bits, to_perplexity

TAIL_BYTES = 4096
"""How much of the end of metrics.jsonl is read for a run's training time."""


def search_dirs(dirs: list[Path]) -> list[Path]:
    """``dirs`` plus every race folder directly inside them (its contenders are runs)."""
    from rnnplay.core.runs.race_folder import RACE_FILE

    found = []
    for entry in dirs:
        found.append(entry)
        if entry.is_dir() and not (entry / RACE_FILE).is_file():
            try:
                children = sorted(entry.iterdir())
            except OSError:
                continue
            found.extend(child for child in children if (child / RACE_FILE).is_file())
    return found


def training_seconds(metrics: Path) -> float | None:
    """The ``elapsed_s`` of the last record of ``metrics`` (the run's training time)."""
    try:
        with open(metrics, "rb") as file:
            file.seek(0, os.SEEK_END)
            size = file.tell()
            file.seek(max(0, size - TAIL_BYTES))
            tail = file.read().decode("utf-8", errors="replace")
    except OSError:
        return None
    for line in reversed(tail.splitlines()):
        try:
            record = json.loads(line)
        except ValueError:
            continue
        value = record.get("elapsed_s") if isinstance(record, dict) else None
        if isinstance(value, (int, float)):
            return float(value)
    return None


def run_rows(dirs: list[Path]) -> list[dict[str, Any]]:
    """One JSON-ready dict per run found, newest first."""
    from rnnplay.core.race.contenders import model_summary
    from rnnplay.core.runs.race_folder import RACE_FILE
    from rnnplay.core.store.run_summaries import list_runs

    summaries = list_runs(search_dirs(dirs))
    rows = []
    for summary in summaries:
        config = summary.config or {}
        best = summary.best_val_loss
        race = summary.path.parent
        name = summary.name
        if (race / RACE_FILE).is_file():
            name = f"{race.name}/{name}"
        rows.append(
            {
                "name": name,
                "path": str(summary.path),
                "model": model_summary(config) if config else None,
                "corpus": _corpus_name(config.get("corpus")),
                "level": _level(config),
                "steps": summary.steps,
                "best_val_loss": best,
                "best_val_ppl": None if best is None else to_perplexity(best),
                "best_val_bits": None if best is None else to_bits(best),
                "last_val_loss": summary.last_val_loss,
                "training_s": training_seconds(summary.path / "metrics.jsonl"),
                "created": summary.created,
                "status": summary.status,
            }
        )
    rows.sort(key=lambda row: row["created"] or "", reverse=True)
    return rows


def _level(config: dict[str, Any]) -> str | None:
    """char or word: the stored level, else the corpus's own (the config's None)."""
    level = config.get("level")
    if isinstance(level, str):
        return level
    corpus = config.get("corpus")
    if not isinstance(corpus, str):
        return None
    from rnnplay.core.data.corpus import default_level

    try:
        return default_level(corpus)
    except Exception:  # an unreadable corpus name: the level is not known
        return None


def _corpus_name(corpus: Any) -> str | None:
    if not isinstance(corpus, str):
        return None
    return Path(corpus).name if ("/" in corpus or os.sep in corpus) else corpus
