"""TimeDropout: inverted dropout, active only while training."""

from __future__ import annotations

import numpy as np


class TimeDropout:
    """Zeroes each activation with probability ``ratio`` and scales the rest by 1/(1-ratio).

    Scaling at training time (inverted dropout) means evaluation needs no
    rescaling: with ``train_flg`` False the layer passes its input through.
    Masks come from ``rng`` so seeded runs repeat exactly.
    """

    def __init__(self, ratio: float = 0.5, rng: np.random.Generator | None = None) -> None:
        if not 0.0 <= ratio < 1.0:
            raise ValueError(f"TimeDropout: ratio must lie in [0, 1), got {ratio}")
        self.params: list[np.ndarray] = []
        self.grads: list[np.ndarray] = []
        self.ratio = ratio
        self.train_flg = True
        self.rng = rng if rng is not None else np.random.default_rng()
        self._mask: np.ndarray | None = None

    def forward(self, xs: np.ndarray) -> np.ndarray:
        if not self.train_flg or self.ratio == 0.0:
            self._mask = None
            return xs
        keep = self.rng.random(xs.shape, dtype=np.float32) >= self.ratio
        self._mask = keep.astype(xs.dtype)
        self._mask *= 1.0 / (1.0 - self.ratio)
        return xs * self._mask

    def backward(self, dout: np.ndarray) -> np.ndarray:
        if self._mask is None:
            return dout
        return dout * self._mask
