"""The program one served browser session runs: ``python -m rnnplay.serve.tab``.

    python -m rnnplay.serve.tab --options JSON

It starts the parent watchdog first (a session never outlives its server),
then opens the playground with the typed options the server made from the
teacher's flags (:class:`~rnnplay.core.runs.options.PlaygroundOptions`: the
settings, file paths absolute, the runs directory, confined to it), inside
that directory, its working folder.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from rnnplay.errors import EXIT_USAGE, RnnplayError, print_error
from rnnplay.serve.watchdog import watch_server


def main(argv: Sequence[str] | None = None) -> int:
    """Run one served session; returns the playground's exit code (2 for bad options)."""
    watch_server()
    parser = argparse.ArgumentParser(prog="rnnplay-session", add_help=False)
    parser.add_argument("--options", required=True)
    try:
        from rnnplay.core.runs.options import PlaygroundOptions

        options = PlaygroundOptions.from_json(parser.parse_args(argv).options)
        # Relative paths (a save's default folder, a path typed in the open
        # dialog) land inside the runs directory; the teacher's files were
        # made absolute by the server.
        runs_dir = Path(options.runs_dir)
        runs_dir.mkdir(parents=True, exist_ok=True)
        os.chdir(runs_dir)
        from rnnplay.tui.app import run_app

        return int(run_app(options) or 0)
    except (RnnplayError, OSError) as error:
        print_error(error)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
