"""Small vocabularies: fold the embedding into the first layer's input projection.

For token inputs, ``E[ids] @ Wx + b`` equals ``(E @ Wx + b)[ids]``: a table of
V rows, one gather per step instead of an (N*T, D) x (D, G*H) matmul. In
the backward pass the gradient of the table rows, ``dP`` (V, G*H), is the
sum of ``dpre`` over the positions of each id; from it ``dWx = E.T @ dP``,
``db = dP.sum(0)`` and ``dE = dP @ Wx.T`` are tiny matmuls. This replaces the
input projection, the ``x.T @ dpre`` and ``dpre @ Wx.T`` matmuls and the
embedding's ``np.add.at`` by a gather and one segment sum. It pays off while
V is well below N*T (char models), not for the word model (V=10000 > 700).

Times, for the char LSTM and char RNN shapes (V=65, D=64, H=256, N=32, T=64):

- ``core``: TimeEmbedding forward + the layer's input projection, and in
  backward the weight/input-gradient matmuls + TimeEmbedding.backward
  (the same calls the core makes, on the same arrays);
- ``table``: the folded version (segment sum by a one-hot matmul);

after checking that both give the same projection, dWx, db and dE.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \
        .venv/bin/python benchmarks/micro/embed_projection.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

# micro helpers, then train_speed and _torch_peer one folder up
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _timing import compare, emit, threads_arg

from rnnplay.core import TimeEmbedding

SHAPES = {"char_lstm": (65, 64, 256, 4, 32, 64), "char_rnn": (65, 64, 256, 1, 32, 64)}


def bench_shape(name: str, V: int, D: int, H: int, G: int, N: int, T: int) -> dict:
    rng = np.random.default_rng(0)
    E = (0.01 * rng.standard_normal((V, D))).astype(np.float32)
    Wx = (rng.standard_normal((D, G * H)) / np.sqrt(D)).astype(np.float32)
    b = (0.1 * rng.standard_normal(G * H)).astype(np.float32)
    ids = rng.integers(0, V, size=(N, T)).astype(np.int32)
    dpre = rng.standard_normal((T, N, G * H)).astype(np.float32)  # time-major, as the core
    embed = TimeEmbedding(E)
    dWx = np.empty_like(Wx)
    db = np.empty_like(b)

    def core_forward() -> np.ndarray:
        xs = embed.forward(ids)
        x2d = np.ascontiguousarray(xs.transpose(1, 0, 2)).reshape(T * N, D)
        proj = x2d @ Wx
        proj += b
        core_forward.x2d = x2d
        return proj.reshape(T, N, G * H)

    def core_backward() -> None:
        d2d = dpre.reshape(T * N, G * H)
        np.matmul(core_forward.x2d.T, d2d, out=dWx)
        np.sum(d2d, axis=0, out=db)
        dxs = (d2d @ Wx.T).reshape(T, N, D).transpose(1, 0, 2)
        embed.backward(dxs)

    ids_tm = np.ascontiguousarray(ids.T).reshape(-1)  # time-major ids, matching dpre's rows
    onehot = np.zeros((V, T * N), dtype=np.float32)
    dWx_t = np.empty_like(Wx)

    def table_forward() -> np.ndarray:
        table = E @ Wx
        table += b
        return table[ids_tm].reshape(T, N, G * H)

    def table_backward() -> np.ndarray:
        onehot.fill(0)
        onehot[ids_tm, np.arange(T * N)] = 1
        dP = onehot @ dpre.reshape(T * N, G * H)
        np.matmul(E.T, dP, out=dWx_t)
        table_backward.db = dP.sum(axis=0)
        return dP @ Wx.T  # dE

    np.testing.assert_allclose(table_forward(), core_forward(), rtol=1e-4, atol=1e-5)
    core_backward()
    dE = table_backward()
    np.testing.assert_allclose(dWx_t, dWx, rtol=1e-3, atol=1e-3)
    np.testing.assert_allclose(table_backward.db, db, rtol=1e-3, atol=1e-3)
    np.testing.assert_allclose(dE, embed.grads[0], rtol=1e-3, atol=1e-3)

    def core() -> None:
        core_forward()
        core_backward()

    def table() -> None:
        table_forward()
        table_backward()

    timings = compare({"core": core, "table": table}, number=10)
    return {"micro": "embed_projection", "config": name, "V": V, "NT": N * T, **timings}


def main() -> int:
    threads = threads_arg(__doc__.splitlines()[0])
    for name, shape in SHAPES.items():
        emit({**bench_shape(name, *shape), "threads": threads})
    return 0


if __name__ == "__main__":
    sys.exit(main())
