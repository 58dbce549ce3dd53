"""The command line: ``rnnplay`` (the playground) and its headless commands.

    rnnplay [train flags] [--checkpoint PATH]      the playground (TUI)
    rnnplay train ...                              train headless, write OUT/
    rnnplay sample CHECKPOINT ...                  print generated text
    rnnplay eval CHECKPOINT [--corpus NAME|PATH]   perplexity of a text
    rnnplay export CHECKPOINT OUT.safetensors      the weights in PyTorch's layout
    rnnplay import IN.safetensors --out RUN        a run folder from such a file
    rnnplay race | runs | serve | corpora          see each command's --help
    rnnplay lessons | board                        lessons, and the class board

Each command lives in a module of this package with the same
``register(commands)``, which adds its parser and sets its handler
(``handler(args) -> exit code``); :data:`COMMANDS` lists them in help order.
This module keeps ``build_parser`` and ``main``: the one error mechanism.

Every failure the user can cause ends with one line on stderr and exit
code 2, never a traceback, and before anything the user had is touched.
Imports are lazy: ``rnnplay --help`` loads neither NumPy nor textual.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from rnnplay.cli import playground
from rnnplay.cli.flags import RnnplayParser, add_version
from rnnplay.errors import (
    EXIT_BUG,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    RnnplayError,
    one_line,
    print_error,
    to_stderr,
)
from rnnplay.process import signals, streams

__all__ = ["COMMANDS", "build_parser", "main"]

COMMANDS = (
    "train",
    "checkpoint",
    "travel",
    "inspection",
    "corpora",
    "lessons",
    "serve",
    "board",
    "race",
    "runs",
)
"""The modules of this package that register commands, in the order help lists them."""


def build_parser() -> argparse.ArgumentParser:
    """The whole parser: the playground's flags, then every command's subparser."""
    parser = RnnplayParser(
        prog="rnnplay",
        description="Watch a recurrent language model learn to write, in your terminal. "
        "Without a command, opens the playground (the flags below set it up).",
    )
    add_version(parser)
    playground.add_flags(parser)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    for name in COMMANDS:
        importlib.import_module(f"rnnplay.cli.{name}").register(commands)
    return parser


# -- entry ---------------------------------------------------------------------
def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code: 0 done; 2 a problem the user can
    fix (an RnnplayError or an OSError), in one line; 130 interrupted; 1 a bug (any
    other exception): one line naming the file with its traceback
    (:mod:`rnnplay.process.crash`).

    Signals and standard streams are set up before anything else
    (:mod:`rnnplay.process.signals`, :mod:`rnnplay.process.streams`); stdout is
    flushed last.
    """
    streams.prepare()
    restore_signals = signals.install()
    try:
        return streams.finish(_dispatch(argv))
    finally:
        restore_signals()


def _dispatch(argv: Sequence[str] | None) -> int:
    args = None
    try:
        args = build_parser().parse_args(argv)
        return int(args.handler(args) or 0)
    except RnnplayError as error:
        return _fail(one_line(error), error.exit_code)
    except KeyboardInterrupt as interrupt:
        to_stderr(f"rnnplay: {signals.describe(interrupt)}")
        return EXIT_INTERRUPTED
    except streams.ReaderGone:
        # The reader of our stdout went away (e.g. `| head`): a normal end.
        return EXIT_OK
    except MemoryError as error:
        from rnnplay.core.train.memory import out_of_memory_line

        return _fail(out_of_memory_line(error, args))
    except OSError as error:
        # A file the system refused (missing, unreadable, disk full): the user's to fix.
        return _fail(one_line(error))
    except Exception as error:  # a bug: never disguised as a user error
        from rnnplay.process.crash import report_crash

        return _fail(report_crash(error, list(sys.argv if argv is None else argv)), EXIT_BUG)


def _fail(message: str, code: int = EXIT_USAGE) -> int:
    print_error(message)
    return code
