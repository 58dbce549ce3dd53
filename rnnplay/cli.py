"""Command line entry point: ``rnnplay`` (the TUI) and its headless subcommands.

    rnnplay [train flags] [--checkpoint PATH]      the playground (TUI)
    rnnplay train ...                              train headless, write OUT/
    rnnplay sample CHECKPOINT ...                  print generated text
    rnnplay eval CHECKPOINT --corpus NAME|PATH     perplexity of a text
    rnnplay corpora                                list the built-in corpora

Every failure the user can cause ends with one line on stderr and exit
code 2, never a traceback, and before anything the user had is touched.
Imports are lazy: ``rnnplay --help`` loads neither NumPy nor textual.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from rnnplay import __version__
from rnnplay.core.train.config import (
    BATCHINGS,
    CELL_NAMES,
    DEFAULT_EPOCHS,
    LEVELS,
    OPTIMIZER_NAMES,
    SCHEDULES,
    TrainConfig,
)
from rnnplay.errors import (
    EXIT_BUG,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    RnnplayError,
    UsageError,
    one_line,
)

_DEFAULTS = TrainConfig()
_RUNS_DIR_HELP = "where new run folders (NAME-N) are created (default runs)"
_OVERWRITE_HELP = (
    "with --resume of a checkpoint older than its folder's last.npz: continue in that "
    "folder, replacing its later steps (default: continue in a new folder beside it)"
)


class _Parser(argparse.ArgumentParser):
    """argparse whose errors are one line (no usage block) and exit code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{message} (see '{self.prog} --help')")


