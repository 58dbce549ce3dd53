"""The program one served browser session runs: ``python -m rnnplay.serve.session``.

    python -m rnnplay.serve.session --runs-dir DIR [--confine-paths] [rnnplay flags]

It starts the parent watchdog first (a session never outlives its server),
then opens the playground with the rnnplay flags the teacher gave, inside
DIR (its working folder), its run folders under DIR and, with
``--confine-paths``, no path outside DIR.
``--runs-dir`` and ``--confine-paths`` are read here and put on the namespace
the TUI gets (``args.runs_dir``, ``args.confine_paths``), so the session does
not depend on which of them the main parser knows.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from rnnplay.errors import EXIT_USAGE, RnnplayError, print_error
from rnnplay.serve.watchdog import watch_server


def session_flags() -> argparse.ArgumentParser:
    """The flags the server adds to every session's command line."""
    parser = argparse.ArgumentParser(prog="rnnplay-session", add_help=False)
    parser.add_argument("--runs-dir", type=Path, required=True)
    parser.add_argument("--confine-paths", action="store_true")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one served session; returns the TUI's exit code (2 for bad flags)."""
    watch_server()
    own, rest = session_flags().parse_known_args(argv)
    from rnnplay import cli

    try:
        args = cli.build_parser().parse_args(rest)
        args.runs_dir = own.runs_dir
        args.confine_paths = own.confine_paths
        # Relative paths (a save's default folder, a path typed in the open
        # dialog) land inside the runs directory; the teacher's files were
        # made absolute by the server.
        own.runs_dir.mkdir(parents=True, exist_ok=True)
        os.chdir(own.runs_dir)
        return cli._run_tui(args)
    except (RnnplayError, OSError) as error:
        print_error(error)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
