"""What every compiled loop shares: the rational tanh, float-typed constants,
the small transpose, and numba's flags.

Imported only through :mod:`rnnplay.core.nn.fused` (numba is an optional
extra). The kernels of each cell (``lstm_kernels``, ``gru_kernels``,
``rnn_kernels``) inline these helpers.

Why a rational tanh: numba's own ``math.tanh`` is a scalar libm call (numba
has not used Intel's SVML since 0.62), while x P(x^2) / Q(x^2) is
arithmetic that LLVM turns into vector code. ``error_model="numpy"`` lets
the division vectorise (no zero check), and ``fastmath`` lets LLVM reorder
the multiply-adds.

Numbers: tanh (and sigmoid(x) = 0.5 tanh(x/2) + 0.5) in float32 are within
3.4e-7 of the exact values; in float64 the kernels call the exact
``math.tanh``, so the gradient checks see exact derivatives.

numba's cache checks only the time stamp of the file that defines a kernel:
after editing this module, touch the kernel modules too (or clear
``__pycache__``), or they run the old compiled helpers.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, types
from numba.extending import overload

__all__ = ("tanh_inplace", "token_sums")

# tanh(x) ~ x P(x^2) / Q(x^2) for |x| <= CLAMP, fitted here by iteratively
# reweighted least squares towards the minimax fit (benchmarks/micro/tanh_fit.py);
# in float32 the largest error over [-12, 12] is 3.4e-7 (NumPy's own tanhf: 6e-8).
CLAMP = 9.0
P0, P1, P2, P3, P4 = (
    0.9999998807907104,
    0.13373340666294098,
    0.0034867480862885714,
    2.0474450138863176e-05,
    1.3187634984035412e-08,
)
Q1, Q2, Q3, Q4 = (
    0.46706637740135193,
    0.02584262005984783,
    0.00032716523855924606,
    7.704106224082352e-07,
)


def _tanh(x):  # pragma: no cover - replaced by the overload below inside numba
    return math.tanh(x)


@overload(_tanh, inline="always")
def _tanh_impl(x):
    if isinstance(x, types.Float) and x.bitwidth == 32:
        f = np.float32

        def rational(x):
            x = min(max(x, f(-CLAMP)), f(CLAMP))
            s = x * x
            p = (((f(P4) * s + f(P3)) * s + f(P2)) * s + f(P1)) * s + f(P0)
            q = (((f(Q4) * s + f(Q3)) * s + f(Q2)) * s + f(Q1)) * s + f(1.0)
            return min(max(x * p / q, f(-1.0)), f(1.0))

        return rational
    return lambda x: math.tanh(x)


def _like(x, v):  # pragma: no cover - replaced by the overload below inside numba
    return type(x)(v)


@overload(_like, inline="always")
def _like_impl(x, v):
    """The constant v in x's float type: a float64 constant would turn float32
    arithmetic into float64 (and tanh into the exact, scalar libm call)."""
    if isinstance(x, types.Float) and x.bitwidth == 32:
        return lambda x, v: np.float32(v)
    return lambda x, v: np.float64(v)


FLAGS = {"nogil": True, "fastmath": True, "error_model": "numpy", "cache": True}


@njit(inline="always", **FLAGS)
def _add_upstream(dh, dhs, t, n):
    """dh[:n] += dhs[:, t] (the gradient arriving from above at step t) and the sum
    of squares of the result, the step's share of the gradient-flow figure: the
    first thing every backward kernel does at each step."""
    total = 0.0
    for r in range(n):
        row, up = dh[r], dhs[r, t]
        for k in range(row.size):
            row[k] += up[k]
            total += row[k] * row[k]
    return total


@njit(**FLAGS)
def tanh_inplace(a):
    """a = tanh(a) over a contiguous array (tests compare it with np.tanh)."""
    flat = a.reshape(a.size)
    for k in range(flat.size):
        flat[k] = _tanh(flat[k])


@njit(inline="always", **FLAGS)
def _transpose(src, dst):
    """dst[j, r] = src[r, j], looping so that the short side is the strided one
    (measured here: (1024, 16) -> (16, 1024) takes 12 us this way, 54 us in
    16-column blocks)."""
    R, C = src.shape
    if R >= C:
        for j in range(C):
            row = dst[j]
            for r in range(R):
                row[r] = src[r, j]
    else:
        for r in range(R):
            row = src[r]
            for j in range(C):
                dst[j, r] = row[j]


@njit(**FLAGS)
def token_sums(dpre, ids, sums, c0, c1):
    """sums[v, c0:c1] += dpre[r, t, c0:c1] for every (r, t) with ids[r, t] == v.

    The lookup table's gradient from d(projections) (N, T, G) and the ids
    (N, T): per token id, the sum of its rows, replacing a product with the
    ids' one-hot matrix (V, N T) x (N T, G); every cell's loop uses it.
    Threads take column ranges and every one adds the rows in the same order,
    so the numbers do not depend on how many threads run it (a resumed run
    must repeat the first bit for bit, whatever thread count it gets).
    """
    n, T = ids.shape
    for r in range(n):
        for t in range(T):
            src, dst = dpre[r, t], sums[ids[r, t]]
            for j in range(c0, c1):
                dst[j] += src[j]
