"""Where a step of the ``ptb-small`` preset spends its time, and what 13 epochs cost.

Builds the preset's model (2x200 LSTM, embedding 200, 10,000 words) and times
its training step phase by phase on random (N=20, T=20) batches: embedding,
each LSTM layer, the fused output layer (affine + softmax + loss), forward and
backward, gradient clipping and the SGD update. Each phase is measured in
process CPU time (``time.process_time``: every thread of this process, so it
is what the step costs whatever else runs on the machine) and in wall time,
medians over ``--steps`` steps, for each BLAS thread count asked for. From the
CPU milliseconds per step it estimates the wall time of the whole recipe
(13 epochs of 2,324 steps, plus a validation and a test pass per epoch) on
that many quiet cores: wall = CPU / threads when the threads scale perfectly,
and the measured wall time per step (which a loaded machine inflates) is
printed beside it. The FLOPs of the matrix products give each phase's floor.

One JSON line per thread count. Usage::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python \\
        benchmarks/zaremba_profile.py --threads 1,2 --steps 40
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from _machine import limit_blas, load_average

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rnnplay.core import RNNLM, SGD, clip_grads
from rnnplay.core.train.config import TrainConfig
from rnnplay.core.train.presets import PRESETS, PTB_STEPS_PER_EPOCH

VOCAB = 10_000
VALID_TOKENS, TEST_TOKENS = 73_760, 82_430
TARGET_S = 15 * 60


def preset_config() -> TrainConfig:
    return TrainConfig(**PRESETS["ptb-small"].settings).validate()


def flops(cfg: TrainConfig) -> dict[str, float]:
    """Multiply-adds x 2 of the matrix products in one step, per phase."""
    tokens = cfg.batch * cfg.bptt
    lstm = 2 * tokens * (cfg.embed + cfg.hidden) * 4 * cfg.hidden  # x Wx + h Wh, one layer
    out = 2 * tokens * cfg.hidden * VOCAB
    return {
        "lstm.forward (one layer)": lstm,
        "lstm.backward (one layer)": 2 * lstm,  # dW and dx / dh
        "output.forward": out,
        "output.backward": 2 * out,
    }


def phases(model: RNNLM, optimizer: SGD, xs: np.ndarray, ts: np.ndarray, clip: float) -> list:
    """The model's own forward/backward split into phases (no dropout: the preset has none)."""
    box: dict[str, Any] = {}
    first, second = model.recurrent
    return [
        ("embed.forward", lambda: box.update(d=model.embedding.forward(xs))),
        ("lstm1.forward", lambda: box.update(d=first.forward(box["d"]))),
        ("lstm2.forward", lambda: box.update(d=second.forward(box["d"]))),
        ("output.forward", lambda: model.output.forward(box["d"], ts)),
        ("output.backward", lambda: box.update(d=model.output.backward())),
        ("lstm2.backward", lambda: box.update(d=second.backward(box["d"]))),
        ("lstm1.backward", lambda: box.update(d=first.backward(box["d"]))),
        ("embed.backward", lambda: model.embedding.backward(box["d"])),
        ("clip", lambda: clip_grads(model.grads, clip)),
        ("sgd", lambda: optimizer.update(model.params, model.grads)),
    ]


def timed(fn: Callable[[], Any]) -> tuple[float, float]:
    wall0, cpu0 = time.perf_counter(), time.process_time()
    fn()
    return time.process_time() - cpu0, time.perf_counter() - wall0


