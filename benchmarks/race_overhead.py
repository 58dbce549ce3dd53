"""Does racing cost more than training the contenders one after another?

A race (``rnnplay.core.race.Race``) trains its contenders in rotation, one
step of each in turn. Switching models every step could cost something
(caches refilled, three models' arrays alive at once). This script trains
three contenders (rnn, lstm, gru by default, the default sizes on the
sonnets) for the same number of steps twice: as a race, and as three solo
runs one after the other (``Trainer.run``), and prints one JSON line with
the tokens per second of both and the ratio race / solo (1.0: no overhead;
the issue's bar is "not more than running them one after another", i.e.
ratio >= 1 within noise).

Validation is off on both sides (``eval_every`` 0) so that only training
is timed. Race and solo take turns, repeat by repeat, with fresh trainers
built from the same seeds, so background load hits both alike; the figures
are medians over repeats. The machine's load average is printed before and
after. Run it as (see benchmarks/README.md)::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python benchmarks/race_overhead.py
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from typing import Any

from rnnplay.core.race import Race, contender_names, expand_contenders
from rnnplay.core.train.config import TrainConfig
from rnnplay.race_cli import open_trainers


def load_average() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def limit_threads(threads: int) -> Any:
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return None
    return threadpool_limits(limits=threads, user_api="blas")


def timed_race(configs: list[TrainConfig], steps: int) -> tuple[int, float]:
    trainers, _ = open_trainers(configs)
    race = Race(
        list(zip(contender_names(configs), trainers, strict=True)), max_steps=steps, eval_every=0
    )
    start = time.perf_counter()
    for _ in race.run():
        pass
    took = time.perf_counter() - start
    return sum(t.tokens_seen for t in trainers), took


def timed_solo(configs: list[TrainConfig], steps: int) -> tuple[int, float]:
    trainers, _ = open_trainers(configs)
    took = 0.0
    for trainer in trainers:
        start = time.perf_counter()
        for _ in trainer.run(max_steps=steps, eval_every=0):
            pass
        took += time.perf_counter() - start
    return sum(t.tokens_seen for t in trainers), took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="rnn,lstm,gru")
    parser.add_argument("--corpus", default="sonnets")
    parser.add_argument("--hidden", type=int, default=TrainConfig.hidden)
    parser.add_argument("--steps", type=int, default=40, help="steps per contender per repeat")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    _limiter = limit_threads(args.threads)
    base = TrainConfig(corpus=args.corpus, hidden=args.hidden, max_steps=args.steps)
    configs = expand_contenders(base, {"model": args.models.split(",")})
    load_before = load_average()
    timed_race(configs, 3)  # warm-up: corpus cache, BLAS threads
    race_rates, solo_rates, ratios = [], [], []
    for _ in range(args.repeats):
        tokens, race_s = timed_race(configs, args.steps)
        solo_tokens, solo_s = timed_solo(configs, args.steps)
        assert tokens == solo_tokens
        race_rates.append(tokens / race_s)
        solo_rates.append(solo_tokens / solo_s)
        ratios.append(race_rates[-1] / solo_rates[-1])
    print(
        json.dumps(
            {
                "benchmark": "race_overhead",
                "models": args.models,
                "corpus": args.corpus,
                "hidden": args.hidden,
                "steps_each": args.steps,
                "repeats": args.repeats,
                "threads": args.threads,
                "race_tokens_per_s": round(statistics.median(race_rates)),
                "solo_tokens_per_s": round(statistics.median(solo_rates)),
                "ratio": round(statistics.median(ratios), 3),
                "ratios": [round(r, 3) for r in ratios],
                "loadavg_before": load_before,
                "loadavg_after": load_average(),
                "cpus": os.cpu_count(),
            }
        )
    )


if __name__ == "__main__":
    main()
