"""train_speed.py's figure from fresh processes taking turns, the second harness of issue 21.

``train_speed.py`` times rnnplay and PyTorch in one process, alternating
blocks. One process can flatter or hurt a side: caches warmed by the other,
an OpenMP or OpenBLAS pool left spinning by the previous block, the import
of both libraries. Here every block runs in a process of its own that loads
only its side (rnnplay, or torch through ``_torch_peer``), times ``--steps``
steps after ``--warmup`` untimed ones, prints its tokens/s and exits; the
sides take turns ``--repeats`` times so load hits both alike. One JSON line
per configuration: the per-process rates of each side, the median ratio of
the paired blocks, and the load. If both harnesses are sound, their ratios
agree within the run-to-run spread::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python benchmarks/train_speed_fresh.py
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SIDES = ("rnnplay", "torch")


def _child(side: str, config: str, steps: int, warmup: int, threads: int, seed: int) -> None:
    """Time one side in this process and print its tokens/s (the child's only line)."""
    import rnnplay  # noqa: F401  (first: it sets OpenBLAS's idle spin before NumPy loads)

    sys.path.insert(0, str(HERE))
    import _torch_peer
    import train_speed as ts

    cfg = ts.CONFIGS[config]
    limiter = ts.limit_threads(threads)  # noqa: F841  (kept alive while timing)
    batches = ts.random_batches(cfg, seed)
    if side == "rnnplay":
        step = ts.rnnplay_train_step(cfg, batches, seed)
    else:
        step = _torch_peer.make_train_step(
            cfg.cell,
            cfg.V,
            cfg.D,
            cfg.H,
            batches,
            lr=ts.LEARNING_RATE,
            max_norm=ts.MAX_GRAD_NORM,
            seed=seed,
        )
    ts.time_block(step, warmup)
    seconds = ts.time_block(step, steps)
    print(json.dumps({"side": side, "tokens_per_s": cfg.N * cfg.T * steps / seconds}))


def _block(side: str, args: argparse.Namespace, config: str) -> float:
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--child",
        side,
        "--configs",
        config,
        "--steps",
        str(args.steps),
        "--warmup",
        str(args.warmup),
        "--threads",
        str(args.threads),
        "--seed",
        str(args.seed),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=900, check=True)
    return float(json.loads(done.stdout.strip().splitlines()[-1])["tokens_per_s"])


def main(argv: list[str] | None = None) -> int:
    sys.path.insert(0, str(HERE))
    from _machine import load_average
    from train_speed import CONFIGS

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--configs", default=",".join(CONFIGS))
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=4)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--child", choices=SIDES, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.configs.split(",") if n.strip()]
    unknown = [n for n in names if n not in CONFIGS]
    if unknown or not names or min(args.steps, args.repeats, args.threads) < 1:
        parser.exit(2, f"train_speed_fresh: bad --configs/--steps/--repeats ({unknown})\n")
    if args.child:
        _child(args.child, names[0], args.steps, args.warmup, args.threads, args.seed)
        return 0
    for name in names:
        load_before = load_average()
        rates: dict[str, list[float]] = {side: [] for side in SIDES}
        for _ in range(args.repeats):
            for side in SIDES:
                rates[side].append(_block(side, args, name))
        paired = [a / b for a, b in zip(rates["rnnplay"], rates["torch"], strict=True)]
        record = {
            "benchmark": "train_speed_fresh",
            "config": name,
            "threads": args.threads,
            "steps": args.steps,
            "repeats": args.repeats,
            "rnnplay_tokens_per_s": round(statistics.median(rates["rnnplay"])),
            "torch_tokens_per_s": round(statistics.median(rates["torch"])),
            "rnnplay_blocks": [round(r) for r in rates["rnnplay"]],
            "torch_blocks": [round(r) for r in rates["torch"]],
            "ratio": round(statistics.median(paired), 3),
            "ratio_min_max": [round(min(paired), 3), round(max(paired), 3)],
            "loadavg_before": load_before,
            "loadavg": load_average(),
        }
        print(json.dumps(record), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