def measure(threads: int, steps: int, warmup: int, seed: int) -> dict[str, Any]:
    cfg = preset_config()
    limiter = limit_blas(threads)
    rng = np.random.default_rng(seed)
    model = RNNLM.from_config(cfg.model_config(VOCAB), seed=seed)
    model.train()
    optimizer = SGD(lr=0.01)  # small: random batches, the weights stay sane
    cpu: dict[str, list[float]] = {}
    wall: dict[str, list[float]] = {}
    step_cpu, step_wall, loads = [], [], [os.getloadavg()[0]]
    for k in range(warmup + steps):
        xs = rng.integers(0, VOCAB, size=(cfg.batch, cfg.bptt))
        ts = rng.integers(0, VOCAB, size=(cfg.batch, cfg.bptt))
        total_cpu = total_wall = 0.0
        for name, fn in phases(model, optimizer, xs, ts, cfg.clip):
            c, w = timed(fn)
            total_cpu += c
            total_wall += w
            if k >= warmup:
                cpu.setdefault(name, []).append(c)
                wall.setdefault(name, []).append(w)
        if k >= warmup:
            step_cpu.append(total_cpu)
            step_wall.append(total_wall)
        loads.append(os.getloadavg()[0])
    # an evaluation window: the forward pass alone, dropout off, as sequence_loss runs it
    model.eval()
    eval_cpu, eval_wall = [], []
    for _ in range(max(3, steps // 2)):
        xs = rng.integers(0, VOCAB, size=(cfg.batch, cfg.bptt))
        ts = rng.integers(0, VOCAB, size=(cfg.batch, cfg.bptt))
        c, w = timed(lambda: model.forward(xs, ts))  # noqa: B023 (called at once)
        eval_cpu.append(c)
        eval_wall.append(w)
    del limiter
    cpu_ms = {name: round(statistics.median(v) * 1e3, 2) for name, v in cpu.items()}
    wall_ms = {name: round(statistics.median(v) * 1e3, 2) for name, v in wall.items()}
    step_cpu_ms = statistics.median(step_cpu) * 1e3
    step_wall_ms = statistics.median(step_wall) * 1e3
    output_ms = cpu_ms["output.forward"] + cpu_ms["output.backward"]
    epochs = cfg.epochs or 13
    steps_total = round(epochs * PTB_STEPS_PER_EPOCH)
    # a forward pass over valid + test after every epoch
    eval_windows = epochs * (VALID_TOKENS + TEST_TOKENS) / (cfg.batch * cfg.bptt)
    eval_cpu_ms = statistics.median(eval_cpu) * 1e3
    eval_wall_ms = statistics.median(eval_wall) * 1e3
    cpu_s = (steps_total * step_cpu_ms + eval_windows * eval_cpu_ms) / 1e3
    f = flops(cfg)
    lstm = f["lstm.forward (one layer)"] + f["lstm.backward (one layer)"]
    gflop = f["output.forward"] + f["output.backward"] + cfg.layers * lstm
    return {
        "benchmark": "zaremba_profile",
        "threads": threads,
        "steps": steps,
        "cpu_ms": cpu_ms,
        "wall_ms": wall_ms,
        "step_cpu_ms": round(step_cpu_ms, 1),
        "step_wall_ms": round(step_wall_ms, 1),
        "output_layer_cpu_share": round(output_ms / step_cpu_ms, 3),
        "matmul_gflop_per_step": round(gflop / 1e9, 2),
        "gflops_per_cpu_s": round(gflop / (step_cpu_ms / 1e3) / 1e9, 1),
        "recipe_cpu_s": round(cpu_s),
        "recipe_wall_s_if_threads_scale": round(cpu_s / threads),
        "eval_window_cpu_ms": round(eval_cpu_ms, 1),
        "recipe_eval_cpu_s": round(eval_windows * eval_cpu_ms / 1e3),
        "recipe_wall_s_at_measured_wall": round(
            (steps_total * step_wall_ms + eval_windows * eval_wall_ms) / 1e3
        ),
        "target_wall_s": TARGET_S,
        "tokens_per_s_needed": round(steps_total * cfg.batch * cfg.bptt / TARGET_S),
        "tokens_per_cpu_s": round(cfg.batch * cfg.bptt / (step_cpu_ms / 1e3)),
        "load_mean": round(sum(loads) / len(loads), 2),
        "load": load_average(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", default="1,2", help="comma-separated BLAS thread counts")
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    for n in (int(t) for t in args.threads.split(",") if t.strip()):
        print(json.dumps(measure(n, args.steps, args.warmup, args.seed)), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
