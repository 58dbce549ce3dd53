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

from rnnplay.core.nn.fused.numerics import FLAGS, _add_upstream, _like, _tanh

__all__ = ("lstm_backward", "lstm_forward", "lstm_transpose")


@njit(**FLAGS)
def lstm_forward(pre, table, ids, use_table, Wh_T, h_io, c, gates, hs, hprev, cs, tanh_cs):
    """All T steps of an LSTM for one batch slice of n rows; gate layout [f | g | i | o].

    Projections ``x_t Wx + b`` come from ``pre`` (n, T, 4H), or with
    ``use_table`` from rows ``table[ids[r, t]]`` (table (V, 4H), ids (n, T)).
    Writes the gate activations (n, T, 4H), h_t (hs), h_(t-1) (hprev), c_t
    (cs) and tanh(c_t) (tanh_cs), each (n, T, H); h_io, c (n, H) hold the
    initial state and leave as the final one.

    ``Wh_T`` is W_h^T (4H, H), contiguous, so that the recurrent product
    h W_h reads rows of both operands (:func:`_rows_dot_rows`). The gate
    arithmetic then runs row by row over contiguous vectors, which LLVM
    vectorises.
    """
    n, T, G = gates.shape
    H = G // 4
    half = _like(h_io[0, 0], 0.5)
    # h with an even number of rows (a zero row added to an odd slice), so that
    # every row's product runs the paired code whichever slice it falls in: a
    # row's numbers do not depend on how the batch is sliced
    h = np.zeros((n + n % 2, H), dtype=gates.dtype)
    h[:n] = h_io
    rec = np.empty((n + n % 2, G), dtype=gates.dtype)
    for t in range(T):
        _rows_dot_rows(h, Wh_T, rec)  # h W_h
        for r in range(n):
            src = table[ids[r, t]] if use_table else pre[r, t]
            x, a, hr, cr = rec[r], gates[r, t], h[r], c[r]
            # One short loop per array written: LLVM vectorises each (a single
            # fused loop over ten arrays ran 2.6x slower, measured here). The
            # sum of the projections stays a pass of its own: added inside each
            # activation it saved ~1 ms a 16-row slice but made the numbers
            # depend on the arrays' alignment (vector and scalar iterations
            # split differently), which broke bit-for-bit resume.
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
    h_io[:] = h[:n]


@njit(**FLAGS)
def lstm_backward(dhs, gates, cs, tanh_cs, c_first, Wh, dh_io, dc, flow2):
    """Back through all T steps of one batch slice; ``gates`` becomes d(projections).

    dhs (n, T, H) upstream gradients; gates, cs, tanh_cs from the forward;
    c_first (n, H) the cell state before step 0; Wh (H, 4H). dh_io, dc (n, H)
    come in as zeros and leave as the gradients for the initial state;
    flow2[t] gets the sum of squares of dL/dh_t over the slice. The product
    back to h_(t-1), d W_h^T, reads rows of W_h (:func:`_rows_dot_rows`).
    """
    n, T, G = gates.shape
    H = G // 4
    one = _like(dh_io[0, 0], 1.0)
    dh = np.zeros((n + n % 2, H), dtype=gates.dtype)  # even rows, as in the forward
    dh[:n] = dh_io
    d = np.zeros((n + n % 2, G), dtype=gates.dtype)
    ds = np.empty(H, dtype=gates.dtype)
    for t in range(T - 1, -1, -1):
        flow2[t] = _add_upstream(dh, dhs, t, n)
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
        _rows_dot_rows(d, Wh, dh)  # d W_h^T
    dh_io[:] = dh[:n]


@njit(**FLAGS)
def _rows_dot_rows(x, W, out):
    """out = x W^T, i.e. out[r, j] = x[r] . W[j], for row-major x (n, K) and W (M, K).

    The recurrent products of both kernels: h W_h (W = W_h^T, (4H, H)) and
    d W_h^T (W = W_h, (H, 4H)). Every operand is read along its rows, so no
    step transposes anything, and each block of 4 rows of W times 2 rows of
    x keeps its 8 sums in vector registers over the whole row (LLVM vectorises
    the k loop; fastmath lets it reorder the sums). Measured here, one
    thread, n = 16, H = 256 (benchmarks/micro/step_product.py): 130 vs 123
    us for OpenBLAS's W_h^T h^T plus the two transposes it needs (~17 us),
    and 114 vs 132 us back (d W_h^T), without re-packing the 1 MB W_h at
    every step as the BLAS does.
    """
    n, K = x.shape
    M = W.shape[0]
    zero = _like(x[0, 0], 0.0)
    M4 = M - M % 4
    n2 = n - n % 2
    for j in range(0, M4, 4):
        w0, w1, w2, w3 = W[j], W[j + 1], W[j + 2], W[j + 3]
        for r in range(0, n2, 2):
            x0, x1 = x[r], x[r + 1]
            s00 = s01 = s10 = s11 = s20 = s21 = s30 = s31 = zero
            for k in range(K):
                a, b = x0[k], x1[k]
                s00 += w0[k] * a
                s01 += w0[k] * b
                s10 += w1[k] * a
                s11 += w1[k] * b
                s20 += w2[k] * a
                s21 += w2[k] * b
                s30 += w3[k] * a
                s31 += w3[k] * b
            out[r, j], out[r + 1, j] = s00, s01
            out[r, j + 1], out[r + 1, j + 1] = s10, s11
            out[r, j + 2], out[r + 1, j + 2] = s20, s21
            out[r, j + 3], out[r + 1, j + 3] = s30, s31
        if n2 < n:  # an odd row left: 4 sums (the kernels pass an even n)
            x0 = x[n2]
            s00 = s10 = s20 = s30 = zero
            for k in range(K):
                s00 += w0[k] * x0[k]
                s10 += w1[k] * x0[k]
                s20 += w2[k] * x0[k]
                s30 += w3[k] * x0[k]
            out[n2, j], out[n2, j + 1], out[n2, j + 2], out[n2, j + 3] = s00, s10, s20, s30
    for j in range(M4, M):  # rows of W left over (M not a multiple of 4): one sum each
        for r in range(n):
            s = zero
            for k in range(K):
                s += W[j, k] * x[r, k]
            out[r, j] = s


@njit(**FLAGS)
def lstm_transpose(src, dst):
    """dst = src^T for a C-contiguous src (R, C) and dst (C, R), in 8 x 8 tiles.

    The forward kernel's W_h^T, made once per call: NumPy's
    ``ascontiguousarray(Wh.T)`` took 1.0 ms for (256, 1024) here (reading
    down the columns), these tiles 0.27 ms (32 x 32 tiles: 0.92, 16 x 16: 0.53).
    """
    R, C = src.shape
    for r0 in range(0, R, 8):
        r1 = min(r0 + 8, R)
        for c0 in range(0, C, 8):
            for c in range(c0, min(c0 + 8, C)):
                row = dst[c]
                for r in range(r0, r1):
                    row[r] = src[r, c]
