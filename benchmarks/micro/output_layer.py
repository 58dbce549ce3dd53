"""The output layer (TimeAffine + TimeSoftmaxWithLoss): fewer passes over the (N*T, V) scores.

For the char (N*T=2048, H=256, V=65) and word (N*T=700, H=100, V=10000)
configs, times forward + backward of:

- ``core_unfused``: the real ``TimeAffine`` and ``TimeSoftmaxWithLoss``.
- ``core_fused``: the core's fused ``TimeAffineSoftmaxWithLoss``, where it exists.
- ``fused_softmax``: the core affine, then a softmax-cross-entropy that
  works in one preallocated buffer (max, subtract, exp, row sums;
  backward: one multiply by dout / (count * row sum) and the label
  subtraction), 5 passes over the scores instead of about 7 plus two fresh
  (N*T, V) allocations.
- ``bias_in_matmul``: the affine with the bias as an extra weight row
  against a column of ones, so ``x @ W + b`` and ``db`` come out of the
  matmuls (no separate bias pass and no column sum), plus the fused softmax.

Every variant's loss and gradients are checked against the core's first.
``onehot_part_of_dW`` times three ways to subtract the one-hot part of the
scores' gradient from dW (the fused layer's ``np.subtract.at`` on the
transposed view ``dW.T``, ``add.at`` on contiguous rows, sorted ``reduceat``).

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python benchmarks/micro/output_layer.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

# micro helpers, then train_speed and _torch_peer one folder up
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _timing import compare, emit, threads_arg

from rnnplay.core import TimeAffine, TimeSoftmaxWithLoss

try:  # the fused output layer, where the core has it
    from rnnplay.core.nn.output import TimeAffineSoftmaxWithLoss
except ImportError:
    TimeAffineSoftmaxWithLoss = None

SHAPES = {"char": (32, 64, 256, 65), "word": (20, 35, 100, 10000)}  # N, T, H, V


class FusedSoftmaxLoss:
    """Softmax cross-entropy on (M, V) scores with one reusable buffer (no ignore_label)."""

    def __init__(self) -> None:
        self.buf: np.ndarray | None = None

    def forward(self, scores: np.ndarray, labels: np.ndarray) -> float:
        if self.buf is None or self.buf.shape != scores.shape:
            self.buf = np.empty_like(scores)
        rows = np.arange(scores.shape[0])
        top = scores.max(axis=1)
        np.subtract(scores, top[:, None], out=self.buf)
        picked = self.buf[rows, labels]  # shifted score of each label
        np.exp(self.buf, out=self.buf)
        sums = self.buf.sum(axis=1)
        self.cache = (rows, labels, sums)
        return float(np.mean(np.log(sums) - picked))

    def backward(self, dout: float = 1.0) -> np.ndarray:
        rows, labels, sums = self.cache
        scale = (dout / len(rows)) / sums
        dx = self.buf
        dx *= scale[:, None]
        dx[rows, labels] -= dout / len(rows)
        return dx


class BiasRowAffine:
    """x @ W + b as [x, 1] @ [W; b]: the bias rides along in the matmuls."""

    def __init__(self, W: np.ndarray, b: np.ndarray) -> None:
        self.Wb = np.vstack([W, b[None, :]])
        self.dWb = np.empty_like(self.Wb)

    def forward(self, x2d: np.ndarray) -> np.ndarray:
        M, H = x2d.shape
        self.x1 = np.empty((M, H + 1), dtype=x2d.dtype)
        self.x1[:, :H] = x2d
        self.x1[:, H] = 1
        return self.x1 @ self.Wb

    def backward(self, d2d: np.ndarray) -> np.ndarray:
        np.matmul(self.x1.T, d2d, out=self.dWb)
        return d2d @ self.Wb[:-1].T


def onehot_scatter_variants(
    H: int, V: int, M: int, rng: np.random.Generator
) -> dict[str, dict[str, float]]:
    """The one-hot part of dW (dW[:, label_r] -= x_r for every row r), three ways."""
    labels = rng.integers(0, V, size=M)
    x = rng.standard_normal((M, H)).astype(np.float32)
    dW = np.zeros((H, V), dtype=np.float32)
    expected = dW.copy()
    np.subtract.at(expected.T, labels, x)

    def at_on_transposed_view() -> None:  # what the fused layer does
        np.subtract.at(dW.T, labels, x)

    def at_on_contiguous_rows() -> None:
        rows = np.zeros((V, H), dtype=np.float32)
        np.add.at(rows, labels, x)
        dW.__isub__(rows.T)

    def sorted_reduceat() -> None:
        order = np.argsort(labels, kind="stable")
        ids = labels[order]
        starts = np.flatnonzero(np.concatenate(([True], ids[1:] != ids[:-1])))
        sums = np.add.reduceat(x[order], starts, axis=0)
        dW[:, ids[starts]] -= sums.T

    fns = {
        "subtract.at on dW.T (fused core)": at_on_transposed_view,
        "add.at on (V, H) rows, then dW -= rows.T": at_on_contiguous_rows,
        "sorted reduceat, dW[:, ids] -= sums.T": sorted_reduceat,
    }
    for fn in fns.values():
        dW[...] = 0
        fn()
        np.testing.assert_allclose(dW, expected, rtol=1e-5, atol=1e-5)
    return compare(fns, number=5)


def bench_shape(name: str, N: int, T: int, H: int, V: int, rng: np.random.Generator) -> dict:
    W = (rng.standard_normal((H, V)) / np.sqrt(H)).astype(np.float32)
    b = (0.1 * rng.standard_normal(V)).astype(np.float32)
    hs = rng.standard_normal((N, T, H)).astype(np.float32)
    ts = rng.integers(0, V, size=(N, T))

    affine = TimeAffine(W, b)
    loss_layer = TimeSoftmaxWithLoss()
    fused = FusedSoftmaxLoss()
    row_affine = BiasRowAffine(W, b)
    row_fused = FusedSoftmaxLoss()

    def core() -> tuple[float, np.ndarray]:
        loss = loss_layer.forward(affine.forward(hs), ts)
        return loss, affine.backward(loss_layer.backward())

    def fused_softmax() -> tuple[float, np.ndarray]:
        scores = affine.forward(hs).reshape(N * T, V)
        loss = fused.forward(scores, ts.reshape(-1))
        return loss, affine.backward(fused.backward().reshape(N, T, V))

    def bias_in_matmul() -> tuple[float, np.ndarray]:
        scores = row_affine.forward(hs.reshape(N * T, H))
        loss = row_fused.forward(scores, ts.reshape(-1))
        return loss, row_affine.backward(row_fused.backward())

    loss_ref, dx_ref = core()
    dW_ref, db_ref = (g.copy() for g in affine.grads)
    for variant in (fused_softmax, bias_in_matmul):
        loss, dx = variant()
        np.testing.assert_allclose(loss, loss_ref, rtol=1e-5)
        np.testing.assert_allclose(dx.reshape(N, T, H), dx_ref, rtol=1e-3, atol=1e-6)
    np.testing.assert_allclose(row_affine.dWb[:-1], dW_ref, rtol=1e-3, atol=1e-6)
    np.testing.assert_allclose(row_affine.dWb[-1], db_ref, rtol=1e-3, atol=1e-6)

    scores = affine.forward(hs)
    number = 20 if V < 1000 else 3
    variants = {"core_unfused": core}
    if TimeAffineSoftmaxWithLoss is not None:
        output = TimeAffineSoftmaxWithLoss(W, b)

        def core_fused() -> tuple[float, np.ndarray]:
            loss = output.forward(hs, ts)
            return loss, output.backward()

        loss, dx = core_fused()
        np.testing.assert_allclose(loss, loss_ref, rtol=1e-5)
        np.testing.assert_allclose(dx, dx_ref, rtol=1e-3, atol=1e-6)
        np.testing.assert_allclose(output.grads[0], dW_ref, rtol=1e-3, atol=1e-6)
        variants["core_fused"] = core_fused
    timings = compare(
        {
            **variants,
            "fused_softmax": fused_softmax,
            "bias_in_matmul": bias_in_matmul,
            "core_affine_only": lambda: affine.backward(affine.forward(hs)),
            "core_softmax_only": lambda: (loss_layer.forward(scores, ts), loss_layer.backward()),
        },
        number=number,
    )
    timings["onehot_part_of_dW"] = onehot_scatter_variants(H, V, N * T, rng)
    return {"micro": "output_layer", "shape": name, "NT": N * T, "H": H, "V": V, **timings}


def main() -> int:
    threads = threads_arg(__doc__.splitlines()[0])
    rng = np.random.default_rng(0)
    for name, (N, T, H, V) in SHAPES.items():
        emit({**bench_shape(name, N, T, H, V, rng), "threads": threads})
    return 0


if __name__ == "__main__":
    sys.exit(main())
