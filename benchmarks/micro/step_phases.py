"""Where train_speed.py's training step spends its time, phase by phase, on the real path.

``profile_step.py`` runs the layers one by one (embedding, then the
recurrent layer on its output); the model's own step at char level looks
the first layer's projections up in a per-token table and sums their
gradients per token instead. This times ``train_speed.rnnplay_train_step``
itself, with timers wrapped around the model's methods and around every
call that runs on the step's threads (``fused.run_sliced``: the compiled
LSTM kernels, the output softmax, Adam's blocks). Milliseconds a step, the
minimum over ``--steps`` steps (the least disturbed on a shared machine),
one JSON line with the load.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python \\
        benchmarks/micro/step_phases.py --threads 1
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import train_speed as ts

from rnnplay.core import RNNLM, Adam, clip_grads
from rnnplay.core.nn import fused


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default="char_lstm", choices=sorted(ts.CONFIGS))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=5)
    args = parser.parse_args()
    cfg = ts.CONFIGS[args.config]
    limiter = ts.limit_threads(args.threads)  # noqa: F841  (kept alive while timing)
    model = RNNLM(cfg.V, cfg.D, cfg.H, cell=cfg.cell, seed=0, dtype="float32")
    model.train()
    optimizer = Adam(lr=ts.LEARNING_RATE)
    batches = ts.random_batches(cfg, 0)
    times: dict[str, list[float]] = {}

    def timed(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def run(*a: Any) -> Any:
            start = time.perf_counter()
            try:
                return fn(*a)
            finally:
                times.setdefault(name, []).append(time.perf_counter() - start)

        return run

    plain_run_sliced = fused.run_sliced

    def run_sliced(kernel: Callable[..., Any], calls: Any) -> None:
        name = "threads: " + getattr(kernel, "__name__", "kernel")
        timed(name, plain_run_sliced)(kernel, calls)

    fused.run_sliced = run_sliced
    first = model.recurrent[0]
    for owner, names in ((first, ("forward_lookup", "backward_projected", "forward", "backward")),
                         (model.output, ("forward", "backward")),
                         (model, ("_folded_backward",))):  # fmt: skip
        for name in names:
            label = f"{type(owner).__name__}.{name}"
            setattr(owner, name, timed(label, getattr(owner, name)))
    try:
        for k in range(args.warmup + args.steps):
            if k == args.warmup:
                times.clear()
            xs, ts_ = batches[k % len(batches)]
            start = time.perf_counter()
            timed("RNNLM.forward (all)", model.forward)(xs, ts_)
            timed("RNNLM.backward (all)", model.backward)()
            timed("clip_grads", clip_grads)(model.grads, ts.MAX_GRAD_NORM)
            timed("Adam.update", optimizer.update)(model.params, model.grads)
            times.setdefault("step", []).append(time.perf_counter() - start)
    finally:
        fused.run_sliced = plain_run_sliced
    record = {
        "benchmark": "step_phases",
        "config": cfg.name,
        "threads": args.threads,
        "loop": ts.loop_kind(cfg.cell),
        "ms_min": {name: round(1e3 * min(v), 3) for name, v in times.items()},
        "loadavg": [round(x, 2) for x in os.getloadavg()],
    }
    print(json.dumps(record), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
