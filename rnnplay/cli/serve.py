"""The ``rnnplay serve`` subcommand: its flags, checks and the session command line.

Everything the user can get wrong (a bad flag, the extra not installed, the
port taken) ends with one line and exit code 2 before anything is served.
This module imports neither NumPy nor textual: it is loaded to build the
parser for ``rnnplay --help``.
"""

from __future__ import annotations

import argparse
import errno
import importlib.util
import ipaddress
import shlex
import socket
import sys
from pathlib import Path
from typing import Any

from rnnplay.errors import UsageError

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
DEFAULT_MAX_SESSIONS = 4
"""Chosen from benchmarks/serve_load.py (see docs/serve.md): on a 2-core machine
four training sessions still each get a usable speed and a prompt screen."""

INSTALL_HINT = "rnnplay serve needs the serve extra: pip install 'rnnplay[serve]'"

PATH_FLAGS = ("corpus", "valid", "test", "checkpoint")
"""Flags naming files: made absolute, since a session runs inside the runs directory."""


def register(commands: Any) -> None:
    """Add ``serve`` to the CLI's subparsers, with every flag of the playground."""
    from rnnplay.cli.flags import add_train_flags, add_version

    serve = commands.add_parser(
        "serve",
        help="serve the playground to web browsers (a classroom)",
        description="Serve the playground to web browsers: each tab gets its own session "
        "with the corpus, model and settings given here (or --lesson NAME|FILE: every student "
        "gets that lesson, what it hides unavailable), its files under --runs-dir. The class "
        "board's secret address is printed at start (also: rnnplay board RUNS_DIR). "
        "Needs the serve extra: pip install 'rnnplay[serve]'. Ctrl-C ends every session.",
    )
    server = serve.add_argument_group("server")
    server.add_argument(
        "--host",
        default=DEFAULT_HOST,
        metavar="H",
        help=f"address to listen on (default {DEFAULT_HOST}: this machine only; "
        "0.0.0.0 opens it to the network)",
    )
    server.add_argument(
        "--port", type=int, default=DEFAULT_PORT, metavar="P", help=f"(default {DEFAULT_PORT})"
    )
    server.add_argument(
        "--max-sessions",
        type=int,
        default=DEFAULT_MAX_SESSIONS,
        metavar="N",
        help=f"browser sessions at once; the next visitor is asked to come back later "
        f"(default {DEFAULT_MAX_SESSIONS})",
    )
    server.add_argument(
        "--runs-dir",
        type=Path,
        default=argparse.SUPPRESS,
        metavar="DIR",
        help="the sessions' run folders go here, and visitors can open nothing outside "
        "it (default runs)",
    )
    serve.add_argument(
        "--checkpoint", metavar="PATH", default=argparse.SUPPRESS, help="open a saved model"
    )
    add_train_flags(serve, tui=True)
    add_version(serve)
    serve.set_defaults(handler=run_serve)


def session_options(args: argparse.Namespace, runs_dir: Path):  # -> PlaygroundOptions
    """What every served session opens: the playground settings typed, file paths made
    absolute (a session runs inside the runs directory), confined to ``runs_dir``."""
    from rnnplay.cli.flags import config_from_args, given_settings
    from rnnplay.cli.playground import lesson_source
    from rnnplay.core.data.corpus import BUILTIN_CORPORA
    from rnnplay.core.runs.options import PlaygroundOptions

    config = config_from_args(args)
    absolute = {
        name: str(Path(getattr(config, name)).expanduser().resolve())
        for name in PATH_FLAGS
        if name != "checkpoint"
        and getattr(config, name)
        and not (name == "corpus" and config.corpus in BUILTIN_CORPORA)
    }
    checkpoint = getattr(args, "checkpoint", None)
    return PlaygroundOptions(
        config=config.replace(**absolute) if absolute else config,
        given=tuple(sorted(given_settings(args))),
        checkpoint=None if checkpoint is None else str(Path(checkpoint).expanduser().resolve()),
        runs_dir=str(runs_dir.resolve()),
        confine_paths=True,
        lesson=lesson_source(args),
    )


