"""The bare ``rnnplay`` command: its flags, and the playground opened with them.

The flags are validated here first, so a bad one ends with one line and exit 2
before the screen changes; the playground gets a typed
:class:`~rnnplay.core.runs.options.PlaygroundOptions`, as a served tab does.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from rnnplay.cli.flags import (
    RUNS_DIR_HELP,
    add_train_flags,
    config_from_args,
    given_settings,
    install_threads,
)


def add_flags(parser: argparse.ArgumentParser) -> None:
    """The playground's own flags and every training flag, on the base parser."""
    parser.add_argument(
        "--checkpoint", metavar="PATH", default=None, help="open a saved model in the playground"
    )
    parser.add_argument(
        "--runs-dir", metavar="DIR", type=Path, default=Path("runs"), help=RUNS_DIR_HELP
    )
    parser.add_argument(
        "--sample-length",
        metavar="N",
        default=None,
        help="tokens per sample in the Sample panel: auto (as many as fill it, the "
        "default) or N (the Controls' 'sample len' changes it live)",
    )
    add_train_flags(parser, tui=True)
    parser.set_defaults(handler=run)


def options_from_args(args: argparse.Namespace):  # -> PlaygroundOptions (lazy import)
    """The typed session the flags describe (a validated config, what was typed)."""
    from rnnplay.core.runs.options import PlaygroundOptions, parse_sample_length

    length = getattr(args, "sample_length", None)
    return PlaygroundOptions(
        config=config_from_args(args),
        given=tuple(sorted(given_settings(args))),
        checkpoint=getattr(args, "checkpoint", None),
        runs_dir=str(getattr(args, "runs_dir", None) or "runs"),
        lesson=lesson_source(args),
        sample_length=None if length is None else parse_sample_length(length, "--sample-length"),
    )


def lesson_source(args: argparse.Namespace) -> str | None:
    """The ``--lesson`` given, as the session reads it: a built-in's name, or the
    file's absolute path (a served session runs in another folder)."""
    lesson = getattr(args, "lesson", None)
    if lesson is None:
        return None
    from rnnplay.core.lessons.loader import load_lesson

    return load_lesson(lesson).source


def run(args: argparse.Namespace) -> int:
    """Open the playground; returns its exit code."""
    options = options_from_args(args)
    install_threads(args, ui=True)
    from rnnplay.tui.app import run_app

    return int(run_app(options) or 0)
