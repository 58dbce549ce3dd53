"""The matmuls of one training step at their real shapes: GFLOP/s with 1 and 2 BLAS threads.

For each config it times, with NumPy (OpenBLAS via threadpoolctl) and, where
installed, torch (``torch.mm`` with ``out=``), every matmul shape the step
performs:

- the per-step recurrent product ``h @ Wh`` (N x H x GH) of the forward loop,
- the per-step ``d @ Wh.T`` (N x GH x H) of the backward loop, once with the
  transposed view NumPy gets from ``Wh.T`` and once with a contiguous copy
  of ``Wh.T`` made once per backward,
- the one-shot matmuls over all T steps: input projection, weight
  gradients, affine forward / backward.

It also times ``T`` recurrent forward products in a row, the unit the
time loop pays, so the sequential cost per training step can be read off;
what a contiguous copy of ``Wh.T`` costs; and both recurrent products with
``Wh`` stored in Fortran order (so ``Wh.T`` is C-contiguous without a copy).

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python benchmarks/micro/small_matmul.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

# micro helpers, then train_speed and _torch_peer one folder up
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import _torch_peer
from _timing import blas_info, emit, limit_threads, measure
from train_speed import CONFIGS, BenchConfig


def shapes(cfg: BenchConfig) -> dict[str, tuple[int, int, int, bool, bool]]:
    """name -> (M, K, N, a transposed view?, b transposed view?) of C = A @ B."""
    NT, G = cfg.N * cfg.T, cfg.gates
    H, D, V = cfg.H, cfg.D, cfg.V
    return {
        "rec_fwd h@Wh": (cfg.N, H, G * H, False, False),
        "rec_bwd d@Wh.T (view)": (cfg.N, G * H, H, False, True),
        "rec_bwd d@WhT (contiguous)": (cfg.N, G * H, H, False, False),
        "input_proj x@Wx": (NT, D, G * H, False, False),
        "dWh h.T@d": (H, NT, G * H, True, False),
        "dWx x.T@d": (D, NT, G * H, True, False),
        "dx d@Wx.T": (NT, G * H, D, False, True),
        "affine_fwd h@W": (NT, H, V, False, False),
        "affine_dW h.T@d": (H, NT, V, True, False),
        "affine_dx d@W.T": (NT, V, H, False, True),
    }


def operands(M: int, K: int, N: int, a_t: bool, b_t: bool, rng: np.random.Generator):
    a = rng.standard_normal((K, M) if a_t else (M, K)).astype(np.float32)
    b = rng.standard_normal((N, K) if b_t else (K, N)).astype(np.float32)
    return (a.T if a_t else a), (b.T if b_t else b), np.empty((M, N), dtype=np.float32)


def bench(cfg: BenchConfig, threads: int, use_torch: bool) -> dict:
    from threadpoolctl import threadpool_limits

    rng = np.random.default_rng(0)
    record: dict = {"micro": "small_matmul", "config": cfg.name, "threads": threads}
    with threadpool_limits(limits=threads, user_api="blas"):
        if use_torch:
            _torch_peer.set_threads(threads)
        for name, (M, K, N, a_t, b_t) in shapes(cfg).items():
            a, b, out = operands(M, K, N, a_t, b_t, rng)
            flops = 2 * M * K * N
            number = max(3, min(2000, int(2e8 // flops)))
            t = measure(lambda a=a, b=b, out=out: np.matmul(a, b, out=out), number=number)
            entry = {"shape": [M, K, N], "numpy_us": round(1e3 * t["best_ms"], 2)}
            entry["numpy_gflops"] = round(flops / t["best_ms"] / 1e6, 1)
            if use_torch:
                import torch

                ta, tb, to = torch.from_numpy(a), torch.from_numpy(b), torch.from_numpy(out)
                tt = measure(lambda ta=ta, tb=tb, to=to: torch.mm(ta, tb, out=to), number=number)
                entry["torch_us"] = round(1e3 * tt["best_ms"], 2)
                entry["torch_gflops"] = round(flops / tt["best_ms"] / 1e6, 1)
            record[name] = entry
        # The unit the forward time loop pays: T dependent products in a row.
        h = rng.standard_normal((cfg.T + 1, cfg.N, cfg.H)).astype(np.float32)
        Wh = rng.standard_normal((cfg.H, cfg.gates * cfg.H)).astype(np.float32)
        rec = np.empty((cfg.N, cfg.gates * cfg.H), dtype=np.float32)

        def loop() -> None:
            for t in range(cfg.T):
                np.matmul(h[t], Wh, out=rec)

        record["rec_fwd x T ms"] = measure(loop, number=5)["best_ms"]
        # What a contiguous copy of Wh.T costs, made per forward/backward call
        # (per token when sampling), against keeping Wh in Fortran order, whose
        # .T is contiguous for free and whose product h @ Wh BLAS runs transposed.
        record["Wh.T contiguous copy us"] = round(
            1e3 * measure(lambda: np.ascontiguousarray(Wh.T), number=20)["best_ms"], 2
        )
        Wh_f = np.asfortranarray(Wh)
        a, out = h[0], rec
        record["rec_fwd h@Wh (Wh Fortran order) us"] = round(
            1e3 * measure(lambda: np.matmul(a, Wh_f, out=out), number=200)["best_ms"], 2
        )
        dh = np.empty((cfg.N, cfg.H), dtype=np.float32)
        record["rec_bwd d@Wh.T (Wh Fortran order) us"] = round(
            1e3 * measure(lambda: np.matmul(rec, Wh_f.T, out=dh), number=200)["best_ms"], 2
        )
    return record


def main() -> int:
    limiter = limit_threads(2)  # noqa: F841
    use_torch = _torch_peer.available()
    emit({"micro": "small_matmul", "blas": blas_info()})
    for cfg in CONFIGS.values():
        for threads in (1, 2):
            emit(bench(cfg, threads, use_torch))
    return 0


if __name__ == "__main__":
    sys.exit(main())
