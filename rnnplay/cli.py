"""Command line entry point: ``rnnplay`` (the TUI) and its headless subcommands.

    rnnplay [train flags] [--checkpoint PATH]      the playground (TUI)
    rnnplay train ...                              train headless, write OUT/
    rnnplay sample CHECKPOINT ...                  print generated text
    rnnplay eval CHECKPOINT [--corpus NAME|PATH]   perplexity of a text
    rnnplay corpora                                list the built-in corpora
    rnnplay export CHECKPOINT OUT.safetensors      the weights in PyTorch's layout
    rnnplay import IN.safetensors --out RUN        a run folder from such a file

This module keeps the parser, main() and the dispatch; the training flags are in
:mod:`rnnplay.train_flags`, sample and eval in :mod:`rnnplay.checkpoint_cli`,
race/runs/serve in their own modules.

Every failure the user can cause ends with one line on stderr and exit
code 2, never a traceback, and before anything the user had is touched.
Imports are lazy: ``rnnplay --help`` loads neither NumPy nor textual.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from rnnplay import __version__, checkpoint_cli, signals, streams, travel_cli
from rnnplay.core.train.config import TrainConfig
from rnnplay.errors import (
    EXIT_BUG,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    RnnplayError,
    UsageError,
    one_line,
    print_error,
    to_stderr,
)
from rnnplay.serve.command import add_serve_parser
from rnnplay.train_flags import RUNS_DIR_HELP, add_train_flags, config_from_args, given_settings

__all__ = ["add_train_flags", "build_parser", "config_from_args", "given_settings", "main"]


class _Parser(argparse.ArgumentParser):
    """argparse whose errors are one line (no usage block) and exit code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{message} (see '{self.prog} --help')")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="rnnplay",
        description="Watch a recurrent language model learn to write, in your terminal. "
        "Without a command, opens the playground (the flags below set it up).",
    )
    _add_version(parser)
    parser.add_argument(
        "--checkpoint", metavar="PATH", default=None, help="open a saved model in the playground"
    )
    parser.add_argument(
        "--runs-dir", metavar="DIR", type=Path, default=Path("runs"), help=RUNS_DIR_HELP
    )
    parser.add_argument("--confine-paths", action="store_true", help=argparse.SUPPRESS)
    add_train_flags(parser, tui=True)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")

    train = commands.add_parser(
        "train",
        help="train headless and write checkpoints",
        description="Train a language model headless. Writes OUT/checkpoint.npz (best "
        "validation so far), OUT/last.npz and OUT/metrics.jsonl. Ctrl-C saves last.npz "
        "and exits 130.",
    )
    add_train_flags(train)
    _add_version(train)

    _COMMANDS.update(checkpoint_cli.add_commands(commands, _add_version))
    _COMMANDS.update(travel_cli.register(commands))

    corpora = commands.add_parser(
        "corpora", help="list the built-in corpora", description="List the built-in corpora."
    )
    _add_version(corpora)
    add_serve_parser(commands)
    from rnnplay.race_cli import add_commands  # race, runs; NumPy loads when one runs

    _COMMANDS.update(add_commands(commands, add_train_flags))
    return parser


def _add_version(parser: argparse.ArgumentParser) -> None:
    """``-V`` / ``--version`` on the base command and on every subcommand."""
    parser.add_argument(
        "-V",
        "--version",
        action="version",
        version=f"rnnplay {__version__}",
        help="print the version and exit",
    )


# -- entry ---------------------------------------------------------------------
def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code: 0 done; 2 a problem the user can
    fix (an RnnplayError or an OSError), in one line; 130 interrupted; 1 a bug (any
    other exception): one line naming the file with its traceback (``rnnplay.crash``).

    Signals and standard streams are set up before anything else
    (:mod:`rnnplay.signals`, :mod:`rnnplay.streams`); stdout is flushed last.
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
        handler = _COMMANDS.get(args.command, _run_tui)
        if handler in (_cmd_train, _run_tui):
            _install_threads(args, ui=handler is _run_tui)
        return handler(args)
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
        from rnnplay.crash import report_crash

        return _fail(report_crash(error, list(sys.argv if argv is None else argv)), EXIT_BUG)


def _install_threads(args: argparse.Namespace, ui: bool) -> None:
    """Choose BLAS threads for this run (``--threads`` pins them; rnnplay/core/threads.py)."""
    pinned = getattr(args, "threads", None)
    if pinned is not None and pinned < 1:
        raise UsageError(f"--threads must be at least 1, got {pinned}")
    from rnnplay.core import threads

    threads.install(pinned, reserve=threads.UI_SHARE if ui else 0.0)


def _fail(message: str, code: int = EXIT_USAGE) -> int:
    print_error(message)
    return code


# -- the TUI hook ----------------------------------------------------------------
def _run_tui(args: argparse.Namespace) -> int:
    """HOOK (issue 4): the bare ``rnnplay`` command opens the playground.

    The flags are validated here first, so a bad one ends with one line and
    exit 2 before the screen changes. ``rnnplay.tui.app.run_app(args)`` gets
    the namespace with ``args.config`` (a validated TrainConfig: defaults plus
    the typed flags), ``args.given`` (the names of the typed settings) and
    ``args.checkpoint`` (a path or None). It returns the exit code.
    """
    args.config = config_from_args(args)
    args.given = sorted(given_settings(args))
    try:
        from rnnplay.tui.app import run_app
    except ModuleNotFoundError as error:
        if error.name not in ("rnnplay.tui.app", "rnnplay.tui"):
            raise
        return _fail("the playground is not built yet; use 'rnnplay train' (see 'rnnplay --help')")
    return int(run_app(args) or 0)


# -- corpora ---------------------------------------------------------------------
def _cmd_corpora(args: argparse.Namespace) -> int:
    from rnnplay.core.data.corpus import DEFAULT_CORPUS, list_builtins

    infos = list_builtins()
    width = max(len(info.name) for info in infos)
    for info in infos:
        n = info.size_bytes
        size = f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{n / 1024:.0f} KB"
        streams.write_out(f"{info.name:<{width}}  {info.level:<4}  {size:>8}  {info.description}\n")
    streams.write_out(
        f"(--corpus NAME; the default is {DEFAULT_CORPUS}; any other value is a text file path)\n"
    )
    return EXIT_OK


# -- train -----------------------------------------------------------------------
def _cmd_train(args: argparse.Namespace) -> int:
    from rnnplay.train_run import TrainRun

    given = given_settings(args)
    run = TrainRun(TrainConfig(**given), given, runs_dir=args.runs_dir, overwrite=args.overwrite)
    return run.execute()


def _cmd_serve(args: argparse.Namespace) -> int:
    from rnnplay.serve.command import run_serve

    return run_serve(args)


_COMMANDS: dict[str | None, Callable[[argparse.Namespace], int]] = {
    "train": _cmd_train,
    "corpora": _cmd_corpora,
    "serve": _cmd_serve,
}
