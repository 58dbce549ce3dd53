"""The GRU in PyTorch's form: one step, and a whole sequence (cell ``gru-torch``).

The book's GRU (:mod:`rnnplay.core.nn.gru`) resets the state *before* the
recurrent product of the candidate, ``(r * h) @ Wh_c``; PyTorch's ``nn.GRU``
(like cuDNN's and oneDNN's "linear before reset" GRU) resets it *after*,
``r * (h @ Wh_n + bh)``, with a recurrent bias ``bh`` inside the product that
no input-side bias can stand in for. The two compute different functions of
the same weights, so a model moves to PyTorch only in this form. Here it is
a cell of its own, with PyTorch's gate order, so that its weights map onto
``nn.GRU``'s by a transpose.
"""

from __future__ import annotations

import numpy as np

from rnnplay.core.nn.functions import sigmoid
from rnnplay.core.nn.recurrent import TimeRecurrent


class TorchGRU:
    """One GRU step as PyTorch computes it.

    Gate layout: Wx (D, 3H), Wh (H, 3H) and b (3H,) hold three blocks of H
    columns in PyTorch's order **[r | z | n]**; bh (H,) is the candidate's
    recurrent bias:

    - r = sigmoid(x Wx_r + h_prev Wh_r + b_r)         reset gate
    - z = sigmoid(x Wx_z + h_prev Wh_z + b_z)         update gate
    - n = tanh(x Wx_n + b_n + r * (h_prev Wh_n + bh)) candidate

    ``h_next = (1 - z) * n + z * h_prev``: here z keeps the old state (the
    book's GRU lets z take the candidate).
    """

    def __init__(self, Wx: np.ndarray, Wh: np.ndarray, b: np.ndarray, bh: np.ndarray) -> None:
        self.params = [Wx, Wh, b, bh]
        self.grads = [np.zeros_like(p) for p in self.params]
        self.cache: tuple | None = None

    def forward(self, x: np.ndarray, h_prev: np.ndarray) -> np.ndarray:
        Wx, Wh, b, bh = self.params
        H = h_prev.shape[1]
        if x.shape[1] != Wx.shape[0] or Wh.shape != (H, 3 * H) or bh.shape != (H,):
            raise ValueError(
                f"TorchGRU: x {x.shape} / h_prev {h_prev.shape} do not fit "
                f"Wx {Wx.shape} / Wh {Wh.shape} / bh {bh.shape}"
            )
        ax = x @ Wx + b
        ah = h_prev @ Wh
        r = sigmoid(ax[:, :H] + ah[:, :H])
        z = sigmoid(ax[:, H : 2 * H] + ah[:, H : 2 * H])
        hn = ah[:, 2 * H :] + bh
        n = np.tanh(ax[:, 2 * H :] + r * hn)
        h_next = (1 - z) * n + z * h_prev
        self.cache = (x, h_prev, r, z, n, hn)
        return h_next

    def backward(self, dh_next: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        Wx, Wh, _, _ = self.params
        x, h_prev, r, z, n, hn = self.cache
        dn = dh_next * (1 - z) * (1 - n**2)  # gradient of n's pre-activation
        dz = dh_next * (h_prev - n) * z * (1 - z)
        dr = dn * hn * r * (1 - r)
        dx_pre = np.hstack((dr, dz, dn))  # of x Wx + b
        dh_pre = np.hstack((dr, dz, dn * r))  # of h_prev Wh (+ bh for the candidate)
        self.grads[0][...] = x.T @ dx_pre
        self.grads[1][...] = h_prev.T @ dh_pre
        self.grads[2][...] = dx_pre.sum(axis=0)
        self.grads[3][...] = (dn * r).sum(axis=0)
        return dx_pre @ Wx.T, dh_next * z + dh_pre @ Wh.T


class TimeTorchGRU(TimeRecurrent):
    """T steps of :class:`TorchGRU` sharing one set of weights; gate layout [r | z | n].

    Forward: xs (N, T, D) -> hs (N, T, H). Its parameters are ``Wx``, ``Wh``,
    ``b`` like every cell, and ``bh`` (H,), the candidate's recurrent bias
    (zeros when not given).
    """

    gates = 3
    param_names = ("Wx", "Wh", "b", "bh")

    def __init__(
        self,
        Wx: np.ndarray,
        Wh: np.ndarray,
        b: np.ndarray,
        bh: np.ndarray | None = None,
        stateful: bool = False,
    ) -> None:
        super().__init__(Wx, Wh, b, stateful)
        H = self.hidden_size
        if bh is None:
            bh = np.zeros(H, dtype=Wh.dtype)
        if bh.shape != (H,):
            raise ValueError(f"TimeTorchGRU: bh has shape {bh.shape}, expected ({H},)")
        self.params.append(bh)
        self.grads.append(np.zeros_like(bh))

    @classmethod
    def param_shapes(cls, D: int, H: int) -> dict[str, tuple[int, ...]]:
        return {**super().param_shapes(D, H), "bh": (H,)}

    state_names = ("h", "r", "z", "candidate")

    def states(self) -> dict[str, np.ndarray]:
        """``h``, the reset gate ``r``, the update gate ``z`` and the ``candidate``
        n of every step of the last forward, each (N, T, H)."""
        if self._cache is None:
            raise RuntimeError("TimeTorchGRU: no forward pass to report on")
        hs, _, act = self._cache
        H = self.hidden_size
        out = {"h": hs[1:].transpose(1, 0, 2).copy()}
        for k, name in enumerate(("r", "z", "candidate")):
            out[name] = act[:, :, k * H : (k + 1) * H].transpose(1, 0, 2).copy()
        return out

    def _steps_forward(self, act: np.ndarray) -> np.ndarray:
        # act holds the input projections and becomes [r | z | n] in place
        Wh, bh = self.params[1], self.params[3]
        T, N, _ = act.shape
        H = self.hidden_size
        dtype = act.dtype
        Wh_T = self._transposed(Wh, T)
        hs = np.empty((T + 1, N, H), dtype=dtype)
        hns = np.empty((T, N, H), dtype=dtype)  # h_prev Wh_n + bh, step by step
        hs[0] = self._initial(self.h, N, "h")
        rec_T = np.empty((3 * H, N), dtype=dtype)
        tmp = np.empty((N, H), dtype=dtype)
        for t in range(T):
            a = act[t]
            h_prev = hs[t]
            rec = self._recurrent_product(h_prev, Wh, Wh_T, rec_T)
            rz, n = a[:, : 2 * H], a[:, 2 * H :]
            rz += rec[:, : 2 * H]
            sigmoid(rz, out=rz)
            r, z = rz[:, :H], rz[:, H:]
            np.add(rec[:, 2 * H :], bh, out=hns[t])
            np.multiply(r, hns[t], out=tmp)
            n += tmp
            np.tanh(n, out=n)
            h = hs[t + 1]  # n + z * (h_prev - n)
            np.subtract(h_prev, n, out=h)
            h *= z
            h += n
        self.h = hs[T].copy()
        self._cache = (hs, hns, act)
        return hs[1:].transpose(1, 0, 2)

    def _steps_backward(self, dhs: np.ndarray) -> np.ndarray:
        Wh = self.params[1]
        hs, hns, act = self._cache
        _, N, H = hs.shape
        T = hs.shape[0] - 1
        dtype = hs.dtype
        Wh_T = self._transposed(Wh, T)
        dhs_tm = dhs.transpose(1, 0, 2)
        dpre = np.empty((T, N, 3 * H), dtype=dtype)  # of the input projections
        drec = np.empty((T, N, 3 * H), dtype=dtype)  # of the recurrent products
        dh = np.zeros((N, H), dtype=dtype)
        tmp = np.empty((N, H), dtype=dtype)
        back = np.empty((N, H), dtype=dtype)
        flow = np.empty(T) if self.record_grad_flow else None
        for t in range(T - 1, -1, -1):
            a = act[t]
            r, z, n = a[:, :H], a[:, H : 2 * H], a[:, 2 * H :]
            d = dpre[t]
            dr, dz, dn = d[:, :H], d[:, H : 2 * H], d[:, 2 * H :]
            h_prev = hs[t]
            dh += dhs_tm[t]
            if flow is not None:
                flow[t] = np.sqrt(np.vdot(dh, dh))
            # dn = dh * (1 - z) * (1 - n^2)
            np.multiply(n, n, out=tmp)
            np.subtract(1, tmp, out=tmp)
            np.multiply(dh, tmp, out=dn)
            np.subtract(1, z, out=tmp)
            dn *= tmp
            # dz = dh * (h_prev - n) * z * (1 - z)
            np.subtract(h_prev, n, out=dz)
            dz *= dh
            tmp *= z
            dz *= tmp
            # dr = dn * hn * r * (1 - r)
            np.multiply(dn, hns[t], out=dr)
            np.subtract(1, r, out=tmp)
            tmp *= r
            dr *= tmp
            # the recurrent products: [dr, dz, dn * r]
            e = drec[t]
            e[:, : 2 * H] = d[:, : 2 * H]
            np.multiply(dn, r, out=e[:, 2 * H :])
            # dh_prev = dh * z + drec @ Wh^T
            self._backward_product(e, Wh, Wh_T, back)
            dh *= z
            dh += back
        self.dh = dh
        self.grad_flow = flow
        drec2d = drec.reshape(T * N, 3 * H)
        np.matmul(hs[:-1].reshape(T * N, H).T, drec2d, out=self.grads[1])
        np.sum(drec2d[:, 2 * H :], axis=0, out=self.grads[3])
        return dpre
