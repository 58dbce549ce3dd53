"""``rnnplay runs [DIR ...]``: list the run folders found, newest first.

    rnnplay runs                 the runs under runs/
    rnnplay runs OUT other/ --json

Each DIR is a run folder itself or a folder of them (``runs/``); a race's
folder (``runs/race-1/``, holding ``race.json``) is a folder of its
contenders' runs, so they are listed too, named ``race-1/lstm``. Runs made
by ``train``, ``race`` and the playground look alike: the table reads each
folder's manifest (``run.json``) and ``metrics.jsonl`` through
:func:`rnnplay.core.store.run_summaries.list_runs`, without locking anything.
Columns: name, model, corpus, steps, best validation loss (``--units``),
training time, created, status. ``--json`` prints the same as a JSON list.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from rnnplay.core.train.units import DEFAULT_UNIT, UNITS, format_loss
from rnnplay.errors import EXIT_OK, UsageError


def register(commands: Any) -> None:
    """Add ``runs`` to the CLI's subparsers."""
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
    runs.set_defaults(handler=run_runs)


def run_runs(args: argparse.Namespace) -> int:
    """The ``runs`` command. Returns the exit code."""
    dirs = [Path(d).expanduser() for d in args.dirs] or [Path("runs")]
    missing = [str(d) for d in dirs if not d.exists()]
    if args.dirs and missing:
        raise UsageError(f"no such folder: {', '.join(missing)}")
    from rnnplay.core.runs.listing import run_rows

    rows = run_rows([d for d in dirs if d.exists()])
    if args.json:
        print(json.dumps(rows, allow_nan=False))
        return EXIT_OK
    if not rows:
        where = ", ".join(str(d) for d in dirs)
        print(f"no runs found in {where} (start one with 'rnnplay train' or 'rnnplay race')")
        return EXIT_OK
    from rnnplay.cli.tables import print_table

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
