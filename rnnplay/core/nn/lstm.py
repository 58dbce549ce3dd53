"""Long short-term memory: one step, and a whole sequence."""

from __future__ import annotations

import numpy as np

from rnnplay.core.nn.functions import sigmoid
from rnnplay.core.nn.recurrent import TimeRecurrent


class LSTM:
    """One LSTM step.

    Gate layout: Wx (D, 4H), Wh (H, 4H) and b (4H,) hold four blocks of H
    columns in the book's order **[f | g | i | o]**:

    - f = sigmoid(.)  forget gate
    - g = tanh(.)     candidate cell
    - i = sigmoid(.)  input gate
    - o = sigmoid(.)  output gate

    ``c_next = f * c_prev + g * i`` and ``h_next = o * tanh(c_next)``.
    """

    def __init__(self, Wx: np.ndarray, Wh: np.ndarray, b: np.ndarray) -> None:
        self.params = [Wx, Wh, b]
        self.grads = [np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)]
        self.cache: tuple | None = None

    def forward(
        self, x: np.ndarray, h_prev: np.ndarray, c_prev: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        Wx, Wh, b = self.params
        H = h_prev.shape[1]
        if x.shape[1] != Wx.shape[0] or Wh.shape != (H, 4 * H):
            raise ValueError(
                f"LSTM: x {x.shape} / h_prev {h_prev.shape} do not fit "
                f"Wx {Wx.shape} / Wh {Wh.shape}"
            )
        a = x @ Wx + h_prev @ Wh + b
        f = sigmoid(a[:, :H])
        g = np.tanh(a[:, H : 2 * H])
        i = sigmoid(a[:, 2 * H : 3 * H])
        o = sigmoid(a[:, 3 * H :])
        c_next = f * c_prev + g * i
        h_next = o * np.tanh(c_next)
        self.cache = (x, h_prev, c_prev, f, g, i, o, c_next)
        return h_next, c_next

    def backward(
        self, dh_next: np.ndarray, dc_next: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        Wx, Wh, _ = self.params
        x, h_prev, c_prev, f, g, i, o, c_next = self.cache
        tanh_c = np.tanh(c_next)
        ds = dc_next + dh_next * o * (1 - tanh_c**2)
        df = ds * c_prev * f * (1 - f)
        dg = ds * i * (1 - g**2)
        di = ds * g * i * (1 - i)
        do = dh_next * tanh_c * o * (1 - o)
        da = np.hstack((df, dg, di, do))
        self.grads[0][...] = x.T @ da
        self.grads[1][...] = h_prev.T @ da
        self.grads[2][...] = da.sum(axis=0)
        return da @ Wx.T, da @ Wh.T, ds * f


class TimeLSTM(TimeRecurrent):
    """T steps of :class:`LSTM` sharing one set of weights; gate layout [f | g | i | o].

    Forward: xs (N, T, D) -> hs (N, T, H). The cell state ``c`` is carried
    alongside ``h`` when stateful; ``set_state(h, c=None)`` sets both
    (c defaults to zeros). The input projection for all T steps and each
    weight gradient are single matmuls; the time loop works hidden-major
    (see ``_steps_forward``) on preallocated buffers, and ``forward_lookup``
    gathers each step's projections from a per-token table.
    """

    gates = 4
    fused_loop = "lstm_loop"  # rnnplay.core.nn.fused.lstm_loop, where numba is installed

    def __init__(
        self, Wx: np.ndarray, Wh: np.ndarray, b: np.ndarray, stateful: bool = False
    ) -> None:
        super().__init__(Wx, Wh, b, stateful)
        self.c: np.ndarray | None = None
        self.dc: np.ndarray | None = None

    def set_state(self, h: np.ndarray, c: np.ndarray | None = None) -> None:
        self.h = h
        self.c = c if c is not None else np.zeros_like(h)

    def reset_state(self) -> None:
        self.h = None
        self.c = None

    state_names = ("h", "c", "f", "g", "i", "o")

    def states(self) -> dict[str, np.ndarray]:
        """``h``, the cell state ``c`` and the gates ``f``, ``g``, ``i``, ``o``
        (activated) of every step of the last forward, each (N, T, H)."""
        if self._cache is None:
            raise RuntimeError("TimeLSTM: no forward pass to report on")
        H = self.hidden_size
        if self._ran_fused():  # the compiled loop keeps them batch-major (N, T, ...)
            _, hs, _, cs, _, gates, _ = self._cache
            out = {"h": hs.copy(), "c": cs.copy()}
            for k, name in enumerate("fgio"):
                out[name] = gates[:, :, k * H : (k + 1) * H].copy()
            return out
        hs, cs, _, gates = self._cache
        out = {"h": hs[1:].transpose(1, 0, 2).copy(), "c": cs[1:].transpose(2, 0, 1).copy()}
        for k, name in enumerate("fgio"):
            out[name] = gates[:, k * H : (k + 1) * H, :].transpose(2, 0, 1).copy()
        return out

    def forward_lookup(self, table: np.ndarray, ids: np.ndarray) -> np.ndarray:
        """``forward_projected(table[ids])`` without building ``table[ids]``: each
        step gathers its (4H, N) block straight from ``table`` (V, 4H) in the
        loop's layout, a quarter of the cost of reading the batch-major
        projections transposed. Pair it with :meth:`backward_projected`."""
        ids = np.asarray(ids)
        self._check_lookup(table, ids)
        self._x2d = None
        K = self._fused_kernels(ids.shape[0])
        if K is not None:
            return self._fused_forward(K, None, table, ids.T)
        return self._steps_forward(None, lookup=(np.ascontiguousarray(table.T), ids))

    def _steps_forward(
        self, act: np.ndarray | None, lookup: tuple[np.ndarray, np.ndarray] | None = None
    ) -> np.ndarray:
        # The loop works "hidden-major": each step's gates are a (4H, N) block
        # whose four gates are contiguous row blocks, the cell state is (H, N).
        # The recurrent product W_h^T h_t^T is computed in that shape, and
        # every gate operation reads and writes contiguous memory (on column
        # slices of an (N, 4H) block each operation cost 3-4x more). Same
        # numbers as the batch-major loop, bit for bit. The projections come
        # either as ``act`` (T, N, 4H) or, with ``lookup``, as (table^T, ids).
        Wh = self.params[1]
        H = self.hidden_size
        if lookup is None:
            T, N, _ = act.shape
            dtype = act.dtype
            if not act.flags.c_contiguous:
                act = np.ascontiguousarray(act)
            # Step t's gates go where its projections were (read by then): one
            # buffer, already in memory, instead of a fresh (T, 4H, N) array.
            gates = act.reshape(T, 4 * H, N)
        else:
            table_T, ids = lookup
            T, N = ids.shape
            dtype = table_T.dtype
            gates = np.empty((T, 4 * H, N), dtype=dtype)
        h0 = self._initial(self.h, N, "h")
        c0 = self._initial(self.c if self.h is not None else None, N, "c")
        hs = np.empty((T + 1, N, H), dtype=dtype)
        cs = np.empty((T + 1, H, N), dtype=dtype)
        tanh_cs = np.empty((T, H, N), dtype=dtype)
        rec = np.empty((4 * H, N), dtype=dtype)
        hs[0] = h0
        cs[0] = c0.T
        Wh_T = self._transposed(Wh, T)
        if Wh_T is None:
            Wh_T = Wh.T
        tmp = np.empty((H, N), dtype=dtype)
        half = dtype.type(0.5)
        # sigmoid(x) = 0.5 * tanh(x / 2) + 0.5, so one tanh call activates all four
        # gates: halve the sigmoid rows (f, and i and o) before it, then halve and
        # shift them after (row blocks: a (4H, 1) broadcast costs 3x more here).
        for t in range(T):
            np.matmul(Wh_T, hs[t].T, out=rec)
            if lookup is None:
                a = rec  # the step works in one cache-resident block
                a += act[t].T
            else:
                a = gates[t]
                np.take(table_T, ids[t], axis=1, out=a, mode="wrap")  # ids checked above
                a += rec
            sig_f, sig_io = a[:H], a[2 * H :]
            sig_f *= half
            sig_io *= half
            np.tanh(a, out=a)
            for block in (sig_f, sig_io):
                block *= half
                block += half
            f, g, i, o = a[:H], a[H : 2 * H], a[2 * H : 3 * H], a[3 * H :]
            c = cs[t + 1]
            np.multiply(f, cs[t], out=c)
            np.multiply(g, i, out=tmp)
            c += tmp
            np.tanh(c, out=tanh_cs[t])
            np.multiply(o, tanh_cs[t], out=hs[t + 1].T)
            if a is rec:
                gates[t] = a
        self.h = hs[T].copy()
        self.c = np.ascontiguousarray(cs[T].T)
        self._cache = (hs, cs, tanh_cs, gates)
        return hs[1:].transpose(1, 0, 2)

    def _steps_backward(self, dhs: np.ndarray) -> np.ndarray:
        # LSTM.backward's form, step by step and hidden-major like the forward:
        # each gate's gradient is the upstream gradient (ds for f, g, i; dh for
        # o) times the gate's local derivative [in brackets], computed into one
        # (H, N) buffer that stays in cache.
        Wh = self.params[1]
        hs, cs, tanh_cs, gates = self._cache
        _, N, H = hs.shape
        T = hs.shape[0] - 1
        dtype = hs.dtype
        # Step t's gradients go where its gates were (read by then): the
        # forward's one buffer again.
        dpre = gates.reshape(T, N, 4 * H)
        d = np.empty((4 * H, N), dtype=dtype)
        df, dg, di, do = d[:H], d[H : 2 * H], d[2 * H : 3 * H], d[3 * H :]
        dh = np.zeros((H, N), dtype=dtype)
        dc = np.zeros((H, N), dtype=dtype)
        ds = np.empty((H, N), dtype=dtype)
        local = np.empty((H, N), dtype=dtype)
        flow = np.empty(T) if self.record_grad_flow else None
        for t in range(T - 1, -1, -1):
            a = gates[t]
            f, g, i, o = a[:H], a[H : 2 * H], a[2 * H : 3 * H], a[3 * H :]
            tanh_c, c_prev = tanh_cs[t], cs[t]
            dh += dhs[:, t, :].T
            if flow is not None:
                flow[t] = np.sqrt(np.vdot(dh, dh))
            # ds = dc + dh * [o (1 - tanh(c)^2)]
            np.multiply(tanh_c, tanh_c, out=local)
            np.subtract(1, local, out=local)
            local *= o
            np.multiply(dh, local, out=ds)
            ds += dc
            # do = dh * [tanh(c) o (1 - o)]
            np.subtract(1, o, out=local)
            local *= o
            local *= tanh_c
            np.multiply(dh, local, out=do)
            # df = ds * [c_prev f (1 - f)]
            np.subtract(1, f, out=local)
            local *= f
            local *= c_prev
            np.multiply(ds, local, out=df)
            # dg = ds * [i (1 - g^2)]
            np.multiply(g, g, out=local)
            np.subtract(1, local, out=local)
            local *= i
            np.multiply(ds, local, out=dg)
            # di = ds * [g i (1 - i)]
            np.subtract(1, i, out=local)
            local *= i
            local *= g
            np.multiply(ds, local, out=di)
            # on to step t-1: dc_prev = ds * f, dh_prev^T = Wh d
            np.multiply(ds, f, out=dc)
            np.copyto(dpre[t], d.T)
            np.matmul(Wh, d, out=dh)
        self.dh = np.ascontiguousarray(dh.T)
        self.dc = np.ascontiguousarray(dc.T)
        self.grad_flow = flow
        np.matmul(hs[:-1].reshape(T * N, H).T, dpre.reshape(T * N, 4 * H), out=self.grads[1])
        return dpre
