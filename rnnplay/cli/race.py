"""``rnnplay race``: train 2-4 contenders side by side for an equal budget, print a table.

    rnnplay race --models rnn,lstm,gru --max-steps 500
    rnnplay race --models lstm --hidden 64,256 --max-seconds 60 --json

Every ``train`` flag is accepted; a comma list (``--hidden 64,256``) gives
one value per contender, a single value is shared. The lists must agree in
length and make 2 to 4 contenders; without any list the contenders are rnn,
lstm and gru. Paths (``--corpus``, ``--valid``, ``--test``) are never lists:
contenders read the same text in the same order from the same seed.

Budgets (see :mod:`rnnplay.core.race.rotation`): ``--max-steps N`` is N steps each;
``--max-seconds S`` is S seconds each on average: the contenders train in
rotation and the race ends after the round in which their summed training
time (validation excluded) reaches (contenders x S), so all take the same
number of steps; the table reports each one's own training time.

OUT (``--out DIR``, default a new ``runs/race-N``) gets one run folder per
contender (run.json, metrics.jsonl, checkpoint.npz, last.npz, as ``train`` writes;
and ``race.json``, the results. The table goes to stdout (``--json``: the
same as one JSON object), progress to stderr (nothing with ``--quiet``).
Ctrl-C stops after the current step, saves every contender's last.npz,
prints the table so far and exits 130.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rnnplay.core.train.config import CELL_NAMES, TrainConfig
from rnnplay.core.train.units import DEFAULT_UNIT, UNITS, format_loss, unit_label
from rnnplay.errors import EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, UsageError, print_error, to_stderr

NOT_LISTS = frozenset({"corpus", "valid", "test"})
"""Flags that stay single: every contender reads the same text."""

DEFAULT_MODELS = ("rnn", "lstm", "gru")

_RACE_HELP = {
    "max_steps": "the budget: N steps for every contender",
    "max_seconds": "the budget: S seconds of training for every contender on average, "
    "ending between rounds so that the steps stay equal",
    "epochs": "not used by a race (its budget is --max-steps or --max-seconds)",
}


# -- the parser ----------------------------------------------------------------------
def register(commands: Any) -> None:
    """Add ``race`` to the CLI's subparsers, with every train flag as a list."""
    from rnnplay.cli.flags import add_train_flags

    race = commands.add_parser(
        "race",
        help="race 2-4 models on the same text for an equal budget",
        description="Train 2-4 contenders in rotation on the same text, the same data "
        "order and seed, for the same number of steps, and print a table. A comma list "
        "in a flag gives one value per contender (--models rnn,lstm,gru; --models lstm "
        "--hidden 64,256). --max-seconds S is S seconds each on average, with equal steps.",
    )
    add_train_flags(race, tui=True)
    race.add_argument(
        "--models",
        dest="cell",
        choices=CELL_NAMES,
        metavar="M,M,...",
        default=argparse.SUPPRESS,
        help=f"recurrent cells racing (default {','.join(DEFAULT_MODELS)})",
    )
    for action in race._actions:  # every typed train flag takes a comma list
        if action.dest in TrainConfig.__dataclass_fields__ and action.dest not in NOT_LISTS:
            if action.nargs == 0:  # a switch such as --tie
                continue
            action.type = _comma_list(action.type or str, action.choices)
            action.choices = None
        if action.dest in _RACE_HELP:
            action.help = _RACE_HELP[action.dest]
    out = race.add_argument_group("race")
    out.add_argument(
        "--out", metavar="DIR", default=None, help="folder of the race (default a new runs/race-N)"
    )
    out.add_argument("--json", action="store_true", help="print the table as one JSON object")
    out.add_argument(
        "--units",
        choices=UNITS,
        default=DEFAULT_UNIT,
        help="unit of the best validation loss column: nats, bits per token or perplexity",
    )
    out.add_argument(
        "--runs-dir",
        metavar="DIR",
        type=Path,
        default=argparse.SUPPRESS,
        help="where a race without --out goes (default runs/)",
    )
    out.add_argument("--quiet", action="store_true", help="no progress on stderr")
    race.set_defaults(handler=run_race)


def _comma_list(convert_one: Callable[[str], Any], choices: Any) -> Callable[[str], list[Any]]:
    """An argparse type: a comma list of ``convert_one`` values, each among ``choices``."""

    def parse(text: str) -> list[Any]:
        values = []
        for part in text.split(","):
            part = part.strip()
            if not part:
                raise argparse.ArgumentTypeError(f"empty item in the list '{text}'")
            try:
                value = convert_one(part)
            except (TypeError, ValueError):
                kind = getattr(convert_one, "__name__", "value")
                raise argparse.ArgumentTypeError(f"invalid {kind} value: '{part}'") from None
            if choices is not None and value not in choices:
                shown = ", ".join(map(str, choices))
                raise argparse.ArgumentTypeError(f"unknown value '{part}' (choose from {shown})")
            values.append(value)
        return values

    parse.__name__ = getattr(convert_one, "__name__", "value") + " list"
    return parse


# -- planning --------------------------------------------------------------------------
def plan_contenders(args: argparse.Namespace) -> list[TrainConfig]:
    """The contenders' configs from the parsed flags (ConfigError/UsageError: one line)."""
    from rnnplay.core.race.contenders import expand_contenders

    fields = TrainConfig.__dataclass_fields__
    given = {name: value for name, value in vars(args).items() if name in fields}
    lists = {name: value for name, value in given.items() if isinstance(value, list)}
    singles = {name: value for name, value in given.items() if not isinstance(value, list)}
    if "cell" not in lists and not any(len(v) > 1 for v in lists.values()):
        lists["cell"] = list(DEFAULT_MODELS)
    base = TrainConfig(**singles, **{n: v[0] for n, v in lists.items()})
    if "epochs" in given:
        raise UsageError("a race's budget is --max-steps N or --max-seconds S, not --epochs")
    if base.max_steps is None and base.max_seconds is None:
        raise UsageError("a race needs a budget: --max-steps N or --max-seconds S (each)")
    return expand_contenders(base, lists)


