"""TimeLSTM's time loop through the compiled kernels: slices, calls, gradients.

The NumPy loop in :mod:`rnnplay.core.nn.lstm` is the reference; this runs
the same computation batch-major ((N, T, ...) arrays, so each thread's rows
``n0:n1`` are one contiguous block) through
:func:`~rnnplay.core.nn.fused.lstm_kernels.lstm_forward` and
``lstm_backward``, one batch slice per thread. The layer's cache is tagged
``"fused"`` so its backward takes this path too.
"""

from __future__ import annotations

from types import ModuleType

import numpy as np

from rnnplay.core.nn import fused
from rnnplay.core.nn.fused.loop_parts import buffers, grad_flow, loop_inputs, token_sums


def forward(
    layer, K: ModuleType, pre: np.ndarray | None, table: np.ndarray | None, ids: np.ndarray | None
) -> np.ndarray:
    """Hidden states (N, T, H) from batch-major projections ``pre`` (N, T, 4H),
    or from ``table`` (V, 4H) rows picked by batch-major ``ids`` (N, T)."""
    Wh = layer.params[1]
    dtype = Wh.dtype
    H = layer.hidden_size
    G = 4 * H
    inputs = loop_inputs(pre, table, ids, G, dtype)
    N, T = inputs.batch
    h = np.array(layer._initial(layer.h, N, "h"), dtype=dtype, order="C")
    c = np.array(
        layer._initial(layer.c if layer.h is not None else None, N, "c"), dtype=dtype, order="C"
    )
    c_first = c.copy()
    gates, hprev, cs, tanh_cs = buffers(layer, N, T, H, dtype)
    hs = np.empty((N, T, H), dtype=dtype)  # the caller's to keep
    Wh_T = np.empty((G, H), dtype=dtype)
    K.lstm_transpose(np.ascontiguousarray(Wh, dtype=dtype), Wh_T)
    calls = [
        (
            *inputs.rows(a, b),
            Wh_T,
            h[a:b],
            c[a:b],
            gates[a:b],
            hs[a:b],
            hprev[a:b],
            cs[a:b],
            tanh_cs[a:b],
        )
        for a, b in fused.slices(N)
    ]
    fused.run_sliced(K.lstm_forward, calls)
    layer.h, layer.c = h, c
    layer._fused_lookup = inputs.lookup()
    layer._cache = ("fused", hs, hprev, cs, tanh_cs, gates, c_first)
    return hs


def backward(layer, K: ModuleType, dhs: np.ndarray) -> np.ndarray:
    """Fill the Wh gradient, ``dh``/``dc`` and ``grad_flow``; return d(projections)
    as a (T, N, 4H) view of a batch-major array. After a forward by lookup, also
    ``layer.lookup_sums``: d(projections) summed per token id (V, 4H), the
    table's gradient."""
    _, hs, hprev, cs, tanh_cs, gates, c_first = layer._cache
    N, T, H = hs.shape
    dtype = hs.dtype
    dhs = np.ascontiguousarray(dhs, dtype=dtype)
    dh = np.zeros((N, H), dtype=dtype)
    dc = np.zeros((N, H), dtype=dtype)
    parts = fused.slices(N)
    flow2 = np.zeros((len(parts), T))
    Wh = np.ascontiguousarray(layer.params[1])
    calls = [
        (dhs[a:b], gates[a:b], cs[a:b], tanh_cs[a:b], c_first[a:b], Wh, dh[a:b], dc[a:b], flow2[j])
        for j, (a, b) in enumerate(parts)
    ]
    fused.run_sliced(K.lstm_backward, calls)
    layer.lookup_sums = token_sums(layer, K, gates)
    layer.dh, layer.dc = dh, dc
    layer.grad_flow = grad_flow(layer, flow2)
    dpre = gates  # the kernel turned the activations into their gradients
    np.matmul(hprev.reshape(N * T, H).T, dpre.reshape(N * T, 4 * H), out=layer.grads[1])
    return dpre.transpose(1, 0, 2)
