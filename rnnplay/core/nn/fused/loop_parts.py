"""What the compiled loops of every cell do alike around their kernels.

The inputs each batch slice reads (projections, or table rows picked by
token ids), the buffers a layer keeps between calls, the lookup table's
gradient summed per token, and the gradient-flow figure. The cells'
``*_loop`` modules build their kernels' calls from these.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType

import numpy as np

from rnnplay.core.nn import fused


@dataclass(frozen=True)
class LoopInputs:
    """The kernels' first four arguments, both sources always arrays: batch-major
    projections ``pre`` (N, T, G), or ``table`` (V, G) rows picked by ``ids``
    (N, T) when ``use_table``; the unused one is a small placeholder."""

    pre: np.ndarray
    table: np.ndarray
    ids: np.ndarray
    use_table: bool

    @property
    def batch(self) -> tuple[int, int]:
        """(N, T) of the call."""
        return self.ids.shape if self.use_table else self.pre.shape[:2]

    def rows(self, a: int, b: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool]:
        """The arguments for the slice of rows ``a:b``."""
        if self.use_table:
            return self.pre, self.table, self.ids[a:b], True
        return self.pre[a:b], self.table, self.ids, False

    def lookup(self) -> tuple[np.ndarray, int] | None:
        """(ids, V) for :func:`token_sums` after a forward by lookup, else None."""
        return (self.ids, self.table.shape[0]) if self.use_table else None


def loop_inputs(
    pre: np.ndarray | None,
    table: np.ndarray | None,
    ids: np.ndarray | None,
    G: int,
    dtype: np.dtype,
) -> LoopInputs:
    """The kernels' inputs from projections ``pre`` (N, T, G), or else from
    ``table`` (V, G) and batch-major ``ids`` (N, T)."""
    if pre is not None:
        N = pre.shape[0]
        pre = np.ascontiguousarray(pre, dtype=dtype)
        return LoopInputs(
            pre, np.zeros((1, G), dtype=dtype), np.zeros((N, 1), dtype=np.intp), False
        )
    N = ids.shape[0]
    table = np.ascontiguousarray(table, dtype=dtype)
    ids = np.ascontiguousarray(ids, dtype=np.intp)
    return LoopInputs(np.zeros((N, 1, G), dtype=dtype), table, ids, True)


def buffers(
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


def grad_flow(layer, flow2: np.ndarray) -> np.ndarray | None:
    """The L2 norm of dL/dh_t for every t from the slices' sums of squares
    (slices, T), when the layer records it."""
    return np.sqrt(flow2.sum(axis=0)) if layer.record_grad_flow else None
