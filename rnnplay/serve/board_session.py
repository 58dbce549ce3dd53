"""The program the teacher's board page runs: ``python -m rnnplay.serve.board_session DIR``.

It starts the parent watchdog (the board never outlives its server), then
runs the class board (:mod:`rnnplay.tui.board`) over the class's runs
directory. The board only reads files there.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from rnnplay.errors import EXIT_USAGE, print_error
from rnnplay.serve.watchdog import watch_server


def main(argv: Sequence[str] | None = None) -> int:
    watch_server()
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        print_error("usage: python -m rnnplay.serve.board_session RUNS_DIR")
        return EXIT_USAGE
    from rnnplay.tui.board import run_board

    return run_board(args[0])


if __name__ == "__main__":
    sys.exit(main())
