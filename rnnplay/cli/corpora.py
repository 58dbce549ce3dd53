"""``rnnplay corpora``: the built-in corpora, one line each."""

from __future__ import annotations

import argparse
from typing import Any

from rnnplay.errors import EXIT_OK
from rnnplay.process import streams


def register(commands: Any) -> None:
    """Add ``corpora`` to the CLI's subparsers."""
    from rnnplay.cli.flags import add_version

    corpora = commands.add_parser(
        "corpora", help="list the built-in corpora", description="List the built-in corpora."
    )
    add_version(corpora)
    corpora.set_defaults(handler=run_corpora)


def run_corpora(args: argparse.Namespace) -> int:
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
