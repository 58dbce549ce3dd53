"""The vanilla RNN time loop compiled by numba: ``h_t = tanh(pre_t + h_(t-1) W_h)``.

Imported only through :mod:`rnnplay.core.nn.fused`. Same scheme as
:mod:`~rnnplay.core.nn.fused.lstm_kernels`: batch-major slices, one per
thread with the GIL released, the per-step product in the W_h^T h^T
orientation, the rational tanh of ``numerics``. Each step is one (H, H)
product and one pass of tanh over the slice, so the product is nearly all
of the work; what the compiled loop saves is the NumPy loop's threaded
small products, which wake the second BLAS thread at every step.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from rnnplay.core.nn.fused.numerics import FLAGS, _add_upstream, _like, _tanh, _transpose

__all__ = ("rnn_backward", "rnn_forward")


@njit(**FLAGS)
def rnn_forward(pre, table, ids, use_table, Wh_T, h, hs, hprev):
    """All T steps for one batch slice of n rows; h (n, H) in: initial, out: final.

    Projections ``x_t Wx + b`` come from ``pre`` (n, T, H), or with
    ``use_table`` from rows ``table[ids[r, t]]`` (table (V, H), ids (n, T)).
    Writes h_t (hs) and h_(t-1) (hprev), each (n, T, H). Wh_T is W_h^T,
    contiguous (H, H).
    """
    n, T, H = hs.shape
    h_T = np.empty((H, n), dtype=hs.dtype)
    rec_T = np.empty((H, n), dtype=hs.dtype)
    rec = np.empty((n, H), dtype=hs.dtype)
    for t in range(T):
        _transpose(h, h_T)
        np.dot(Wh_T, h_T, rec_T)
        _transpose(rec_T, rec)
        for r in range(n):
            src = table[ids[r, t]] if use_table else pre[r, t]
            x, hr, hp, hn = rec[r], h[r], hprev[r, t], hs[r, t]
            # one short loop per array written, so that each vectorises
            for k in range(H):
                hp[k] = hr[k]
            for k in range(H):
                hr[k] = _tanh(x[k] + src[k])
            for k in range(H):
                hn[k] = hr[k]


@njit(**FLAGS)
def rnn_backward(dhs, hs, Wh, dh, dpre, flow2):
    """Back through all T steps of one batch slice.

    dhs (n, T, H) upstream gradients, hs (n, T, H) the forward's h_t, Wh
    (H, H) contiguous. Writes d(projections) into dpre (n, T, H); dh (n, H)
    comes in as zeros and leaves as the gradient for the initial state;
    flow2[t] gets the sum of squares of dL/dh_t over the slice. The product
    back to h_(t-1), d W_h^T, is computed as W_h d^T like the forward's. The
    W_h gradient is the caller's, one product over the whole batch: summed
    per slice, its last bits would depend on the thread count, and a resumed
    run must repeat the first bit for bit whatever count it gets.
    """
    n, T, H = hs.shape
    one = _like(dh[0, 0], 1.0)
    d = np.empty((n, H), dtype=hs.dtype)
    d_T = np.empty((H, n), dtype=hs.dtype)
    dh_T = np.empty((H, n), dtype=hs.dtype)
    for t in range(T - 1, -1, -1):
        flow2[t] = _add_upstream(dh, dhs, t, n)
        for r in range(n):
            y, dr, dd, out = hs[r, t], dh[r], d[r], dpre[r, t]
            for k in range(H):
                dd[k] = dr[k] * (one - y[k] * y[k])
            for k in range(H):
                out[k] = dd[k]
        _transpose(d, d_T)
        np.dot(Wh, d_T, dh_T)
        _transpose(dh_T, dh)
