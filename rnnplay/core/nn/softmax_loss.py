"""TimeSoftmaxWithLoss: softmax and cross-entropy over every time step, fused.

A reference layer (see ``rnnplay.core.nn``): with ``TimeAffine`` it is the
specification that ``output.TimeAffineSoftmaxWithLoss`` is tested against.
"""

from __future__ import annotations

import numpy as np

from rnnplay.core.nn.shapes import expect_ndim


class TimeSoftmaxWithLoss:
    """Mean cross-entropy of (N, T, V) scores against labels, skipping ``ignore_label``.

    Labels are token ids (N, T) or one-hot vectors (N, T, V); an all-zero
    one-hot row counts as ignored. The loss is averaged over the positions
    that are not ignored. Softmax and log are fused (log-sum-exp), so no
    probability underflows to log(0) and no one-hot matrix is built.
    """

    ignore_label = -1

    def __init__(self) -> None:
        self.params: list[np.ndarray] = []
        self.grads: list[np.ndarray] = []
        self._cache: tuple | None = None

    def _labels(self, xs: np.ndarray, ts: np.ndarray) -> np.ndarray:
        N, T, V = xs.shape
        if ts.ndim == 3:
            if ts.shape != xs.shape:
                raise ValueError(
                    f"TimeSoftmaxWithLoss: one-hot labels have shape {ts.shape}, "
                    f"scores have shape {xs.shape}"
                )
            labels = ts.argmax(axis=2)
            labels[ts.sum(axis=2) == 0] = self.ignore_label
            return labels
        expect_ndim("TimeSoftmaxWithLoss", "labels", ts, 2)
        if ts.shape != (N, T):
            raise ValueError(
                f"TimeSoftmaxWithLoss: labels have shape {ts.shape}, scores have shape {xs.shape}"
            )
        bad = (ts != self.ignore_label) & ((ts < 0) | (ts >= V))
        if bad.any():
            raise ValueError(
                f"TimeSoftmaxWithLoss: labels must lie in [0, {V}) or be "
                f"{self.ignore_label}, got {ts[bad].ravel()[0]}"
            )
        return ts

    def forward(self, xs: np.ndarray, ts: np.ndarray) -> float:
        expect_ndim("TimeSoftmaxWithLoss", "scores", xs, 3)
        labels = self._labels(xs, ts)
        N, T, V = xs.shape
        flat_labels = labels.reshape(N * T)
        mask = flat_labels != self.ignore_label
        count = int(mask.sum())
        if count == 0:
            raise ValueError(
                "TimeSoftmaxWithLoss: every label in the batch is ignore_label; "
                "the mean loss is undefined"
            )
        scores = xs.reshape(N * T, V)
        shifted = scores - scores.max(axis=1, keepdims=True)
        exp = np.exp(shifted)
        sums = exp.sum(axis=1)
        safe_labels = np.where(mask, flat_labels, 0)
        picked = shifted[np.arange(N * T), safe_labels]
        losses = np.log(sums) - picked
        loss = float(losses[mask].sum()) / count
        self._cache = (exp, sums, safe_labels, mask, count, (N, T, V))
        return loss

    def backward(self, dout: float = 1.0) -> np.ndarray:
        exp, sums, labels, mask, count, (N, T, V) = self._cache
        dx = exp
        dx /= sums[:, None]
        dx[np.arange(N * T), labels] -= 1
        dx *= (mask * (dout / count)).astype(dx.dtype)[:, None]
        self._cache = None
        return dx.reshape(N, T, V)
