"""What every Time* recurrent layer shares: parameters, carried state, input checks."""

from __future__ import annotations

import numpy as np

from rnnplay.core.shapes import expect_dim, expect_ndim


class TimeRecurrent:
    """Base of TimeRNN, TimeLSTM and TimeGRU.

    A stateful layer starts each forward from the hidden state the previous
    forward ended in (truncated BPTT across batches); a stateless one starts
    from zeros. ``h`` holds the last hidden state, ``dh`` the gradient with
    respect to the initial state after ``backward``.

    Set ``record_grad_flow`` to keep, after each backward, ``grad_flow``: the
    L2 norm of dL/dh_t for every t (used by the gradient-flow diagnostic).
    """

    gates = 1

    def __init__(self, Wx: np.ndarray, Wh: np.ndarray, b: np.ndarray, stateful: bool) -> None:
        name = type(self).__name__
        H = Wh.shape[0]
        if Wh.shape != (H, self.gates * H):
            raise ValueError(f"{name}: Wh has shape {Wh.shape}, expected ({H}, {self.gates * H})")
        if Wx.ndim != 2 or Wx.shape[1] != self.gates * H:
            raise ValueError(f"{name}: Wx has shape {Wx.shape}, expected (D, {self.gates * H})")
        if b.shape != (self.gates * H,):
            raise ValueError(f"{name}: b has shape {b.shape}, expected ({self.gates * H},)")
        self.params = [Wx, Wh, b]
        self.grads = [np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)]
        self.stateful = stateful
        self.h: np.ndarray | None = None
        self.dh: np.ndarray | None = None
        self.record_grad_flow = False
        self.grad_flow: np.ndarray | None = None

    @property
    def hidden_size(self) -> int:
        return self.params[1].shape[0]

    def set_state(self, h: np.ndarray) -> None:
        self.h = h

    def reset_state(self) -> None:
        self.h = None

    def _check_input(self, xs: np.ndarray) -> None:
        name = type(self).__name__
        Wx = self.params[0]
        expect_ndim(name, "xs", xs, 3)
        expect_dim(name, "xs", xs, 2, Wx.shape[0], f"Wx of shape {Wx.shape}")

    def _initial(self, state: np.ndarray | None, N: int, label: str) -> np.ndarray:
        """The state to start from: carried over when stateful, else zeros."""
        H = self.hidden_size
        dtype = self.params[0].dtype
        if self.stateful and state is not None:
            if state.shape != (N, H):
                raise ValueError(
                    f"{type(self).__name__}: carried state {label} has shape {state.shape} "
                    f"but this batch needs ({N}, {H}); reset the state when the batch size changes"
                )
            return state.astype(dtype, copy=False)
        return np.zeros((N, H), dtype=dtype)

    @staticmethod
    def _time_major(xs: np.ndarray) -> np.ndarray:
        """(N, T, D) -> contiguous (T, N, D)."""
        return np.ascontiguousarray(xs.transpose(1, 0, 2))

    def _input_projection(self, xs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """x_t @ Wx + b for every step in one matmul, time-major (T, N, G*H)."""
        Wx, _, b = self.params
        N, T, D = xs.shape
        x2d = self._time_major(xs).reshape(T * N, D)
        proj = x2d @ Wx
        proj += b
        return x2d, proj.reshape(T, N, -1)

    # Below this many steps the one-off copy of Wh^T costs more than it saves
    # (the sampler runs one step per call).
    TRANSPOSE_MIN_STEPS = 8

    @classmethod
    def _transposed(cls, W: np.ndarray, T: int) -> np.ndarray | None:
        """A contiguous W^T when T steps amortise the copy, else None."""
        return np.ascontiguousarray(W.T) if T >= cls.TRANSPOSE_MIN_STEPS else None

    @staticmethod
    def _recurrent_product(
        h: np.ndarray, W: np.ndarray, W_T: np.ndarray | None, out_T: np.ndarray
    ) -> np.ndarray:
        """``h @ W`` for one step, as an (N, G*H) array or view.

        With a contiguous ``W_T`` it is computed as ``W^T @ h^T`` into the
        transposed buffer ``out_T`` (G*H, N): at these shapes (a small batch
        N against a wide G*H) OpenBLAS runs that orientation about 20% faster
        than ``h @ W`` (benchmarks/micro/small_matmul.py).
        """
        if W_T is None:
            return h @ W
        np.matmul(W_T, h.T, out=out_T)
        return out_T.T

    @staticmethod
    def _backward_product(d: np.ndarray, W: np.ndarray, W_T: np.ndarray | None, out: np.ndarray):
        """``d @ W^T`` into ``out``, through the contiguous copy when there is one."""
        np.matmul(d, W.T if W_T is None else W_T, out=out)

    def _finish_backward(
        self, x2d: np.ndarray, hprev2d: np.ndarray, dpre: np.ndarray, N: int, T: int, D: int
    ) -> np.ndarray:
        """Weight gradients for all steps in one matmul each; returns dxs (N, T, D)."""
        Wx = self.params[0]
        dpre2d = dpre.reshape(T * N, -1)
        np.matmul(x2d.T, dpre2d, out=self.grads[0])
        np.matmul(hprev2d.T, dpre2d, out=self.grads[1])
        np.sum(dpre2d, axis=0, out=self.grads[2])
        return (dpre2d @ Wx.T).reshape(T, N, D).transpose(1, 0, 2)