# -- flags -----------------------------------------------------------------------
def add_train_flags(parser: argparse.ArgumentParser, *, tui: bool = False) -> None:
    """Add the model, data, optimisation and limit flags shared by ``train`` and the TUI.

    Every flag defaults to ``argparse.SUPPRESS`` so that the namespace holds
    only what the user typed (:func:`given_settings`); the defaults live in
    :class:`TrainConfig` alone and are shown in the help from there.
    """
    d = _DEFAULTS
    S = argparse.SUPPRESS

    data = parser.add_argument_group("data")
    data.add_argument(
        "--corpus",
        metavar="NAME|PATH",
        default=S,
        help=f"built-in corpus name (see 'rnnplay corpora') or a UTF-8 text file "
        f"(default {d.corpus})",
    )
    data.add_argument("--valid", metavar="PATH", default=S, help="validation text file")
    data.add_argument("--test", metavar="PATH", default=S, help="test text file")
    data.add_argument(
        "--val-fraction",
        type=float,
        metavar="F",
        default=S,
        help=f"without --valid, hold out the last F of the corpus (default {d.val_fraction})",
    )
    data.add_argument(
        "--level",
        choices=LEVELS,
        default=S,
        help="tokens: characters or words (default: the corpus's own, char for files)",
    )
    data.add_argument(
        "--max-vocab",
        type=int,
        metavar="N",
        default=S,
        help="word level: keep the N-1 most frequent words, the rest become <unk>",
    )

    model = parser.add_argument_group("model")
    model.add_argument(
        "--model", choices=CELL_NAMES, default=S, help=f"recurrent cell (default {d.model})"
    )
    model.add_argument(
        "--embed", type=int, metavar="N", default=S, help=f"embedding size (default {d.embed})"
    )
    model.add_argument(
        "--hidden",
        type=int,
        metavar="N",
        default=S,
        help=f"hidden units per layer (default {d.hidden})",
    )
    model.add_argument(
        "--layers", type=int, metavar="N", default=S, help=f"recurrent layers (default {d.layers})"
    )
    model.add_argument(
        "--dropout",
        type=float,
        metavar="P",
        default=S,
        help=f"dropout between layers, in [0, 1) (default {d.dropout})",
    )
    model.add_argument(
        "--tie",
        action="store_true",
        default=S,
        help="tie input and output embeddings (needs --embed == --hidden)",
    )
    model.add_argument(
        "--forget-bias",
        type=float,
        metavar="F",
        default=S,
        help=f"initial LSTM forget-gate bias; the book uses 0 (default {d.forget_bias:g})",
    )

    batches = parser.add_argument_group("batches")
    batches.add_argument(
        "--batch", type=int, metavar="N", default=S, help=f"sequences per batch (default {d.batch})"
    )
    batches.add_argument(
        "--bptt",
        type=int,
        metavar="N",
        default=S,
        help=f"time steps per batch, truncated BPTT length (default {d.bptt})",
    )
    batches.add_argument(
        "--batching",
        choices=BATCHINGS,
        default=S,
        help=f"streams: the book's parallel streams, state carried; random: random "
        f"windows (default {d.batching})",
    )

    optim = parser.add_argument_group("optimisation")
    optim.add_argument(
        "--optimizer", choices=OPTIMIZER_NAMES, default=S, help=f"(default {d.optimizer})"
    )
    optim.add_argument(
        "--lr", type=float, metavar="F", default=S, help=f"learning rate (default {d.lr:g})"
    )
    optim.add_argument(
        "--schedule",
        choices=SCHEDULES,
        default=S,
        help=f"learning-rate schedule; plateau divides it by 4 when validation perplexity "
        f"stops improving; cosine warms up then decays (default {d.schedule})",
    )
    optim.add_argument(
        "--clip",
        type=float,
        metavar="F",
        default=S,
        help=f"clip the global gradient norm to F (default {d.clip:g})",
    )

    limits = parser.add_argument_group("limits and evaluation")
    limits.add_argument(
        "--epochs",
        type=float,
        metavar="N",
        default=S,
        help=f"passes over the training text (default {DEFAULT_EPOCHS} when no limit is given)",
    )
    limits.add_argument(
        "--max-steps", type=int, metavar="N", default=S, help="stop after N steps in total"
    )
    limits.add_argument(
        "--max-seconds", type=float, metavar="S", default=S, help="stop after S seconds"
    )
    limits.add_argument(
        "--eval-every",
        type=int,
        metavar="N",
        default=S,
        help=f"validate every N steps (default {d.eval_every})",
    )
    limits.add_argument(
        "--seed",
        type=int,
        metavar="N",
        default=S,
        help=f"seed of weights, dropout and batches (default {d.seed})",
    )
    if not tui:
        run = parser.add_argument_group("run")
        run.add_argument(
            "--out",
            metavar="DIR",
            default=S,
            help="folder for checkpoint.npz (best validation), last.npz and metrics.jsonl "
            "(default: a new runs/run-N, or the folder of --resume)",
        )
        run.add_argument(
            "--resume",
            metavar="CHECKPOINT",
            default=S,
            help="continue a run exactly from its last.npz or checkpoint.npz",
        )
        run.add_argument("--runs-dir", metavar="DIR", type=Path, default=S, help=_RUNS_DIR_HELP)
        run.add_argument("--overwrite", action="store_true", help=_OVERWRITE_HELP)
        run.add_argument("--quiet", action="store_true", default=S, help="print nothing but errors")


def given_settings(args: argparse.Namespace) -> dict[str, Any]:
    """The TrainConfig fields the user typed on the command line."""
    names = set(TrainConfig.__dataclass_fields__)
    return {name: value for name, value in vars(args).items() if name in names}


