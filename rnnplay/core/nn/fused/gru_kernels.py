"""The GRU time loop compiled by numba (the book's cell: reset gate before the product).

Imported only through :mod:`rnnplay.core.nn.fused`. Same scheme as
:mod:`~rnnplay.core.nn.fused.lstm_kernels` (batch slices, products in the
W^T h^T orientation, the rational tanh of ``numerics``): gate layout [z | r | c],
``h_next = h + z * (c - h)`` with ``c = tanh(x Wx_c + (r * h) Wh_c + b_c)``,
so each step has two products, the second waiting for the reset gate.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from rnnplay.core.nn.fused.numerics import FLAGS, _add_upstream, _like, _tanh, _transpose

__all__ = ("gru_backward", "gru_forward")


@njit(**FLAGS)
def gru_forward(pre, table, ids, use_table, Whzr_T, Whc_T, h, gates, hs, hprev, hrs):
    """All T steps for one batch slice of n rows; h (n, H) in: initial, out: final.

    Writes the activations z, r, c (n, T, 3H), h_t (hs), h_(t-1) (hprev) and
    r * h_(t-1) (hrs), each (n, T, H). Whzr_T is (2H, H), Whc_T (H, H).
    """
    n, T, G = gates.shape
    H = G // 3
    half = _like(h[0, 0], 0.5)
    h_T = np.empty((H, n), dtype=gates.dtype)
    rec_zr_T = np.empty((2 * H, n), dtype=gates.dtype)
    rec_zr = np.empty((n, 2 * H), dtype=gates.dtype)
    hr = np.empty((n, H), dtype=gates.dtype)
    rec_c_T = np.empty((H, n), dtype=gates.dtype)
    rec_c = np.empty((n, H), dtype=gates.dtype)
    for t in range(T):
        _transpose(h, h_T)
        np.dot(Whzr_T, h_T, rec_zr_T)
        _transpose(rec_zr_T, rec_zr)
        for r in range(n):
            src = table[ids[r, t]] if use_table else pre[r, t]
            a, x, hrow, hrr = gates[r, t], rec_zr[r], h[r], hr[r]
            for j in range(2 * H):
                a[j] = half * _tanh(half * (src[j] + x[j])) + half
            ar = a[H : 2 * H]
            out = hrs[r, t]
            for k in range(H):
                hrr[k] = ar[k] * hrow[k]
            for k in range(H):
                out[k] = hrr[k]
        _transpose(hr, h_T)
        np.dot(Whc_T, h_T, rec_c_T)
        _transpose(rec_c_T, rec_c)
        for r in range(n):
            src = table[ids[r, t]] if use_table else pre[r, t]
            a, x, hrow = gates[r, t], rec_c[r], h[r]
            az, ac, sc = a[:H], a[2 * H :], src[2 * H :]
            hp, hn = hprev[r, t], hs[r, t]
            # one short loop per array written, so that each vectorises
            for k in range(H):
                ac[k] = _tanh(sc[k] + x[k])
            for k in range(H):
                hp[k] = hrow[k]
            for k in range(H):
                hrow[k] = hrow[k] + az[k] * (ac[k] - hrow[k])
            for k in range(H):
                hn[k] = hrow[k]


@njit(**FLAGS)
def gru_backward(dhs, gates, hprev, Wh_zr, Wh_c, dh, flow2):
    """Back through all T steps of one batch slice; ``gates`` becomes d(projections).

    Wh_zr (H, 2H) and Wh_c (H, H) contiguous; dh (n, H) comes in as zeros and
    leaves as the gradient for the initial state; flow2[t] gets the sum of
    squares of dL/dh_t over the slice.
    """
    n, T, G = gates.shape
    H = G // 3
    one = _like(dh[0, 0], 1.0)
    dc_rows = np.empty((n, H), dtype=gates.dtype)
    dc_T = np.empty((H, n), dtype=gates.dtype)
    dhr_T = np.empty((H, n), dtype=gates.dtype)
    dhr = np.empty((n, H), dtype=gates.dtype)
    dzr = np.empty((n, 2 * H), dtype=gates.dtype)
    dzr_T = np.empty((2 * H, n), dtype=gates.dtype)
    back_T = np.empty((H, n), dtype=gates.dtype)
    back = np.empty((n, H), dtype=gates.dtype)
    for t in range(T - 1, -1, -1):
        flow2[t] = _add_upstream(dh, dhs, t, n)
        for r in range(n):
            a = gates[r, t]
            az, ac = a[:H], a[2 * H :]
            hp, dhrow, dcr, dz = hprev[r, t], dh[r], dc_rows[r], dzr[r]
            for k in range(H):
                c = ac[k]
                dcr[k] = dhrow[k] * az[k] * (one - c * c)
            for k in range(H):
                z = az[k]
                dz[k] = dhrow[k] * (ac[k] - hp[k]) * z * (one - z)
        _transpose(dc_rows, dc_T)
        np.dot(Wh_c, dc_T, dhr_T)
        _transpose(dhr_T, dhr)
        for r in range(n):
            a = gates[r, t]
            az, ar, ac = a[:H], a[H : 2 * H], a[2 * H :]
            hp, dhrow, dcr, dz, g = hprev[r, t], dh[r], dc_rows[r], dzr[r], dhr[r]
            for k in range(H):
                rr = ar[k]
                dz[H + k] = g[k] * hp[k] * rr * (one - rr)
            for k in range(H):
                dhrow[k] = dhrow[k] * (one - az[k]) + g[k] * ar[k]
            for k in range(H):
                az[k] = dz[k]
            for k in range(H):
                ar[k] = dz[H + k]
            for k in range(H):
                ac[k] = dcr[k]
        _transpose(dzr, dzr_T)
        np.dot(Wh_zr, dzr_T, back_T)
        _transpose(back_T, back)
        for r in range(n):
            dhrow, b = dh[r], back[r]
            for k in range(H):
                dhrow[k] += b[k]
