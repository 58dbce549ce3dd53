"""The language model's output layer: affine scores and softmax cross-entropy, fused."""

from __future__ import annotations

import numpy as np

from rnnplay.core.shapes import expect_dim, expect_ndim


class TimeAffineSoftmaxWithLoss:
    """``TimeAffine`` followed by ``TimeSoftmaxWithLoss``, computed as one layer.

    Params ``W`` (H, V) and ``b`` (V,); ``forward(xs, ts)`` takes hidden states
    (N, T, H) and target ids (N, T) and returns the mean cross-entropy over the
    positions whose label is not ``ignore_label``; ``backward(dout)`` returns
    the gradient for xs. ``scores(xs)`` gives the plain (N, T, V) logits for
    prediction.

    Why fused: with a large vocabulary the (N*T, V) score matrix dominates
    the step. The gradient of the scores is ``r * E - w * onehot`` where E is
    the matrix of shifted exponentials, r a per-row scale and w the per-row
    loss weight, so instead of forming it we fold ``r`` into the small
    operands of the three products (x for dW, the (N*T, H) result for dx, a
    vector product for db) and add the one-hot part as a scatter over N*T
    entries. E is computed once, in place, and never rescaled. The unfused
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
        rows = np.arange(N * T)
        exps = x2d @ W
        exps += b
        exps -= exps.max(axis=1, keepdims=True)
        picked = exps[rows, labels]
        np.exp(exps, out=exps)
        sums = exps.sum(axis=1)
        losses = np.log(sums) - picked
        loss = float(losses[mask].sum()) / count
        self._cache = (x2d, exps, sums, labels, mask, count, xs.shape)
        return loss

    def backward(self, dout: float = 1.0) -> np.ndarray:
        W, _ = self.params
        dW, db = self.grads
        x2d, exps, sums, labels, mask, count, shape = self._cache
        dtype = exps.dtype
        weight = (mask * (dout / count)).astype(dtype)  # d loss / d (row's log-prob)
        row_scale = weight / sums  # softmax = exps / sums
        scaled_x = x2d * weight[:, None]
        # dW = x^T (row_scale * exps) - x^T (weight * onehot)
        np.matmul((x2d * row_scale[:, None]).T, exps, out=dW)
        np.subtract.at(dW.T, labels, scaled_x)
        # db = sum over rows of the same
        np.matmul(row_scale, exps, out=db)
        np.subtract.at(db, labels, weight)
        # dx = (row_scale * exps) W^T - weight * W^T[labels]
        dx = exps @ W.T
        dx *= row_scale[:, None]
        dx -= W.T[labels] * weight[:, None]
        self._cache = None
        return dx.reshape(shape)
