"""Words within seconds: how soon the playground's model writes real words.

What a newcomer feels in the first seconds (issue 21, item 5): with the
playground's defaults (``TrainConfig()``) on the built-in sonnets, train and,
every ``--every`` seconds of training, draw ``--samples`` samples of 300
characters at the playground's temperature; score each as the share of its
words of three or more letters that are words of the corpus. Prints one JSON
line per checkpoint (seconds of training, steps, the mean share, the load)
and a summary line with the first time the mean share reaches one half
(target: 5 s on 2 cores). Sampling time is not counted as training time.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python benchmarks/words_within_seconds.py

Setting flags (``--lr``, ``--hidden``, ``--batch``, ``--bptt``, ``--embed``,
``--schedule``, ``--warmup-steps``, ``--batching``, ``--temperature``) try other
defaults against the same clock.

Wall seconds move with the machine's load; steps do not. ``--steps N
--every-steps K`` counts in steps instead (a point every K steps, N steps in
all) and reports ``steps_to_half`` beside the CPU milliseconds a step took
(``time.process_time``, so pin ``--threads 1`` to compare recipes by
steps x CPU ms per step on a busy machine).
"""

from __future__ import annotations

import rnnplay  # noqa: F401  (first: it sets OpenBLAS's idle spin before NumPy loads)

# isort: split

import argparse
import dataclasses
import json
import os
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

WORD = re.compile(r"[a-z]+")
SAMPLE_CHARS = 300


def words(text: str) -> list[str]:
    """Lower-case runs of letters of three or more."""
    return [w for w in WORD.findall(text.lower()) if len(w) >= 3]


def word_share(sample: str, known: set[str]) -> float:
    found = words(sample)
    return sum(w in known for w in found) / len(found) if found else 0.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=15.0, help="training seconds in all")
    parser.add_argument("--every", type=float, default=1.0, help="seconds between samples")
    parser.add_argument("--samples", type=int, default=3, help="300-char samples per point")
    parser.add_argument("--corpus", default="sonnets")
    parser.add_argument("--steps", type=int, help="count in steps: this many in all")
    parser.add_argument("--every-steps", type=int, default=10, help="steps between samples")
    parser.add_argument("--threads", type=int, help="pin the BLAS threads (default: governor)")
    parser.add_argument("--temperature", type=float, help="sample temperature")
    parser.add_argument("--stop-at-half", action="store_true", help="end once half is reached")
    for name, kind in (
        ("lr", float),
        ("hidden", int),
        ("embed", int),
        ("batch", int),
        ("bptt", int),
        ("schedule", str),
        ("warmup-steps", int),
        ("seed", int),
        ("batching", str),
    ):
        parser.add_argument(f"--{name}", type=kind)
    args = parser.parse_args(argv)

    from rnnplay.core.data.corpus import read_text
    from rnnplay.core.runs.opening import new_trainer
    from rnnplay.core.sampling.defaults import DEFAULT_TEMPERATURE
    from rnnplay.core.sampling.sampler import Sampler
    from rnnplay.core.train import threads
    from rnnplay.core.train.config import TrainConfig

    threads.install(args.threads)  # as the playground does: threads follow the load
    fields = ("lr", "hidden", "embed", "batch", "bptt", "schedule", "warmup_steps", "seed")
    changes = {
        field: getattr(args, field)
        for field in (*fields, "batching")
        if getattr(args, field) is not None
    }
    temperature = DEFAULT_TEMPERATURE if args.temperature is None else args.temperature
    config = dataclasses.replace(TrainConfig(corpus=args.corpus), **changes)
    trainer = new_trainer(config, headless=False)
    known = set(words(read_text(args.corpus)))
    vocab = trainer.dataset.vocab
    settings = {
        k: getattr(config, k)
        for k in ("cell", "embed", "hidden", "batch", "bptt", "lr", "schedule", "warmup_steps")
    }
    settings |= {"batching": config.batching, "temperature": temperature}
    by_steps = args.steps is not None
    trained, cpu, steps, reached, reached_steps = 0.0, 0.0, 0, None, None
    warm = 3  # the first steps load compiled kernels: their CPU time is not a step's
    next_point = args.every_steps if by_steps else args.every
    curve = []
    while (steps < args.steps) if by_steps else (trained < args.seconds):
        start, start_cpu = time.perf_counter(), time.process_time()
        trainer.step()
        trained += time.perf_counter() - start
        steps += 1
        if steps > warm:
            cpu += time.process_time() - start_cpu
        if (steps if by_steps else trained) < next_point:
            continue
        next_point += args.every_steps if by_steps else args.every
        shares = []
        for k in range(args.samples):
            sampler = Sampler(trainer.model, vocab, temperature=temperature, seed=k)
            shares.append(word_share(sampler.generate("", SAMPLE_CHARS), known))
        share = sum(shares) / len(shares)
        curve.append((steps if by_steps else round(trained, 2), round(share, 3)))
        if reached is None and share >= 0.5:
            reached, reached_steps = trained, steps
        point = {
            "seconds": round(trained, 2),
            "steps": steps,
            "word_share": round(share, 3),
            "cpu_ms_per_step": round(1000 * cpu / max(steps - warm, 1), 1),
        }
        print(json.dumps({**point, "loadavg": round(os.getloadavg()[0], 2)}), flush=True)
        if reached is not None and args.stop_at_half:
            break
    print(
        json.dumps(
            {
                "bench": "words_within_seconds",
                "settings": settings,
                "seconds_to_half": None if reached is None else round(reached, 2),
                "steps_to_half": reached_steps,
                "cpu_ms_per_step": round(1000 * cpu / max(steps - warm, 1), 1),
                "target_s": 5.0,
                "ok": reached is not None and reached <= 5.0,
                "curve": curve,
                "threads": threads.blas_threads(),
                "loadavg": [round(x, 2) for x in os.getloadavg()],
            }
        ),
        flush=True,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
