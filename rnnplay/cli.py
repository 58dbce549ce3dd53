"""Command line entry point: ``rnnplay`` (the TUI) and its headless subcommands."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from rnnplay import __version__


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rnnplay",
        description="Watch a recurrent language model learn to write, in your terminal.",
    )
    parser.add_argument("--version", action="version", version=f"rnnplay {__version__}")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    build_parser().parse_args(argv)
    return 0
