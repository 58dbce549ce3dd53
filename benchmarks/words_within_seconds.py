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
``--schedule``, ``--warmup-steps``) try other defaults against the same clock.
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
    for name, kind in (
        ("lr", float),
        ("hidden", int),
        ("embed", int),
        ("batch", int),
        ("bptt", int),
        ("schedule", str),
        ("warmup-steps", int),
        ("seed", int),
    ):
        parser.add_argument(f"--{name}", type=kind)
    args = parser.parse_args(argv)

    from rnnplay.core.data.corpus import read_text
    from rnnplay.core.runs.opening import new_trainer
    from rnnplay.core.sampling.defaults import DEFAULT_TEMPERATURE
    from rnnplay.core.sampling.sampler import Sampler
    from rnnplay.core.train import threads
    from rnnplay.core.train.config import TrainConfig

    threads.install()  # as the playground does: threads follow the machine's load
    changes = {
        field: getattr(args, field)
        for field in ("lr", "hidden", "embed", "batch", "bptt", "schedule", "warmup_steps", "seed")
        if getattr(args, field) is not None
    }
    config = dataclasses.replace(TrainConfig(corpus=args.corpus), **changes)
    trainer = new_trainer(config, headless=False)
    known = set(words(read_text(args.corpus)))
    vocab = trainer.dataset.vocab
    settings = {
        k: getattr(config, k)
        for k in ("cell", "embed", "hidden", "batch", "bptt", "lr", "schedule", "warmup_steps")
    }
    trained, steps, reached = 0.0, 0, None
    next_point = args.every
    curve = []
    while trained < args.seconds:
        start = time.perf_counter()
        trainer.step()
        trained += time.perf_counter() - start
        steps += 1
        if trained < next_point:
            continue
        next_point += args.every
        shares = []
        for k in range(args.samples):
            sampler = Sampler(trainer.model, vocab, temperature=DEFAULT_TEMPERATURE, seed=k)
            shares.append(word_share(sampler.generate("", SAMPLE_CHARS), known))
        share = sum(shares) / len(shares)
        curve.append((round(trained, 2), round(share, 3)))
        if reached is None and share >= 0.5:
            reached = trained
        point = {"seconds": round(trained, 2), "steps": steps, "word_share": round(share, 3)}
        print(json.dumps({**point, "loadavg": round(os.getloadavg()[0], 2)}), flush=True)
    print(
        json.dumps(
            {
                "bench": "words_within_seconds",
                "settings": settings,
                "seconds_to_half": None if reached is None else round(reached, 2),
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
