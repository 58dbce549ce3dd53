"""The LSTM time loop compiled by numba: one call runs all T steps of a batch slice.

Imported only through :mod:`rnnplay.core.nn.fused` (numba is an optional extra).
Every array is C-contiguous and batch-major: a caller hands each thread the
rows ``n0:n1`` of the (N, ...) arrays, which are contiguous blocks, and the
kernel releases the GIL for the whole loop (``nogil``), so two slices run on
two cores while each per-step product runs on one BLAS thread.

Why compiled: the NumPy loop makes ~25 ufunc calls a step of 1-3 us each
and holds the GIL between them; here the gate arithmetic of a step is one
pass over the (n, 4H) block, and tanh is the rational function of
:mod:`~rnnplay.core.nn.fused.numerics`, which LLVM turns into vector code.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from rnnplay.core.nn.fused.numerics import FLAGS, _like, _tanh, _transpose


@njit(**FLAGS)
def lstm_forward(pre, table, ids, use_table, Wh_T, h, c, gates, hs, hprev, cs, tanh_cs):
    """All T steps of an LSTM for one batch slice of n rows; gate layout [f | g | i | o].

    Projections ``x_t Wx + b`` come from ``pre`` (n, T, 4H), or with
    ``use_table`` from rows ``table[ids[r, t]]`` (table (V, 4H), ids (n, T)).
    Writes the gate activations (n, T, 4H), h_t (hs), h_(t-1) (hprev), c_t
    (cs) and tanh(c_t) (tanh_cs), each (n, T, H); h, c (n, H) hold the
    initial state and leave as the final one.

    The recurrent product is computed transposed, W_h^T h^T ((4H, H) @
    (H, n)): with a small n the BLAS runs that orientation ~1.6x faster than
    h W_h (measured here), and the two small transposes per step cost less
    than the difference. The gate arithmetic then runs row by row over
    contiguous vectors, which LLVM vectorises.
    """
    n, T, G = gates.shape
    H = G // 4
    half = _like(h[0, 0], 0.5)
    rec_T = np.empty((G, n), dtype=gates.dtype)
    rec = np.empty((n, G), dtype=gates.dtype)
    h_T = np.empty((H, n), dtype=gates.dtype)
    for t in range(T):
        _transpose(h, h_T)
        np.dot(Wh_T, h_T, rec_T)
        _transpose(rec_T, rec)
        for r in range(n):
            src = table[ids[r, t]] if use_table else pre[r, t]
            x, a, hr, cr = rec[r], gates[r, t], h[r], c[r]
            # One short loop per array written: LLVM vectorises each (a single
            # fused loop over ten arrays ran 2.6x slower, measured here).
            for j in range(G):
                a[j] = x[j] + src[j]
            for j in range(H):  # forget gate
                a[j] = half * _tanh(half * a[j]) + half
            for j in range(H, 2 * H):  # candidate
                a[j] = _tanh(a[j])
            for j in range(2 * H, G):  # input and output gates
                a[j] = half * _tanh(half * a[j]) + half
            hp, hn, cn, tn = hprev[r, t], hs[r, t], cs[r, t], tanh_cs[r, t]
            for k in range(H):
                hp[k] = hr[k]
            for k in range(H):
                cr[k] = a[k] * cr[k] + a[H + k] * a[2 * H + k]
            for k in range(H):
                cn[k] = cr[k]
            for k in range(H):
                tn[k] = _tanh(cr[k])
            for k in range(H):
                hr[k] = a[3 * H + k] * tn[k]
            for k in range(H):
                hn[k] = hr[k]


@njit(**FLAGS)
def lstm_backward(dhs, gates, cs, tanh_cs, c_first, Wh, dh, dc, flow2):
    """Back through all T steps of one batch slice; ``gates`` becomes d(projections).

    dhs (n, T, H) upstream gradients; gates, cs, tanh_cs from the forward;
    c_first (n, H) the cell state before step 0; Wh (H, 4H). dh, dc (n, H)
    come in as zeros and leave as the gradients for the initial state;
    flow2[t] gets the sum of squares of dL/dh_t over the slice. The product
    back to h_(t-1) is W_h d^T, transposed like the forward's.
    """
    n, T, G = gates.shape
    H = G // 4
    one = _like(dh[0, 0], 1.0)
    d_T = np.empty((G, n), dtype=gates.dtype)
    d = np.empty((n, G), dtype=gates.dtype)
    dh_T = np.empty((H, n), dtype=gates.dtype)
    ds = np.empty(H, dtype=gates.dtype)
    for t in range(T - 1, -1, -1):
        total = 0.0
        for r in range(n):
            dr, up = dh[r], dhs[r, t]
            for k in range(H):
                dr[k] += up[k]
                total += dr[k] * dr[k]
        flow2[t] = total
        for r in range(n):
            a = gates[r, t]
            c_prev = cs[r, t - 1] if t > 0 else c_first[r]
            tcr, dhr, dcr, dd = tanh_cs[r, t], dh[r], dc[r], d[r]
            # One short loop per array written, so that each vectorises (as in
            # the forward); the gradients go to d's row and then over a.
            for k in range(H):
                o = a[3 * H + k]
                ds[k] = dcr[k] + dhr[k] * o * (one - tcr[k] * tcr[k])
            for k in range(H):
                o = a[3 * H + k]
                dd[3 * H + k] = dhr[k] * tcr[k] * o * (one - o)
            for k in range(H):
                f = a[k]
                dd[k] = ds[k] * c_prev[k] * f * (one - f)
            for k in range(H):
                g = a[H + k]
                dd[H + k] = ds[k] * a[2 * H + k] * (one - g * g)
            for k in range(H):
                i = a[2 * H + k]
                dd[2 * H + k] = ds[k] * a[H + k] * i * (one - i)
            for k in range(H):
                dcr[k] = ds[k] * a[k]
            for j in range(G):
                a[j] = dd[j]
        _transpose(d, d_T)
        np.dot(Wh, d_T, dh_T)
        _transpose(dh_T, dh)
