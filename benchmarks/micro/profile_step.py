"""Where one rnnplay training step spends its time, phase by phase and inside the recurrent layer.

Part 1 (no profiler attached): runs the step of ``train_speed.py`` one layer
at a time and times each phase with ``perf_counter``: embedding, recurrent
layer, the output layer (affine + softmax-with-loss; fused or separate,
whichever the core has), forward and backward each, clip_grads and the Adam
update. Medians over ``--steps`` steps.

Part 2 (line_profiler, optional): profiles the recurrent layer's forward and
backward line by line and groups the lines into categories (recurrent
matmuls, input projection, weight-gradient matmuls, elementwise gate math,
bookkeeping). The shares come from the profiled run; the milliseconds are
those shares applied to the unprofiled phase times of part 1, so the
profiler's per-line overhead does not inflate the totals.

Prints one JSON line per part; ``--table`` also prints a Markdown table.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python \
        benchmarks/micro/profile_step.py --config char_lstm --table
"""

from __future__ import annotations

import argparse
import inspect
import json
import re
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from train_speed import (
    CONFIGS,
    LEARNING_RATE,
    MAX_GRAD_NORM,
    BenchConfig,
    limit_threads,
    random_batches,
)

from rnnplay.core import RNNLM, Adam, clip_grads
from rnnplay.core.nn.recurrent import TimeRecurrent


def build(cfg: BenchConfig, seed: int) -> tuple[RNNLM, Adam]:
    model = RNNLM(cfg.V, cfg.D, cfg.H, cell=cfg.cell, seed=seed, dtype="float32")
    model.train()
    return model, Adam(lr=LEARNING_RATE)


def phased_step(
    model: RNNLM, optimizer: Adam, xs: np.ndarray, ts: np.ndarray, times: dict[str, list[float]]
) -> None:
    """The same work as RNNLM.forward/backward + clip + Adam (one layer, no dropout), timed.

    Works with the fused output layer (``model.output``) and with the older
    separate ``model.affine`` + ``model.loss_layer``.
    """
    layer = model.recurrent[0]
    box: dict[str, Any] = {}
    stages: list[tuple[str, Any]] = [
        ("embed.forward", lambda: box.update(d=model.embedding.forward(xs))),
        ("recurrent.forward", lambda: box.update(d=layer.forward(box["d"]))),
    ]
    if hasattr(model, "output"):
        stages += [
            ("output.forward (affine+softmax)", lambda: model.output.forward(box["d"], ts)),
            ("output.backward (affine+softmax)", lambda: box.update(d=model.output.backward())),
        ]
    else:
        stages += [
            ("affine.forward", lambda: box.update(d=model.affine.forward(box["d"]))),
            ("loss.forward", lambda: model.loss_layer.forward(box["d"], ts)),
            ("loss.backward", lambda: box.update(d=model.loss_layer.backward(1.0))),
            ("affine.backward", lambda: box.update(d=model.affine.backward(box["d"]))),
        ]
    stages += [
        ("recurrent.backward", lambda: box.update(d=layer.backward(box["d"]))),
        ("embed.backward", lambda: model.embedding.backward(box["d"])),
        ("clip_grads", lambda: clip_grads(model.grads, MAX_GRAD_NORM)),
        ("adam.update", lambda: optimizer.update(model.params, model.grads)),
    ]
    clock = time.perf_counter
    for name, run in stages:
        start = clock()
        run()
        times[name].append(clock() - start)


def phase_times(cfg: BenchConfig, steps: int, warmup: int, seed: int) -> dict[str, float]:
    """Median milliseconds per phase, in the order the step runs them."""
    model, optimizer = build(cfg, seed)
    batches = random_batches(cfg, seed)
    times: dict[str, list[float]] = defaultdict(list)
    for k in range(warmup + steps):
        if k == warmup:
            times.clear()
        xs, ts = batches[k % len(batches)]
        phased_step(model, optimizer, xs, ts, times)
    return {name: 1e3 * statistics.median(samples) for name, samples in times.items()}


# -- line-level split of the recurrent layer ----------------------------------------

CATEGORIES = (
    (
        "recurrent matmul (h @ Wh, dpre @ Wh.T)",
        ("_recurrent_product", "Wh_T, h.T", "Wh, out=", "Wh.T, out=", "Wh_T, out="),
    ),
    ("input projection (x @ Wx + b, time-major copy)", ("x2d @ Wx", "proj += b", "_time_major")),
    ("weight gradients (x.T @ d, h.T @ d, sum)", ("x2d.T, dpre2d", "hprev2d.T", "np.sum(dpre2d")),
    ("input gradient (d @ Wx.T)", ("dpre2d @ Wx.T",)),
)
ELEMENTWISE = "elementwise gate math"
BOOKKEEPING = "buffers, copies, loop overhead"
# A line is elementwise arithmetic when it updates an array in place or calls a
# ufunc (or the core's sigmoid); anything else that is not a matmul above is
# allocation, slicing, unpacking or loop overhead.
ELEMENTWISE_LINE = re.compile(
    r"(\+=|-=|\*=|/=)|^(np\.(multiply|subtract|add|tanh|exp|divide|sqrt|square)|sigmoid)\("
)