def config_from_args(args: argparse.Namespace) -> TrainConfig:
    """A validated TrainConfig: the defaults with the typed flags applied."""
    return TrainConfig(**given_settings(args)).validate()


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="rnnplay",
        description="Watch a recurrent language model learn to write, in your terminal. "
        "Without a command, opens the playground (the flags below set it up).",
    )
    parser.add_argument("--version", action="version", version=f"rnnplay {__version__}")
    parser.add_argument(
        "--checkpoint", metavar="PATH", default=None, help="open a saved model in the playground"
    )
    parser.add_argument(
        "--runs-dir", metavar="DIR", type=Path, default=Path("runs"), help=_RUNS_DIR_HELP
    )
    parser.set_defaults(confine_paths=False)
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

    sample = commands.add_parser(
        "sample",
        help="print text generated by a checkpoint",
        description="Print the prime followed by generated text, and nothing else.",
    )
    sample.add_argument("checkpoint", metavar="CHECKPOINT")
    sample.add_argument(
        "--prime",
        default="",
        metavar="TEXT",
        help="text to start from (default: empty, start as at a new line)",
    )
    sample.add_argument(
        "--length", type=int, default=500, metavar="N", help="tokens to generate (default 500)"
    )
    sample.add_argument(
        "--temperature",
        type=float,
        default=1.0,
        metavar="T",
        help="above 0; lower is more conservative (default 1.0)",
    )
    sample.add_argument(
        "--top-k", type=int, default=None, metavar="K", help="draw among the K likeliest tokens"
    )
    sample.add_argument(
        "--top-p",
        type=float,
        default=None,
        metavar="P",
        help="draw among the likeliest tokens covering probability P, in (0, 1]",
    )
    sample.add_argument("--greedy", action="store_true", help="always take the likeliest token")
    sample.add_argument("--seed", type=int, default=None, metavar="N", help="seed of the draws")

    evaluate = commands.add_parser(
        "eval",
        help="perplexity of a checkpoint on a text",
        description="Loss and perplexity of a checkpoint over the whole text of a corpus.",
    )
    evaluate.add_argument("checkpoint", metavar="CHECKPOINT")
    evaluate.add_argument(
        "--corpus", required=True, metavar="NAME|PATH", help="built-in name or text file"
    )
    evaluate.add_argument("--json", action="store_true", help="print one JSON object")

    commands.add_parser(
        "corpora", help="list the built-in corpora", description="List the built-in corpora."
    )
    return parser


