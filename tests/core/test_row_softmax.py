"""The output layer's softmax by row blocks on threads (rnnplay/core/nn/row_softmax.py)
gives the one-piece NumPy numbers, for every way the rows are split."""

from __future__ import annotations

import numpy as np
import pytest

from rnnplay.core.nn import fused, row_softmax


def one_piece(scores, b, labels):
    e = scores + b
    e -= e.max(axis=1, keepdims=True)
    picked = e[np.arange(len(labels)), labels]
    e = np.exp(e)
    return e, picked, e.sum(axis=1)


@pytest.mark.parametrize("threads", [1, 2, 3])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_blocks_on_threads_give_the_one_piece_numbers(threads, dtype, monkeypatch) -> None:
    monkeypatch.setattr(fused, "_numpy_blas_threads", lambda: threads)
    rng = np.random.default_rng(threads)
    R, V = 211, 5003  # over THREADED_FROM entries, rows not a multiple of anything
    assert R * V >= row_softmax.THREADED_FROM
    scores = (rng.standard_normal((R, V)) * 20).astype(dtype)
    b = rng.standard_normal(V).astype(dtype)
    labels = rng.integers(0, V, R)
    expected = one_piece(scores, b, labels)
    exps = scores.copy()
    picked, sums = row_softmax.shifted_exponentials(exps, b, labels)
    tolerance = {"rtol": 1e-5} if dtype == np.float32 else {"rtol": 1e-12}
    np.testing.assert_allclose(exps, expected[0], **tolerance)
    np.testing.assert_array_equal(picked, expected[1])
    np.testing.assert_allclose(sums, expected[2], **tolerance)
    assert picked.dtype == sums.dtype == dtype
