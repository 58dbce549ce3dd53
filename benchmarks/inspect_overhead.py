"""What the Inspect view costs the training it watches: tokens/s with it open vs closed.

The playground runs headless (``run_test`` at 120x40, all its real widgets,
a sample first so the Inspect view reads the sample); training runs in its
thread in blocks of ``--seconds``, alternately with the main view shown
(closed) and with the Inspect view open, following the live model (copies
of the weights between steps, reading and blame in a thread worker, within
its time budget). Alternating blocks let background load hit both sides
alike; ``ratio`` is the median of the per-pair open/closed ratios (target
>= 0.95). One JSON line, with the load average, and the number of live
refreshes the open blocks made.

Run (see benchmarks/README.md for the OpenBLAS variables)::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python benchmarks/inspect_overhead.py

Flags: ``--seconds`` per block (default 10; a warm-up block comes first),
``--repeats`` (default 4), model flags ``--hidden --embed --batch --bptt
--cell`` (default: the default recipe).
"""

from __future__ import annotations

import rnnplay  # noqa: F401  (first: it sets OpenBLAS's idle spin before NumPy loads)

# isort: split

import argparse
import asyncio
import json
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from tui_overhead import StepClock, make_config  # noqa: E402 - the same clock and recipe


async def measure(args: argparse.Namespace) -> dict[str, Any]:
    from rnnplay.tui.app import RnnPlayApp
    from rnnplay.tui.screens.inspect import InspectScreen
    from rnnplay.tui.training import build_trainer

    trainer = build_trainer(make_config(args))
    clock = StepClock(trainer)
    scratch = tempfile.mkdtemp(prefix="inspect-overhead-")
    app = RnnPlayApp(
        trainer, auto_sample=False, sample_pace_s=0.0, ngram_orders=(), runs_dir=scratch
    )
    closed, opened, ratios, refreshes = [], [], [], 0
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("g")
        while app.samples.active:
            await asyncio.sleep(0.05)

        async def block() -> float:
            mark = clock.mark()
            app.action_toggle_training()
            await asyncio.sleep(args.seconds)
            app.session.request_stop()
            while app.session.running:
                await asyncio.sleep(0.005)
            return clock.rate_since(mark)

        await block()  # warm-up: the first steps (BLAS pool, caches) are slower
        for _ in range(args.repeats):
            closed.append(await block())
            await pilot.press("i")
            screen = app.screen
            assert isinstance(screen, InspectScreen)
            before = screen.answers
            opened.append(await block())
            refreshes += screen.answers - before
            await pilot.press("escape")
            ratios.append(opened[-1] / closed[-1])
        await pilot.press("q")
    shutil.rmtree(scratch, ignore_errors=True)
    return {
        "bench": "inspect_overhead",
        "config": {k: getattr(trainer.config, k) for k in ("cell", "hidden", "batch", "bptt")},
        "closed_tokens_per_s": round(statistics.median(closed)),
        "open_tokens_per_s": round(statistics.median(opened)),
        "ratio": round(statistics.median(ratios), 4),
        "ratios": [round(r, 4) for r in ratios],
        "answers_while_open": refreshes,
        "seconds_per_block": args.seconds,
        "target": ">= 0.95",
        "loadavg": os.getloadavg()[0],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--repeats", type=int, default=4)
    for name in ("hidden", "embed", "batch", "bptt"):
        parser.add_argument(f"--{name}", type=int)
    parser.add_argument("--cell")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(measure(args))), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
