"""What the PyTorch form of the GRU costs beside the book's, and beside PyTorch's own.

On the char model's shapes (N=32, T=64, D=64, H=256), float32, one layer's
forward + backward over a sequence:

- ``book``: ``TimeGRU`` (cell ``gru``: reset before the recurrent product,
  two recurrent products per step).
- ``torch_form``: ``TimeTorchGRU`` (cell ``gru-torch``: one (H, 3H) product
  per step, reset after it).
- ``nn_gru``: PyTorch's ``nn.GRU`` with the same weights, when torch is
  installed (the peer; its outputs are checked against ``torch_form`` first).

Interleaved blocks, best-of (``_timing.compare``); one JSON line with the load.
On a machine busier than its cores, use ``--threads 1``: with two threads
torch's OpenMP workers spin against the BLAS ones and a run that takes 40 s
at one thread did not end in 300 s (load 12 on 2 cores).

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python benchmarks/micro/gru_forms.py
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _timing import compare, emit, threads_arg

from rnnplay.core.nn.gru import TimeGRU
from rnnplay.core.nn.gru_torch import TimeTorchGRU


def torch_peer(layer: TimeTorchGRU, xs: np.ndarray, dhs: np.ndarray):
    """nn.GRU holding ``layer``'s weights, and a forward + backward step on it."""
    try:
        import torch
    except ImportError:
        return None
    D, H = layer.params[0].shape[0], layer.hidden_size
    net = torch.nn.GRU(D, H, batch_first=True)
    Wx, Wh, b, bh = layer.params
    with torch.no_grad():
        net.weight_ih_l0.copy_(torch.from_numpy(Wx.T.copy()))
        net.weight_hh_l0.copy_(torch.from_numpy(Wh.T.copy()))
        net.bias_ih_l0.copy_(torch.from_numpy(b))
        net.bias_hh_l0.copy_(torch.from_numpy(np.concatenate([np.zeros(2 * H, b.dtype), bh])))
    x = torch.from_numpy(xs).requires_grad_(True)
    d = torch.from_numpy(dhs)
    with torch.no_grad():
        np.testing.assert_allclose(net(x)[0].numpy(), layer.forward(xs), rtol=1e-4, atol=1e-5)

    def step() -> None:
        net.zero_grad()
        out, _ = net(x)
        out.backward(d)

    return step


def main() -> int:
    threads = threads_arg(__doc__.splitlines()[0])
    N, T, D, H = 32, 64, 64, 256
    rng = np.random.default_rng(0)

    def weights() -> list[np.ndarray]:
        return [
            (rng.standard_normal((D, 3 * H)) / np.sqrt(D)).astype("float32"),
            (rng.standard_normal((H, 3 * H)) / np.sqrt(H)).astype("float32"),
            (rng.standard_normal(3 * H) * 0.1).astype("float32"),
        ]

    book = TimeGRU(*weights())
    torch_form = TimeTorchGRU(*weights(), bh=(rng.standard_normal(H) * 0.1).astype("float32"))
    xs = rng.standard_normal((N, T, D)).astype("float32")
    dhs = rng.standard_normal((N, T, H)).astype("float32")

    def both(layer) -> None:
        layer.forward(xs)
        layer.backward(dhs)

    fns = {"book_fwd_bwd": lambda: both(book), "torch_form_fwd_bwd": lambda: both(torch_form)}
    peer = torch_peer(torch_form, xs, dhs)
    if peer is not None:
        fns["nn_gru_fwd_bwd"] = peer
    timings = compare(fns, number=3, repeats=11)
    record = {
        "micro": "gru_forms",
        "threads": threads,
        "N": N,
        "T": T,
        "D": D,
        "H": H,
        **timings,
        "torch_form_over_book": round(
            timings["torch_form_fwd_bwd"]["best_ms"] / timings["book_fwd_bwd"]["best_ms"], 3
        ),
        "load": [round(x, 2) for x in os.getloadavg()],
    }
    emit(record)
    return 0


if __name__ == "__main__":
    sys.exit(main())
