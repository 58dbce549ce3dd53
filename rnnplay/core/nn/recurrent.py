"""What every Time* recurrent layer shares: parameters, carried state, input checks."""

from __future__ import annotations

import importlib

import numpy as np

from rnnplay.core.nn.shapes import expect_dim, expect_ndim


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
    param_names: tuple[str, ...] = ("Wx", "Wh", "b")
    """The names of ``params`` in order (a checkpoint stores them as ``rnn<k>.<name>``)."""

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
        self._cache: tuple | None = None
        self._x2d: np.ndarray | None = None
        self._x2d_batch_major = False
        self.lookup_sums: np.ndarray | None = None
        """After ``backward_projected`` of a ``forward_lookup``: the projection
        gradient summed per token id (V, G*H), where the loop computed it on the
        way (the compiled LSTM's); None otherwise, and the caller sums itself."""

    @classmethod
    def param_shapes(cls, D: int, H: int) -> dict[str, tuple[int, ...]]:
        """The shape of each parameter for input width D and hidden size H, by name."""
        G = cls.gates
        return {"Wx": (D, G * H), "Wh": (H, G * H), "b": (G * H,)}

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
        Wx, b = self.params[0], self.params[2]
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

    # -- the compiled loop (rnnplay.core.nn.fused), where a cell has one ----------
    fused_loop: str | None = None
    """The module of :mod:`rnnplay.core.nn.fused` that runs this cell's compiled
    loop (its ``forward`` and ``backward``), or None: the NumPy loop only."""

    def _fused_kernels(self, steps: int):
        """The compiled kernels when this cell has a compiled loop, they load and the
        call has a loop to run (``steps`` > 1), else None.

        One step (the sampler, the inspector) gains nothing from the compiled loop and
        would pay its set-up: a contiguous copy of W_h^T (1 MB at H=256, ~1 ms)
        against a ~0.1 ms NumPy step."""
        if self.fused_loop is None or steps < 2:
            return None
        if self.params[1].dtype not in (np.float32, np.float64):
            return None
        from rnnplay.core.nn import fused

        return fused.kernels()

    def _fused_module(self):
        return importlib.import_module(f"rnnplay.core.nn.fused.{self.fused_loop}")

    def _fused_forward(self, K, pre: np.ndarray | None, table=None, ids=None) -> np.ndarray:
        """The compiled loop from batch-major projections (N, T, G*H) or a table lookup."""
        return self._fused_module().forward(self, K, pre, table, ids)

    def _fused_backward(self, K, dhs: np.ndarray) -> np.ndarray:
        return self._fused_module().backward(self, K, dhs)

    def _ran_fused(self) -> bool:
        return self._cache is not None and isinstance(self._cache[0], str)

    @staticmethod
    def gradient_rows(dpre: np.ndarray) -> tuple[np.ndarray, bool]:
        """d(projections) (T, N, G*H) as (T*N, G*H) rows in memory order, without a
        copy, and whether that order is batch-major (the compiled loop's layout)."""
        G_H = dpre.shape[2]
        if dpre.flags.c_contiguous:
            return dpre.reshape(-1, G_H), False
        batch_major = dpre.transpose(1, 0, 2)
        if batch_major.flags.c_contiguous:
            return batch_major.reshape(-1, G_H), True
        return np.ascontiguousarray(dpre).reshape(-1, G_H), False

    # -- the two entry points -------------------------------------------------
    def forward(self, xs: np.ndarray) -> np.ndarray:
        """Hidden states (N, T, H) for inputs xs (N, T, D)."""
        self._check_input(xs)
        K = self._fused_kernels(xs.shape[1])
        if K is not None:  # batch-major projections, the compiled loop's layout
            Wx, _, b = self.params
            N, T, D = xs.shape
            x2d = np.ascontiguousarray(xs).reshape(N * T, D)
            pre = x2d @ Wx
            pre += b
            self._x2d, self._x2d_batch_major = x2d, True
            return self._fused_forward(K, pre.reshape(N, T, -1))
        x2d, pre = self._input_projection(xs)
        self._x2d, self._x2d_batch_major = x2d, False
        return self._steps_forward(pre)

    def forward_projected(self, pre: np.ndarray) -> np.ndarray:
        """Like ``forward``, from input projections ``x_t @ Wx + b`` (T, N, G*H)
        that the caller computed (RNNLM looks them up from a table when the
        inputs are embeddings of a small vocabulary). ``pre`` is used in place.
        Pair it with :meth:`backward_projected`."""
        G_H = self.params[0].shape[1]
        if pre.ndim != 3 or pre.shape[2] != G_H:
            raise ValueError(
                f"{type(self).__name__}: projections have shape {pre.shape}, expected (T, N, {G_H})"
            )
        self._x2d = None
        K = self._fused_kernels(pre.shape[0])
        if K is not None:
            return self._fused_forward(K, np.ascontiguousarray(pre.transpose(1, 0, 2)))
        return self._steps_forward(pre)

    def forward_lookup(self, table: np.ndarray, ids: np.ndarray) -> np.ndarray:
        """Like ``forward_projected(table[ids])``: the projections of token ids
        (T, N) looked up in a per-token table (V, G*H). The compiled loop reads
        the table's rows itself instead of building ``table[ids]``; a cell may
        gather them step by step in its NumPy loop too (TimeLSTM does). Pair it
        with :meth:`backward_projected`."""
        ids = np.asarray(ids)
        K = self._fused_kernels(ids.shape[0] if ids.ndim == 2 else 0)
        if K is None:
            return self.forward_projected(table[ids])
        self._check_lookup(table, ids)
        self._x2d = None
        return self._fused_forward(K, None, table, ids.T)

    def _check_lookup(self, table: np.ndarray, ids: np.ndarray) -> None:
        """Refuse ids (T, N) and a table (V, G*H) that a lookup cannot use."""
        G_H = self.params[0].shape[1]
        if table.ndim != 2 or table.shape[1] != G_H or ids.ndim != 2:
            raise ValueError(
                f"{type(self).__name__}: lookup of ids {ids.shape} in a table {table.shape}, "
                f"expected (T, N) ids and a (V, {G_H}) table"
            )
        if ids.size and (ids.min() < 0 or ids.max() >= table.shape[0]):
            raise ValueError(f"{type(self).__name__}: token ids outside [0, {table.shape[0]})")

    def backward(self, dhs: np.ndarray) -> np.ndarray:
        """Fill all gradients; return the gradient for xs (N, T, D)."""
        if self._x2d is None:
            raise RuntimeError(
                f"{type(self).__name__}: the last forward was forward_projected; "
                "use backward_projected"
            )
        Wx = self.params[0]
        dpre = self.backward_projected(dhs)
        T, N, _ = dpre.shape
        dpre2d, batch_major = self.gradient_rows(dpre)
        if min(T, N) == 1:  # then both orders are the same
            batch_major = self._x2d_batch_major
        elif batch_major != self._x2d_batch_major:  # one path runs both passes
            raise RuntimeError(f"{type(self).__name__}: forward and backward layouts differ")
        np.matmul(self._x2d.T, dpre2d, out=self.grads[0])
        dx = dpre2d @ Wx.T
        if batch_major:
            return dx.reshape(N, T, -1)
        return dx.reshape(T, N, -1).transpose(1, 0, 2)

    def backward_projected(self, dhs: np.ndarray) -> np.ndarray:
        """Fill the Wh and b gradients; return the gradient for the input
        projections (T, N, G*H). The Wx gradient is left to the caller."""
        self.lookup_sums = None  # only this call's loop may fill it
        if self._ran_fused():  # the forward ran the compiled loop: so does the backward
            from rnnplay.core.nn import fused

            dpre = self._fused_backward(fused.compiled(), dhs)
        else:
            dpre = self._steps_backward(dhs)
        np.sum(self.gradient_rows(dpre)[0], axis=0, out=self.grads[2])
        return dpre

    @property
    def hidden_states(self) -> np.ndarray | None:
        """Hidden states (N, T, H) of the last forward."""
        if self._cache is None:
            return None
        if self._ran_fused():
            return self._cache[1]
        return self._cache[0][1:].transpose(1, 0, 2)

    state_names: tuple[str, ...] = ("h",)
    """The names :meth:`states` returns, in order (the inspector's columns)."""

    def states(self) -> dict[str, np.ndarray]:
        """Every per-step quantity of the last forward worth looking at, as
        (N, T, H) copies keyed by :attr:`state_names`: ``h`` always, plus a
        cell's own (the LSTM's cell state and gates, the GRU's gates). Call it
        before a backward pass, which may reuse the buffers."""
        if self._cache is None:
            raise RuntimeError(f"{type(self).__name__}: no forward pass to report on")
        return {"h": self.hidden_states.copy()}

    # -- what each cell defines ---------------------------------------------------
    def _steps_forward(self, pre: np.ndarray) -> np.ndarray:
        """Run the time loop from projections (T, N, G*H); return hs (N, T, H)."""
        raise NotImplementedError

    def _steps_backward(self, dhs: np.ndarray) -> np.ndarray:
        """Back through the time loop; fill the Wh gradient, return d(projections)."""
        raise NotImplementedError
