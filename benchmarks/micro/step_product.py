"""The compiled LSTM loop's per-step products alone: OpenBLAS against rows times rows.

One batch slice (n = 16 rows, the char LSTM's N = 32 on two threads), H = 256,
float32, T = 64 products in a row inside one numba call, timed with
``time.thread_time`` (the CPU of the calling thread, so other processes on a
shared machine stretch it less than the wall clock), best of ``--repeats``
turns, the variants taking turns:

- ``blas_T``: the loop of the first sessions, SciPy's single-threaded sgemm
  through numba's ``np.dot`` in the orientation it runs fastest,
  W_h^T h^T ((4H, H) @ (H, n)) forward and W_h d^T back, plus the two small
  transposes per step that orientation needs (h -> h^T, the result back);
- ``blas_only``: the same product without the transposes;
- ``rows``: :func:`rnnplay.core.nn.fused.lstm_kernels._rows_dot_rows`, the
  kernels' product now, which reads rows of both operands and writes the
  batch-major result directly.

Prints one JSON line per direction (microseconds a step and GFLOP/s) with the load.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python benchmarks/micro/step_product.py
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from rnnplay.core.nn import fused


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=16, help="rows of the batch slice (n)")
    parser.add_argument("--hidden", type=int, default=256, help="H")
    parser.add_argument("--steps", type=int, default=64, help="products per call (T)")
    parser.add_argument("--repeats", type=int, default=9)
    args = parser.parse_args()
    if fused.compiled() is None:
        print("step_product: numba or SciPy missing", file=sys.stderr)
        return 1
    from numba import njit

    from rnnplay.core.nn.fused import lstm_kernels, numerics

    flags = {key: value for key, value in numerics.FLAGS.items() if key != "cache"}

    @njit(**flags)
    def blas_T(W_T, x, x_T, out_T, out, steps):
        for _ in range(steps):
            numerics._transpose(x, x_T)
            np.dot(W_T, x_T, out_T)
            numerics._transpose(out_T, out)

    @njit(**flags)
    def blas_only(W_T, x, x_T, out_T, out, steps):
        for _ in range(steps):
            np.dot(W_T, x_T, out_T)

    @njit(**flags)
    def rows(W, x, out, steps):
        for _ in range(steps):
            lstm_kernels._rows_dot_rows(x, W, out)

    n, H, steps = args.rows, args.hidden, args.steps
    rng = np.random.default_rng(0)
    # forward: out (n, 4H) = h (n, H) W_h, W = W_h^T (4H, H); back: out (n, H) = d W_h^T, W = W_h
    for direction, (M, Kdim) in {"forward h W_h": (4 * H, H), "back d W_h^T": (H, 4 * H)}.items():
        W = rng.standard_normal((M, Kdim)).astype(np.float32)  # rows = output columns
        x = rng.standard_normal((n, Kdim)).astype(np.float32)
        x_T = np.empty((Kdim, n), np.float32)
        out_T = np.empty((M, n), np.float32)
        out = np.empty((n, M), np.float32)
        out_rows = np.empty((n, M), np.float32)
        buffers = (W, x, x_T, out_T, out)
        calls = {
            "blas_T": lambda b=buffers: blas_T(*b, steps),
            "blas_only": lambda b=buffers: blas_only(*b, steps),
            "rows": lambda W=W, x=x, r=out_rows: rows(W, x, r, steps),
        }
        for call in calls.values():
            call()
        np.testing.assert_allclose(out_rows, out, rtol=1e-4, atol=1e-3)
        best = dict.fromkeys(calls, float("inf"))
        for _ in range(args.repeats):
            for name, call in calls.items():
                start = time.thread_time()
                call()
                best[name] = min(best[name], time.thread_time() - start)
        flop = 2.0 * n * M * Kdim
        record = {
            "benchmark": "step_product",
            "direction": direction,
            "n": n,
            "H": H,
            "us_per_step": {k: round(1e6 * v / steps, 1) for k, v in best.items()},
            "gflops": {k: round(flop * steps / v / 1e9, 1) for k, v in best.items()},
            "loadavg": [round(x, 2) for x in os.getloadavg()],
        }
        print(json.dumps(record), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
