"""Adam's update by cache-sized blocks on the step's threads gives, bit for bit, the
numbers of the whole-array update (it is elementwise), also for a parameter that
is a transposed view (a tied output matrix) and for small ones."""

from __future__ import annotations

import numpy as np
import pytest

from rnnplay.core.nn import fused
from rnnplay.core.train.optim import Adam


def run(optimizer: Adam, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    big = rng.standard_normal((1100, 1000)).astype(np.float32)
    tied = rng.standard_normal((300, 200)).astype(np.float32)
    params = [big, tied.T, rng.standard_normal(7).astype(np.float32)]
    for _ in range(3):
        grads = [rng.standard_normal(p.shape).astype(np.float32) for p in params]
        optimizer.update(params, grads)
    return [p.copy() for p in params]


@pytest.mark.parametrize("threads", [1, 2, 3])
def test_blocks_and_threads_give_the_whole_array_numbers(threads, monkeypatch) -> None:
    whole = Adam(lr=0.01)
    whole.BLOCK = 1 << 40  # every parameter in one piece, on this thread
    expected = run(whole, seed=4)
    monkeypatch.setattr(fused, "_numpy_blas_threads", lambda: threads)
    blocked = Adam(lr=0.01)
    got = run(blocked, seed=4)
    for a, b in zip(got, expected, strict=True):
        np.testing.assert_array_equal(a, b)
    assert blocked.t == whole.t == 3
    for slot in ("m", "v"):
        for a, b in zip(blocked.state[slot], whole.state[slot], strict=True):
            np.testing.assert_array_equal(a, b)
