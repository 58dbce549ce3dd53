"""How much of TimeLSTM's time loop is elementwise gate math, and how much a leaner loop saves.

Compares, on the char LSTM shapes (N=32, T=64, D=64, H=256), float32:

- ``core``: the real ``rnnplay.core.TimeLSTM`` forward + backward.
- ``matmul_floor``: only the matmuls the layer must do (T forward and T
  backward recurrent products with a contiguous ``Wh.T``, the input
  projection, both weight gradients and the input gradient). No layer can
  beat this with NumPy calls; the rest of ``core`` is elementwise work and
  call overhead.
- ``sketch``: a measurement prototype (not a proposal for the code's shape)
  of a leaner loop with the same results:
  forward, one ``tanh`` for all four gates per step (the 1/2 of
  sigmoid(x) = 0.5 tanh(x/2) + 0.5 folded into column-scaled copies of Wx,
  Wh and b made once per forward), then one multiply-add with per-column
  constants; backward, the factors that do not depend on the recursion
  (sigmoid/tanh derivatives times the saved activations) computed for all T
  steps at once before the loop, so the loop does 7 NumPy calls per step
  instead of about 22, and ``d @ Wh.T`` uses a contiguous copy of Wh.T.
- ``*_backward_only``: backward alone on one forward's cache, which
  isolates the backward loops from the forward products' orientation.

The sketch's hs, dxs, dWx, dWh, db are checked against the core's first.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python benchmarks/micro/lstm_gates.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

# micro helpers, then train_speed and _torch_peer one folder up
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _timing import compare, emit, threads_arg

from rnnplay.core import TimeLSTM


class LeanLSTMSketch:
    """Stateless LSTM forward/backward with few NumPy calls per step (measurement only)."""

    def __init__(self, Wx: np.ndarray, Wh: np.ndarray, b: np.ndarray) -> None:
        self.Wx, self.Wh, self.b = Wx, Wh, b
        H = Wh.shape[0]
        self.H = H
        half = np.full(4 * H, 0.5, dtype=Wx.dtype)
        half[H : 2 * H] = 1.0  # the g block is a plain tanh
        self.pre_scale = half  # multiply preactivations by this, then tanh
        self.post_scale = half  # sigmoid = 0.5 * tanh + 0.5, tanh = 1 * tanh + 0
        self.post_shift = np.where(half == 0.5, 0.5, 0.0).astype(Wx.dtype)

    def forward(self, xs: np.ndarray) -> np.ndarray:
        N, T, D = xs.shape
        H = self.H
        Wx_s = self.Wx * self.pre_scale
        Wh_s = self.Wh * self.pre_scale
        b_s = self.b * self.pre_scale
        x2d = np.ascontiguousarray(xs.transpose(1, 0, 2)).reshape(T * N, D)
        act = (x2d @ Wx_s).reshape(T, N, 4 * H)
        act += b_s
        hs = np.empty((T + 1, N, H), dtype=xs.dtype)
        cs = np.empty((T + 1, N, H), dtype=xs.dtype)
        tanh_cs = np.empty((T, N, H), dtype=xs.dtype)
        hs[0] = 0
        cs[0] = 0
        rec = np.empty((N, 4 * H), dtype=xs.dtype)
        tmp = np.empty((N, H), dtype=xs.dtype)
        for t in range(T):
            a = act[t]
            np.matmul(hs[t], Wh_s, out=rec)
            a += rec
            np.tanh(a, out=a)
            a *= self.post_scale
            a += self.post_shift
            f, g, i, o = a[:, :H], a[:, H : 2 * H], a[:, 2 * H : 3 * H], a[:, 3 * H :]
            c = cs[t + 1]
            np.multiply(f, cs[t], out=c)
            np.multiply(g, i, out=tmp)
            c += tmp
            np.tanh(c, out=tanh_cs[t])
            np.multiply(o, tanh_cs[t], out=hs[t + 1])
        self.cache = (x2d, hs, cs, tanh_cs, act, (N, T, D))
        return hs[1:].transpose(1, 0, 2)

    def backward(self, dhs: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
        x2d, hs, cs, tanh_cs, act, (N, T, D) = self.cache
        H = self.H
        f, g, i, o = (act[..., k * H : (k + 1) * H] for k in range(4))
        # Recursion-free factors for all T at once: dpre = k * (ds or dh).
        k = act * (1 - act)  # s(1-s) for f, i, o; the g block is fixed below
        np.multiply(g, g, out=k[..., H : 2 * H])
        np.subtract(1, k[..., H : 2 * H], out=k[..., H : 2 * H])
        k[..., :H] *= cs[:-1]  # df = ds * c_prev * f(1-f)
        k[..., H : 2 * H] *= i  # dg = ds * i * (1-g^2)
        k[..., 2 * H : 3 * H] *= g  # di = ds * g * i(1-i)
        k[..., 3 * H :] *= tanh_cs  # do = dh * tanh(c) * o(1-o)
        k_ds = 1 - tanh_cs * tanh_cs  # ds = dc + dh * o * (1 - tanh(c)^2)
        k_ds *= o
        WhT = np.ascontiguousarray(self.Wh.T)
        dhs_tm = dhs.transpose(1, 0, 2)
        dpre = np.empty((T, N, 4 * H), dtype=x2d.dtype)
        dh = np.zeros((N, H), dtype=x2d.dtype)
        dc = np.zeros((N, H), dtype=x2d.dtype)
        ds = np.empty((N, H), dtype=x2d.dtype)
        for t in range(T - 1, -1, -1):
            d = dpre[t]
            dh += dhs_tm[t]
            np.multiply(dh, k_ds[t], out=ds)
            ds += dc
            np.multiply(dh, k[t, :, 3 * H :], out=d[:, 3 * H :])
            np.multiply(
                ds[:, None, :],
                k[t, :, : 3 * H].reshape(N, 3, H),
                out=d[:, : 3 * H].reshape(N, 3, H),
            )
            np.multiply(ds, f[t], out=dc)
            np.matmul(d, WhT, out=dh)
        dpre2d = dpre.reshape(T * N, 4 * H)
        dWx = x2d.T @ dpre2d
        dWh = hs[:-1].reshape(T * N, H).T @ dpre2d
        db = dpre2d.sum(axis=0)
        dxs = (dpre2d @ self.Wx.T).reshape(T, N, D).transpose(1, 0, 2)
        return dxs, [dWx, dWh, db]


def matmul_floor(Wx: np.ndarray, Wh: np.ndarray, N: int, T: int) -> None:
    """Only the matmuls of one LSTM forward + backward, on dummy data of the right shapes."""
    D, G = Wx.shape
    H = Wh.shape[0]
    x2d = np.ones((T * N, D), dtype=Wx.dtype)
    act = x2d @ Wx
    rec = np.empty((N, G), dtype=Wx.dtype)
    h = np.ones((N, H), dtype=Wx.dtype)
    for _ in range(T):
        np.matmul(h, Wh, out=rec)
    WhT = np.ascontiguousarray(Wh.T)
    for _ in range(T):
        np.matmul(rec, WhT, out=h)
    _ = x2d.T @ act
    _ = np.ones((T * N, H), dtype=Wx.dtype).T @ act
    _ = act @ Wx.T


def main() -> int:
    threads = threads_arg(__doc__.splitlines()[0])
    N, T, D, H = 32, 64, 64, 256
    rng = np.random.default_rng(0)
    Wx = (rng.standard_normal((D, 4 * H)) / np.sqrt(D)).astype(np.float32)
    Wh = (rng.standard_normal((H, 4 * H)) / np.sqrt(H)).astype(np.float32)
    b = (0.1 * rng.standard_normal(4 * H)).astype(np.float32)
    xs = rng.standard_normal((N, T, D)).astype(np.float32)
    dhs = rng.standard_normal((N, T, H)).astype(np.float32)

    core = TimeLSTM(Wx, Wh, b, stateful=False)
    sketch = LeanLSTMSketch(Wx, Wh, b)
    hs_core = core.forward(xs)
    dxs_core = core.backward(dhs)
    hs_sketch = sketch.forward(xs)
    dxs_sketch, grads_sketch = sketch.backward(dhs)
    np.testing.assert_allclose(hs_sketch, hs_core, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(dxs_sketch, dxs_core, rtol=1e-3, atol=1e-4)
    for mine, theirs in zip(grads_sketch, core.grads, strict=True):
        np.testing.assert_allclose(mine, theirs, rtol=1e-3, atol=1e-3)

    def both(layer) -> None:
        layer.forward(xs)
        layer.backward(dhs)

    core.forward(xs)  # the *_backward_only entries rerun backward on this cache
    sketch.forward(xs)
    timings = compare(
        {
            "core_forward": lambda: core.forward(xs),
            "core_fwd_bwd": lambda: both(core),
            "sketch_forward": lambda: sketch.forward(xs),
            "sketch_fwd_bwd": lambda: both(sketch),
            "core_backward_only": lambda: core.backward(dhs),
            "sketch_backward_only": lambda: sketch.backward(dhs),
            "matmul_floor_fwd_bwd": lambda: matmul_floor(Wx, Wh, N, T),
        },
        number=3,
        repeats=15,
    )
    record = {"micro": "lstm_gates", "threads": threads, "N": N, "T": T, "D": D, "H": H, **timings}
    floor = record["matmul_floor_fwd_bwd"]["best_ms"]
    record["core_non_matmul_ms"] = round(record["core_fwd_bwd"]["best_ms"] - floor, 3)
    record["sketch_non_matmul_ms"] = round(record["sketch_fwd_bwd"]["best_ms"] - floor, 3)
    emit(record)
    return 0


if __name__ == "__main__":
    sys.exit(main())
