"""Optimizers that update parameter arrays in place, plus global-norm clipping.

Every update keeps float32 arrays float32: scalars are Python floats (which
NumPy treats as weak and casts to the array's dtype) and scratch buffers are
allocated once per parameter in the parameter's dtype.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np


def clip_grads(grads: Sequence[np.ndarray], max_norm: float) -> float:
    """Scale ``grads`` in place so their global L2 norm is at most ``max_norm``.

    Returns the norm before clipping (inf or nan when a gradient is not
    finite; then nothing is scaled and the caller decides what to do).
    """
    total = 0.0
    with np.errstate(over="ignore"):
        for g in grads:
            flat = g.reshape(-1)
            total += float(np.dot(flat, flat))
        if math.isinf(total):
            # float32 squares overflow from about 1.8e19 on, long before the
            # gradients stop being finite: sum them again in float64.
            total = sum(float(np.dot(f, f)) for f in (g.astype(np.float64).ravel() for g in grads))
    norm = math.sqrt(total) if math.isfinite(total) else float("nan")
    if math.isfinite(norm) and norm > max_norm:
        scale = max_norm / (norm + 1e-6)
        for g in grads:
            g *= scale
    return norm


class Optimizer:
    """Base: ``update(params, grads)``, a mutable ``lr`` and saveable state.

    Per-parameter state arrays are created on the first update, in the
    parameter's dtype. ``state_dict`` returns flat ``name -> array`` pairs
    (scalars as 0-d arrays) so a checkpoint can store them without pickle.
    """

    slots: tuple[str, ...] = ()

    def __init__(self, lr: float) -> None:
        if not (isinstance(lr, (int, float)) and math.isfinite(lr) and lr > 0):
            raise ValueError(f"{type(self).__name__}: lr must be a positive number, got {lr!r}")
        self.lr = float(lr)
        self.t = 0
        self.state: dict[str, list[np.ndarray]] = {}
        self._scratch: list[np.ndarray] = []

    def _prepare(self, params: Sequence[np.ndarray]) -> None:
        if self.state and len(self.state[self.slots[0]]) == len(params):
            return
        if not self.state:
            for slot in self.slots:
                self.state[slot] = [np.zeros_like(p) for p in params]
        if len(self.state[self.slots[0]]) != len(params):
            raise ValueError(
                f"{type(self).__name__}: state is for {len(self.state[self.slots[0]])} "
                f"parameters, got {len(params)}"
            )

    def scratch(self, k: int, like: np.ndarray) -> np.ndarray:
        while len(self._scratch) <= k:
            self._scratch.append(None)
        buf = self._scratch[k]
        if buf is None or buf.shape != like.shape or buf.dtype != like.dtype:
            buf = np.empty_like(like)
            self._scratch[k] = buf
        return buf

    def update(self, params: Sequence[np.ndarray], grads: Sequence[np.ndarray]) -> None:
        if len(params) != len(grads):
            raise ValueError(f"{type(self).__name__}: {len(params)} params but {len(grads)} grads")
        if self.slots:
            self._prepare(params)
        self.t += 1
        for k, (p, g) in enumerate(zip(params, grads, strict=True)):
            self._step(k, p, g)

    def _step(self, k: int, p: np.ndarray, g: np.ndarray) -> None:
        raise NotImplementedError

    def state_dict(self) -> dict[str, np.ndarray]:
        out = {"t": np.array(self.t, dtype=np.int64), "lr": np.array(self.lr)}
        for slot, arrays in self.state.items():
            for k, a in enumerate(arrays):
                out[f"{slot}.{k}"] = a
        return out

    def load_state_dict(self, state: dict[str, np.ndarray], params: Sequence[np.ndarray]) -> None:
        """Restore from :meth:`state_dict`, checking every array against ``params``."""
        self.t = int(state["t"])
        self.lr = float(state["lr"])
        self.state = {}
        present = [s for s in self.slots if f"{s}.0" in state]
        if not present:
            return
        for slot in self.slots:
            arrays = []
            for k, p in enumerate(params):
                key = f"{slot}.{k}"
                if key not in state:
                    raise ValueError(f"{type(self).__name__}: optimizer state lacks {key}")
                a = np.asarray(state[key])
                if a.shape != p.shape or a.dtype != p.dtype:
                    raise ValueError(
                        f"{type(self).__name__}: optimizer state {key} has shape {a.shape} "
                        f"{a.dtype}, parameter has {p.shape} {p.dtype}"
                    )
                arrays.append(a.copy())
            self.state[slot] = arrays


class SGD(Optimizer):
    """Plain stochastic gradient descent: p -= lr * g."""

    def _step(self, k: int, p: np.ndarray, g: np.ndarray) -> None:
        s = self.scratch(k, p)
        np.multiply(g, self.lr, out=s)
        p -= s


class Momentum(Optimizer):
    """SGD with momentum: v = momentum * v - lr * g; p += v."""

    slots = ("v",)

    def __init__(self, lr: float = 0.01, momentum: float = 0.9) -> None:
        super().__init__(lr)
        self.momentum = float(momentum)

    def _step(self, k: int, p: np.ndarray, g: np.ndarray) -> None:
        v = self.state["v"][k]
        s = self.scratch(k, p)
        v *= self.momentum
        np.multiply(g, self.lr, out=s)
        v -= s
        p += v


class AdaGrad(Optimizer):
    """AdaGrad: per-parameter step lr / sqrt(sum of squared gradients)."""

    slots = ("h",)

    def __init__(self, lr: float = 0.01, eps: float = 1e-7) -> None:
        super().__init__(lr)
        self.eps = float(eps)

    def _step(self, k: int, p: np.ndarray, g: np.ndarray) -> None:
        h = self.state["h"][k]
        s = self.scratch(k, p)
        np.multiply(g, g, out=s)
        h += s
        np.sqrt(h, out=s)
        s += self.eps
        np.divide(g, s, out=s)
        s *= self.lr
        p -= s


class RMSprop(Optimizer):
    """RMSprop: divide the step by a running RMS of recent gradients."""

    slots = ("h",)

    def __init__(self, lr: float = 0.01, decay_rate: float = 0.99, eps: float = 1e-7) -> None:
        super().__init__(lr)
        self.decay_rate = float(decay_rate)
        self.eps = float(eps)

    def _step(self, k: int, p: np.ndarray, g: np.ndarray) -> None:
        h = self.state["h"][k]
        s = self.scratch(k, p)
        h *= self.decay_rate
        np.multiply(g, g, out=s)
        s *= 1.0 - self.decay_rate
        h += s
        np.sqrt(h, out=s)
        s += self.eps
        np.divide(g, s, out=s)
        s *= self.lr
        p -= s


class Adam(Optimizer):
    """Adam (Kingma & Ba) with bias correction, in PyTorch's form:

    m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2
    p -= lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)
    """

    slots = ("m", "v")

    def __init__(
        self, lr: float = 0.001, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8
    ) -> None:
        super().__init__(lr)
        self.beta1 = float(beta1)
        self.beta2 = float(beta2)
        self.eps = float(eps)

    BLOCK = 16384
    """Elements per block: the update's twelve passes over a block stay in cache."""
    THREADED_FROM = 1 << 20
    """Parameter sets of at least this many elements are updated on the step's threads."""

    def update(self, params: Sequence[np.ndarray], grads: Sequence[np.ndarray]) -> None:
        """The update is memory-bound (twelve passes over four arrays a parameter):
        each parameter goes block by block, so the passes of a block stay in
        cache, and a large set (word level: 2.1M) is shared out over the
        threads the step runs with. Elementwise, so the numbers do not depend
        on the blocks or the threads."""
        if len(params) != len(grads):
            raise ValueError(f"{type(self).__name__}: {len(params)} params but {len(grads)} grads")
        self._prepare(params)
        t = self.t + 1
        self._step_size = self.lr / (1.0 - self.beta1**t)
        self._rms_scale = 1.0 / math.sqrt(1.0 - self.beta2**t)
        self.t = t
        blocks: list[tuple[int, slice | None]] = []
        for k, (p, g) in enumerate(zip(params, grads, strict=True)):
            arrays = (p, g, self.state["m"][k], self.state["v"][k], self.scratch(k, p))
            if p.size <= self.BLOCK or not all(a.flags.c_contiguous for a in arrays):
                blocks.append((k, None))
            else:
                blocks += [(k, slice(a, a + self.BLOCK)) for a in range(0, p.size, self.BLOCK)]
        total = sum(p.size for p in params)
        from rnnplay.core.nn import fused

        parts = fused.slices(len(blocks)) if total >= self.THREADED_FROM else [(0, len(blocks))]
        work = [(params, grads, blocks[a:b]) for a, b in parts]
        fused.run_sliced(self._blocks, work)

    def _blocks(self, params, grads, blocks: list[tuple[int, slice | None]]) -> None:
        for k, part in blocks:
            p, g = params[k], grads[k]
            if part is None:
                self._step(k, p, g)
            else:
                flat = (a.reshape(-1)[part] for a in (p, g, self.state["m"][k], self.state["v"][k]))
                self._arithmetic(*flat, self.scratch(k, p).reshape(-1)[part])

    def _step(self, k: int, p: np.ndarray, g: np.ndarray) -> None:
        self._arithmetic(p, g, self.state["m"][k], self.state["v"][k], self.scratch(k, p))

    def _arithmetic(
        self, p: np.ndarray, g: np.ndarray, m: np.ndarray, v: np.ndarray, s: np.ndarray
    ) -> None:
        # m += (1 - b1) * (g - m)
        np.subtract(g, m, out=s)
        s *= 1.0 - self.beta1
        m += s
        # v += (1 - b2) * (g^2 - v)
        np.multiply(g, g, out=s)
        s -= v
        s *= 1.0 - self.beta2
        v += s
        # p -= step * m / (sqrt(v) * rms_scale + eps)
        np.sqrt(v, out=s)
        s *= self._rms_scale
        s += self.eps
        np.divide(m, s, out=s)
        s *= self._step_size
        p -= s


OPTIMIZERS: dict[str, type[Optimizer]] = {
    "sgd": SGD,
    "momentum": Momentum,
    "adagrad": AdaGrad,
    "rmsprop": RMSprop,
    "adam": Adam,
}
