"""Zaremba et al. 2014's small PTB model through rnnplay: the ``ptb-small`` preset.

Trains the preset (2x200 LSTM, streams of 20x20, SGD lr 1 halved every epoch
after the 4th, clip 5, 13 epochs) on the Penn Treebank split in
``../shared/corpora`` through the Trainer API, and after every epoch scores
the whole validation and test texts. One JSON line per epoch goes to stdout:
the perplexities beside the paper's (114.5 test; the TensorFlow tutorial's
reimplementation 115.91), the training perplexity of the epoch (exp of the
mean loss of its batches), wall and CPU seconds of training and of the
evaluations (cumulative), the BLAS threads in use and the load average
(sampled every few seconds while the epoch trained: on a shared machine the
wall time means nothing without it). CPU seconds are the process's own
(``time.process_time``, every thread): on two quiet cores the wall time of
training is about CPU seconds / threads.

Without the corpus files it prints one line saying so and exits 0. Usage::

    python benchmarks/zaremba_small.py                    # the whole recipe
    python benchmarks/zaremba_small.py --epochs 0.02 --no-test   # a smoke run
    python benchmarks/zaremba_small.py --threads 1        # pin the BLAS pool
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from pathlib import Path
from typing import Any

from _machine import load_average

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CORPORA = REPO.parent / "shared" / "corpora"
FILES = ("ptb.train.txt", "ptb.valid.txt", "ptb.test.txt")
PAPER_TEST_PPL = 114.5
TF_TUTORIAL_TEST_PPL = 115.91
LOAD_POLL_S = 5.0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpora", type=Path, default=DEFAULT_CORPORA)
    parser.add_argument(
        "--epochs", type=float, default=None, help="epochs to train (default: the preset's)"
    )
    parser.add_argument(
        "--threads", type=int, default=None, help="BLAS threads (default: adapt to the load)"
    )
    parser.add_argument("--no-test", action="store_true", help="score the validation text only")
    parser.add_argument("--seed", type=int, default=1)
    return parser.parse_args(argv)


class LoadSampler:
    """Load averages sampled at most every LOAD_POLL_S seconds between steps."""

    def __init__(self) -> None:
        self.samples: list[float] = []
        self._last = -math.inf

    def poll(self) -> None:
        now = time.monotonic()
        if now - self._last >= LOAD_POLL_S:
            self._last = now
            self.samples.append(os.getloadavg()[0])

    def summary(self) -> dict[str, float | None]:
        if not self.samples:
            return {"load_mean": None, "load_max": None}
        return {
            "load_mean": round(sum(self.samples) / len(self.samples), 2),
            "load_max": round(max(self.samples), 2),
        }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    missing = [name for name in FILES if not (args.corpora / name).is_file()]
    if missing:
        print(
            json.dumps({"skipped": f"missing in {args.corpora}: {', '.join(missing)}"}),
            flush=True,
        )
        return 0
    sys.path.insert(0, str(REPO))
    from rnnplay.core.train import threads
    from rnnplay.core.train.config import TrainConfig
    from rnnplay.core.train.presets import PRESETS
    from rnnplay.core.train.trainer import Trainer

    settings = dict(PRESETS["ptb-small"].settings)
    if args.epochs is not None:
        settings["epochs"] = args.epochs
    config = TrainConfig(
        corpus=str(args.corpora / FILES[0]),
        valid=str(args.corpora / FILES[1]),
        test=None if args.no_test else str(args.corpora / FILES[2]),
        seed=args.seed,
        **settings,
    ).validate()
    threads.install(args.threads)
    start_wall = time.perf_counter()
    dataset = config.load_dataset()
    trainer = Trainer(config, dataset)
    per_epoch = trainer.batcher.steps_per_epoch
    total = trainer.planned_steps()
    head = {
        "benchmark": "zaremba_small",
        "preset": "ptb-small",
        "settings": settings,
        "train_tokens": len(dataset.train),
        "vocab": len(dataset.vocab),
        "steps_per_epoch": per_epoch,
        "steps": total,
        "setup_s": round(time.perf_counter() - start_wall, 1),
        "load": load_average(),
    }
    print(json.dumps(head), flush=True)

    train_wall = train_cpu = eval_wall = eval_cpu = 0.0
    while trainer.step_count < total:
        boundary = min(total, (trainer.step_count // per_epoch + 1) * per_epoch)
        losses: list[float] = []
        loads = LoadSampler()
        wall0, cpu0 = time.perf_counter(), time.process_time()
        while trainer.step_count < boundary:
            loads.poll()
            event = trainer.step()
            if not math.isfinite(event.loss) or not math.isfinite(event.grad_norm):
                print(json.dumps({"stopped": "nonfinite", "step": event.step}), flush=True)
                return 1
            losses.append(event.loss)
        epoch_wall = time.perf_counter() - wall0
        train_wall += epoch_wall
        train_cpu += time.process_time() - cpu0
        wall0, cpu0 = time.perf_counter(), time.process_time()
        valid = trainer.evaluate("valid")
        test = None if args.no_test else trainer.evaluate("test")
        eval_wall += time.perf_counter() - wall0
        eval_cpu += time.process_time() - cpu0
        record: dict[str, Any] = {
            "epoch": round(trainer.step_count / per_epoch, 3),
            "step": trainer.step_count,
            "lr": trainer.last_step_lr,
            "train_ppl": round(math.exp(sum(losses) / len(losses)), 2),
            "valid_ppl": round(valid.ppl, 2),
            "test_ppl": None if test is None else round(test.ppl, 2),
            "paper_test_ppl": PAPER_TEST_PPL,
            "tf_tutorial_test_ppl": TF_TUTORIAL_TEST_PPL,
            "train_wall_s": round(train_wall, 1),
            "train_cpu_s": round(train_cpu, 1),
            "eval_wall_s": round(eval_wall, 1),
            "eval_cpu_s": round(eval_cpu, 1),
            "epoch_tokens_per_s": round(len(losses) * config.batch * config.bptt / epoch_wall),
            "blas_threads": threads.blas_threads(),
            **loads.summary(),
            "load": load_average(),
        }
        print(json.dumps(record), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
