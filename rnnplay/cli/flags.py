"""The training flags: one argparse group set shared by the playground, ``train``,
``race`` and ``serve``, and the TrainConfig they make.

Every flag defaults to ``argparse.SUPPRESS``, so the namespace holds only what the
user typed; the defaults live in :class:`TrainConfig` alone. Light on purpose:
``rnnplay --help`` imports this module and must not load NumPy.
"""

from __future__ import annotations

import argparse
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
from rnnplay.core.train.presets import PRESETS
from rnnplay.errors import UsageError

DEFAULTS = TrainConfig()
"""The defaults every flag shows in its help."""
RUNS_DIR_HELP = "where new run folders (NAME-N) are created (default runs)"
_OVERWRITE_HELP = (
    "with --resume of a checkpoint older than its folder's last.npz: continue in that "
    "folder, replacing its later steps (default: continue in a new folder beside it)"
)


def add_train_flags(parser: argparse.ArgumentParser, *, tui: bool = False) -> None:
    """Add the model, data, optimisation and limit flags shared by ``train`` and the TUI.

    Every flag defaults to ``argparse.SUPPRESS`` so that the namespace holds
    only what the user typed (:func:`given_settings`); the defaults live in
    :class:`TrainConfig` alone and are shown in the help from there.
    """
    d = DEFAULTS
    S = argparse.SUPPRESS

    recipe = parser.add_argument_group("recipe")
    if tui:
        recipe.add_argument(
            "--lesson",
            metavar="NAME|FILE",
            default=S,
            help="open a lesson: its settings (flags typed beside it win), its cards, "
            "what it hides (see 'rnnplay lessons')",
        )
    recipe.add_argument(
        "--preset",
        choices=tuple(PRESETS),
        default=S,
        help="start from a named set of the settings below; flags typed beside it win. "
        + "; ".join(f"{p.name}: {p.summary}" for p in PRESETS.values()),
    )

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
    cell_help = f"recurrent cell (default {d.cell}; --model is its older name)"
    model.add_argument(
        "--cell", "--model", dest="cell", choices=CELL_NAMES, default=S, help=cell_help
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
        f"stops improving; cosine warms up then decays; epoch-decay keeps it for "
        f"--decay-after epochs, then multiplies it by --decay-factor every epoch "
        f"(default {d.schedule})",
    )
    optim.add_argument(
        "--decay-after",
        type=int,
        metavar="N",
        default=S,
        help=f"epoch-decay: epochs at the starting rate (default {d.decay_after})",
    )
    optim.add_argument(
        "--decay-factor",
        type=float,
        metavar="F",
        default=S,
        help=f"epoch-decay: the rate's multiplier per later epoch (default {d.decay_factor:g})",
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
        help="validate on the whole validation text every N steps (default: every 100 "
        "steps, or as rarely as keeps validation under about 10%% of the time on a large split)",
    )
    limits.add_argument(
        "--seed",
        type=int,
        metavar="N",
        default=S,
        help=f"seed of weights, dropout and batches (default {d.seed})",
    )
    limits.add_argument(
        "--threads",
        type=int,
        metavar="N",
        default=S,
        help="BLAS threads (default: chosen from the free cores, re-checked as the load changes)",
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
        run.add_argument("--runs-dir", metavar="DIR", type=Path, default=S, help=RUNS_DIR_HELP)
        run.add_argument("--overwrite", action="store_true", help=_OVERWRITE_HELP)
        run.add_argument("--quiet", action="store_true", default=S, help="print nothing but errors")


def given_settings(args: argparse.Namespace) -> dict[str, Any]:
    """The TrainConfig fields the user chose: a ``--preset``'s settings, a
    ``--lesson``'s over them, then the flags typed on the command line over both."""
    names = set(TrainConfig.__dataclass_fields__)
    typed = {name: value for name, value in vars(args).items() if name in names}
    preset = getattr(args, "preset", None)
    chosen = dict(PRESETS[preset].settings) if preset is not None else {}
    lesson = getattr(args, "lesson", None)
    if lesson is not None:
        from rnnplay.core.lessons.loader import load_lesson

        chosen.update(load_lesson(lesson).settings)
    return {**chosen, **typed}


def config_from_args(args: argparse.Namespace) -> TrainConfig:
    """A validated TrainConfig: the defaults with the typed flags applied."""
    return TrainConfig(**given_settings(args)).validate()


class RnnplayParser(argparse.ArgumentParser):
    """argparse whose errors are one line (no usage block) and exit code 2.

    A mistyped flag is named with the closest real one: ``rnnplay --hiden 128``
    said "invalid choice: '128'" (argparse took 128 for the command), now
    "unknown flag '--hiden' (did you mean '--hidden'?)".
    """

    _argv: list[str] | None = None

    def parse_args(self, args=None, namespace=None):  # type: ignore[override]
        import sys

        self._argv = list(sys.argv[1:] if args is None else args)
        return super().parse_args(args, namespace)

    def error(self, message: str) -> None:  # type: ignore[override]
        unknown = self._unknown_flag()
        if unknown is not None:
            message = unknown
        raise UsageError(f"{message} (see '{self.prog} --help')")

    def _unknown_flag(self) -> str | None:
        """ "unknown flag '--x' (did you mean '--y'?)" for the first flag no parser knows."""
        import difflib

        known = set(_option_strings(self))
        for token in self._argv or ():
            flag = token.split("=", 1)[0]
            if flag.startswith("--") and len(flag) > 2 and flag not in known:
                close = difflib.get_close_matches(flag, sorted(known), n=1, cutoff=0.7)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                return f"unknown flag '{flag}'{hint}"
        return None


def _option_strings(parser: argparse.ArgumentParser) -> list[str]:
    """Every option string of ``parser`` and of its subcommands' parsers."""
    found = list(parser._option_string_actions)
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                found += _option_strings(sub)
    return found


def add_version(parser: argparse.ArgumentParser) -> None:
    """``-V`` / ``--version`` on the base command and on every subcommand."""
    parser.add_argument(
        "-V",
        "--version",
        action="version",
        version=f"rnnplay {__version__}",
        help="print the version and exit",
    )


def install_threads(args: argparse.Namespace, *, ui: bool) -> None:
    """Choose BLAS threads for this training process (``--threads`` pins them;
    :mod:`rnnplay.core.train.threads`); the playground leaves a share to its UI."""
    pinned = getattr(args, "threads", None)
    if pinned is not None and pinned < 1:
        raise UsageError(f"--threads must be at least 1, got {pinned}")
    from rnnplay.core.train import threads

    threads.install(pinned, reserve=threads.UI_SHARE if ui else 0.0)
