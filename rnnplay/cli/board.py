"""``rnnplay board RUNS_DIR``: the class board over a folder of runs, in this terminal.

The same board ``rnnplay serve`` gives the teacher in the browser: every run
under RUNS_DIR (a served class's folder, or runs copied from a class's
laptops) with its curve, steps, best validation loss, lesson card and
latest sample line, read again every two seconds.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from rnnplay.errors import UsageError


def register(commands: Any) -> None:
    """Add ``board`` to the CLI's subparsers."""
    from rnnplay.cli.flags import add_version

    board = commands.add_parser(
        "board",
        help="the class board: every run under a folder, live",
        description="Show every run under RUNS_DIR on one screen: their loss curves "
        "overlaid, steps, best validation loss, the lesson card each is on and its latest "
        "sample line, read again every 2 seconds. 'rnnplay serve' gives the teacher the same "
        "board in the browser.",
    )
    board.add_argument("runs_dir", metavar="RUNS_DIR", type=Path, help="a folder of run folders")
    add_version(board)
    board.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    runs_dir: Path = args.runs_dir
    if not runs_dir.is_dir():
        raise UsageError(f"'{runs_dir}' is not a folder of runs")
    from rnnplay.tui.board import run_board

    return run_board(runs_dir)
