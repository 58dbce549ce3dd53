"""TimeGRU's time loop through the compiled kernels (see lstm_loop for the scheme)."""

from __future__ import annotations

from types import ModuleType

import numpy as np

from rnnplay.core.nn import fused
from rnnplay.core.nn.fused.loop_parts import buffers, grad_flow, loop_inputs, token_sums


def forward(
    layer, K: ModuleType, pre: np.ndarray | None, table: np.ndarray | None, ids: np.ndarray | None
) -> np.ndarray:
    """Hidden states (N, T, H) from batch-major projections (N, T, 3H) or a table lookup."""
    Wh = layer.params[1]
    dtype = Wh.dtype
    H = layer.hidden_size
    G = 3 * H
    inputs = loop_inputs(pre, table, ids, G, dtype)
    N, T = inputs.batch
    h = np.array(layer._initial(layer.h, N, "h"), dtype=dtype, order="C")
    h_first = h.copy()
    gates, hprev, hrs = buffers(layer, N, T, H, dtype, gates=3, others=2)
    hs = np.empty((N, T, H), dtype=dtype)
    Whzr_T = np.ascontiguousarray(Wh[:, : 2 * H].T)
    Whc_T = np.ascontiguousarray(Wh[:, 2 * H :].T)
    calls = [
        (
            *inputs.rows(a, b),
            Whzr_T,
            Whc_T,
            h[a:b],
            gates[a:b],
            hs[a:b],
            hprev[a:b],
            hrs[a:b],
        )
        for a, b in fused.slices(N)
    ]
    fused.run_sliced(K.gru_forward, calls)
    layer.h = h
    layer._fused_lookup = inputs.lookup()
    layer._cache = ("fused", hs, hprev, hrs, gates, h_first)
    return hs


def backward(layer, K: ModuleType, dhs: np.ndarray) -> np.ndarray:
    """Fill the Wh gradient, ``dh``, ``grad_flow`` and (after a lookup)
    ``lookup_sums``; return d(projections) as a (T, N, 3H) view of a batch-major
    array."""
    _, hs, hprev, hrs, gates, _ = layer._cache
    N, T, H = hs.shape
    dtype = hs.dtype
    dhs = np.ascontiguousarray(dhs, dtype=dtype)
    dh = np.zeros((N, H), dtype=dtype)
    parts = fused.slices(N)
    flow2 = np.zeros((len(parts), T))
    Wh = layer.params[1]
    Wh_zr = np.ascontiguousarray(Wh[:, : 2 * H])
    Wh_c = np.ascontiguousarray(Wh[:, 2 * H :])
    calls = [
        (dhs[a:b], gates[a:b], hprev[a:b], Wh_zr, Wh_c, dh[a:b], flow2[j])
        for j, (a, b) in enumerate(parts)
    ]
    fused.run_sliced(K.gru_backward, calls)
    layer.dh = dh
    layer.lookup_sums = token_sums(layer, K, gates)  # after a lookup: the table's gradient
    layer.grad_flow = grad_flow(layer, flow2)
    d2d = gates.reshape(N * T, 3 * H)
    layer.grads[1][:, : 2 * H] = hprev.reshape(N * T, H).T @ d2d[:, : 2 * H]
    layer.grads[1][:, 2 * H :] = hrs.reshape(N * T, H).T @ d2d[:, 2 * H :]
    return gates.transpose(1, 0, 2)
