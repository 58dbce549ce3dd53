"""TimeEmbedding: look up a learned vector for each token id."""

from __future__ import annotations

import numpy as np

from rnnplay.core.nn.shapes import expect_ndim


class TimeEmbedding:
    """Maps token ids (N, T) to vectors (N, T, D) by indexing rows of ``W`` (V, D).

    The backward pass scatters the incoming gradient back onto the rows that
    were looked up; rows used several times accumulate.
    """

    def __init__(self, W: np.ndarray) -> None:
        self.params = [W]
        self.grads = [np.zeros_like(W)]
        self._idx: np.ndarray | None = None

    def forward(self, idx: np.ndarray) -> np.ndarray:
        (W,) = self.params
        expect_ndim("TimeEmbedding", "token ids", idx, 2)
        if idx.size and (idx.min() < 0 or idx.max() >= W.shape[0]):
            raise ValueError(
                f"TimeEmbedding: token ids must lie in [0, {W.shape[0]}), "
                f"got values in [{idx.min()}, {idx.max()}]"
            )
        self._idx = idx
        return W[idx]

    def backward(self, dout: np.ndarray) -> None:
        dW = self.grads[0]
        dW[...] = 0
        D = dW.shape[1]
        np.add.at(dW, self._idx.reshape(-1), dout.reshape(-1, D))
        return None