# -- running ----------------------------------------------------------------------------
def run_race(args: argparse.Namespace) -> int:
    """The ``race`` command: plan, open, race, save, print. Returns the exit code."""
    from rnnplay.core.race.contenders import contender_names
    from rnnplay.core.race.events import ContenderEvent
    from rnnplay.core.race.rotation import Race
    from rnnplay.core.runs.race_folder import RACE_FILE, open_race_runs
    from rnnplay.core.runs.race_record import (
        contender_recorders,
        race_summary,
        record_contender,
        write_race_json,
    )
    from rnnplay.process.signals import StopFlag

    configs = plan_contenders(args)
    names = contender_names(configs)
    opened = open_race_runs(
        configs, names, out=args.out, runs_dir=getattr(args, "runs_dir", Path("runs"))
    )
    out, runs = opened.path, opened.runs
    race = Race(
        [(name, run.trainer) for name, run in zip(names, runs, strict=True)],
        max_steps=configs[0].max_steps,
        max_seconds=configs[0].max_seconds,
    )
    recorders = contender_recorders(runs)
    progress = None if args.quiet else sys.stderr
    if progress is not None:
        print(f"racing {', '.join(names)} into {out}", file=progress, flush=True)
    flag = StopFlag()
    flag.install()
    try:
        for event in race.run(should_stop=flag):
            if isinstance(event, ContenderEvent):
                record_contender(recorders[event.contender], event)
                _report(event, progress)
    finally:
        flag.restore()
        for recorder in recorders:
            recorder.close()
        opened.release()
    summary = race_summary(race, runs[0].trainer.dataset, args.units)
    write_race_json(out / RACE_FILE, summary)
    if args.json:
        print(json.dumps(summary, allow_nan=False))
    else:
        print_race_table(summary)
    reason = race.stopped.reason if race.stopped is not None else "cancelled"
    if reason == "cancelled":
        to_stderr(f"rnnplay: race interrupted: saved every last.npz under {out}")
        return EXIT_INTERRUPTED
    if reason == "nonfinite":
        print_error("every contender diverged; try a lower --lr")
        return EXIT_USAGE
    return EXIT_OK


def _report(item: Any, progress: Any) -> None:
    """Progress on stderr: a line per validation (unless --quiet), a line per divergence."""
    from rnnplay.core.train.events import EvalEvent, StopEvent

    event = item.event
    if isinstance(event, StopEvent) and event.reason == "nonfinite":
        to_stderr(f"rnnplay: {item.name}: {event.message}")
    elif isinstance(event, EvalEvent) and progress is not None and math.isfinite(event.loss):
        mark = "  (best)" if item.improved else ""
        print(
            f"{item.name:<16} step {event.step:>6}  validation loss {event.loss:.4f} "
            f"{unit_label('nats')}, perplexity {event.ppl:.3f}{mark}",
            file=progress,
            flush=True,
        )


# -- the table ----------------------------------------------------------------------------
TABLE_HEADERS = ("contender", "model", "params", "steps", "tokens/s", "train s")


def race_table_rows(summary: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    """Headers and cells of the race table in the summary's unit."""
    unit = summary["unit"]
    level = summary.get("level")
    headers = [
        *TABLE_HEADERS,
        f"best val {unit_label(unit, level=level)}",
        "perplexity",
        f"bits/{level or 'token'}",
        f"grad {summary['probe_distance']} back",
    ]
    rows = []
    for row in summary["contenders"]:
        best = row["best_val_loss"]
        rows.append(
            [
                row["name"]
                + ("" if row["status"] in ("steps", "seconds") else f" ({row['status']})"),
                row["model"],
                f"{row['params']:,}",
                str(row["steps"]),
                _number(row["tokens_per_s"], "{:,.0f}"),
                _number(row["train_s"], "{:.1f}"),
                format_loss(best, unit),
                format_loss(best, "ppl"),
                format_loss(best, "bits"),
                _number(row["grad_reach"], "{:.2e}"),
            ]
        )
    return headers, rows


def print_race_table(summary: dict[str, Any], stream: Any = None) -> None:
    """The race table with what differs and the reference lines, to ``stream`` (stdout)."""
    from rnnplay.cli.tables import print_table

    headers, rows = race_table_rows(summary)
    unit = summary["unit"]
    differs = ", ".join(summary["differs"]) or "nothing"
    reference = summary["reference"]
    notes = [
        f"reference: uniform over the vocabulary {format_loss(reference['uniform'], unit)}, "
        f"unigram entropy of the training text {format_loss(reference['unigram'], unit)} "
        f"({unit_label(unit, level=summary.get('level'))})",
        f"grad {summary['probe_distance']} back: the gradient of the last prediction "
        f"{summary['probe_distance']} steps back over the one at the last step (top layer)",
    ]
    if any(row["grad_reach"] is None for row in summary["contenders"]):
        notes.append(
            f"  (-: not measured: the contender diverged, or --bptt is not above "
            f"{summary['probe_distance']})"
        )
    title = f"race of {summary['rounds']} rounds (one step each); contenders differ in: {differs}"
    print_table(
        headers, rows, right=set(range(2, len(headers))), title=title, notes=notes, stream=stream
    )


def _number(value: float | None, pattern: str) -> str:
    if value is None or not math.isfinite(value):
        return "-"
    return pattern.format(value)
