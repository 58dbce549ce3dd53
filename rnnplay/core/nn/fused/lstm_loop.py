"""TimeLSTM's time loop through the compiled kernels: slicing, buffers, gradients.

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


def batch_inputs(
    pre: np.ndarray | None,
    table: np.ndarray | None,
    ids: np.ndarray | None,
    G: int,
    dtype: np.dtype,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool]:
    """The kernels' inputs, both always arrays: batch-major projections ``pre``
    (N, T, G) when given, else ``table`` rows picked by ``ids`` (N, T); the unused
    one is a small placeholder. Returns ``(pre, table, ids, use_table)``."""
    if pre is not None:
        N = pre.shape[0]
        pre = np.ascontiguousarray(pre, dtype=dtype)
        return pre, np.zeros((1, G), dtype=dtype), np.zeros((N, 1), dtype=np.intp), False
    N = ids.shape[0]
    table = np.ascontiguousarray(table, dtype=dtype)
    ids = np.ascontiguousarray(ids, dtype=np.intp)
    return np.zeros((N, 1, G), dtype=dtype), table, ids, True


def forward(
    layer, K: ModuleType, pre: np.ndarray | None, table: np.ndarray | None, ids: np.ndarray | None
) -> np.ndarray:
    """Hidden states (N, T, H) from batch-major projections ``pre`` (N, T, 4H),
    or from ``table`` (V, 4H) rows picked by batch-major ``ids`` (N, T)."""
    Wh = layer.params[1]
    dtype = Wh.dtype
    H = layer.hidden_size
    G = 4 * H
    pre, table, ids, use_table = batch_inputs(pre, table, ids, G, dtype)
    N, T = ids.shape if use_table else pre.shape[:2]
    h = np.array(layer._initial(layer.h, N, "h"), dtype=dtype, order="C")
    c = np.array(
        layer._initial(layer.c if layer.h is not None else None, N, "c"), dtype=dtype, order="C"
    )
    c_first = c.copy()
    gates, hprev, cs, tanh_cs = _buffers(layer, N, T, H, dtype)
    hs = np.empty((N, T, H), dtype=dtype)  # the caller's to keep
    Wh_T = np.empty((G, H), dtype=dtype)
    K.lstm_transpose(np.ascontiguousarray(Wh, dtype=dtype), Wh_T)
    calls = [
        (
            pre if use_table else pre[a:b],
            table,
            ids[a:b] if use_table else ids,
            use_table,
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
    layer._fused_lookup = (ids, table.shape[0]) if use_table else None
    layer._cache = ("fused", hs, hprev, cs, tanh_cs, gates, c_first)
    return hs


def token_sums(layer, K: ModuleType, dpre: np.ndarray) -> np.ndarray | None:
    """After a forward by lookup, the table's gradient: d(projections) (N, T, G)
    summed per token id (V, G), by column ranges on the step's threads; else None."""
    if layer._fused_lookup is None:
        return None
    ids, V = layer._fused_lookup
    sums = np.zeros((V, dpre.shape[2]), dtype=dpre.dtype)
    columns = fused.slices(dpre.shape[2])
    fused.run_sliced(K.token_sums, [(dpre, ids, sums, a, b) for a, b in columns])
    return sums


def _buffers(
    layer, N: int, T: int, H: int, dtype: np.dtype, gates: int = 4, others: int = 3
) -> tuple[np.ndarray, ...]:
    """The gate buffer (N, T, gates*H) and ``others`` (N, T, H) buffers of the
    layer's last call of the same shape, or new ones.

    Fresh arrays cost more than the loop's arithmetic here: 14 MB a char LSTM
    step, first touched page by page (~3500 page faults, several ms). So the
    layer keeps one set; what a backward returns (d(projections), in the
    gate buffer) stays valid until the layer's next forward of that shape.
    """
    # id(layer) in the key: a shallow copy of the layer (the Sampler's twin, which
    # may run in another thread) must not write into the original's buffers.
    key = (id(layer), N, T, H, gates, others, np.dtype(dtype))
    cached = getattr(layer, "_fused_buffers", None)
    if cached is not None and cached[0] == key:
        return cached[1]
    first = np.empty((N, T, gates * H), dtype=dtype)
    arrays = (first, *(np.empty((N, T, H), dtype=dtype) for _ in range(others)))
    layer._fused_buffers = (key, arrays)
    return arrays


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
    layer.grad_flow = np.sqrt(flow2.sum(axis=0)) if layer.record_grad_flow else None
    dpre = gates  # the kernel turned the activations into their gradients
    np.matmul(hprev.reshape(N * T, H).T, dpre.reshape(N * T, 4 * H), out=layer.grads[1])
    return dpre.transpose(1, 0, 2)
