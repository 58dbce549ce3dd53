"""The language model's output layer: affine scores and softmax cross-entropy, fused."""

from __future__ import annotations

import numpy as np

from rnnplay.core.nn.row_softmax import shifted_exponentials
from rnnplay.core.nn.shapes import expect_dim, expect_ndim


class TimeAffineSoftmaxWithLoss:
    """``TimeAffine`` followed by ``TimeSoftmaxWithLoss``, computed as one layer.

    Params ``W`` (H, V) and ``b`` (V,); ``forward(xs, ts)`` takes hidden states
    (N, T, H) and target ids (N, T) and returns the mean cross-entropy over the
    positions whose label is not ``ignore_label``; ``backward(dout)`` returns
    the gradient for xs. ``scores(xs)`` gives the plain (N, T, V) logits for
    prediction.

    Why fused: with a large vocabulary the (N*T, V) score matrix dominates
    the step. Its gradient is ``r * (E - s * onehot)``, where E holds the
    shifted exponentials, s their row sums and r a per-row scale (the row's
    loss weight over s). So E is computed once, in place; the backward pass
    subtracts s at the N*T label entries and folds ``r`` into the small
    operands of the three products (x for dW, the (N*T, H) result for dx, a
    vector product for db) instead of rescaling the big matrix. The unfused
    pair of layers stays in the package as the readable reference that the
    tests compare this layer with.
    """

    ignore_label = -1

    def __init__(self, W: np.ndarray, b: np.ndarray) -> None:
        self.params = [W, b]
        self.grads = [np.zeros_like(W), np.zeros_like(b)]
        self._cache: tuple | None = None

    def _inputs(self, xs: np.ndarray) -> np.ndarray:
        W = self.params[0]
        expect_ndim("TimeAffineSoftmaxWithLoss", "xs", xs, 3)
        expect_dim("TimeAffineSoftmaxWithLoss", "xs", xs, 2, W.shape[0], f"W of shape {W.shape}")
        N, T, H = xs.shape
        return xs.reshape(N * T, H)

    def scores(self, xs: np.ndarray) -> np.ndarray:
        """Logits (N, T, V) for hidden states xs (N, T, H)."""
        W, b = self.params
        out = self._inputs(xs) @ W
        out += b
        return out.reshape(*xs.shape[:2], -1)

    def forward(self, xs: np.ndarray, ts: np.ndarray) -> float:
        W, b = self.params
        x2d = self._inputs(xs)
        N, T, _ = xs.shape
        V = W.shape[1]
        if ts.shape != (N, T):
            raise ValueError(
                f"TimeAffineSoftmaxWithLoss: labels have shape {ts.shape}, inputs {xs.shape}"
            )
        labels = ts.reshape(N * T)
        mask = labels != self.ignore_label
        count = int(mask.sum())
        if count == 0:
            raise ValueError(
                "TimeAffineSoftmaxWithLoss: every label in the batch is ignore_label; "
                "the mean loss is undefined"
            )
        bad = mask & ((labels < 0) | (labels >= V))
        if bad.any():
            raise ValueError(
                f"TimeAffineSoftmaxWithLoss: labels must lie in [0, {V}) or be "
                f"{self.ignore_label}, got {labels[bad][0]}"
            )
        labels = np.where(mask, labels, 0)
        exps = x2d @ W
        picked, sums = shifted_exponentials(exps, b, labels)
        losses = np.log(sums) - picked
        loss = float(losses[mask].sum()) / count
        self._cache = (x2d, exps, sums, labels, mask, count, xs.shape)
        return loss

    def backward(self, dout: float = 1.0) -> np.ndarray:
        W, _ = self.params
        dW, db = self.grads
        x2d, exps, sums, labels, mask, count, shape = self._cache
        rows = np.arange(exps.shape[0])
        weight = (mask * (dout / count)).astype(exps.dtype)  # d loss / d (row's log-prob)
        # d scores = weight * (softmax - onehot) = row_scale * (exps - sums * onehot)
        exps[rows, labels] -= sums
        row_scale = weight / sums
        np.matmul((x2d * row_scale[:, None]).T, exps, out=dW)
        np.matmul(row_scale, exps, out=db)
        dx = exps @ W.T
        dx *= row_scale[:, None]
        self._cache = None
        return dx.reshape(shape)
