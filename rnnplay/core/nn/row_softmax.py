"""The softmax half of the output layer over a large score matrix, by row blocks on threads.

At word level the (N*T, V) score matrix (700 x 10,000 floats, 28 MB, for the
book's PTB recipe) is the largest array of the step. NumPy runs each of the
five passes the softmax needs (bias, row max, shift, exp, row sum) on one
thread and over the whole matrix, so each pass goes out to memory. Here the
rows are cut into one range per BLAS thread the step runs with (the same
count the compiled time loops slice the batch by), each range on its own
thread (NumPy releases the GIL in these loops), and each range is walked in
blocks of a few rows that stay in the core's cache through all five passes.
Measured at 700 x 10,000 (load 4.4, best of 10): 29.1 ms in one piece, 14.9
ms in two ranges of 6-row blocks. Small matrices (char level) take the one
piece: threads would cost more than they save.
"""

from __future__ import annotations

import numpy as np

from rnnplay.core.nn import fused

THREADED_FROM = 1 << 20
"""Score matrices of at least this many entries are split over threads."""
BLOCK_BYTES = 1 << 18
"""Rows per block: as many as fit in this many bytes (a core's L2 share)."""


def _rows(
    exps: np.ndarray,
    b: np.ndarray,
    labels: np.ndarray,
    picked: np.ndarray,
    sums: np.ndarray,
    start: int,
    stop: int,
) -> None:
    step = max(1, BLOCK_BYTES // (exps.shape[1] * exps.itemsize))
    for lo in range(start, stop, step):
        hi = min(stop, lo + step)
        block = exps[lo:hi]
        block += b
        block -= block.max(axis=1, keepdims=True)
        picked[lo:hi] = block[np.arange(hi - lo), labels[lo:hi]]
        np.exp(block, out=block)
        block.sum(axis=1, out=sums[lo:hi])


def shifted_exponentials(
    exps: np.ndarray, b: np.ndarray, labels: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Turn the scores ``exps`` (R, V) into exp(scores + b - row max) in place.

    Returns the shifted score of each row's label (before the exp) and the
    row sums of the exponentials, both (R,): the loss of row r is
    ``log(sums[r]) - picked[r]``, and ``exps / sums`` is the softmax.
    """
    R = exps.shape[0]
    picked = np.empty(R, dtype=exps.dtype)
    sums = np.empty(R, dtype=exps.dtype)
    parts = fused.slices(R) if exps.size >= THREADED_FROM else [(0, R)]
    fused.run_sliced(_rows, [(exps, b, labels, picked, sums, lo, hi) for lo, hi in parts])
    return picked, sums
