"""Embedding gradient: ways to scatter-add dout (N*T, D) onto the rows of dW (V, D).

Times the real ``TimeEmbedding.backward`` (zero dW, then ``np.add.at``)
against alternatives that give the same dW, for the char (V=65, N*T=2048,
D=64) and word (V=10000, N*T=700, D=100) configs:

- ``sorted_reduceat``: stable argsort of the ids, ``np.add.reduceat`` over
  runs of equal ids, one fancy assignment of the sums.
- ``onehot_matmul``: a (V, N*T) one-hot matrix times dout (only for small V).
- ``unique_onehot_matmul``: the one-hot over the distinct ids only
  (U x N*T), then ``dW[unique] = onehot @ dout``.
- ``zero_touched_rows``: like add.at but zeroes only the rows the previous
  step touched instead of the whole (V, D) matrix.

Every variant is checked against add.at before it is timed.

    .venv/bin/python benchmarks/micro/embed_grad.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

# micro helpers, then train_speed and _torch_peer one folder up
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _timing import emit, measure, threads_arg

from rnnplay.core import TimeEmbedding

SHAPES = {"char": (65, 64, 32, 64), "word": (10000, 100, 20, 35)}  # V, D, N, T


def sorted_reduceat(dW: np.ndarray, idx: np.ndarray, dout: np.ndarray) -> None:
    order = np.argsort(idx, kind="stable")
    ids = idx[order]
    starts = np.flatnonzero(np.concatenate(([True], ids[1:] != ids[:-1])))
    sums = np.add.reduceat(dout[order], starts, axis=0)
    dW[...] = 0
    dW[ids[starts]] = sums


def onehot_matmul(dW: np.ndarray, idx: np.ndarray, dout: np.ndarray) -> None:
    onehot = np.zeros((dW.shape[0], idx.size), dtype=dout.dtype)
    onehot[idx, np.arange(idx.size)] = 1
    np.matmul(onehot, dout, out=dW)


def unique_onehot_matmul(dW: np.ndarray, idx: np.ndarray, dout: np.ndarray) -> None:
    uniq, inverse = np.unique(idx, return_inverse=True)
    onehot = np.zeros((uniq.size, idx.size), dtype=dout.dtype)
    onehot[inverse, np.arange(idx.size)] = 1
    dW[...] = 0
    dW[uniq] = onehot @ dout


class ZeroTouchedRows:
    """add.at after zeroing only the rows the previous call wrote."""

    def __init__(self) -> None:
        self.touched: np.ndarray | None = None

    def __call__(self, dW: np.ndarray, idx: np.ndarray, dout: np.ndarray) -> None:
        if self.touched is None:
            dW[...] = 0
        else:
            dW[self.touched] = 0
        np.add.at(dW, idx, dout)
        self.touched = idx


def bench_shape(name: str, V: int, D: int, N: int, T: int, rng: np.random.Generator) -> dict:
    """Times every variant for one shape, after checking each against add.at."""
    W = rng.standard_normal((V, D)).astype(np.float32)
    layer = TimeEmbedding(W)
    ids = rng.integers(0, V, size=(N, T))
    layer.forward(ids)
    dout = rng.standard_normal((N, T, D)).astype(np.float32)
    layer.backward(dout)
    reference = layer.grads[0].copy()
    flat_ids = ids.reshape(-1)
    flat_dout = dout.reshape(-1, D)
    variants = {
        "sorted_reduceat": sorted_reduceat,
        "unique_onehot_matmul": unique_onehot_matmul,
        "zero_touched_rows": ZeroTouchedRows(),
    }
    if V <= 1000:
        variants["onehot_matmul"] = onehot_matmul
    record = {
        "micro": "embed_grad",
        "shape": name,
        "V": V,
        "D": D,
        "NT": N * T,
        "TimeEmbedding.backward (add.at)": measure(lambda: layer.backward(dout)),
    }
    for label, fn in variants.items():
        dW = np.empty_like(W)
        fn(dW, flat_ids, flat_dout)
        np.testing.assert_allclose(dW, reference, rtol=1e-5, atol=1e-5)
        record[label] = measure(lambda fn=fn, dW=dW: fn(dW, flat_ids, flat_dout))
    record["zero_full_dW"] = measure(lambda: layer.grads[0].fill(0))
    return record


def main() -> int:
    threads = threads_arg(__doc__.splitlines()[0])
    rng = np.random.default_rng(0)
    for name, (V, D, N, T) in SHAPES.items():
        emit({**bench_shape(name, V, D, N, T, rng), "threads": threads})
    return 0


if __name__ == "__main__":
    sys.exit(main())
