"""The fused output layer computes exactly what TimeAffine + TimeSoftmaxWithLoss compute."""

from __future__ import annotations

import numpy as np
import pytest

from rnnplay.core import TimeAffine, TimeSoftmaxWithLoss
from rnnplay.core.nn.output import TimeAffineSoftmaxWithLoss


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_fused_layer_matches_the_reference_pair(dtype: str) -> None:
    rng = np.random.default_rng(0)
    N, T, H, V = 4, 6, 8, 50
    W = (rng.standard_normal((H, V)) * 2).astype(dtype)
    b = rng.standard_normal(V).astype(dtype)
    xs = rng.standard_normal((N, T, H)).astype(dtype)
    ts = rng.integers(0, V, size=(N, T))
    ts[0, :3] = -1
    ts[2, 5] = -1

    affine, loss_layer = TimeAffine(W, b), TimeSoftmaxWithLoss()
    ref_loss = loss_layer.forward(affine.forward(xs), ts)
    ref_dx = affine.backward(loss_layer.backward(0.5))

    fused = TimeAffineSoftmaxWithLoss(W, b)
    loss = fused.forward(xs, ts)
    dx = fused.backward(0.5)

    tol = 1e-5 if dtype == "float32" else 1e-12
    assert loss == pytest.approx(ref_loss, rel=tol)
    np.testing.assert_allclose(dx, ref_dx, rtol=tol, atol=tol)
    for got, want in zip(fused.grads, affine.grads, strict=True):
        np.testing.assert_allclose(got, want, rtol=tol, atol=tol)
    assert dx.dtype == np.dtype(dtype)
    np.testing.assert_allclose(fused.scores(xs), affine.forward(xs), rtol=tol)


def test_fused_layer_refuses_all_ignored_and_out_of_range_labels() -> None:
    layer = TimeAffineSoftmaxWithLoss(np.zeros((3, 4)), np.zeros(4))
    with pytest.raises(ValueError, match="every label in the batch is ignore_label"):
        layer.forward(np.zeros((1, 2, 3)), np.full((1, 2), -1))
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 4\)"):
        layer.forward(np.zeros((1, 2, 3)), np.array([[0, 7]]))
    with pytest.raises(ValueError, match=r"TimeAffineSoftmaxWithLoss: xs has shape \(1, 2, 5\)"):
        layer.forward(np.zeros((1, 2, 5)), np.zeros((1, 2), dtype=int))