def session_argv(options) -> list[str]:  # options: PlaygroundOptions
    """The command line of one served session (``rnnplay.serve.tab``)."""
    return [sys.executable, "-m", "rnnplay.serve.tab", "--options", options.to_json()]


def run_serve(args: argparse.Namespace) -> int:
    """``rnnplay serve``: check everything, then serve until Ctrl-C (exit 130)."""
    if args.max_sessions < 1:
        raise UsageError(f"--max-sessions must be at least 1, got {args.max_sessions}")
    if not 0 < args.port < 65536:
        raise UsageError(f"--port must lie in 1..65535, got {args.port}")
    if importlib.util.find_spec("textual_serve") is None:
        raise UsageError(INSTALL_HINT)
    check_session_starts(args)
    check_port_free(args.host, args.port)
    runs_dir = Path(getattr(args, "runs_dir", None) or "runs")
    try:
        runs_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        message = f"cannot create the runs directory '{runs_dir}': {error.strerror}"
        raise UsageError(message) from None

    from rnnplay.serve.classroom import Classroom

    options = session_options(args, runs_dir)
    board_argv = [sys.executable, "-m", "rnnplay.serve.board_session", options.runs_dir]
    classroom = Classroom(
        session_argv(options),
        host=args.host,
        port=args.port,
        max_sessions=args.max_sessions,
        board_argv=board_argv,
    )
    url = f"http://{_url_host(args.host)}:{args.port}/"
    lesson = f", lesson {options.lesson}" if options.lesson else ""
    print(
        f"rnnplay: serving the playground on {url} ({_sessions(args.max_sessions)} at most, "
        f"runs in {runs_dir}{lesson}); Ctrl-C stops it",
        flush=True,
    )
    if not is_loopback(args.host):
        print(
            f"rnnplay: the playground is reachable from the network at "
            f"http://{_public_host(args.host)}:{args.port}/ (--host {args.host}): anyone "
            "who can reach this machine can open a session",
            flush=True,
        )
    board_host = "127.0.0.1" if args.host in ("", "0.0.0.0", "::") else _url_host(args.host)
    print(
        f"rnnplay: the class board, for you only (do not share this address): "
        f"http://{board_host}:{args.port}{classroom.board_path}",
        flush=True,
    )
    return classroom.run(on_bind_error=lambda error: _bind_failed(args.host, args.port, error))


def check_session_starts(args: argparse.Namespace) -> None:
    """Build the trainer a session would open with, once, so that a bad setting, corpus
    or checkpoint fails here in one line instead of in every browser tab."""
    from rnnplay.cli.flags import config_from_args, given_settings
    from rnnplay.core.runs.opening import open_playground

    config = config_from_args(args)
    typed = {name: getattr(config, name) for name in given_settings(args)}
    open_playground(config, checkpoint=getattr(args, "checkpoint", None), given=typed)


def is_loopback(host: str) -> bool:
    """True for addresses only this machine can reach (127.0.0.0/8, ::1, localhost)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_port_free(host: str, port: int) -> None:
    """Fail in one line if ``host:port`` cannot be listened on (taken, or no such address)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise UsageError(f"cannot listen on host '{host}': {error.strerror}") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as error:
            _bind_failed(host, port, error)


def _bind_failed(host: str, port: int, error: OSError) -> None:
    if error.errno == errno.EADDRINUSE:
        raise UsageError(
            f"port {port} on {host} is already in use; choose another with --port"
        ) from None
    raise UsageError(f"cannot listen on {host}:{port}: {error.strerror or error}") from None


def _public_host(host: str) -> str:
    """The name others use to reach us: this machine's name for 'every address'."""
    if host in ("", "0.0.0.0", "::"):
        return socket.gethostname()
    return _url_host(host)


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def describe(argv: list[str]) -> str:
    """A session command line as one shell-quoted string (for logs)."""
    return shlex.join(argv)


def _sessions(count: int) -> str:
    """'1 session', '4 sessions'."""
    return f"{count} session" + ("" if count == 1 else "s")
