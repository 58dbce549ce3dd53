"""TimeAffine: the same fully connected layer applied at every time step.

A reference layer (see ``rnnplay.core.nn``): with ``TimeSoftmaxWithLoss`` it is the
specification that ``output.TimeAffineSoftmaxWithLoss`` is tested against.
"""

from __future__ import annotations

import numpy as np

from rnnplay.core.nn.shapes import expect_dim, expect_ndim


class TimeAffine:
    """Maps (N, T, D) inputs to (N, T, M) outputs with ``x @ W + b``.

    All N*T positions go through one matrix product, forward and backward.
    ``W`` may be a view of another layer's weights (weight tying); the layer
    only reads it, so updates to the owner show through.
    """

    def __init__(self, W: np.ndarray, b: np.ndarray) -> None:
        self.params = [W, b]
        self.grads = [np.zeros_like(W), np.zeros_like(b)]
        self._x2d: np.ndarray | None = None
        self._shape: tuple[int, int, int] | None = None

    def forward(self, xs: np.ndarray) -> np.ndarray:
        W, b = self.params
        expect_ndim("TimeAffine", "xs", xs, 3)
        expect_dim("TimeAffine", "xs", xs, 2, W.shape[0], f"W of shape {W.shape}")
        N, T, D = xs.shape
        x2d = xs.reshape(N * T, D)
        out = x2d @ W
        out += b
        self._x2d = x2d
        self._shape = (N, T, D)
        return out.reshape(N, T, -1)

    def backward(self, dout: np.ndarray) -> np.ndarray:
        W, _ = self.params
        N, T, D = self._shape
        d2d = dout.reshape(N * T, -1)
        np.matmul(self._x2d.T, d2d, out=self.grads[0])
        np.sum(d2d, axis=0, out=self.grads[1])
        return (d2d @ W.T).reshape(N, T, D)
