"""``rnnplay inspect``: what a checkpoint predicts at every position of a text, and why.

Per position: the token, the next token, its probability and surprise, the
top-k guesses; with ``--at N`` one position and its blame back through time;
``--blame`` adds the blame of every position, ``--states`` every layer's
states; ``--units FEATURE`` ranks the hidden units by correlation with a
feature of the text (or a regular expression) instead. ``--json`` prints
JSON lines for notebooks and scripts. The maths lives in
:mod:`rnnplay.core.inspect`; flags are checked here, before the checkpoint is
read, each bad one ending in one line. NumPy loads when the command runs.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from rnnplay.cli.flags import add_version
from rnnplay.core import limits
from rnnplay.errors import EXIT_OK, UsageError
from rnnplay.process import streams


def register(commands: Any) -> None:
    """Add ``inspect`` to the CLI's subparsers."""
    parser = commands.add_parser(
        "inspect",
        help="what a checkpoint predicts at each position of a text, and why",
        description="Per position of a text: the next-token guesses, the surprise of the "
        "actual next token, and (--at, --blame) which earlier tokens the prediction "
        "depends on; or (--units) the hidden units that track a feature of the text.",
    )
    parser.add_argument("checkpoint", metavar="CHECKPOINT")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--text", metavar="T", help="the text to inspect")
    source.add_argument("--file", metavar="F", help="a UTF-8 text file (or built-in corpus)")
    parser.add_argument(
        "--at", type=int, default=None, metavar="N", help="only position N (negative: from the end)"
    )
    parser.add_argument("--json", action="store_true", help="print JSON lines")
    parser.add_argument(
        "--top-k", type=int, default=5, metavar="K", help="guesses shown per position (default 5)"
    )
    parser.add_argument(
        "--blame", action="store_true", help="the blame of every position (slow on long texts)"
    )
    parser.add_argument(
        "--states", action="store_true", help="every layer's states in the JSON records"
    )
    parser.add_argument(
        "--units",
        metavar="FEATURE",
        default=None,
        help="rank hidden units by correlation with FEATURE: quotes, brackets, after_newline, "
        "line_position, vowel, word_start, or a regular expression",
    )
    parser.add_argument(
        "--state",
        default="h",
        metavar="NAME",
        help="with --units: the state to search (h; c, f, g, i, o for an LSTM; z, r, "
        "candidate for a GRU)",
    )
    add_version(parser)
    parser.set_defaults(handler=_cmd_inspect)


def _check_flags(args: argparse.Namespace) -> None:
    if not 1 <= args.top_k <= limits.MAX_VOCAB:
        raise UsageError(f"--top-k must be at least 1, got {args.top_k}")
    if args.units is not None and (args.at is not None or args.blame):
        raise UsageError("--units searches the whole text: leave out --at and --blame")
    if args.text is not None and not args.text:
        raise UsageError("--text is empty: there is nothing to inspect")


def _shown(token: str) -> str:
    return repr(token)


def _emit(record: dict, as_json: bool, line: str) -> None:
    streams.write_out((json.dumps(record) if as_json else line) + "\n")


def _cmd_inspect(args: argparse.Namespace) -> int:
    _check_flags(args)
    from rnnplay.core.data.corpus import read_text
    from rnnplay.core.inspect import Inspector
    from rnnplay.core.store.checkpoint import load_checkpoint

    text = args.text if args.text is not None else read_text(args.file)
    checkpoint = load_checkpoint(args.checkpoint)
    inspector = Inspector(checkpoint.model, checkpoint.vocab, weights="live")
    ids = inspector.encode(text)
    if ids.size > limits.MAX_INSPECT_TOKENS:
        raise UsageError(
            f"the text has {ids.size} tokens, more than the {limits.MAX_INSPECT_TOKENS} "
            "rnnplay inspects at once; give a part of it"
        )
    if args.at is not None and not -ids.size <= args.at < ids.size:
        raise UsageError(f"--at {args.at} is outside the text's {ids.size} tokens")
    reading = inspector.read(ids, top_k=min(args.top_k, len(checkpoint.vocab)))
    if args.units is not None:
        _units(args, inspector, reading)
    else:
        positions = range(len(reading)) if args.at is None else [args.at % len(reading)]
        for t in positions:
            _position(args, inspector, reading, ids, t)
    streams.flush_out()
    return EXIT_OK


def _position(args: argparse.Namespace, inspector: Any, reading: Any, ids: Any, t: int) -> None:
    report = reading.at(t, inspector.vocab)
    record = report.to_json()
    line = f"{t:>6}  {_shown(report.token)}"
    if report.next_token is not None:
        line += (
            f" -> {_shown(report.next_token)}  p={report.next_prob:.4f}"
            f"  surprise {report.surprise:.3f} nats"
        )
    line += "   top: " + ", ".join(f"{_shown(tok)} {p:.3f}" for tok, p in report.top)
    with_blame = (args.blame or args.at is not None) and report.next_token is not None
    if with_blame:
        blame = inspector.blame(ids, t)
        shown = blame.to_json()
        record["blame"] = {key: shown[key] for key in ("norms", "grad_x_input")}
        order = sorted(range(t + 1), key=lambda s: -blame.norms[s])[:8]
        line += "\n        blame: " + ", ".join(
            f"{s} {_shown(reading.tokens[s])} {blame.norms[s]:.3g}" for s in order
        )
    if args.states:
        record["states"] = [
            {name: [float(v) for v in values[t]] for name, values in layer.items()}
            for layer in reading.layers
        ]
    _emit(record, args.json, line)


def _units(args: argparse.Namespace, inspector: Any, reading: Any) -> None:
    scores = inspector.units(reading, args.units, state=args.state, top=10)
    for score in scores:
        line = f"layer {score.layer} unit {score.unit:>4} ({score.state})  r={score.r:+.3f}"
        _emit(score.to_json(), args.json, line)
    best = scores[0]
    on, off = inspector.windows(reading, best.layer, best.unit, state=best.state, count=3)
    for kind, windows in (("on", on), ("off", off)):
        for window in windows:
            record = {
                "unit": best.to_json(),
                "where": kind,
                "position": window.position,
                "value": window.value,
                "text": window.text,
            }
            line = f"most {kind:<3} at {window.position:>6} ({window.value:+.3f}): {window.text!r}"
            _emit(record, args.json, line)
