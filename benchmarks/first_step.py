"""First-step latency: what the compiled loop's import and compile add to start-up.

Runs three fresh processes per repeat, each timing (from its start) the
first training step of the default char LSTM (sonnets-sized vocabulary,
batch 32 x 64): with the NumPy loop (``RNNPLAY_KERNELS=numpy``), with the
compiled loop from numba's on-disk cache, and with the compiled loop from an
empty cache (``NUMBA_CACHE_DIR`` pointed at a fresh folder: the first run
after an install). One JSON line per mode with the median seconds and the
load. ``rnnplay --help`` never imports numba (tests/core/test_import_hygiene.py
and .ci/run check it); this measures what the first step of training pays.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python benchmarks/first_step.py
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = r"""
import time
start = time.perf_counter()
import sys
sys.path.insert(0, {root!r})
import numpy as np
from rnnplay.core import RNNLM, Adam, clip_grads
model = RNNLM(65, 64, 256, cell="lstm", seed=0, dtype="float32")
optimizer = Adam(lr=1e-3)
rng = np.random.default_rng(0)
xs, ts = rng.integers(0, 65, (32, 64)), rng.integers(0, 65, (32, 64))
built = time.perf_counter()
model.forward(xs, ts)
model.backward()
clip_grads(model.grads, 1.0)
optimizer.update(model.params, model.grads)
first = time.perf_counter()
model.forward(xs, ts)
model.backward()
second = time.perf_counter()
from rnnplay.core.nn import fused
print(built - start, first - start, second - first, fused.kernels() is not None)
"""


def run_child(env: dict[str, str]) -> tuple[float, float, float, bool]:
    out = subprocess.run(
        [sys.executable, "-c", CHILD.format(root=str(ROOT))],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    ).stdout.split()
    return float(out[0]), float(out[1]), float(out[2]), out[3] == "True"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    base = dict(os.environ)
    base.pop("RNNPLAY_KERNELS", None)
    modes = {"numpy_loop": {"RNNPLAY_KERNELS": "numpy"}, "compiled_cached": {}}
    results: dict[str, list[tuple[float, float, float, bool]]] = {m: [] for m in modes}
    results["compiled_cold_cache"] = []
    run_child(base)  # fill numba's cache once
    for _ in range(args.repeats):
        for mode, extra in modes.items():
            results[mode].append(run_child({**base, **extra}))
        with tempfile.TemporaryDirectory() as empty:
            results["compiled_cold_cache"].append(run_child({**base, "NUMBA_CACHE_DIR": empty}))
    for mode, runs in results.items():
        record = {
            "bench": "first_step",
            "mode": mode,
            "compiled": runs[0][3],
            "setup_s": round(statistics.median(r[0] for r in runs), 3),
            "first_step_done_s": round(statistics.median(r[1] for r in runs), 3),
            "second_step_s": round(statistics.median(r[2] for r in runs), 3),
            "repeats": args.repeats,
            "loadavg": [round(x, 2) for x in os.getloadavg()],
        }
        print(json.dumps(record), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
