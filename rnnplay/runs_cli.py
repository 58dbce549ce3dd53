"""``rnnplay runs [DIR ...]``: list the run folders found, newest first.

    rnnplay runs                 the runs under runs/
    rnnplay runs OUT other/ --json

Each DIR is a run folder itself or a folder of them (``runs/``); a race's
folder (``runs/race-1/``, holding ``race.json``) is a folder of its
contenders' runs, so they are listed too, named ``race-1/lstm``. Runs made
by ``train``, ``race`` and the playground look alike: the table reads each
folder's manifest (``run.json``) and ``metrics.jsonl`` through
:func:`rnnplay.core.store.run_folder.list_runs`, without locking anything.
Columns: name, model, corpus, steps, best validation loss (``--units``),
training time, created, status. ``--json`` prints the same as a JSON list.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any

from rnnplay.core.train.units import DEFAULT_UNIT, UNITS, format_loss, to_bits, to_perplexity
from rnnplay.errors import EXIT_OK, UsageError

TAIL_BYTES = 4096
"""How much of the end of metrics.jsonl is read for a run's training time."""


def add_runs_parser(commands: Any) -> argparse.ArgumentParser:
    """Add ``runs`` to ``commands`` (the CLI's subparsers)."""
    runs = commands.add_parser(
        "runs",
        help="list run folders, newest first",
        description="List the run folders found in each DIR (default runs/): name, model, "
        "corpus, steps, best validation loss, training time, created, status; newest first.",
    )
    runs.add_argument("dirs", nargs="*", metavar="DIR", help="run folders or folders of them")
    runs.add_argument("--json", action="store_true", help="print a JSON list")
    runs.add_argument(
        "--units", choices=UNITS, default=DEFAULT_UNIT, help="unit of the best validation loss"
    )
    return runs


def search_dirs(dirs: list[Path]) -> list[Path]:
    """``dirs`` plus every race folder directly inside them (its contenders are runs)."""
    from rnnplay.core.race_folder import RACE_FILE

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
    from rnnplay.core.contenders import model_summary
    from rnnplay.core.race_folder import RACE_FILE
    from rnnplay.core.store.run_folder import list_runs

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
                "steps": summary.steps,
                "best_val_loss": best,
                "best_val_ppl": None if best is None else to_perplexity(best),
                "best_val_bits": None if best is None else to_bits(best),
                "training_s": training_seconds(summary.path / "metrics.jsonl"),
                "created": summary.created,
                "status": summary.status,
            }
        )
    rows.sort(key=lambda row: row["created"] or "", reverse=True)
    return rows


def _corpus_name(corpus: Any) -> str | None:
    if not isinstance(corpus, str):
        return None
    return Path(corpus).name if ("/" in corpus or os.sep in corpus) else corpus


def run_runs(args: argparse.Namespace) -> int:
    """The ``runs`` command. Returns the exit code."""
    dirs = [Path(d).expanduser() for d in args.dirs] or [Path("runs")]
    missing = [str(d) for d in dirs if not d.exists()]
    if args.dirs and missing:
        raise UsageError(f"no such folder: {', '.join(missing)}")
    rows = run_rows([d for d in dirs if d.exists()])
    if args.json:
        print(json.dumps(rows, allow_nan=False))
        return EXIT_OK
    if not rows:
        where = ", ".join(str(d) for d in dirs)
        print(f"no runs found in {where} (start one with 'rnnplay train' or 'rnnplay race')")
        return EXIT_OK
    from rnnplay.tables import print_table

    unit = args.units
    headers = ["name", "model", "corpus", "steps", f"best val {unit}", "time s", "created"]
    headers.append("status")
    cells = [
        [
            row["name"],
            row["model"] or "-",
            row["corpus"] or "-",
            str(row["steps"]),
            format_loss(row["best_val_loss"], unit),
            "-" if row["training_s"] is None else f"{row['training_s']:.1f}",
            _short_time(row["created"]),
            row["status"],
        ]
        for row in rows
    ]
    print_table(headers, cells, right={3, 4, 5})
    return EXIT_OK


def _short_time(stamp: str | None) -> str:
    """An ISO time as "2026-12-02 04:05" (the manifest's own text otherwise)."""
    if not stamp:
        return "-"
    text = stamp.replace("T", " ")
    return text[:16] if len(text) >= 16 and text[4] == "-" else stamp
