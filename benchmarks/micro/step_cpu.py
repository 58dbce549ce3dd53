"""CPU milliseconds a training step, rnnplay against PyTorch, for a machine that is not quiet.

``train_speed.py`` compares wall-clock rates, which other processes on a
shared machine stretch unevenly (a side whose threads wait on each other
loses more). This times the same steps (``train_speed.rnnplay_train_step``
and ``_torch_peer``'s) in alternating blocks and reports, per block, the wall
and the process CPU time (``time.process_time``: what the process itself
ran). With ``--threads 1`` the CPU figure is close to what a quiet machine
gives and the ratio of the medians is the cost of the step's work alone;
with two threads it also shows spin-waiting. One JSON line with the load.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python \\
        benchmarks/micro/step_cpu.py --threads 1
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import _torch_peer
import train_speed as ts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default="char_lstm", choices=sorted(ts.CONFIGS))
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--steps", type=int, default=10, help="steps per block")
    parser.add_argument("--repeats", type=int, default=3, help="blocks per side")
    parser.add_argument("--no-torch", action="store_true")
    args = parser.parse_args()
    cfg = ts.CONFIGS[args.config]
    limiter = ts.limit_threads(args.threads)  # noqa: F841  (kept alive while timing)
    batches = ts.random_batches(cfg, 0)
    sides = {"rnnplay": ts.rnnplay_train_step(cfg, batches, 0)}
    if not args.no_torch and _torch_peer.available():
        sides["torch"] = _torch_peer.make_train_step(
            cfg.cell, cfg.V, cfg.D, cfg.H, batches,
            lr=ts.LEARNING_RATE, max_norm=ts.MAX_GRAD_NORM, seed=0,
        )  # fmt: skip
    for step in sides.values():
        ts.time_block(step, 3)
    blocks: dict[str, list[tuple[float, float]]] = {name: [] for name in sides}
    for _ in range(args.repeats):
        for name, step in sides.items():
            wall, cpu = time.perf_counter(), time.process_time()
            ts.time_block(step, args.steps)
            wall = 1e3 * (time.perf_counter() - wall) / args.steps
            cpu = 1e3 * (time.process_time() - cpu) / args.steps
            blocks[name].append((round(wall, 2), round(cpu, 2)))
    record = {
        "benchmark": "step_cpu",
        "config": cfg.name,
        "threads": args.threads,
        "wall_cpu_ms_per_step": blocks,
        "cpu_ms_median": {k: statistics.median(c for _, c in v) for k, v in blocks.items()},
        "loadavg": [round(x, 2) for x in os.getloadavg()],
    }
    if "torch" in blocks:
        medians = record["cpu_ms_median"]
        record["torch_cpu_over_rnnplay_cpu"] = round(medians["torch"] / medians["rnnplay"], 3)
    print(json.dumps(record), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
