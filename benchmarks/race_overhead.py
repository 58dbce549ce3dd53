"""Does racing cost more than training the contenders one after another?

A race (``rnnplay.core.race.Race``) trains its contenders in rotation, one
step of each in turn. Switching models every step could cost something
(caches refilled, three models' arrays alive at once). This script builds
two identical sets of three contenders (rnn, lstm, gru by default, the
default sizes on the sonnets, the same seeds): one races
(``Race.step_round``), the other trains solo, each trainer's steps one
after the other (``Trainer.step``). It prints one JSON line with the tokens
per second of both and the ratio race / solo (1.0: no overhead; the issue's
bar is "not more than running them one after another", i.e. a ratio of at
least 1 within noise).

The two sides take turns in blocks (``--steps`` steps of each contender
per block, ``--blocks`` pairs), so background load hits both alike; the
ratio is the median of the per-block ratios, ``ratio_of_best`` compares
each side's fastest block (the least disturbed one on a busy machine).
Validation is off: only training is timed. The machine's load average is
printed before and after. Run it as (see benchmarks/README.md)::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python benchmarks/race_overhead.py
"""

from __future__ import annotations

import rnnplay  # noqa: F401  (first: it sets OpenBLAS's idle spin before NumPy loads)

# isort: split

import argparse
import json
import os
import statistics
import time
from typing import Any

from _machine import limit_blas, load_average

from rnnplay.core.race.contenders import contender_names, expand_contenders
from rnnplay.core.race.rotation import Race
from rnnplay.core.runs.opening import new_trainer
from rnnplay.core.train.config import TrainConfig


def race_block(race: Race, rounds: int) -> float:
    """Seconds for ``rounds`` rounds of the race (one step of each contender per round)."""
    start = time.perf_counter()
    for _ in range(rounds):
        race.step_round()
    return time.perf_counter() - start


def solo_block(trainers: list[Any], steps: int) -> float:
    """Seconds for ``steps`` steps of each trainer, one trainer after the other."""
    start = time.perf_counter()
    for trainer in trainers:
        for _ in range(steps):
            trainer.step()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="rnn,lstm,gru")
    parser.add_argument("--corpus", default="sonnets")
    parser.add_argument("--hidden", type=int, default=TrainConfig.hidden)
    parser.add_argument("--steps", type=int, default=5, help="steps per contender per block")
    parser.add_argument("--blocks", type=int, default=12, help="race/solo block pairs")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    _limiter = limit_blas(args.threads)
    base = TrainConfig(corpus=args.corpus, hidden=args.hidden)
    configs = expand_contenders(base, {"cell": args.models.split(",")})
    load_before = load_average()
    race_trainers = [new_trainer(config) for config in configs]  # the front door
    solo_trainers = [new_trainer(config) for config in configs]
    race = Race(list(zip(contender_names(configs), race_trainers, strict=True)), eval_every=0)
    race_block(race, 2)  # warm-up: BLAS threads, first allocations
    solo_block(solo_trainers, 2)
    race_times, solo_times = [], []
    for _ in range(args.blocks):
        race_times.append(race_block(race, args.steps))
        solo_times.append(solo_block(solo_trainers, args.steps))
    assert [t.tokens_seen for t in race_trainers] == [t.tokens_seen for t in solo_trainers]
    tokens = len(configs) * args.steps * base.batch * base.bptt  # per block, each side
    ratios = [solo / raced for raced, solo in zip(race_times, solo_times, strict=True)]
    print(
        json.dumps(
            {
                "benchmark": "race_overhead",
                "models": args.models,
                "corpus": args.corpus,
                "hidden": args.hidden,
                "steps_per_block": args.steps,
                "blocks": args.blocks,
                "threads": args.threads,
                "race_tokens_per_s": round(tokens * args.blocks / sum(race_times)),
                "solo_tokens_per_s": round(tokens * args.blocks / sum(solo_times)),
                "ratio": round(statistics.median(ratios), 3),
                "ratio_of_best": round(min(solo_times) / min(race_times), 3),
                "ratio_min_max": [round(min(ratios), 3), round(max(ratios), 3)],
                "loadavg_before": load_before,
                "loadavg_after": load_average(),
                "cpus": os.cpu_count(),
            }
        )
    )


if __name__ == "__main__":
    main()
