"""``rnnplay runs [DIR ...]``: list the run folders found, newest first.

    rnnplay runs                 the runs under runs/
    rnnplay runs OUT other/ --json
    rnnplay runs rm run-3 race-1 remove run folders (asks first; --yes does not)

Each DIR is a run folder itself or a folder of them (``runs/``); a race's
folder (``runs/race-1/``, holding ``race.json``) is a folder of its
contenders' runs, so they are listed too, named ``race-1/lstm``. Runs made
by ``train``, ``race`` and the playground look alike: the table reads each
folder's manifest (``run.json``) and ``metrics.jsonl`` through
:func:`rnnplay.core.store.run_summaries.list_runs`, without locking anything.
Columns: name, model, corpus, level, steps, best and last validation loss
(``--units``), training time, created, status. ``--json`` prints the same as
a JSON list. ``rnnplay runs rm NAME ...`` removes run folders (a name as
listed, under ``--in`` (default runs/), or a path), asking first on a
terminal; a running or locked run is never removed (``core/runs/removal.py``).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from rnnplay.core.train.units import DEFAULT_UNIT, UNITS, format_loss
from rnnplay.errors import EXIT_OK, UsageError
from rnnplay.process import streams


def register(commands: Any) -> None:
    """Add ``runs`` to the CLI's subparsers."""
    runs = commands.add_parser(
        "runs",
        help="list run folders, newest first",
        description="List the run folders found in each DIR (default runs/): name, model, "
        "corpus, steps, best validation loss, training time, created, status; newest first.",
    )
    runs.add_argument(
        "dirs",
        nargs="*",
        metavar="DIR",
        help="run folders or folders of them; 'rm NAME ...' removes runs instead",
    )
    runs.add_argument(
        "--in",
        dest="within",
        default="runs",
        metavar="DIR",
        help="where 'rm' finds run names (default runs/)",
    )
    runs.add_argument("--yes", action="store_true", help="'rm' without asking")
    runs.add_argument("--json", action="store_true", help="print a JSON list")
    runs.add_argument(
        "--units", choices=UNITS, default=DEFAULT_UNIT, help="unit of the best validation loss"
    )
    runs.set_defaults(handler=run_runs)


def run_runs(args: argparse.Namespace) -> int:
    """The ``runs`` command. Returns the exit code."""
    if args.dirs[:1] == ["rm"] and not Path("rm").is_dir():
        from rnnplay.cli.runs_remove import remove_runs

        return remove_runs(args.dirs[1:], Path(args.within).expanduser(), yes=args.yes)
    dirs = [Path(d).expanduser() for d in args.dirs] or [Path("runs")]
    missing = [str(d) for d in dirs if not d.exists()]
    if args.dirs and missing:
        raise UsageError(f"no such folder: {', '.join(missing)}")
    from rnnplay.core.runs.listing import run_rows

    rows = run_rows([d for d in dirs if d.exists()])
    if args.json:
        streams.write_out(json.dumps(rows, allow_nan=False) + "\n")
        return EXIT_OK
    if not rows:
        where = ", ".join(str(d) for d in dirs)
        streams.write_out(
            f"no runs found in {where} (start one with 'rnnplay train' or 'rnnplay race')\n"
        )
        return EXIT_OK
    from rnnplay.cli.tables import print_table

    unit = args.units
    headers = ["name", "model", "corpus", "level", "steps", f"best val {unit}", "last val"]
    headers += ["time s", "created", "status"]
    cells = [
        [
            row["name"],
            row["model"] or "-",
            row["corpus"] or "-",
            row["level"] or "-",
            str(row["steps"]),
            format_loss(row["best_val_loss"], unit),
            format_loss(row["last_val_loss"], unit),
            "-" if row["training_s"] is None else f"{row['training_s']:.1f}",
            _short_time(row["created"]),
            row["status"],
        ]
        for row in rows
    ]
    print_table(headers, cells, right={4, 5, 6, 7})
    return EXIT_OK


def _short_time(stamp: str | None) -> str:
    """An ISO time as "2026-12-02 04:05" (the manifest's own text otherwise)."""
    if not stamp:
        return "-"
    text = stamp.replace("T", " ")
    return text[:16] if len(text) >= 16 and text[4] == "-" else stamp
