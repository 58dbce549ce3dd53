"""Every built-in lesson, trained end to end headless: what a student sees after its run.

    PYTHONPATH=. python benchmarks/lessons_tour.py [--threads 2] [NAME ...]

Each lesson's settings (fixed max_steps and seed), then its second run where
the cards ask for one (a changed setting), trained on the built-in corpora.
Prints one JSON line per run: the validation loss at the end and the best,
the unigram and uniform lines, the gradient reaching 50 steps back (and the
window's start), the largest gradient norm, a greedy sample line, the
seconds it took and the load (os.getloadavg) before and after.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

SECOND_RUNS = {
    "bptt-window": {"bptt": 64},
    "overfitting-dropout": {"dropout": 0.5},
    "exploding-gradients": {"clip": 1.0},
    "learning-rate": {"lr": 0.5 / 16},
    "char-vs-word": {"level": "word"},
}
"""The setting a lesson's cards ask the student to change for its second run."""


def tour(name: str, changes: dict) -> dict:
    from rnnplay.core.data.stats import reference_lines
    from rnnplay.core.lessons.figures import grad_reach
    from rnnplay.core.lessons.loader import load_lesson
    from rnnplay.core.sampling.sampler import Sampler
    from rnnplay.core.train.events import EvalEvent, StepEvent
    from rnnplay.core.train.trainer import Trainer

    lesson = load_lesson(name)
    config = lesson.config().replace(**changes).validate()
    load_before = os.getloadavg()[0]
    start = time.perf_counter()
    dataset = config.load_dataset()
    trainer = Trainer(config, dataset)
    vals, max_norm, last_loss = [], 0.0, None
    for event in trainer.run(max_steps=config.max_steps, eval_every=config.eval_every):
        if isinstance(event, EvalEvent):
            vals.append(event.loss)
        elif isinstance(event, StepEvent):
            last_loss = event.loss
            if event.grad_norm == event.grad_norm:
                max_norm = max(max_norm, event.grad_norm)
    flows = trainer.probe_grad_flow()
    seconds = time.perf_counter() - start
    references = {line.label: round(line.nats, 3) for line in reference_lines(dataset)}
    sampler = Sampler(trainer.model, dataset.vocab, temperature=0.5, seed=1)
    sampled = "".join(sampler.stream("", 100)).replace("\n", " / ")[:100]
    return {
        "lesson": name,
        "changes": changes,
        "steps": trainer.step_count,
        "train_loss": None if last_loss is None else round(last_loss, 3),
        "val_loss": round(vals[-1], 3) if vals else None,
        "best_val": round(min(vals), 3) if vals else None,
        "references": references,
        "grad_50": grad_reach([list(f) for f in flows], 50),
        "grad_far": grad_reach([list(f) for f in flows], config.bptt - 1),
        "max_grad_norm": round(max_norm, 2),
        "diverged": bool(getattr(trainer, "diverged", False)),
        "sample": sampled,
        "seconds": round(seconds, 1),
        "load": [round(load_before, 2), round(os.getloadavg()[0], 2)],
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("names", nargs="*")
    args = parser.parse_args()
    from rnnplay.core.lessons.loader import builtin_names
    from rnnplay.core.train import threads

    threads.install(args.threads, reserve=0.0)
    for name in args.names or builtin_names():
        for changes in ({}, SECOND_RUNS.get(name)):
            if changes is None:
                continue
            print(json.dumps(tour(name, changes)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
