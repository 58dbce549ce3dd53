"""Quality per step: validation loss of a char-level recipe after a fixed number of steps.

The step-counted twin of ``quality_180s.py`` for choosing a recipe on a busy
machine: wall seconds move with the load, steps do not. Trains the recipe
(the same flags and ``--preset`` as ``quality_180s.py``) for exactly
``--steps`` steps on tinyshakespeare (first 90% train, last 10% validation),
evaluates the whole validation split every ``--every-steps`` steps and at the
end, and times each step in CPU time (``time.process_time``, one BLAS thread
by default), so that a recipe's budget in a quiet 180 s can be scaled from
its cost per step: a model twice as dear per step gets half the steps.

The cosine horizon is ``--steps`` unless ``--total-steps`` is typed (a
preset's ``max_steps`` is not used here: the budget is the step count
given). One JSON line per mark with the load::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python \\
        benchmarks/quality_steps.py --preset char-3min --steps 4500
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import quality_180s
from _machine import limit_blas, load_average

from rnnplay.core.data.corpus import load_dataset
from rnnplay.core.runs.opening import new_trainer

WARM_STEPS = 3
"""The first steps load compiled kernels; their CPU time is not a step's."""


def main(argv: list[str] | None = None) -> int:
    parser = quality_180s._parser()
    parser.add_argument("--steps", type=int, required=True, help="training steps in all")
    parser.add_argument("--every-steps", type=int, default=None, help="steps between marks")
    args = quality_180s._parse(argv, parser)
    typed = sys.argv[1:] if argv is None else argv
    horizon_typed = any(a.split("=")[0] == "--total-steps" for a in typed)
    if not args.corpus.is_file():
        print(f"skipped: corpus {args.corpus} not found", file=sys.stderr)
        return 0
    total = args.total_steps if horizon_typed else args.steps
    every = args.every_steps or args.steps
    dataset = load_dataset(str(args.corpus), level="char", val_fraction=0.1)
    limiter = limit_blas(args.threads)  # noqa: F841 (kept alive while training)
    config = quality_180s._config(args, total)
    trainer = new_trainer(config, headless=False, dataset=dataset)
    recipe = {name: getattr(config, name) for name in quality_180s.RECIPE_FLAGS}
    recipe.update(total_steps=total, preset=args.preset)
    cpu = 0.0
    for step in range(1, args.steps + 1):
        start = time.process_time()
        trainer.step()
        if step > WARM_STEPS:
            cpu += time.process_time() - start
        if step % every and step != args.steps:
            continue
        record = {
            "steps": step,
            "val_loss": round(trainer.evaluate("valid").loss, 4),
            "epochs": round(trainer.epoch, 2),
            "cpu_ms_per_step": round(1000 * cpu / max(step - WARM_STEPS, 1), 1),
            "lr": trainer.lr,
            "threads": args.threads,
            "loadavg": load_average(),
            "config": recipe,
        }
        print(json.dumps(record), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
