"""TimeRNN's time loop through the compiled kernels (see lstm_loop for the scheme)."""

from __future__ import annotations

from types import ModuleType

import numpy as np

from rnnplay.core.nn import fused
from rnnplay.core.nn.fused.loop_parts import buffers, grad_flow, loop_inputs, token_sums


def forward(
    layer, K: ModuleType, pre: np.ndarray | None, table: np.ndarray | None, ids: np.ndarray | None
) -> np.ndarray:
    """Hidden states (N, T, H) from batch-major projections (N, T, H) or a table lookup."""
    Wh = layer.params[1]
    dtype = Wh.dtype
    H = layer.hidden_size
    inputs = loop_inputs(pre, table, ids, H, dtype)
    N, T = inputs.batch
    h = np.array(layer._initial(layer.h, N, "h"), dtype=dtype, order="C")
    # the first buffer is the backward's d(projections); the forward writes h_(t-1)
    _, hprev = buffers(layer, N, T, H, dtype, gates=1, others=1)
    hs = np.empty((N, T, H), dtype=dtype)  # the caller's to keep
    Wh_T = np.ascontiguousarray(Wh.T)
    calls = [
        (
            *inputs.rows(a, b),
            Wh_T,
            h[a:b],
            hs[a:b],
            hprev[a:b],
        )
        for a, b in fused.slices(N)
    ]
    fused.run_sliced(K.rnn_forward, calls)
    layer.h = h
    layer._fused_lookup = inputs.lookup()
    layer._cache = ("fused", hs, hprev)
    return hs


def backward(layer, K: ModuleType, dhs: np.ndarray) -> np.ndarray:
    """Fill the Wh gradient, ``dh``, ``grad_flow`` and (after a lookup)
    ``lookup_sums``; return d(projections) as a (T, N, H) view of a batch-major
    array."""
    _, hs, hprev = layer._cache
    N, T, H = hs.shape
    dtype = hs.dtype
    dpre, _ = buffers(layer, N, T, H, dtype, gates=1, others=1)
    dhs = np.ascontiguousarray(dhs, dtype=dtype)
    dh = np.zeros((N, H), dtype=dtype)
    parts = fused.slices(N)
    flow2 = np.zeros((len(parts), T))
    Wh = np.ascontiguousarray(layer.params[1])
    calls = [
        (dhs[a:b], hs[a:b], Wh, dh[a:b], dpre[a:b], flow2[j]) for j, (a, b) in enumerate(parts)
    ]
    fused.run_sliced(K.rnn_backward, calls)
    layer.dh = dh
    layer.lookup_sums = token_sums(layer, K, dpre)  # after a lookup: the table's gradient
    layer.grad_flow = grad_flow(layer, flow2)
    # one product over the batch, so that its bits do not depend on the slicing
    np.matmul(hprev.reshape(N * T, H).T, dpre.reshape(N * T, H), out=layer.grads[1])
    return dpre.transpose(1, 0, 2)
