"""Gated recurrent unit: one step, and a whole sequence."""

from __future__ import annotations

import numpy as np

from rnnplay.core.nn.functions import sigmoid
from rnnplay.core.nn.recurrent import TimeRecurrent


class GRU:
    """One GRU step.

    Gate layout: Wx (D, 3H), Wh (H, 3H) and b (3H,) hold three blocks of H
    columns **[z | r | c]**:

    - z = sigmoid(x Wx_z + h_prev Wh_z + b_z)   update gate
    - r = sigmoid(x Wx_r + h_prev Wh_r + b_r)   reset gate
    - c = tanh(x Wx_c + (r * h_prev) Wh_c + b_c) candidate

    ``h_next = (1 - z) * h_prev + z * c``.
    """

    def __init__(self, Wx: np.ndarray, Wh: np.ndarray, b: np.ndarray) -> None:
        self.params = [Wx, Wh, b]
        self.grads = [np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)]
        self.cache: tuple | None = None

    def forward(self, x: np.ndarray, h_prev: np.ndarray) -> np.ndarray:
        Wx, Wh, b = self.params
        H = h_prev.shape[1]
        if x.shape[1] != Wx.shape[0] or Wh.shape != (H, 3 * H):
            raise ValueError(
                f"GRU: x {x.shape} / h_prev {h_prev.shape} do not fit Wx {Wx.shape} / Wh {Wh.shape}"
            )
        ax = x @ Wx + b
        z = sigmoid(ax[:, :H] + h_prev @ Wh[:, :H])
        r = sigmoid(ax[:, H : 2 * H] + h_prev @ Wh[:, H : 2 * H])
        c = np.tanh(ax[:, 2 * H :] + (r * h_prev) @ Wh[:, 2 * H :])
        h_next = (1 - z) * h_prev + z * c
        self.cache = (x, h_prev, z, r, c)
        return h_next

    def backward(self, dh_next: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        Wx, Wh, _ = self.params
        x, h_prev, z, r, c = self.cache
        H = h_prev.shape[1]
        dc = dh_next * z * (1 - c**2)
        dz = dh_next * (c - h_prev) * z * (1 - z)
        dhr = dc @ Wh[:, 2 * H :].T
        dr = dhr * h_prev * r * (1 - r)
        dh_prev = dh_next * (1 - z) + dhr * r + np.hstack((dz, dr)) @ Wh[:, : 2 * H].T
        da = np.hstack((dz, dr, dc))
        self.grads[0][...] = x.T @ da
        self.grads[1][:, : 2 * H] = h_prev.T @ da[:, : 2 * H]
        self.grads[1][:, 2 * H :] = (r * h_prev).T @ dc
        self.grads[2][...] = da.sum(axis=0)
        return da @ Wx.T, dh_prev


class TimeGRU(TimeRecurrent):
    """T steps of :class:`GRU` sharing one set of weights; gate layout [z | r | c].

    Forward: xs (N, T, D) -> hs (N, T, H). Input projections and weight
    gradients for all T steps are single matmuls.
    """

    gates = 3
    fused_loop = "gru_loop"  # rnnplay.core.nn.fused.gru_loop, where numba is installed

    def __init__(
        self, Wx: np.ndarray, Wh: np.ndarray, b: np.ndarray, stateful: bool = False
    ) -> None:
        super().__init__(Wx, Wh, b, stateful)

    state_names = ("h", "z", "r", "candidate")

    def states(self) -> dict[str, np.ndarray]:
        """``h``, the update gate ``z``, the reset gate ``r`` and the
        ``candidate`` state of every step of the last forward, each (N, T, H)."""
        if self._cache is None:
            raise RuntimeError("TimeGRU: no forward pass to report on")
        if self._ran_fused():  # the compiled loop keeps them batch-major (N, T, ...)
            _, hs, _, _, gates, _ = self._cache
            H = self.hidden_size
            out = {"h": hs.copy()}
            for k, name in enumerate(("z", "r", "candidate")):
                out[name] = gates[:, :, k * H : (k + 1) * H].copy()
            return out
        hs, _, act = self._cache
        H = self.hidden_size
        out = {"h": hs[1:].transpose(1, 0, 2).copy()}
        for k, name in enumerate(("z", "r", "candidate")):
            out[name] = act[:, :, k * H : (k + 1) * H].transpose(1, 0, 2).copy()
        return out

    def _steps_forward(self, act: np.ndarray) -> np.ndarray:
        # act holds the input projections and becomes [z | r | c] in place
        Wh = self.params[1]
        T, N, _ = act.shape
        H = self.hidden_size
        h0 = self._initial(self.h, N, "h")
        dtype = act.dtype
        Wh_zr, Wh_c = Wh[:, : 2 * H], Wh[:, 2 * H :]
        Wh_zr_T, Wh_c_T = self._transposed(Wh_zr, T), self._transposed(Wh_c, T)
        hs = np.empty((T + 1, N, H), dtype=dtype)
        hrs = np.empty((T, N, H), dtype=dtype)
        hs[0] = h0
        rec_zr_T = np.empty((2 * H, N), dtype=dtype)
        rec_c_T = np.empty((H, N), dtype=dtype)
        for t in range(T):
            a = act[t]
            h_prev = hs[t]
            zr, c = a[:, : 2 * H], a[:, 2 * H :]
            zr += self._recurrent_product(h_prev, Wh_zr, Wh_zr_T, rec_zr_T)
            sigmoid(zr, out=zr)
            z, r = zr[:, :H], zr[:, H:]
            np.multiply(r, h_prev, out=hrs[t])
            c += self._recurrent_product(hrs[t], Wh_c, Wh_c_T, rec_c_T)
            np.tanh(c, out=c)
            h = hs[t + 1]
            np.subtract(c, h_prev, out=h)
            h *= z
            h += h_prev
        self.h = hs[T].copy()
        self._cache = (hs, hrs, act)
        return hs[1:].transpose(1, 0, 2)

    def _steps_backward(self, dhs: np.ndarray) -> np.ndarray:
        Wh = self.params[1]
        hs, hrs, act = self._cache
        _, N, H = hs.shape
        T = hs.shape[0] - 1
        dtype = hs.dtype
        Wh_zr, Wh_c = Wh[:, : 2 * H], Wh[:, 2 * H :]
        Wh_zr_T, Wh_c_T = self._transposed(Wh_zr, T), self._transposed(Wh_c, T)
        dhs_tm = dhs.transpose(1, 0, 2)
        dpre = np.empty((T, N, 3 * H), dtype=dtype)
        dh = np.zeros((N, H), dtype=dtype)
        dhr = np.empty((N, H), dtype=dtype)
        tmp = np.empty((N, H), dtype=dtype)
        back = np.empty((N, H), dtype=dtype)
        flow = np.empty(T) if self.record_grad_flow else None
        for t in range(T - 1, -1, -1):
            a = act[t]
            z, r, c = a[:, :H], a[:, H : 2 * H], a[:, 2 * H :]
            d = dpre[t]
            dz, dr, dc = d[:, :H], d[:, H : 2 * H], d[:, 2 * H :]
            h_prev = hs[t]
            dh += dhs_tm[t]
            if flow is not None:
                flow[t] = np.sqrt(np.vdot(dh, dh))
            # dc = dh * z * (1 - c^2)
            np.multiply(c, c, out=tmp)
            np.subtract(1, tmp, out=tmp)
            tmp *= z
            np.multiply(dh, tmp, out=dc)
            # dz = dh * (c - h_prev) * z * (1 - z)
            np.subtract(c, h_prev, out=dz)
            dz *= dh
            np.subtract(1, z, out=tmp)
            tmp *= z
            dz *= tmp
            # dr = (dc @ Wh_c^T) * h_prev * r * (1 - r)
            self._backward_product(dc, Wh_c, Wh_c_T, dhr)
            np.multiply(dhr, h_prev, out=dr)
            np.subtract(1, r, out=tmp)
            tmp *= r
            dr *= tmp
            # dh_prev = dh * (1 - z) + dhr * r + [dz, dr] @ Wh_zr^T
            self._backward_product(d[:, : 2 * H], Wh_zr, Wh_zr_T, back)
            np.subtract(1, z, out=tmp)
            dh *= tmp
            dh += back
            dhr *= r
            dh += dhr
        self.dh = dh
        self.grad_flow = flow
        dpre2d = dpre.reshape(T * N, 3 * H)
        self.grads[1][:, : 2 * H] = hs[:-1].reshape(T * N, H).T @ dpre2d[:, : 2 * H]
        self.grads[1][:, 2 * H :] = hrs.reshape(T * N, H).T @ dpre2d[:, 2 * H :]
        return dpre
