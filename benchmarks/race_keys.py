"""Key latency in the Compare view while three contenders race (target p95 <= 50 ms).

The real app runs headless (``run_test``) with the Compare view open and
rnn, lstm and gru racing in its one thread worker on the playground's
settings; a key event (``u``, which switches the loss unit and so redraws
both overlay charts and the table: the costliest key there) is posted every
``--gap`` seconds and the time from posting it to its action running is
recorded. Prints one JSON line: p50 / p95 / max in ms, the presses, the
rounds the race ran meanwhile (it must keep training) and the load
(``os.getloadavg``), since on a shared machine the figures move with it.

Run::

    .venv/bin/python benchmarks/race_keys.py [--presses 60] [--gap 0.1] \
        [--hidden 64 --embed 32 --batch 16 --bptt 32]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


async def measure(args: argparse.Namespace) -> dict:
    from textual import events

    from rnnplay.core.train.config import TrainConfig
    from rnnplay.tui.app import RnnPlayApp
    from rnnplay.tui.screens.compare import CompareScreen
    from rnnplay.tui.training import build_trainer

    changes = {
        k: getattr(args, k) for k in ("hidden", "embed", "batch", "bptt") if getattr(args, k)
    }
    config = TrainConfig(**changes)
    with tempfile.TemporaryDirectory() as runs:
        app = RnnPlayApp(build_trainer(config), runs_dir=runs, auto_sample=False)
        latencies: list[float] = []
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("m")
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, CompareScreen)
            handled: list[float] = []
            original = screen.action_cycle_unit

            def timed() -> None:
                handled.append(time.perf_counter())
                original()

            screen.action_cycle_unit = timed  # type: ignore[method-assign]
            screen.action_toggle_race()
            await asyncio.sleep(1.5)
            rounds_before = screen.session.rounds_done
            started = time.perf_counter()
            for _ in range(args.presses):
                sent = time.perf_counter()
                before = len(handled)
                event = events.Key("u", "u")
                event.set_sender(app)
                app.post_message(event)
                while len(handled) == before and time.perf_counter() < sent + 2.0:
                    await asyncio.sleep(0.0005)
                if len(handled) > before:
                    latencies.append((handled[-1] - sent) * 1000)
                await asyncio.sleep(args.gap)
            took = time.perf_counter() - started
            rounds = screen.session.rounds_done - rounds_before
            screen.session.request_stop()
            await asyncio.to_thread(screen.session.wait_idle, 10.0)
            screen.session.close()
        return {
            "bench": "race_keys",
            "metric": "key_latency_ms",
            "p50": round(percentile(latencies, 0.5), 2),
            "p95": round(percentile(latencies, 0.95), 2),
            "max": round(max(latencies), 2),
            "presses": len(latencies),
            "target_p95_ms": 50,
            "race_rounds_per_s": round(rounds / took, 1),
            "config": {k: getattr(config, k) for k in ("embed", "hidden", "batch", "bptt")},
            "loadavg": os.getloadavg()[0],
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presses", type=int, default=60)
    parser.add_argument("--gap", type=float, default=0.1)
    for name in ("hidden", "embed", "batch", "bptt"):
        parser.add_argument(f"--{name}", type=int)
    print(json.dumps(asyncio.run(measure(parser.parse_args()))), flush=True)


if __name__ == "__main__":
    main()
