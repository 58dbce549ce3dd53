"""Does ``rnnplay train`` keep its pace when another program competes for the cores?

Runs the real ``rnnplay train`` (its defaults unless ``--train-args`` says
otherwise) for ``--seconds`` seconds, once with the machine as it is
("quiet") and once while this script runs ``--competitors`` CPU-bound
processes of its own (a Python busy loop each, started before and killed
after the run), and prints tokens per second of both and their ratio
(issue 13, item 1: at least 0.5 with one competitor on two cores).

Each thread mode (``--modes``: ``auto`` = rnnplay's own choice,
rnnplay/core/threads.py; a number = ``--threads N``, e.g. ``2`` is the old
fixed behaviour) is measured in the same run, quiet and loaded taking turns,
so the modes see the same background. Tokens per second come from the run's
metrics.jsonl: tokens trained over the run's own clock (steps and
evaluations, as a user sees it), skipping the first ``--skip`` seconds
(start-up, the first thread choice).

One JSON line per run, then one summary line per mode; every line carries
``os.getloadavg()``. A "quiet" figure on a machine that other work shares is
not quiet: read the loadavg next to it. Run it as::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python benchmarks/under_load.py
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _machine import load_average

BUSY_LOOP = "while True: pass"


def start_competitors(count: int) -> list[subprocess.Popen]:
    return [subprocess.Popen([sys.executable, "-c", BUSY_LOOP]) for _ in range(count)]


def stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        process.kill()
    for process in processes:
        process.wait()


def tokens_per_s(metrics: Path, skip_s: float) -> tuple[float, int]:
    """Tokens per second of the run's steps after ``skip_s`` seconds, and the steps counted."""
    steps = [
        record
        for record in (json.loads(line) for line in metrics.read_text().splitlines() if line)
        if record.get("kind") == "train"
    ]
    if len(steps) < 2:
        raise SystemExit(f"under_load: {metrics} holds fewer than two steps")
    first = next((r for r in steps if r["elapsed_s"] >= skip_s), steps[0])
    if first is steps[-1]:
        first = steps[0]
    last = steps[-1]
    took = last["elapsed_s"] - first["elapsed_s"]
    return (last["tokens"] - first["tokens"]) / took, last["step"] - first["step"]


def train_once(mode: str, seconds: float, train_args: list[str], skip_s: float) -> dict[str, Any]:
    env = dict(os.environ)
    env.pop("RNNPLAY_THREADS", None)
    flags = [] if mode == "auto" else ["--threads", mode]
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "run"
        command = [sys.executable, "-m", "rnnplay", "train", *train_args, *flags]
        command += ["--max-seconds", str(seconds), "--out", str(out), "--quiet"]
        started = time.perf_counter()
        subprocess.run(command, check=True, env=env, cwd=tmp)
        wall = time.perf_counter() - started
        rate, steps = tokens_per_s(out / "metrics.jsonl", skip_s)
    return {"tokens_per_s": round(rate, 1), "steps": steps, "wall_s": round(wall, 1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each run")
    parser.add_argument("--repeats", type=int, default=2, help="quiet/loaded pairs per mode")
    parser.add_argument("--modes", default="auto,2", help="auto and/or fixed thread counts")
    parser.add_argument("--competitors", type=int, default=1, help="busy processes when loaded")
    parser.add_argument("--skip", type=float, default=3.0, help="seconds of each run not counted")
    parser.add_argument(
        "--train-args", default="", help="extra 'rnnplay train' flags, e.g. '--model rnn'"
    )
    args = parser.parse_args()
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    train_args = shlex.split(args.train_args)
    results: dict[tuple[str, str], list[float]] = {}
    for repeat in range(args.repeats):
        for mode in modes if repeat % 2 == 0 else modes[::-1]:
            phases = ("quiet", "loaded") if repeat % 2 == 0 else ("loaded", "quiet")
            for phase in phases:
                competitors = start_competitors(args.competitors) if phase == "loaded" else []
                try:
                    if competitors:
                        time.sleep(1.0)  # let them get going before the run starts
                    before = load_average()
                    run = train_once(mode, args.seconds, train_args, args.skip)
                finally:
                    stop(competitors)
                results.setdefault((mode, phase), []).append(run["tokens_per_s"])
                line = {"run": "under_load", "mode": mode, "phase": phase, "repeat": repeat}
                line.update(run, competitors=len(competitors), loadavg_before=before)
                print(json.dumps(line | {"loadavg": load_average()}), flush=True)
    for mode in modes:
        quiet = statistics.median(results[(mode, "quiet")])
        loaded = statistics.median(results[(mode, "loaded")])
        ratio = loaded / quiet
        ratios = [
            round(lo / q, 3)
            for q, lo in zip(results[(mode, "quiet")], results[(mode, "loaded")], strict=True)
        ]
        summary = {
            "summary": "under_load",
            "mode": mode,
            "train_args": args.train_args,
            "competitors": args.competitors,
            "quiet_tokens_per_s": round(quiet, 1),
            "loaded_tokens_per_s": round(loaded, 1),
            "ratio": round(ratio, 3),
            "ratios_per_repeat": ratios,
            "target": 0.5,
            "meets_target": ratio >= 0.5,
            "cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
            "loadavg": load_average(),
        }
        print(json.dumps(summary), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
