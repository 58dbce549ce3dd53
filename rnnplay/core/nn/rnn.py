"""The vanilla (Elman) RNN: one step, and a whole sequence."""

from __future__ import annotations

import numpy as np

from rnnplay.core.nn.recurrent import TimeRecurrent


class RNN:
    """One step of a tanh RNN: ``h_next = tanh(x @ Wx + h_prev @ Wh + b)``.

    Shapes: x (N, D), h_prev (N, H), Wx (D, H), Wh (H, H), b (H,).
    """

    def __init__(self, Wx: np.ndarray, Wh: np.ndarray, b: np.ndarray) -> None:
        self.params = [Wx, Wh, b]
        self.grads = [np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)]
        self.cache: tuple | None = None

    def forward(self, x: np.ndarray, h_prev: np.ndarray) -> np.ndarray:
        Wx, Wh, b = self.params
        if x.shape[1] != Wx.shape[0] or h_prev.shape[1] != Wh.shape[0]:
            raise ValueError(
                f"RNN: x {x.shape} / h_prev {h_prev.shape} do not fit Wx {Wx.shape} / Wh {Wh.shape}"
            )
        h_next = np.tanh(x @ Wx + h_prev @ Wh + b)
        self.cache = (x, h_prev, h_next)
        return h_next

    def backward(self, dh_next: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        Wx, Wh, _ = self.params
        x, h_prev, h_next = self.cache
        dt = dh_next * (1 - h_next**2)
        self.grads[0][...] = x.T @ dt
        self.grads[1][...] = h_prev.T @ dt
        self.grads[2][...] = dt.sum(axis=0)
        return dt @ Wx.T, dt @ Wh.T


class TimeRNN(TimeRecurrent):
    """T steps of :class:`RNN` sharing one set of weights.

    Forward: xs (N, T, D) -> hs (N, T, H). The input projection of all T
    steps is one matmul; only ``h @ Wh`` stays in the time loop. Backward
    sums the weight gradients of all steps (each step's contribution, not
    just the last one's). Where numba is installed, a sequence runs the
    compiled loop of :mod:`rnnplay.core.nn.fused.rnn_loop` (same numbers); the
    NumPy loop below is the reference.
    """

    gates = 1
    fused_loop = "rnn_loop"  # rnnplay.core.nn.fused.rnn_loop, where numba is installed

    def __init__(
        self, Wx: np.ndarray, Wh: np.ndarray, b: np.ndarray, stateful: bool = False
    ) -> None:
        super().__init__(Wx, Wh, b, stateful)

    def _steps_forward(self, pre: np.ndarray) -> np.ndarray:
        Wh = self.params[1]
        T, N, _ = pre.shape
        H = self.hidden_size
        h0 = self._initial(self.h, N, "h")
        hs = np.empty((T + 1, N, H), dtype=pre.dtype)
        hs[0] = h0
        Wh_T = self._transposed(Wh, T)
        rec_T = np.empty((H, N), dtype=pre.dtype)
        for t in range(T):
            a = pre[t]
            a += self._recurrent_product(hs[t], Wh, Wh_T, rec_T)
            np.tanh(a, out=hs[t + 1])
        self.h = hs[T].copy()
        self._cache = (hs,)
        return hs[1:].transpose(1, 0, 2)

    def _steps_backward(self, dhs: np.ndarray) -> np.ndarray:
        Wh = self.params[1]
        (hs,) = self._cache
        _, N, H = hs.shape
        T = hs.shape[0] - 1
        dhs_tm = dhs.transpose(1, 0, 2)
        dpre = np.empty((T, N, H), dtype=hs.dtype)
        dh = np.zeros((N, H), dtype=hs.dtype)
        Wh_T = self._transposed(Wh, T)
        flow = np.empty(T) if self.record_grad_flow else None
        for t in range(T - 1, -1, -1):
            dh += dhs_tm[t]
            if flow is not None:
                flow[t] = np.sqrt(np.vdot(dh, dh))
            d = dpre[t]
            np.multiply(hs[t + 1], hs[t + 1], out=d)
            np.subtract(1, d, out=d)
            d *= dh
            self._backward_product(d, Wh, Wh_T, dh)
        self.dh = dh
        self.grad_flow = flow
        np.matmul(hs[:-1].reshape(T * N, H).T, dpre.reshape(T * N, H), out=self.grads[1])
        return dpre