def categorize(source: str) -> str:
    for name, needles in CATEGORIES:
        if any(n in source for n in needles):
            return name
    if ELEMENTWISE_LINE.search(source.strip()):
        return ELEMENTWISE
    return BOOKKEEPING


def line_split(cfg: BenchConfig, steps: int, seed: int) -> dict[str, Any] | None:
    """Shares of the recurrent layer's forward+backward time per category, from line_profiler."""
    try:
        from line_profiler import LineProfiler
    except ImportError:
        return None
    model, optimizer = build(cfg, seed)
    layer = model.recurrent[0]
    cls = type(layer)
    functions = [
        cls._steps_forward,
        cls._steps_backward,
        TimeRecurrent.forward,
        TimeRecurrent.backward,
        TimeRecurrent.backward_projected,
        TimeRecurrent._input_projection,
        TimeRecurrent._time_major,
    ]
    profiler = LineProfiler()
    for fn in functions:
        profiler.add_function(inspect.unwrap(fn))
    batches = random_batches(cfg, seed)
    times: dict[str, list[float]] = defaultdict(list)
    profiler.enable_by_count()
    for k in range(steps):
        xs, ts = batches[k % len(batches)]
        phased_step(model, optimizer, xs, ts, times)
    profiler.disable_by_count()
    stats = profiler.get_stats()
    totals: dict[str, float] = defaultdict(float)
    per_line: list[tuple[float, str]] = []
    for (filename, _, _), lines in stats.timings.items():
        source = Path(filename).read_text().splitlines()
        for lineno, _, total in lines:
            text = source[lineno - 1]
            if any(
                call in text
                for call in (
                    "_input_projection(",
                    "_steps_forward(",
                    "_steps_backward(",
                    "backward_projected(",
                )
            ):
                continue  # the callee's own lines are counted
            seconds = total * stats.unit
            totals[categorize(text)] += seconds
            per_line.append((seconds, text.strip()))
    grand = sum(totals.values())
    per_line.sort(reverse=True)
    return {
        "shares": {k: v / grand for k, v in sorted(totals.items(), key=lambda kv: -kv[1])},
        "top_lines_ms_per_step": [[round(1e3 * s / steps, 3), text] for s, text in per_line[:12]],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default="char_lstm", choices=list(CONFIGS))
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--table", action="store_true", help="also print Markdown tables")
    args = parser.parse_args(argv)
    limiter = limit_threads(args.threads)  # noqa: F841
    cfg = CONFIGS[args.config]

    phases = phase_times(cfg, args.steps, args.warmup, args.seed)
    total = sum(phases.values())
    tokens = cfg.N * cfg.T
    print(
        json.dumps(
            {
                "profile": "phases",
                "config": cfg.name,
                "threads": args.threads,
                "ms_per_step": round(total, 3),
                "tokens_per_s": round(tokens / (total / 1e3)),
                "phases_ms": {k: round(v, 3) for k, v in phases.items()},
            }
        ),
        flush=True,
    )
    split = line_split(cfg, max(5, args.steps // 3), args.seed)
    recurrent_ms = phases["recurrent.forward"] + phases["recurrent.backward"]
    if split is not None:
        split_ms = {k: round(v * recurrent_ms, 3) for k, v in split["shares"].items()}
        print(
            json.dumps(
                {
                    "profile": "recurrent_layer_lines",
                    "config": cfg.name,
                    "recurrent_ms": round(recurrent_ms, 3),
                    "categories_ms": split_ms,
                    "top_lines_ms_per_step_profiled": split["top_lines_ms_per_step"],
                }
            ),
            flush=True,
        )
    if args.table:
        print(f"\n| phase ({cfg.name}) | ms/step | share |\n|---|---:|---:|")
        for name, ms in phases.items():
            print(f"| {name} | {ms:.2f} | {100 * ms / total:.1f}% |")
        print(f"| **total** | **{total:.2f}** | 100% |")
        if split is not None:
            print("\n| inside the recurrent layer | ms/step | share of step |\n|---|---:|---:|")
            for name, ms in split_ms.items():
                print(f"| {name} | {ms:.2f} | {100 * ms / total:.1f}% |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