# -- entry ---------------------------------------------------------------------
def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code: 0 done; 2 a problem the user can
    fix (an RnnplayError or an OSError), in one line; 130 interrupted; 1 a bug (any
    other exception): one line naming the file with its traceback (``rnnplay.crash``)."""
    try:
        args = build_parser().parse_args(argv)
        handler = _COMMANDS.get(args.command, _run_tui)
        return handler(args)
    except RnnplayError as error:
        return _fail(one_line(error), error.exit_code)
    except KeyboardInterrupt:
        print("rnnplay: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader of our stdout went away (e.g. `| head`): not an error.
        _silence_stdout()
        return EXIT_OK
    except OSError as error:
        # A file the system refused (missing, unreadable, disk full): the user's to fix.
        return _fail(one_line(error))
    except Exception as error:  # a bug: never disguised as a user error
        from rnnplay.crash import report_crash

        return _fail(report_crash(error, list(sys.argv if argv is None else argv)), EXIT_BUG)


def _fail(message: str, code: int = EXIT_USAGE) -> int:
    with contextlib.suppress(OSError, ValueError):  # stderr closed: the exit code tells
        print(f"rnnplay: error: {message}", file=sys.stderr)
    return code


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


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
        print(
            f"{info.name:<{width}}  {info.level:<4}  {_size(info.size_bytes):>8}  "
            f"{info.description}"
        )
    print(f"(--corpus NAME; the default is {DEFAULT_CORPUS}; any other value is a text file path)")
    return EXIT_OK


def _size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / 1024 / 1024:.1f} MB"
    return f"{n / 1024:.0f} KB"


# -- sample ----------------------------------------------------------------------
def _cmd_sample(args: argparse.Namespace) -> int:
    import math

    if args.length < 1:
        raise UsageError(f"--length must be at least 1, got {args.length}")
    if not math.isfinite(args.temperature) or args.temperature <= 0:
        raise UsageError(f"--temperature must be a finite number above 0, got {args.temperature}")
    if args.top_k is not None and args.top_k < 1:
        raise UsageError(f"--top-k must be at least 1, got {args.top_k}")
    if args.top_p is not None and not 0 < args.top_p <= 1:
        raise UsageError(f"--top-p must lie in (0, 1], got {args.top_p}")
    if args.seed is not None and args.seed < 0:
        raise UsageError(f"--seed must be a non-negative integer, got {args.seed}")
    from rnnplay.core.sampler import Sampler
    from rnnplay.core.store.checkpoint import load_checkpoint

    checkpoint = load_checkpoint(args.checkpoint)
    vocab_size = len(checkpoint.vocab)
    if args.top_k is not None and args.top_k > vocab_size:
        raise UsageError(
            f"--top-k {args.top_k} is larger than the vocabulary ({vocab_size} tokens)"
        )
    sampler = Sampler(
        checkpoint.model,
        checkpoint.vocab,
        temperature=args.temperature,
        top_k=args.top_k,
        top_p=args.top_p,
        greedy=args.greedy,
        seed=args.seed,
    )
    text = sampler.generate(args.prime, args.length)
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    sys.stdout.flush()
    return EXIT_OK


# -- eval ------------------------------------------------------------------------
def _cmd_eval(args: argparse.Namespace) -> int:
    import json

    from rnnplay.core.data.corpus import CorpusError, read_text
    from rnnplay.core.data.vocab import tokenize
    from rnnplay.core.store.checkpoint import load_checkpoint
    from rnnplay.core.train.evaluation import perplexity, sequence_loss

    checkpoint = load_checkpoint(args.checkpoint)
    vocab = checkpoint.vocab
    tokens = tokenize(read_text(args.corpus), vocab.level)
    if vocab.unk_id is None:
        missing = list(dict.fromkeys(t for t in tokens if t not in vocab.index))
        if missing:
            shown = ", ".join(repr(t) for t in missing[:10])
            more = f" and {len(missing) - 10} more" if len(missing) > 10 else ""
            raise CorpusError(
                f"corpus '{args.corpus}' has {vocab.level}s the model's vocabulary lacks: "
                f"{shown}{more}"
            )
    if len(tokens) < 2:
        raise CorpusError(f"corpus '{args.corpus}' is too short to evaluate ({len(tokens)} tokens)")
    ids = vocab.encode_tokens(tokens)
    saved = checkpoint.meta.get("config") if isinstance(checkpoint.meta, dict) else None
    batch, bptt = _DEFAULTS.batch, _DEFAULTS.bptt
    if isinstance(saved, dict):
        batch = _positive(saved.get("batch"), batch)
        bptt = _positive(saved.get("bptt"), bptt)
    loss, count = sequence_loss(checkpoint.model, ids, batch, bptt)
    ppl = perplexity(loss)
    if args.json:
        result = {
            "checkpoint": str(args.checkpoint),
            "corpus": str(args.corpus),
            "level": vocab.level,
            "tokens": count,
            "loss": loss,
            "ppl": ppl if ppl != float("inf") else None,
        }
        print(json.dumps(result))
    else:
        print(
            f"{args.corpus}: loss {loss:.4f} nats per {vocab.level}, perplexity {ppl:.3f} "
            f"over {count} {vocab.level} tokens"
        )
    return EXIT_OK


def _positive(value: Any, fallback: int) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    return fallback


# -- train -----------------------------------------------------------------------
def _cmd_train(args: argparse.Namespace) -> int:
    from rnnplay.train_run import TrainRun

    given = given_settings(args)
    run = TrainRun(TrainConfig(**given), given, runs_dir=args.runs_dir, overwrite=args.overwrite)
    return run.execute()


_COMMANDS: dict[str | None, Callable[[argparse.Namespace], int]] = {
    "train": _cmd_train,
    "sample": _cmd_sample,
    "eval": _cmd_eval,
    "corpora": _cmd_corpora,
}
