"""Adam on the real parameter sets: the core's update vs a cache-blocked one vs torch's.

The update is memory-bound: about 13 elementwise passes over every
parameter, its gradient and two state arrays. For the word LSTM (2.1M
parameters, 8.4 MB per array) each pass streams from L3/DRAM; doing all the
passes on one block of ``--block`` elements before moving to the next keeps
the working set in L2. Compares, for the parameter shapes of the char LSTM
and the word LSTM:

- ``core``: ``rnnplay.core.Adam.update``.
- ``blocked``: the same arithmetic and the same 13 passes, applied block by
  block (a measurement prototype; results checked equal to the core's).
- ``torch``: ``torch.optim.Adam`` (default foreach implementation), 2 threads.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python benchmarks/micro/adam.py
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

# micro helpers, then train_speed and _torch_peer one folder up
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import _torch_peer
from _timing import compare, emit, limit_threads
from train_speed import CONFIGS

from rnnplay.core import RNNLM, Adam


class BlockedAdam(Adam):
    """The core's Adam arithmetic, pass by pass, on one contiguous block at a time."""

    def __init__(self, block: int, **kwargs: float) -> None:
        super().__init__(**kwargs)
        self.block = block

    def _step(self, k: int, p: np.ndarray, g: np.ndarray) -> None:
        m, v = self.state["m"][k].reshape(-1), self.state["v"][k].reshape(-1)
        p1, g1 = p.reshape(-1), g.reshape(-1)
        s_full = self.scratch(k, p).reshape(-1)
        for start in range(0, p1.size, self.block):
            sl = slice(start, start + self.block)
            mb, vb, gb, pb, s = m[sl], v[sl], g1[sl], p1[sl], s_full[sl]
            np.subtract(gb, mb, out=s)
            s *= 1.0 - self.beta1
            mb += s
            np.multiply(gb, gb, out=s)
            s -= vb
            s *= 1.0 - self.beta2
            vb += s
            np.sqrt(vb, out=s)
            s *= self._rms_scale
            s += self.eps
            np.divide(mb, s, out=s)
            s *= self._step_size
            pb -= s


def bench_config(name: str, block: int, use_torch: bool, threads: int) -> dict:
    cfg = CONFIGS[name]
    model = RNNLM(cfg.V, cfg.D, cfg.H, cell=cfg.cell, seed=0)
    rng = np.random.default_rng(1)
    grads = [rng.standard_normal(p.shape).astype(np.float32) for p in model.params]
    params_core = [p.copy() for p in model.params]
    params_blocked = [p.copy() for p in model.params]
    core, blocked = Adam(lr=1e-3), BlockedAdam(block, lr=1e-3)
    for _ in range(3):
        core.update(params_core, grads)
        blocked.update(params_blocked, grads)
    for a, b in zip(params_core, params_blocked, strict=True):
        np.testing.assert_array_equal(a, b)
    fns = {
        "core": lambda: core.update(params_core, grads),
        f"blocked_{block}": lambda: blocked.update(params_blocked, grads),
    }
    if use_torch:
        import torch

        tparams = [torch.nn.Parameter(torch.from_numpy(p.copy())) for p in model.params]
        for tp, g in zip(tparams, grads, strict=True):
            tp.grad = torch.from_numpy(g)
        topt = torch.optim.Adam(tparams, lr=1e-3)
        fns["torch"] = topt.step
    timings = compare(fns, number=5)
    n = sum(p.size for p in model.params)
    out = {"micro": "adam", "config": name, "threads": threads, "num_params": n, **timings}
    for key, t in timings.items():
        out[f"{key}_ns_per_param"] = round(1e6 * t["best_ms"] / n, 3)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--block", type=int, default=16384, help="elements per block")
    parser.add_argument("--threads", type=int, default=2, help="BLAS / torch threads")
    args = parser.parse_args()
    limiter = limit_threads(args.threads)  # noqa: F841 (also sets torch's threads)
    use_torch = _torch_peer.available()
    for name in ("char_lstm", "word_lstm"):
        emit(bench_config(name, args.block, use_torch, args.threads))
    return 0


if __name__ == "__main__":
    sys.exit(main())
