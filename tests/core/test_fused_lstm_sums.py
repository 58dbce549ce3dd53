"""The compiled LSTM loop's own arithmetic, checked piece by piece: the per-step product
(rows times rows, every block and leftover shape) and the per-token sums of the
projection gradient that the backward kernel adds up on the way (the lookup table's
gradient), against plain NumPy. Skipped without numba."""

from __future__ import annotations

import numpy as np
import pytest

from rnnplay.core import RNNLM
from rnnplay.core.nn import fused
from rnnplay.core.nn.lstm import TimeLSTM

pytest.importorskip("numba")
pytest.importorskip("scipy")
pytestmark = pytest.mark.skipif(not fused.available(), reason="compiled kernels do not load")

_plain_slices = fused.slices


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    ("n", "K", "M"),
    [(16, 256, 1024), (16, 1024, 256), (1, 3, 1), (7, 9, 13), (2, 5, 4), (5, 1, 6)],
)
def test_rows_dot_rows_is_x_times_w_transposed(n, K, M, dtype) -> None:
    from rnnplay.core.nn.fused import lstm_kernels

    rng = np.random.default_rng(n * 1000 + K + M)
    x = rng.standard_normal((n, K)).astype(dtype)
    W = rng.standard_normal((M, K)).astype(dtype)
    out = np.full((n, M), np.nan, dtype=dtype)
    lstm_kernels._rows_dot_rows(x, W, out)
    exact = x.astype(np.float64) @ W.T.astype(np.float64)
    tolerance = 1e-12 if dtype == np.float64 else 1e-5
    np.testing.assert_allclose(out, exact, rtol=tolerance, atol=tolerance * np.sqrt(K))


@pytest.mark.parametrize("shape", [(256, 1024), (100, 400), (1, 1), (7, 13), (9, 8), (17, 3)])
def test_transpose_in_tiles_is_the_transpose(shape) -> None:
    src = np.arange(shape[0] * shape[1], dtype=np.float32).reshape(shape)
    dst = np.full(shape[::-1], -1.0, dtype=np.float32)
    fused.compiled().lstm_transpose(src, dst)
    np.testing.assert_array_equal(dst, src.T)


def lookup_layer(H: int, V: int, dtype) -> tuple[TimeLSTM, np.ndarray]:
    rng = np.random.default_rng(7)
    D = 4
    Wx = (rng.standard_normal((D, 4 * H)) * 0.5).astype(dtype)
    layer = TimeLSTM(
        Wx,
        (rng.standard_normal((H, 4 * H)) * 0.5).astype(dtype),
        (rng.standard_normal(4 * H) * 0.1).astype(dtype),
        stateful=False,
    )
    table = rng.standard_normal((V, D)).astype(dtype) @ Wx
    return layer, table


@pytest.mark.parametrize("slices", [1, 2, 3])
def test_lookup_sums_are_the_projection_gradients_summed_per_token(slices, monkeypatch) -> None:
    monkeypatch.setattr(fused, "slices", lambda N, k=None: _plain_slices(N, slices))
    fused.use(True)
    try:
        N, T, H, V = 5, 6, 3, 4
        layer, table = lookup_layer(H, V, np.float64)
        rng = np.random.default_rng(3)
        ids = rng.integers(0, V - 1, (T, N))  # token V-1 never occurs: its row stays 0
        layer.forward_lookup(table, ids)
        assert layer._ran_fused()
        dpre = np.array(layer.backward_projected(rng.standard_normal((N, T, H))))
        expected = np.zeros((V, 4 * H))
        np.add.at(expected, ids.reshape(-1), dpre.reshape(-1, 4 * H))
        np.testing.assert_allclose(layer.lookup_sums, expected, rtol=1e-12, atol=1e-12)
        assert not np.any(layer.lookup_sums[V - 1])
        # the bias gradient, summed from them, is the sum of every row
        np.testing.assert_allclose(layer.grads[2], dpre.reshape(-1, 4 * H).sum(axis=0), rtol=1e-12)

        # a forward that did not look its projections up leaves no sums behind
        layer.forward_projected(table[ids])
        layer.backward_projected(rng.standard_normal((N, T, H)))
        assert layer.lookup_sums is None
    finally:
        fused.use(None)


def test_lookup_sums_are_none_on_the_numpy_loop() -> None:
    fused.use(False)
    try:
        layer, table = lookup_layer(3, 4, np.float64)
        ids = np.zeros((5, 2), dtype=np.intp)
        layer.forward_lookup(table, ids)
        layer.backward_projected(np.ones((2, 5, 3)))
        assert layer.lookup_sums is None
    finally:
        fused.use(None)


@pytest.mark.parametrize("slices", [1, 2])
def test_model_embedding_gradients_from_the_sums_match_the_numpy_loop(slices, monkeypatch) -> None:
    """The char-level model (projections looked up) on both loops, float64: the
    embedding and Wx gradients the sums feed are the same."""
    monkeypatch.setattr(fused, "slices", lambda N, k=None: _plain_slices(N, slices))
    rng = np.random.default_rng(11)
    xs = rng.integers(0, 6, (4, 9))
    ts = rng.integers(0, 6, (4, 9))
    grads = []
    for enabled in (False, True):
        fused.use(enabled)
        try:
            model = RNNLM(6, 5, 7, cell="lstm", seed=2, dtype="float64")
            model.forward(xs, ts)
            model.backward()
            assert model.recurrent[0]._ran_fused() == enabled
            assert (model.recurrent[0].lookup_sums is not None) == enabled
            grads.append([g.copy() for g in model.grads])
        finally:
            fused.use(None)
    for k, (a, b) in enumerate(zip(*grads, strict=True)):
        np.testing.assert_allclose(b, a, rtol=1e-10, atol=1e-12, err_msg=f"grad {k}")
