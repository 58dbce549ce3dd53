"""Optimizers: the update rules, dtype discipline, saved state, gradient clipping."""

from __future__ import annotations

import math
import tracemalloc

import numpy as np
import pytest

from rnnplay.core import OPTIMIZERS, SGD, AdaGrad, Adam, Momentum, RMSprop, clip_grads


def reference_adam(p, grads, lr, b1, b2, eps):
    m = np.zeros_like(p)
    v = np.zeros_like(p)
    for t, g in enumerate(grads, start=1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        p = p - lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps)
    return p


def gradient_sequence(shape, steps=5, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(shape) for _ in range(steps)]


def test_adam_matches_the_bias_corrected_rule() -> None:
    p0 = np.random.default_rng(1).standard_normal((3, 4))
    grads = gradient_sequence((3, 4))
    opt = Adam(lr=0.01, beta1=0.8, beta2=0.95)
    p = p0.copy()
    for g in grads:
        opt.update([p], [g.copy()])
    np.testing.assert_allclose(p, reference_adam(p0, grads, 0.01, 0.8, 0.95, 1e-8), rtol=1e-12)


def test_sgd_momentum_adagrad_rmsprop_rules() -> None:
    p0 = np.random.default_rng(2).standard_normal(5)
    grads = gradient_sequence(5, seed=3)

    def run(opt):
        p = p0.copy()
        for g in grads:
            opt.update([p], [g.copy()])
        return p

    np.testing.assert_allclose(run(SGD(0.1)), p0 - 0.1 * sum(grads), rtol=1e-12)

    v, expected = np.zeros(5), p0.copy()
    for g in grads:
        v = 0.9 * v - 0.1 * g
        expected = expected + v
    np.testing.assert_allclose(run(Momentum(0.1, 0.9)), expected, rtol=1e-12)

    h, expected = np.zeros(5), p0.copy()
    for g in grads:
        h = h + g * g
        expected = expected - 0.1 * g / (np.sqrt(h) + 1e-7)
    np.testing.assert_allclose(run(AdaGrad(0.1)), expected, rtol=1e-12)

    h, expected = np.zeros(5), p0.copy()
    for g in grads:
        h = 0.99 * h + 0.01 * g * g
        expected = expected - 0.1 * g / (np.sqrt(h) + 1e-7)
    np.testing.assert_allclose(run(RMSprop(0.1)), expected, rtol=1e-12)


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_float32_stays_float32_without_temporaries(name: str) -> None:
    rng = np.random.default_rng(4)
    params = [rng.standard_normal((256, 1024)).astype(np.float32)]
    grads = [rng.standard_normal((256, 1024)).astype(np.float32)]
    opt = OPTIMIZERS[name](lr=0.01)
    opt.update(params, grads)  # creates the state and scratch buffers once
    tracemalloc.start()
    opt.update(params, grads)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert params[0].dtype == np.float32
    assert all(a.dtype == np.float32 for arrays in opt.state.values() for a in arrays)
    assert peak < params[0].nbytes / 10, f"{name} allocated {peak} bytes during an update"


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_saved_state_resumes_exactly(name: str) -> None:
    rng = np.random.default_rng(5)
    p0 = [rng.standard_normal((4, 3)).astype(np.float32), rng.standard_normal(3).astype(np.float32)]
    grads = [[rng.standard_normal(p.shape).astype(np.float32) for p in p0] for _ in range(6)]

    straight = [p.copy() for p in p0]
    opt = OPTIMIZERS[name](lr=0.05)
    for g in grads:
        opt.update(straight, g)

    resumed = [p.copy() for p in p0]
    first = OPTIMIZERS[name](lr=0.05)
    for g in grads[:3]:
        first.update(resumed, g)
    saved = {k: v.copy() for k, v in first.state_dict().items()}
    second = OPTIMIZERS[name](lr=0.05)
    second.load_state_dict(saved, resumed)
    for g in grads[3:]:
        second.update(resumed, g)
    for a, b in zip(straight, resumed, strict=True):
        np.testing.assert_array_equal(a, b)


def test_load_state_refuses_mismatched_shapes() -> None:
    opt = Adam(0.1)
    p = [np.zeros((2, 2), dtype=np.float32)]
    opt.update(p, [np.ones((2, 2), dtype=np.float32)])
    with pytest.raises(ValueError, match=r"m.0 has shape \(2, 2\)"):
        Adam(0.1).load_state_dict(opt.state_dict(), [np.zeros((3, 2), dtype=np.float32)])


def test_lr_is_changeable_between_steps() -> None:
    opt = SGD(1.0)
    p = np.zeros(1)
    opt.update([p], [np.ones(1)])
    opt.lr = 0.5
    opt.update([p], [np.ones(1)])
    assert p[0] == pytest.approx(-1.5)


@pytest.mark.parametrize("lr", [0, -1.0, float("nan"), float("inf")])
def test_bad_learning_rate_refused(lr: float) -> None:
    with pytest.raises(ValueError, match="lr must be a positive number"):
        Adam(lr)


def test_clip_grads_scales_to_max_norm_and_returns_the_old_norm() -> None:
    grads = [np.full((2, 2), 3.0, dtype=np.float32), np.full(1, 4.0, dtype=np.float32)]
    norm = clip_grads(grads, 2.0)
    assert norm == pytest.approx(math.sqrt(4 * 9 + 16))
    new_norm = math.sqrt(sum(float((g.astype(np.float64) ** 2).sum()) for g in grads))
    assert new_norm == pytest.approx(2.0, rel=1e-5)
    assert grads[0].dtype == np.float32


def test_clip_grads_leaves_small_gradients_alone() -> None:
    grads = [np.array([0.3, 0.4])]
    assert clip_grads(grads, 1.0) == pytest.approx(0.5)
    np.testing.assert_array_equal(grads[0], [0.3, 0.4])


def test_clip_grads_reports_non_finite_without_scaling() -> None:
    grads = [np.array([1.0, np.nan]), np.array([2.0])]
    assert math.isnan(clip_grads(grads, 1.0))
    assert grads[1][0] == 2.0
