"""TimeSoftmaxWithLoss: label formats, ignored positions, all-ignored batches."""

from __future__ import annotations

import numpy as np
import pytest

from rnnplay.core import TimeSoftmaxWithLoss


def one_hot(ts: np.ndarray, V: int) -> np.ndarray:
    out = np.zeros((*ts.shape, V))
    for idx in np.ndindex(ts.shape):
        if ts[idx] >= 0:
            out[(*idx, ts[idx])] = 1
    return out


def test_index_and_one_hot_labels_agree() -> None:
    rng = np.random.default_rng(0)
    xs = rng.standard_normal((3, 4, 5))
    ts = rng.integers(0, 5, size=(3, 4))
    ts[0, 0] = -1
    a, b = TimeSoftmaxWithLoss(), TimeSoftmaxWithLoss()
    assert a.forward(xs, ts) == pytest.approx(b.forward(xs, one_hot(ts, 5)), rel=1e-12)
    np.testing.assert_allclose(a.backward(), b.backward(), rtol=1e-12)


def test_loss_is_mean_cross_entropy_of_kept_positions() -> None:
    rng = np.random.default_rng(1)
    xs = rng.standard_normal((2, 3, 4))
    ts = np.array([[0, -1, 3], [-1, -1, 2]])
    p = np.exp(xs) / np.exp(xs).sum(axis=2, keepdims=True)
    expected = -np.mean([np.log(p[0, 0, 0]), np.log(p[0, 2, 3]), np.log(p[1, 2, 2])])
    assert TimeSoftmaxWithLoss().forward(xs, ts) == pytest.approx(expected, rel=1e-12)


def test_ignored_positions_get_zero_loss_and_gradient() -> None:
    rng = np.random.default_rng(2)
    xs = rng.standard_normal((2, 3, 4))
    ts = np.array([[1, -1, 3], [0, 2, -1]])
    layer = TimeSoftmaxWithLoss()
    base = layer.forward(xs, ts)
    dx = layer.backward()
    assert np.all(dx[0, 1] == 0) and np.all(dx[1, 2] == 0)
    assert np.all(dx[0, 0] != 0)
    changed = xs.copy()
    changed[0, 1] += 100.0
    changed[1, 2] -= 50.0
    assert layer.forward(changed, ts) == pytest.approx(base, rel=1e-12)


def test_extreme_scores_stay_finite() -> None:
    xs = np.array([[[1000.0, -1000.0, 0.0]]], dtype=np.float32)
    layer = TimeSoftmaxWithLoss()
    loss = layer.forward(xs, np.array([[1]]))
    assert np.isfinite(loss) and loss == pytest.approx(2000.0, rel=1e-6)
    assert np.all(np.isfinite(layer.backward()))


def test_all_ignored_batch_raises_clear_value_error() -> None:
    xs = np.zeros((2, 3, 4))
    with pytest.raises(ValueError, match="every label in the batch is ignore_label"):
        TimeSoftmaxWithLoss().forward(xs, np.full((2, 3), -1))


def test_out_of_range_label_is_refused() -> None:
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 4\)"):
        TimeSoftmaxWithLoss().forward(np.zeros((1, 2, 4)), np.array([[0, 4]]))


def test_float32_in_float32_out() -> None:
    xs = np.random.default_rng(3).standard_normal((2, 3, 4)).astype(np.float32)
    layer = TimeSoftmaxWithLoss()
    layer.forward(xs, np.zeros((2, 3), dtype=int))
    assert layer.backward().dtype == np.float32
