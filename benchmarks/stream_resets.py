"""Stream batching: does starting from zeros now and then help early validation?

Trains the book's ch06 word LSTM on the Penn Treebank (``../shared/corpora``;
skipped without it) with stream batching for ``--steps`` steps, validating
on the whole validation split every ``--eval-every`` steps, once per reset
rule: ``epoch`` (zeros only at epoch starts, the behaviour before) and
``every:K`` (also every K steps). The runs are seeded alike, so the curves
differ only by the rule. One JSON line per run with the curve and the load.

    .venv/bin/python benchmarks/stream_resets.py --steps 1328 --eval-every 332 \
        --rules epoch,every:50
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

from rnnplay.core.data.corpus import load_dataset
from rnnplay.core.train.config import TrainConfig
from rnnplay.core.train.events import EvalEvent
from rnnplay.core.train.trainer import Trainer

CORPORA = Path(__file__).resolve().parents[1].parent.parent / "shared" / "corpora"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpora", type=Path, default=CORPORA)
    parser.add_argument("--steps", type=int, default=1328, help="1328 is one PTB epoch")
    parser.add_argument("--eval-every", type=int, default=332)
    parser.add_argument("--rules", default="epoch,every:50")
    parser.add_argument("--forget-bias", type=float, default=0.0)
    args = parser.parse_args()
    train = args.corpora / "ptb.train.txt"
    if not train.is_file():
        print(json.dumps({"skipped": f"no {train}"}))
        return 0
    dataset = load_dataset(train, level="word", valid=args.corpora / "ptb.valid.txt")
    config = TrainConfig(
        corpus=str(train), level="word", model="lstm", embed=100, hidden=100,
        forget_bias=args.forget_bias, batch=20, bptt=35, batching="streams",
        optimizer="sgd", lr=20.0, clip=0.25, eval_every=args.eval_every, seed=1,
    )  # fmt: skip
    for rule in args.rules.split(","):
        trainer = Trainer(config, dataset)
        if rule.startswith("every:"):
            trainer.stream_reset_every = int(rule.split(":")[1])
        started = time.perf_counter()
        curve = [
            [event.step, round(event.ppl, 2)]
            for event in trainer.run(max_steps=args.steps)
            if isinstance(event, EvalEvent)
        ]
        line = {
            "bench": "stream_resets",
            "rule": rule,
            "steps": args.steps,
            "valid_ppl_by_step": curve,
            "wall_s": round(time.perf_counter() - started, 1),
            "loadavg": [round(x, 2) for x in os.getloadavg()],
        }
        print(json.dumps(line), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
